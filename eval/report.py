"""Write an evaluation's report: ``report.md``, ``report.html`` (the plots embedded),
``accuracy.png``, ``calibration.png`` and ``results.json`` (every case result and every summary)."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from eval.equivalence import Verdict
from eval.metrics import CONFIDENT, OUTCOMES, Summary, summarise, summarise_splits
from eval.plot import plot_accuracy, plot_calibration
from eval.runner import EvalRun

_FAILURES_SHOWN = 200


@dataclass(frozen=True)
class Section:
    """One table of the report."""

    title: str
    header: list[str]
    rows: list[list[str]]


def report_sections(summaries: list[Summary], splits: list[Summary] | None = None) -> list[Section]:
    """The report's tables: overall scores, scores on seen and unseen schemas (when ``splits``
    has unseen ones), verdict counts, accuracy per category, repair rate per error kind,
    accuracy per difficulty."""
    overall = Section(
        "Overall",
        ["system", "task", "accuracy (exact)", "superset", "valid SQL", "exact match (normalised)", "latency p50 ms", "latency p95 ms"],
        [
            [s.system, s.task, str(s.accuracy), str(s.superset), str(s.valid_sql), str(s.exact_match),
             f"{s.latency_p50_ms:.1f}", f"{s.latency_p95_ms:.1f}"]
            for s in summaries
        ],
    )
    verdict_names = [v.value for v in Verdict]
    verdicts = Section(
        "Verdicts",
        ["system", "task", *verdict_names],
        [[s.system, s.task, *[str(s.verdicts.get(name, 0)) for name in verdict_names]] for s in summaries],
    )
    sections = [overall]
    if any(s.split == "unseen" for s in splits or []):
        sections.append(Section(
            "Seen vs unseen schemas",
            ["system", "task", "schemas", "accuracy (exact)", "superset", "valid SQL"],
            [[s.system, s.task, s.split, str(s.accuracy), str(s.superset), str(s.valid_sql)]
             for s in sorted(splits or [], key=lambda s: (s.system, s.task))],
        ))
    sections += [verdicts, *precision_sections(summaries)]
    for task, attribute, title in (
        ("text2sql", "per_category", "Text-to-SQL accuracy per category"),
        ("repair", "per_category", "Repair accuracy per category"),
        ("repair", "per_error_kind", "Repair rate per error kind"),
        ("text2sql", "per_difficulty", "Text-to-SQL accuracy per difficulty"),
        ("repair", "per_difficulty", "Repair accuracy per difficulty"),
    ):
        rows = [s for s in summaries if s.task == task]
        keys = sorted({k for s in rows for k in getattr(s, attribute)})
        if rows and keys:
            table = [[key, *[str(getattr(s, attribute).get(key, "-")) for s in rows]] for key in keys]
            sections.append(Section(title, [attribute.replace("per_", ""), *[s.system for s in rows]], table))
    return sections


_OUTCOME_HEADERS = ["fixed, correct", "fixed, wrong (runs, not equivalent)", "unsure, correct", "unsure, wrong", "no fix"]


def precision_sections(summaries: list[Summary]) -> list[Section]:
    """Precision tables: what the answers to failing queries amount to per system (and per
    error kind for repair), and the calibration of the systems' confidence."""
    shown = [s for s in summaries if sum(s.outcomes.values())]
    overall = Section(
        "Precision (failing queries; an unsure answer is flagged, not trusted)",
        ["system", "task", *_OUTCOME_HEADERS, f"confidence >= {CONFIDENT} correct"],
        [[s.system, s.task, *[_share(s.outcomes[name], sum(s.outcomes.values())) for name in OUTCOMES], str(s.confident)] for s in shown],
    )
    per_kind = Section(
        "Precision per error kind (repair)",
        ["system", "error kind", *_OUTCOME_HEADERS],
        [[s.system, kind, *[str(counts[name]) for name in OUTCOMES]] for s in shown for kind, counts in s.outcomes_per_error_kind.items()],
    )
    calibrated = [s for s in shown if any(b.correct.total for b in s.calibration)]
    sections = [overall, per_kind] if shown else []
    if calibrated:
        edges = [(b.low, b.high) for b in calibrated[0].calibration]
        sections.append(Section(
            "Calibration (share correct per confidence bucket)",
            ["confidence", *[f"{s.system} ({s.task})" for s in calibrated]],
            [[f"{low:.1f}–{high:.1f}", *[str(s.calibration[i].correct) if s.calibration[i].correct.total else "-" for s in calibrated]]
             for i, (low, high) in enumerate(edges)],
        ))
    return sections


def _share(count: int, total: int) -> str:
    return f"{count / total:.1%} ({count})" if total else "-"


def markdown(sections: list[Section], heading: str) -> str:
    """Render the tables as GitHub markdown."""
    lines = [f"# sqlfix eval report", "", heading, ""]
    for section in sections:
        lines += [f"## {section.title}", "", "| " + " | ".join(section.header) + " |",
                  "|" + "|".join("---" for _ in section.header) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines)


def write_report(run: EvalRun, out: Path) -> list[Summary]:
    """Write the report files of ``run`` into ``out`` and return the summaries."""
    out.mkdir(parents=True, exist_ok=True)
    summaries = summarise(run.results)
    splits = summarise_splits(run.results, run.unseen_schemas)
    sections = report_sections(summaries, splits)
    png = plot_accuracy(summaries, out / "accuracy.png")
    calibration_png = plot_calibration(summaries, out / "calibration.png")
    perturbed = run.config.perturbed_copies
    heading = (
        f"Golden set {run.golden_version or 'unversioned'}, {len(run.cases)} cases, "
        f"systems: {', '.join(run.config.systems)}" + (f", test-suite mode with {perturbed} perturbed copies" if perturbed else "")
    )
    (out / "report.md").write_text(
        markdown(sections, heading) + "\n![accuracy per category](accuracy.png)\n\n![calibration](calibration.png)\n"
    )
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html", "j2"]))
    html = environment.get_template("report.html.j2").render(
        golden_version=run.golden_version,
        case_count=len(run.cases),
        systems=run.config.systems,
        perturbed=perturbed,
        sections=sections,
        plot_png=base64.b64encode(png.read_bytes()).decode(),
        calibration_png=base64.b64encode(calibration_png.read_bytes()).decode(),
        failures=[r for r in run.results if not r.correct][:_FAILURES_SHOWN],
    )
    (out / "report.html").write_text(html)
    config = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(run.config).items()}
    payload = {
        "golden_version": run.golden_version,
        "config": config,
        "summaries": [s.to_dict() for s in summaries],
        "unseen_schemas": sorted(run.unseen_schemas),
        "split_summaries": [s.to_dict() for s in splits],
        "results": [r.to_dict() for r in run.results],
    }
    (out / "results.json").write_text(json.dumps(payload, indent=1, default=str))
    return summaries
