"""``sqlfix eval``: run systems side by side on the golden set, write a report, gate CI."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from sqlfix.errors import SqlfixError

from eval.gate import BASELINE_PATH, baseline_from, check_gate, read_baseline, write_baseline

app = typer.Typer(help="Evaluate systems on the golden set by execution equivalence.", add_completion=False)
console = Console()


@app.callback(invoke_without_command=True)
def evaluate(
    system: list[str] = typer.Option(
        None, "--system", "-s",
        help="rules, gold, a model spec (default, <base>-sqlfix, <base>, <base>+<adapter_dir>, a folder, openai:<model>: "
             "what sqlfix fix/ask --model runs), model:<spec>, model-edit:<spec>, pipeline:<spec>, pipeline-always:<spec>, "
             "pipeline-fallback:<spec>, icl:<spec>@<dataset>, file:<path>; repeat to compare"
    ),
    base_url: str = typer.Option(None, help="endpoint of openai:<model> systems (default: $OPENAI_BASE_URL)"),
    record: Path = typer.Option(None, help="write the requests the systems make of their models here (JSONL[.gz]); the models answer nothing"),
    replay: Path = typer.Option(None, help="serve the systems' models from these recorded answers (made on a GPU host from a --record file)"),
    cases: Path = typer.Option(Path("golden"), help="golden JSONL file or folder"),
    task: str = typer.Option("all", help="text2sql, repair or all"),
    limit: int = typer.Option(0, help="at most N cases per task (0: all)"),
    out: Path = typer.Option(Path("eval-report"), help="report folder"),
    perturbed: int = typer.Option(0, help="test-suite mode: also compare on N perturbed copies of each database"),
    seed: int = typer.Option(0, help="seed of the perturbed copies"),
    no_cache: bool = typer.Option(False, "--no-cache", help="ask the systems again instead of reusing cached answers"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bars"),
    gate: bool = typer.Option(False, "--gate", help="CI gate: evaluate the baseline's system and fail below its accuracy or above its fixed-wrong count"),
    baseline: Path = typer.Option(BASELINE_PATH, help="baseline file of the gate"),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="with --gate: record the measured accuracy"),
    tolerance: float = typer.Option(0.0, help="with --update-baseline: accuracy drop still allowed"),
) -> None:
    """Run the systems on the same golden cases and write report.md, report.html, accuracy.png
    and results.json; with --gate, exit 1 when accuracy falls below the baseline."""
    # Imported here: matplotlib and the engines load only when `sqlfix eval` runs, not with
    # every other sqlfix command.
    from eval.config import EvalConfig
    from eval.metrics import summarise_splits
    from eval.report import write_report
    from eval.runner import run_evaluation

    if record is not None and replay is not None:
        raise SqlfixError("--record and --replay exclude each other: record requests first, answer them, then replay")
    if task not in ("text2sql", "repair", "all"):
        raise SqlfixError(f"unknown task {task!r}; use text2sql, repair or all")
    if gate:
        recorded = None if update_baseline else read_baseline(baseline)
        systems = (recorded.system,) if recorded else tuple(system or ("rules",))
        task = recorded.task if recorded else ("repair" if task == "all" else task)
        no_cache = True
    else:
        systems = tuple(system or ("rules",))
    config = EvalConfig(
        cases=cases, task=task, limit=limit, systems=systems, base_url=base_url, record=record, replay=replay,
        perturbed_copies=perturbed, seed=seed,
        out=out, use_cache=not no_cache, progress=not quiet,
    )
    run = run_evaluation(config)
    summaries = write_report(run, out)
    for summary in summaries:
        console.print(
            f"{summary.system:<28} {summary.task:<9} accuracy {summary.accuracy}  superset {summary.superset}  "
            f"valid {summary.valid_sql.value:.1%}  p50 {summary.latency_p50_ms:.0f} ms",
            highlight=False,
        )
        outcomes, total = summary.outcomes, sum(summary.outcomes.values())
        if total:
            console.print(
                f"{'':<28} {'':<9} of {total} failing: fixed-correct {outcomes['fixed_correct']}, fixed-wrong {outcomes['fixed_wrong']} "
                f"({summary.fixed_wrong.value:.1%}), unsure {outcomes['unsure_correct'] + outcomes['unsure_wrong']} "
                f"({outcomes['unsure_correct']} of them right), no fix {outcomes['no_fix']}; confidence >= 0.8: {summary.confident} correct",
                highlight=False,
            )
    splits = summarise_splits(run.results, run.unseen_schemas)
    if run.unseen_schemas:
        for summary in splits:
            console.print(f"  {summary.system:<26} {summary.task:<9} {summary.split:<6} schemas: accuracy {summary.accuracy}",
                          highlight=False)
    for spec in systems:
        if not any(summary.system == spec for summary in summaries):
            console.print(f"[yellow]{spec} answered no case: it does not do the task {task!r}[/]", highlight=False)
    console.print(f"report: {out / 'report.html'}", highlight=False)
    if not gate:
        return
    if update_baseline:
        recorded = baseline_from(splits, systems[0], task, run.golden_version, tolerance, split="seen")
        write_baseline(recorded, baseline)
        console.print(f"baseline recorded in {baseline}: {recorded.accuracy:.1%} on {recorded.cases} cases of seen schemas, "
                      f"{recorded.fixed_wrong} fixed-wrong", highlight=False)
        return
    outcome = check_gate([*summaries, *splits], recorded, run.golden_version)
    console.print(outcome.message, style="green" if outcome.passed else "bold red", highlight=False)
    if not outcome.passed:
        raise typer.Exit(1)
