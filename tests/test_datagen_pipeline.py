"""The whole offline pipeline on a real DuckDB file: outputs, splits without SQL leakage,
``datasets.load_dataset``, golden leakage, TOML config, and resume after kill -9 (which also
proves determinism: the resumed dataset equals an uninterrupted run byte for byte)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datagen.config import DatagenConfig, load_config
from datagen.pipeline import run_datagen
from datagen.splits import SPLITS, group_key
from sqlfix.errors import InputFormatError
from tests.datagen_fixtures import build_tiny_duckdb

SQLFIX = [sys.executable, "-c", "from sqlfix.cli import main; main()"]
COMMON_FIELDS = {"id", "task", "schema_id", "dialect", "engine", "generator", "shape", "template", "question", "split"}
PAIR_FIELDS = COMMON_FIELDS | {"sql", "n_rows", "result_hash"}
REPAIR_FIELDS = COMMON_FIELDS | {"broken_sql", "error", "error_kind", "error_detail", "fixed_sql", "edit", "operator",
                                 "intended_kind", "edit_ratio", "limits"}


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> Path:
    return build_tiny_duckdb(tmp_path_factory.mktemp("db") / "tiny.duckdb", big_tables=False)


def _config(db: Path, out: Path, **kwargs) -> DatagenConfig:
    options = dict(dbs=[f"duckdb://{db}"], pairs_per_schema=80, batch_size=20, out_dir=str(out), progress=False,
                   golden_dir=str(out.parent / "no-golden"), split_fractions=(0.6, 0.2, 0.2))
    options.update(kwargs)
    return DatagenConfig(**options)


def _rows(out: Path) -> list[dict]:
    rows = []
    for split in SPLITS:
        for path in sorted((out / split).glob("*.jsonl*")):
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            rows += [json.loads(line) for line in raw.decode().splitlines()]
    return rows


@pytest.fixture(scope="module")
def run_once(tiny_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    return run_datagen(_config(tiny_db, out), fresh=True), out


def test_outputs_follow_the_documented_schema(run_once):
    result, out = run_once
    rows = _rows(out)
    pairs = [r for r in rows if r["task"] == "text2sql"]
    repairs = [r for r in rows if r["task"] == "repair"]
    assert len(pairs) >= 20 and len(repairs) >= 50
    assert all(set(r) == PAIR_FIELDS for r in pairs)
    assert all(set(r) == REPAIR_FIELDS for r in repairs)
    assert len({r["id"] for r in rows}) == len(rows)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"] == {"text2sql": len(pairs), "repair": len(repairs)}
    assert sum(manifest["repair_by_error_kind"].values()) == len(repairs)
    assert manifest["config"]["seed"] == 0 and "filters" in manifest and manifest["text2sql_by_shape"]
    assert "repair triples" in (out / "report.md").read_text()
    assert all(1 <= r["n_rows"] <= 100 for r in pairs)
    assert all(r["error"] for r in repairs if r["error_kind"] != "semantic")
    assert all(r["error"] is None and r["question"] for r in repairs if r["error_kind"] == "semantic")


def test_some_repairs_keep_a_lower_case_style_in_both_queries(run_once, tiny_db):
    from datagen.style import lower_case_sql
    from sqlfix.engines import open_engine

    _, out = run_once
    rows = _rows(out)
    repairs = [r for r in rows if r["task"] == "repair"]
    lower = [r for r in repairs if r["fixed_sql"] == lower_case_sql(r["fixed_sql"], r["dialect"])]
    # About lower_case_rate (0.35) of the pairs' repairs; the pairs themselves stay upper case.
    assert 0.15 * len(repairs) < len(lower) < 0.6 * len(repairs)
    assert all(r["sql"] != lower_case_sql(r["sql"], r["dialect"]) for r in rows if r["task"] == "text2sql")
    # The broken query is written in the fixed one's style: no upper-case keyword reappears.
    assert all(r["broken_sql"] == lower_case_sql(r["broken_sql"], r["dialect"]) for r in lower), \
        [r["broken_sql"] for r in lower if r["broken_sql"] != lower_case_sql(r["broken_sql"], r["dialect"])][:3]
    engine = open_engine(f"duckdb://{tiny_db}")
    try:  # and the restyled fix runs
        assert all(engine.execute(r["fixed_sql"]).__class__.__name__ == "ResultSet" for r in lower[:20])
    finally:
        engine.close()


def test_lower_case_style_leaves_names_strings_and_case_sensitive_functions() -> None:
    from datagen.style import lower_case_sql

    sql = ("SELECT DATE_TRUNC('MONTH', created_at) AS m, COUNT(*) AS n, toStartOfMonth(x), \"ID\" FROM orders "
           "WHERE status IS NOT NULL GROUP BY m ORDER BY n DESC LIMIT 5")
    assert lower_case_sql(sql, "clickhouse") == (
        "select date_trunc('MONTH', created_at) as m, count(*) as n, toStartOfMonth(x), \"ID\" from orders "
        "where status is not null group by m order by n desc limit 5")
    assert lower_case_sql("SELECT name FROM t WHERE city = 'Oslo", "duckdb") == "SELECT name FROM t WHERE city = 'Oslo"


def test_no_sql_leaks_across_splits(run_once):
    _, out = run_once
    seen: dict[str, str] = {}
    for row in _rows(out):
        key = group_key(row)
        assert seen.setdefault(key, row["split"]) == row["split"], f"{key} in two splits"
    splits = {r["split"] for r in _rows(out)}
    assert splits == set(SPLITS)


def test_splits_load_with_datasets(run_once):
    datasets = pytest.importorskip("datasets")
    _, out = run_once
    files = {split: str(out / split / "repair.jsonl") for split in SPLITS}
    loaded = datasets.load_dataset("json", data_files=files)
    assert loaded["train"].num_rows == sum(1 for r in _rows(out) if r["split"] == "train" and r["task"] == "repair")
    assert "broken_sql" in loaded["train"].column_names
    pairs = datasets.load_dataset("json", data_files={s: str(out / s / "text2sql.jsonl") for s in SPLITS})
    assert pairs["validation"].num_rows > 0


def test_golden_sql_is_dropped(tiny_db, tmp_path, run_once):
    """A golden query leaks in any dialect and letter case: here a ClickHouse golden row
    written in upper case keeps the same DuckDB query out of the data."""
    _, first_out = run_once
    first = _rows(first_out)
    pair = next(r for r in first if r["task"] == "text2sql")
    golden = tmp_path / "golden"
    (golden / "text2sql").mkdir(parents=True)
    (golden / "text2sql" / "tiny_duckdb.jsonl").write_text(json.dumps(
        {"id": "g1", "schema": "tiny", "dialect": "clickhouse", "task": "text2sql", "question": "q",
         "sql": pair["sql"].upper()}) + "\n")
    # Golden broken queries (other case, other fixes) keep the same broken queries out too: the
    # leak screen that skips most broken queries' normalisation must let each of these through.
    broken = [r for r in first if r["task"] == "repair" and r["fixed_sql"] != pair["sql"]][::7][:12]
    (golden / "repair").mkdir()
    (golden / "repair" / "tiny_duckdb.jsonl").write_text("".join(json.dumps(
        {"id": f"r{i}", "schema": "tiny", "dialect": "duckdb", "task": "repair", "broken_sql": r["broken_sql"].lower(),
         "fixed_sql": "SELECT 1"}) + "\n" for i, r in enumerate(broken)))
    guarded = run_datagen(_config(tiny_db, tmp_path / "guarded", golden_dir=str(golden)), fresh=True)
    kept = _rows(tmp_path / "guarded")
    assert pair["sql"] not in {r.get("sql") for r in kept} | {r.get("fixed_sql") for r in kept}
    assert not {r["broken_sql"] for r in broken} & {r.get("broken_sql") for r in kept}
    assert guarded.manifest["filters"]["golden_leakage"] >= 1 + len(broken)


def test_toml_config_and_unknown_keys(tmp_path):
    good = tmp_path / "datagen.toml"
    good.write_text('[datagen]\ndemos = ["shop"]\nmax_rows = 50\nsplit_fractions = [0.8, 0.1, 0.1]\n')
    config = load_config(good, seed=3)
    assert config.demos == ["shop"] and config.max_rows == 50 and config.seed == 3
    assert config.split_fractions == (0.8, 0.1, 0.1)
    bad = tmp_path / "bad.toml"
    bad.write_text("max_rowz = 5\n")
    with pytest.raises(InputFormatError, match="max_rowz"):
        load_config(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("max_rows = = 5\n")
    with pytest.raises(InputFormatError, match="broken.toml"):
        load_config(broken)


def test_bad_settings_are_clear_errors(tmp_path):
    with pytest.raises(InputFormatError, match="split_by"):
        DatagenConfig(split_by="random")
    with pytest.raises(InputFormatError, match="engines"):
        DatagenConfig(engines=["postgres"])
    done = subprocess.run([*SQLFIX, "datagen", "--demo", "shop", "--split-by", "nope", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "split_by" in done.stderr and "Traceback" not in done.stderr


def test_resume_after_kill_9_gives_the_same_dataset(tiny_db, tmp_path):
    args = ["datagen", "--db", f"duckdb://{tiny_db}", "--pairs", "80", "--batch-size", "4", "--no-progress",
            "--gzip", "--seed", "5"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    straight = subprocess.run([*SQLFIX, *args, "--out", str(tmp_path / "straight")], capture_output=True, text=True,
                              timeout=300, env=env)
    assert straight.returncode == 0, straight.stderr

    killed_out = tmp_path / "killed"
    checkpoint = killed_out / "work" / "checkpoint.json"
    process = subprocess.Popen([*SQLFIX, *args, "--out", str(killed_out)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # a guard against a hang: a loaded machine gets there late
    while time.monotonic() < deadline:
        if checkpoint.exists() and json.loads(checkpoint.read_text() or '{"batches": 0}')["batches"] >= 4:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    done_at_kill = json.loads(checkpoint.read_text())["batches"]
    assert 4 <= done_at_kill < 20  # 80 candidates / 4 per batch
    # The resumed run uses two worker processes: the dataset must not depend on it.
    resumed = subprocess.run([*SQLFIX, *args, "--workers", "2", "--out", str(killed_out)], capture_output=True,
                             text=True, timeout=300,
                             env=env)
    assert resumed.returncode == 0, resumed.stderr
    for split in SPLITS:
        for task in ("text2sql", "repair"):
            name = f"{split}/{task}.jsonl.gz"
            assert (killed_out / name).read_bytes() == (tmp_path / "straight" / name).read_bytes(), name
    assert json.loads((killed_out / "manifest.json").read_text())["filters"] == \
        json.loads((tmp_path / "straight" / "manifest.json").read_text())["filters"]


def test_resume_with_other_settings_is_refused(tiny_db, tmp_path):
    from datagen.store import RunStore

    out = tmp_path / "out"
    store = RunStore(out)
    store.append([])
    store.checkpoint(1, {"config": "another-run"})
    with pytest.raises(InputFormatError, match="--fresh"):
        run_datagen(_config(tiny_db, out), fresh=False)


def test_leak_screen_lets_every_golden_query_through():
    """The screen may only rule out queries that cannot leak: every golden query, in any letter
    case, must get through it (and so be compared by its normalised key)."""
    from datagen.golden import GOLDEN_SQL_FIELDS, LeakScreen, golden_queries
    from sqlfix.demo import DEMO_NAMES, demo_schema

    root = Path(__file__).resolve().parents[1] / "golden"
    screen = LeakScreen(golden_queries(root))
    names = {demo: frozenset(n.casefold() for t in demo_schema(demo, "duckdb").tables
                             for n in (t.name, *(c.name for c in t.columns))) for demo in DEMO_NAMES}
    checked = 0
    for path in sorted(root.glob("**/*.jsonl")):
        for row in map(json.loads, filter(str.strip, path.read_text(encoding="utf-8").splitlines())):
            for sql in [row.get(f) for f in GOLDEN_SQL_FIELDS] + list(row.get("alternatives") or []):
                if sql:
                    for text in (sql, sql.upper(), sql.lower()):
                        assert screen.may_leak(text, row["dialect"], names[row["schema"]]), (row["id"], text)
                    checked += 1
    assert checked > 300
    assert not screen.may_leak("SELECT nickname FROM pets WHERE species = 'axolotl'", "duckdb",
                               frozenset({"pets", "nickname", "species"}))


def test_unseen_golden_schemas_are_named_when_generated_for_and_never_by_default(tmp_path):
    """billing and observability are the golden set's unseen schemas: datagen has no default demos
    (the documented commands name shop, hr and flights) and warns when told to use an unseen one."""
    import io

    from rich.console import Console

    from datagen.golden import unseen_demos

    golden = Path(__file__).resolve().parents[1] / "golden"
    assert DatagenConfig().demos == []
    assert unseen_demos(["shop", "hr", "flights"], golden) == []
    assert unseen_demos(["shop", "billing", "observability"], golden) == ["billing", "observability"]
    assert unseen_demos(["billing"], tmp_path / "no-golden") == []
    output = io.StringIO()
    result = run_datagen(DatagenConfig(demos=["billing"], pairs_per_schema=6, mutations_per_pair=1, batch_size=6,
                                       out_dir=str(tmp_path / "out"), progress=False, golden_dir=str(golden)),
                         fresh=True, console=Console(file=output, width=200))
    assert "unseen golden schema(s) billing" in output.getvalue()
    assert result.manifest["totals"]["text2sql"] > 0
