"""The CI gate: evaluate the default CPU system on the golden set and fail when accuracy
drops below the baseline recorded in ``eval/baseline.json``, or when more failing queries get
a wrong fix that runs (``fixed_wrong``) than the baseline recorded."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlfix.errors import InputFormatError

if TYPE_CHECKING:
    from eval.metrics import Summary

BASELINE_PATH = Path(__file__).resolve().parent / "baseline.json"
_RECORDING_PRECISION = 1e-6  # baselines are written rounded to 6 decimals


@dataclass(frozen=True)
class Baseline:
    """The accuracy CI must keep.

    Attributes:
        system: the system the gate evaluates (``rules``: fast on 2 CPU cores).
        task: the task it is evaluated on.
        accuracy: exact-match accuracy recorded when the baseline was set.
        cases: how many cases it was measured on (a changed count is reported).
        golden_version: the golden set's version then.
        tolerance: how far below ``accuracy`` still passes.
        split: the cases it counts: ``all``, or those on ``seen`` schemas (the golden set's
            ``splits.json``), so adding unseen schemas does not move the gate.
        fixed_wrong: failing queries that got a fix which runs, is not flagged unsure and is
            not equivalent to the answer (``Summary.fixed_wrong``); more fails the gate. None
            (an older baseline) checks accuracy only.
    """

    system: str
    task: str
    accuracy: float
    cases: int
    golden_version: str | None = None
    tolerance: float = 0.0
    split: str = "all"
    fixed_wrong: int | None = None


@dataclass(frozen=True)
class GateOutcome:
    """Whether the gate passed, and a one-paragraph explanation."""

    passed: bool
    message: str


def read_baseline(path: Path = BASELINE_PATH) -> Baseline:
    """Read a baseline file; a missing or malformed one raises :class:`InputFormatError`."""
    try:
        data = json.loads(path.read_text())
        return Baseline(**data)
    except FileNotFoundError:
        raise InputFormatError(f"baseline file not found: {path} (record one with --update-baseline)") from None
    except (json.JSONDecodeError, TypeError) as exc:
        raise InputFormatError(f"{path}: not a valid baseline ({exc})") from None


def write_baseline(baseline: Baseline, path: Path = BASELINE_PATH) -> None:
    """Record ``baseline`` at ``path``."""
    path.write_text(json.dumps(asdict(baseline), indent=2) + "\n")


def check_gate(summaries: list[Summary], baseline: Baseline, golden_version: str | None = None) -> GateOutcome:
    """Compare the measured accuracy of the baseline's (system, task, split) with the baseline."""
    measured = _measured(summaries, baseline.system, baseline.task, baseline.split)
    if measured is None or measured.accuracy.total == 0:
        return GateOutcome(False, f"no {baseline.task} results for system {baseline.system} ({baseline.split} cases)")
    floor = baseline.accuracy - baseline.tolerance
    notes = []
    if measured.accuracy.total != baseline.cases:
        notes.append(f"case count changed {baseline.cases} -> {measured.accuracy.total}")
    if golden_version and baseline.golden_version and golden_version != baseline.golden_version:
        notes.append(f"golden set {baseline.golden_version} -> {golden_version}")
    note = f" ({'; '.join(notes)})" if notes else ""
    cases = "" if baseline.split == "all" else f" ({baseline.split} schemas)"
    summary = f"{baseline.system} on {baseline.task}{cases}: accuracy {measured.accuracy}, baseline {baseline.accuracy:.1%}"
    if baseline.fixed_wrong is not None:
        summary += f"; fixed-wrong {measured.fixed_wrong}, baseline {baseline.fixed_wrong}"
    if measured.accuracy.value + _RECORDING_PRECISION < floor:
        return GateOutcome(False, f"FAIL {summary}, below the floor {floor:.1%}{note}")
    if baseline.fixed_wrong is not None and measured.fixed_wrong.hits > baseline.fixed_wrong:
        return GateOutcome(False, f"FAIL {summary}: more wrong fixes that run than the baseline{note}")
    return GateOutcome(True, f"PASS {summary}{note}")


def baseline_from(
    summaries: list[Summary], system: str, task: str, golden_version: str | None, tolerance: float, split: str = "all"
) -> Baseline:
    """A new baseline from measured summaries (those of ``split``)."""
    measured = _measured(summaries, system, task, split)
    if measured is None:
        raise InputFormatError(f"no {task} results for system {system} ({split} cases) to record as the baseline")
    return Baseline(system, task, round(measured.accuracy.value, 6), measured.accuracy.total, golden_version, tolerance,
                    split=split, fixed_wrong=measured.fixed_wrong.hits)


def _measured(summaries: list[Summary], system: str, task: str, split: str) -> Summary | None:
    return next((s for s in summaries if (s.system, s.task, s.split) == (system, task, split)), None)
