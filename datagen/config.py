"""``DatagenConfig``: every knob of a datagen run, with documented defaults.

The CLI builds it from flags; Python callers build it directly; ``load_config`` reads it from
a TOML file (keys are the field names; unknown keys are an error).

Example:
    >>> cfg = DatagenConfig(demos=["shop"], pairs_per_schema=10)
    >>> cfg.max_rows
    100
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlfix.errors import InputFormatError


@dataclass
class DatagenConfig:
    """Configuration of one ``sqlfix datagen`` run.

    Sources (at least one):
        demos: demo database names (``shop``, ``hr``, ``flights``) to generate for.
        engines: engines the demos run on, ``duckdb`` and/or ``clickhouse`` (chDB).
        dbs: other engine URLs (``duckdb:///abs/x.duckdb``, ``chdb:///path``...); their schema is
            read from the database itself.
        from_logs: editor event logs (JSONL, format in ``datagen/README.md``).
        query_log_url: engine URL whose ``system.query_log`` is mined for repairs.
        query_log_table: the table read there (another table with the same columns works too).
        query_log_window_s: a success must follow the failure within this many seconds.
        query_log_min_similarity: rapidfuzz ratio (0-100) the success must reach against the failure.

    Offline generator:
        offline: run the schema-aware sampler and the mutation operators.
        pairs_per_schema: question/SQL candidates drawn per (schema, engine); verified pairs are fewer.
        mutations_per_pair: bug-injection attempts per verified pair (distinct operators).
        operators: restrict to these operator names (empty: all registered operators).
        clickhouse_fraction: share of ``pairs_per_schema`` drawn for the clickhouse engine.
        lower_case_rate: share of verified pairs whose repairs are written in lower case
            (``select count(*) from t``; the pairs themselves stay upper case), so a model trained on
            them keeps the user's style; a restyled query must return the same result.

    LLM generator (through the ``openai`` client, key from ``OPENAI_API_KEY``):
        llm: enable it.
        base_url / model: the OpenAI-compatible endpoint and model name.
        llm_requests_per_schema: chat requests per (schema, engine, task).
        llm_concurrency: requests in flight at most.
        llm_max_retries: retries on 429 / 5xx / timeouts (exponential backoff from ``llm_backoff_s``).
        llm_timeout_s: per-request timeout.
        llm_temperature: sampling temperature of the requests.
        llm_few_shot: accepted examples shown in each prompt (random sample, for diversity).
        price_prompt_per_1k / price_completion_per_1k: USD per 1000 tokens, for the cost estimate.

    Filters:
        max_rows: a query returning more rows than this is dropped (the issue's N, default 100).
        allow_empty: keep queries with an empty result (default False: dropped).
        near_duplicate_ratio: rapidfuzz ``ratio`` at or above which two questions of one schema are
            near-duplicates (0-100).
        same_result_question_ratio: two questions with the same result are kept only if their
            ratio is below this.
        max_per_template: cap of pairs per SQL template (``sql_template``) per schema; 0 = no cap.
        max_repairs_per_template: cap of repairs per (template of the fixed SQL, operator); 0 = no cap.
        max_edit_ratio: a fix whose normalised character edit distance from the broken SQL is
            above this is a rewrite, not a targeted edit, and is dropped.
        golden_dir: golden JSONL files whose SQL must never appear in generated data.
        timeout_s: engine time limit per verification query.
        blowup_timeout_s: the time limit ``timeout`` bugs (a recursion that never ends) are verified
            under; the row records it.
        blowup_memory_mb: the memory limit ``resource_limit`` bugs (a sort of a cartesian product)
            are verified under, with ``timeout_s``; the row records both. The engines' default is
            2048 MB; fixed queries of the demos need well under 16 MB, a cartesian sort many times more.

    Output:
        out_dir: output directory (``data/<run>``).
        seed: the run's seed; every batch seeds its own RNG from it.
        batch_size: candidates per batch (a checkpoint is written after each batch).
        split_by: ``question`` (groups by correct SQL, hashed into splits) or ``schema``.
        split_fractions: train / validation / test shares.
        holdout_schemas: with ``split_by = "schema"``: ``{schema_id: split}``.
        gzip: write the split files as ``.jsonl.gz``.
        progress: show rich progress bars.
        workers: processes for the offline batches (sources are shared out; 1 = in-process). The
            dataset does not depend on it.
    """

    demos: list[str] = field(default_factory=list)
    engines: list[str] = field(default_factory=lambda: ["duckdb"])
    dbs: list[str] = field(default_factory=list)
    from_logs: list[str] = field(default_factory=list)
    query_log_url: str | None = None
    query_log_table: str = "system.query_log"
    query_log_window_s: float = 600.0
    query_log_min_similarity: float = 60.0

    offline: bool = True
    pairs_per_schema: int = 1500
    mutations_per_pair: int = 4
    operators: list[str] = field(default_factory=list)
    clickhouse_fraction: float = 1.0
    lower_case_rate: float = 0.35

    llm: bool = False
    base_url: str | None = None
    model: str | None = None
    llm_requests_per_schema: int = 10
    llm_concurrency: int = 4
    llm_max_retries: int = 4
    llm_backoff_s: float = 0.5
    llm_timeout_s: float = 60.0
    llm_temperature: float = 0.8
    llm_few_shot: int = 4
    price_prompt_per_1k: float = 0.0
    price_completion_per_1k: float = 0.0

    max_rows: int = 100
    allow_empty: bool = False
    near_duplicate_ratio: float = 97.0
    same_result_question_ratio: float = 80.0
    max_per_template: int = 12
    max_repairs_per_template: int = 6
    max_edit_ratio: float = 0.35
    golden_dir: str = "golden"
    timeout_s: float = 5.0
    blowup_timeout_s: float = 0.25
    blowup_memory_mb: int = 32

    out_dir: str = "data/run"
    seed: int = 0
    batch_size: int = 50
    split_by: str = "question"
    split_fractions: tuple[float, float, float] = (0.9, 0.05, 0.05)
    holdout_schemas: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    progress: bool = True
    workers: int = 1

    def __post_init__(self) -> None:
        """Refuse settings that cannot work, naming the field."""
        problems = []
        if self.split_by not in ("question", "schema"):
            problems.append(f"split_by must be 'question' or 'schema', not {self.split_by!r}")
        if len(self.split_fractions) != 3 or abs(sum(self.split_fractions) - 1.0) > 1e-6:
            problems.append(f"split_fractions must be three shares summing to 1, not {list(self.split_fractions)}")
        unknown = [e for e in self.engines if e not in ("duckdb", "clickhouse")]
        if unknown:
            problems.append(f"engines must be duckdb or clickhouse, not {', '.join(unknown)}")
        for name in ("max_rows", "batch_size", "workers", "llm_concurrency"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if not 0.0 <= self.lower_case_rate <= 1.0:
            problems.append(f"lower_case_rate must be between 0 and 1, not {self.lower_case_rate}")
        if problems:
            raise InputFormatError("invalid datagen config: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (for the manifest)."""
        data = asdict(self)
        data["split_fractions"] = list(self.split_fractions)
        return data


def load_config(path: str | Path, **overrides: Any) -> DatagenConfig:
    """Read a ``DatagenConfig`` from a TOML file; ``overrides`` win over the file.

    Raises:
        InputFormatError: the file is not valid TOML or names an unknown key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputFormatError(f"{path}: cannot read datagen config: {exc}") from exc
    data = data.get("datagen", data)
    known = {f.name for f in fields(DatagenConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputFormatError(f"{path}: unknown datagen config keys: {', '.join(unknown)}")
    data.update({k: v for k, v in overrides.items() if v is not None})
    if "split_fractions" in data:
        data["split_fractions"] = tuple(data["split_fractions"])
    return DatagenConfig(**data)
