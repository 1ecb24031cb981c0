"""``sqlfix datagen``: build a DatagenConfig from flags (or a TOML file) and run it."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Optional

import typer
from rich.console import Console

from datagen.config import DatagenConfig, load_config
from datagen.pipeline import run_datagen
from datagen.teacher.cli import app as teacher_app

_console = Console()
app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                  help="Synthesize and execution-filter training data (see datagen/README.md).")


@app.callback(invoke_without_command=True)
def datagen(
    ctx: typer.Context,
    demo: list[str] = typer.Option([], "--demo", help="Demo database to generate for (shop, hr, flights); repeatable."),
    engine: list[str] = typer.Option([], "--engine", help="Engine(s) for the demos: duckdb, clickhouse; repeatable."),
    db: list[str] = typer.Option([], "--db", help="Other engine URL (duckdb:///x.duckdb, chdb:///path...); repeatable."),
    from_log: list[str] = typer.Option([], "--from-log", help="Editor event log (JSONL) to mine for repairs."),
    from_clickhouse_query_log: Optional[str] = typer.Option(None, "--from-clickhouse-query-log",
                                                            help="Engine URL whose system.query_log is mined."),
    query_log_table: Optional[str] = typer.Option(None, help="Table with query_log's columns (default system.query_log)."),
    out: Optional[str] = typer.Option(None, "--out", help="Output directory (default data/run)."),
    config: Optional[str] = typer.Option(None, "--config", help="DatagenConfig TOML file; flags override it."),
    pairs: Optional[int] = typer.Option(None, "--pairs", help="Candidates drawn per (schema, engine)."),
    mutations: Optional[int] = typer.Option(None, "--mutations", help="Bug-injection attempts per pair."),
    operator: list[str] = typer.Option([], "--operator", help="Only these mutation operators; repeatable."),
    clickhouse_fraction: Optional[float] = typer.Option(None, help="Share of --pairs drawn on clickhouse."),
    no_offline: bool = typer.Option(False, "--no-offline", help="Skip the offline generator."),
    llm: bool = typer.Option(False, "--llm", help="Also run the LLM generator."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (key: OPENAI_API_KEY)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model name at the endpoint."),
    llm_requests: Optional[int] = typer.Option(None, "--llm-requests", help="LLM requests per (schema, task)."),
    llm_timeout: Optional[float] = typer.Option(None, "--llm-timeout", "--teacher-timeout",
                                                help="Seconds one LLM request may take (default 60)."),
    max_rows: Optional[int] = typer.Option(None, "--max-rows", help="Drop queries returning more rows (default 100)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Run seed (default 0)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Candidates per checkpointed batch."),
    split_by: Optional[str] = typer.Option(None, "--split-by", help="question (default) or schema."),
    gzip: bool = typer.Option(False, "--gzip", help="Write split files as .jsonl.gz."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Processes for offline batches (default 1)."),
    fresh: bool = typer.Option(False, "--fresh", help="Ignore a previous run's checkpoint in --out."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide progress bars."),
) -> None:
    """Synthesize and execution-filter text-to-SQL pairs and repair triples (see datagen/README.md);
    ``sqlfix datagen teacher ...`` runs the teacher recipes (docs/teacher.md)."""
    if ctx.invoked_subcommand is not None:
        return
    flags: dict[str, Any] = {
        "demos": demo or None, "engines": engine or None, "dbs": db or None, "from_logs": from_log or None,
        "query_log_url": from_clickhouse_query_log, "query_log_table": query_log_table, "out_dir": out,
        "pairs_per_schema": pairs, "mutations_per_pair": mutations, "operators": operator or None,
        "clickhouse_fraction": clickhouse_fraction, "base_url": base_url, "model": model,
        "llm_requests_per_schema": llm_requests, "llm_timeout_s": llm_timeout, "max_rows": max_rows, "seed": seed, "batch_size": batch_size,
        "split_by": split_by, "workers": workers,
        "offline": False if no_offline else None, "llm": True if llm else None, "gzip": True if gzip else None,
        "progress": False if no_progress else None,
    }
    if config:
        cfg = load_config(config, **flags)
    else:
        known = {f.name for f in fields(DatagenConfig)}
        cfg = DatagenConfig(**{k: v for k, v in flags.items() if v is not None and k in known})
    if (from_log or from_clickhouse_query_log) and not demo and not db and not llm:
        cfg.offline = cfg.offline and bool(cfg.demos or cfg.dbs)
    result = run_datagen(cfg, fresh=fresh)
    totals = result.manifest["totals"]
    _console.print(f"[green]wrote[/] {totals['text2sql']} text-to-SQL pairs and {totals['repair']} repair triples "
                   f"to {result.out_dir} in {result.elapsed_s:.1f} s (manifest.json, report.md)")


@app.command("merge")
def merge(
    data: list[str] = typer.Option(..., "--data", help="A datagen run folder, DIR or DIR:WEIGHT; repeatable."),
    out: str = typer.Option(..., "--out", help="Output folder (one dataset for sqlfix train)."),
    seed: int = typer.Option(0, "--seed"),
    golden: str = typer.Option("golden", "--golden", help="Golden folder no row may leak from."),
) -> None:
    """Mix several datagen runs (offline, teacher...) into one folder, by weight, with no golden leakage."""
    from pathlib import Path

    from datagen.merge import merge_runs, parse_source

    manifest = merge_runs([parse_source(d) for d in data], Path(out), seed=seed, golden_dir=golden)
    _console.print(f"[green]wrote[/] {manifest['totals']} to {out} (dropped {manifest['dropped'] or 'none'}, "
                   f"golden leaks {manifest['golden_leaks']})")


app.add_typer(teacher_app, name="teacher")
