"""`UIConfig`: what `sqlfix ui` was started with, passed to the Streamlit script by environment."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal

from sqlfix.errors import InputFormatError

ENV_VAR = "SQLFIX_UI_CONFIG"

EditorKind = Literal["code", "text"]


@dataclass
class UIConfig:
    """Start-up settings of the editor; the sidebar can change most of them per session.

    Attributes:
        db: the database opened first (any ``open_engine`` URL, a DuckDB file, a schema file).
        model: the model spec for Fix and Ask, of the vocabulary in :mod:`sqlfix.models.specs`
            (``auto``: the machine's default, see ``sqlfix.models.hardware``; ``default``,
            ``qwen2.5-coder-0.5b-sqlfix``, ``openai:<name>``...); ``rules`` means rules-only
            fixes and no Ask.
        base_url: the OpenAI-compatible endpoint for ``openai:`` models (else ``OPENAI_BASE_URL``).
        log_file: the interaction log (JSONL, read by ``sqlfix datagen --from-log``).
        log_enabled: False turns interaction logging off (``--no-log``).
        k: candidates per fix / question (best-of-k).
        timeout_s: per-query time limit.
        row_limit: rows fetched and shown at most.
        editor: ``code`` (the Ace code editor component) or ``text`` (a plain text area).
        reports_dir: where saved ``sqlfix eval`` reports are looked for.
    """

    db: str = "demo://shop"
    model: str = "auto"
    base_url: str | None = None
    log_file: str = str(Path("~") / ".sqlfix" / "interactions.jsonl")
    log_enabled: bool = True
    k: int = 4
    timeout_s: float = 10.0
    row_limit: int = 1000
    editor: EditorKind = "code"
    reports_dir: str = "runs"

    def to_env(self) -> dict[str, str]:
        """Return the environment entry that hands this config to the Streamlit script."""
        return {ENV_VAR: json.dumps(asdict(self))}

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "UIConfig":
        """Read the config from the environment (defaults when unset)."""
        text = (os.environ if environ is None else environ).get(ENV_VAR)
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFormatError(f"{ENV_VAR} is not valid JSON: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputFormatError(f"{ENV_VAR} has unknown settings: {', '.join(unknown)}")
        return cls(**data)
