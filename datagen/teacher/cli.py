"""``sqlfix datagen teacher ...``: plan the teacher's requests, answer them (an endpoint or a
local model, or a GPU host: see docs/teacher.md), build round 2, finish the dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress

from datagen.teacher.answers import read_answers, write_gz_jsonl
from datagen.teacher.plan import PlanSettings, plan_run

app = typer.Typer(help="Teacher-model datagen: plan -> answer (here or on a GPU host) -> finish.", no_args_is_help=True)
_console = Console()


@app.command("plan")
def plan_command(
    out: Path = typer.Option(..., "--out", help="Run folder (plan.json, round1.requests.jsonl.gz)."),
    demo: list[str] = typer.Option([], "--demo", help="Demo database (shop, hr, flights); repeatable."),
    engine: list[str] = typer.Option([], "--engine", help="duckdb and/or clickhouse; repeatable (default duckdb)."),
    db: list[str] = typer.Option([], "--db", help="Other engine URL; repeatable."),
    teacher: str = typer.Option("qwen2.5-coder-1.5b", "--teacher", help="Model spec the requests are for."),
    sql_per_source: int = typer.Option(40, "--sql-per-source", help="Verified sampled SQL per (schema, engine)."),
    voices: int = typer.Option(1, "--voices", help="Back-translation requests per sampled SQL (1-3 voices)."),
    proposals: int = typer.Option(4, "--proposals-per-source", help="Requests for the teacher's own questions (5 each)."),
    mistakes: int = typer.Option(20, "--mistakes-per-source", help="Mistake-writing requests per source."),
    k: int = typer.Option(4, "--k", help="SQL samples per question in round 2."),
    agree: int = typer.Option(2, "--agree", help="Samples that must match the sampled SQL's result (back-translation)."),
    majority: int = typer.Option(3, "--majority", help="Samples that must agree on one result (teacher questions)."),
    seed: int = typer.Option(0, "--seed"),
    after: list[Path] = typer.Option([], "--after", help="An earlier planned run: SQL it asked about is not sampled again; repeatable."),
) -> None:
    """Sample executable SQL per source and write round 1's requests, with a size estimate."""
    settings = PlanSettings(teacher=teacher, sql_per_source=sql_per_source, voices=voices,
                            proposals_per_source=proposals, mistakes_per_source=mistakes, k=k, agree=agree,
                            majority=majority, seed=seed)
    plan = plan_run(out, settings, demos=demo, engines=engine or ["duckdb"], dbs=db, after=after)
    counts, guess = plan["counts"], plan["estimate"]
    _console.print(f"[green]planned[/] {sum(counts['round1_requests'].values())} round-1 requests "
                   f"{counts['round1_requests']} in {out}")
    _console.print(f"round 1: {guess['round1_sequences']} sequences, round 2: at most "
                   f"{guess['round2_sequences_at_most']}; about {guess['minutes_at_most']} min at "
                   f"{guess['sequences_per_second']:g} sequences/s (H100 estimate)")


@app.command("round2")
def round2_command(
    run: Path = typer.Argument(..., help="Planned run folder."),
    answers: list[Path] = typer.Option([], "--answers", help="Answer file or folder; repeatable (RUN/answers is read too)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Default RUN/round2.requests.jsonl.gz."),
) -> None:
    """Build round 2's requests from round 1's answers (the function the GPU host runs)."""
    from datagen.teacher.finish import load_run
    from datagen.teacher.rounds import answer_texts, round2_requests

    plan, round1 = load_run(run)
    rows, _ = read_answers(list(answers) + ([run / "answers"] if (run / "answers").is_dir() else []))
    requests, outcomes = round2_requests(plan, round1, answer_texts(rows))
    target = out or run / "round2.requests.jsonl.gz"
    write_gz_jsonl(requests, target)
    _console.print(f"[green]wrote[/] {len(requests)} round-2 requests to {target} ({dict(outcomes)})")


