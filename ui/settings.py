"""Per-session settings (model, endpoint, k, timeouts, row limit, logging) and what they build:
query limits, the ``FixConfig``, the model and the interaction log."""

from __future__ import annotations

from dataclasses import dataclass
from sqlfix.engines.base import Limits
from sqlfix.fix import FixConfig
from sqlfix.models.specs import parse_model_spec
from ui.config import UIConfig
from ui.interaction_log import InteractionLog


@dataclass
class Settings:
    """What the sidebar's Settings panel edits; starts from the ``UIConfig``.

    Attributes:
        model: model spec for Fix and Ask, or ``rules`` (rules-only fixes, Ask disabled).
        base_url: OpenAI-compatible endpoint for ``openai:`` specs.
        k: candidates per fix / question.
        timeout_s: per-query time limit.
        row_limit: rows fetched and shown at most.
        log_enabled: whether interactions are logged.
        log_file: where they are logged.
    """

    model: str
    base_url: str | None
    k: int
    timeout_s: float
    row_limit: int
    log_enabled: bool
    log_file: str

    @classmethod
    def from_config(cls, config: UIConfig) -> "Settings":
        """Take the start-up values of ``sqlfix ui``."""
        return cls(
            model=config.model,
            base_url=config.base_url,
            k=config.k,
            timeout_s=config.timeout_s,
            row_limit=config.row_limit,
            log_enabled=config.log_enabled,
            log_file=config.log_file,
        )

    @property
    def uses_model(self) -> bool:
        """False for rules-only fixing (the spec ``rules``)."""
        return not parse_model_spec(self.model).is_rules

    def limits(self) -> Limits:
        """Limits for every query the editor runs."""
        return Limits(timeout_s=self.timeout_s, max_rows=self.row_limit)

    def fix_config(self) -> FixConfig:
        """The pipeline's ``FixConfig`` for these settings."""
        return FixConfig(k=self.k, timeout_s=self.timeout_s, max_rows=self.row_limit)

    def interaction_log(self) -> InteractionLog:
        """The log these settings write to (a no-op when logging is off)."""
        return InteractionLog(self.log_file, enabled=self.log_enabled)
