"""The evaluation job's settings, built by ``sqlfix eval`` (or by Python callers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EvalConfig:
    """Settings of one evaluation run.

    Parameters that choose the cases:
        cases: a golden JSONL file or a folder searched recursively (default ``golden``).
        task: ``text2sql``, ``repair`` or ``all``.
        limit: evaluate at most this many cases per task (in file order; 0 means all).

    Parameters that choose the systems:
        systems: system specs (see ``eval.systems``), compared side by side on the same cases.
        base_url: endpoint of ``openai:<model>`` specs; None uses ``OPENAI_BASE_URL``.
        record: write every request the systems make of their models to this JSONL file, the
            models answering nothing (``sqlfix.models.replay``; predictions are not cached).
        replay: serve the systems' models from this answers JSONL instead of loading them
            (answers made on a GPU host from a ``record`` file; predictions are not cached).

    Parameters of the comparison:
        perturbed_copies: test-suite mode: also compare on this many perturbed copies of each
            DuckDB demo database (0 turns it off).
        seed: seed of the perturbed copies.

    Parameters of the output:
        out: folder for ``report.md``, ``report.html``, ``accuracy.png`` and ``results.json``.
        use_cache: reuse cached predictions keyed by (system fingerprint, case id, case hash).
        cache_dir: where predictions are cached; None uses ``$SQLFIX_CACHE_DIR/eval/predictions``.
        progress: show progress bars.
    """

    cases: Path = Path("golden")
    task: str = "all"
    limit: int = 0
    systems: tuple[str, ...] = ("rules",)
    base_url: str | None = None
    record: Path | None = None
    replay: Path | None = None
    perturbed_copies: int = 0
    seed: int = 0
    out: Path = Path("eval-report")
    use_cache: bool = True
    cache_dir: Path | None = None
    progress: bool = True