@app.command("answer")
def answer_command(
    run: Path = typer.Argument(..., help="Planned run folder (answers go to RUN/answers/)."),
    teacher: str = typer.Option(..., "--teacher", help="openai:<model> (with --base-url) or a local model spec."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (key: OPENAI_API_KEY)."),
    teacher_timeout: float = typer.Option(120.0, "--teacher-timeout", help="Seconds one endpoint request may take."),
    retries: int = typer.Option(2, "--retries", help="Retries of a failed endpoint request (exponential backoff)."),
    concurrency: int = typer.Option(4, "--concurrency", help="Endpoint requests in flight."),
    round_: list[int] = typer.Option([1, 2], "--round", help="Rounds to answer (1, 2); repeatable."),
    device: Optional[str] = typer.Option(None, "--device", help="Local model: cuda or cpu."),
    batch_size: int = typer.Option(16, "--batch-size", help="Local model: sequences per batch."),
    answers: list[Path] = typer.Option([], "--answers", help="Answers made elsewhere (not asked again); repeatable."),
) -> None:
    """Answer the run's unanswered requests here, round 1 then round 2 (a re-run resumes)."""
    from datagen.teacher.live import answer_rounds, load_teacher

    model = load_teacher(teacher, base_url=base_url, timeout_s=teacher_timeout, device=device)
    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("answering", total=0)

        def progress(label: str, count: int) -> None:
            if label == "advance":
                bar.advance(task, count)
            else:
                bar.update(task, description=label, total=count, completed=0)

        counts = answer_rounds(run, model, rounds=tuple(round_), extra=answers, concurrency=concurrency,
                               retries=retries, timeout_s=teacher_timeout, batch_size=batch_size, progress=progress)
    _console.print(f"[green]answered[/] {json.dumps(dict(counts))}")


@app.command("finish")
def finish_command(
    run: Path = typer.Argument(..., help="Planned run folder."),
    answers: list[Path] = typer.Option([], "--answers", help="Answer file or folder; repeatable (RUN/answers is read too)."),
    golden: str = typer.Option("golden", "--golden", help="Golden folder no row may leak from."),
) -> None:
    """Execute and filter the answers, write the dataset (splits, manifest.json, report.md) into RUN."""
    from datagen.teacher.finish import finish_run

    manifest = finish_run(run, answers, golden_dir=golden)
    recipes = manifest["teacher"]["recipes"]
    _console.print(f"[green]wrote[/] {manifest['totals']['text2sql']} pairs and {manifest['totals']['repair']} repairs "
                   f"to {run} (kept: " + ", ".join(f"{r} {c.get('accepted', 0)}" for r, c in recipes.items()) + ")")


@app.command("run")
def run_command(
    out: Path = typer.Option(..., "--out", help="Run folder."),
    demo: list[str] = typer.Option([], "--demo"),
    engine: list[str] = typer.Option([], "--engine"),
    db: list[str] = typer.Option([], "--db"),
    teacher: str = typer.Option(..., "--teacher", help="openai:<model> (with --base-url) or a local model spec."),
    base_url: Optional[str] = typer.Option(None, "--base-url"),
    teacher_timeout: float = typer.Option(120.0, "--teacher-timeout", help="Seconds one endpoint request may take."),
    concurrency: int = typer.Option(4, "--concurrency"),
    sql_per_source: int = typer.Option(20, "--sql-per-source"),
    proposals: int = typer.Option(2, "--proposals-per-source"),
    mistakes: int = typer.Option(10, "--mistakes-per-source"),
    k: int = typer.Option(4, "--k"),
    device: Optional[str] = typer.Option(None, "--device"),
) -> None:
    """Plan, answer both rounds with a live teacher, and finish: one command."""
    plan_command(out=out, demo=demo, engine=engine, db=db, teacher=teacher, sql_per_source=sql_per_source, voices=1,
                 proposals=proposals, mistakes=mistakes, k=k, agree=min(2, k), majority=min(3, k), seed=0, after=[])
    answer_command(run=out, teacher=teacher, base_url=base_url, teacher_timeout=teacher_timeout, retries=2,
                   concurrency=concurrency, round_=[1, 2], device=device, batch_size=16, answers=[])
    finish_command(run=out, answers=[], golden="golden")
