"""Teacher recipes end to end against a real DuckDB file and a real local HTTP server speaking
the OpenAI protocol (the teacher): plan -> answer round 1 -> round 2 -> answer -> finish, with bad
answers (empty, SQL for a question, truncated JSON, no majority), 5xx and timeouts."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from itertools import count
from pathlib import Path

import pytest

from datagen.style import lower_case_sql
from datagen.teacher.answers import AnswerWriter, read_answers
from datagen.teacher.finish import finish_run
from datagen.teacher.live import answer_rounds, load_teacher
from datagen.teacher.plan import PlanSettings, plan_run
from datagen.teacher.rounds import SYSTEM_MISTAKE, SYSTEM_PROPOSE, SYSTEM_QUESTION, read_question, read_questions
from sqlfix.errors import EndpointError, InputFormatError
from sqlfix.jsonl import read_jsonl
from sqlfix.models.base import Message
from sqlfix.models.replay import request_key
from sqlfix.prompts import SYSTEM_ASK
from tests.datagen_fixtures import ScriptedOpenAI, build_tiny_duckdb

GOOD_PROPOSAL = "How many customers live in each city?"
SPLIT_PROPOSAL = "Which single order is the most interesting one?"
CLOCK_PROPOSAL = "How many orders are there as of today?"


class Teacher:
    """Answers the teacher's four kinds of request for the tiny database.

    Back-translation: question ``n`` names the query; every 4th answer is bad in turn (empty,
    SQL, truncated JSON). Asking: the named query's SQL, except for every 3rd question, answered
    with an unrelated query, and the first sample for every 3rd other question, which misspells
    SELECT (a real mistake, :data:`datagen.teacher.finish.SAMPLE_MISTAKE`). Proposals: one
    question all samples agree on, one they never do, one whose agreed SQL reads the clock.
    Mistakes: FROM misspelled, with an explanation.
    """

    def __init__(self) -> None:
        self.sql_of: dict[str, str] = {}
        self.numbers = count()
        self.spread = count()
        self.asked: Counter = Counter()

    def __call__(self, messages: list[dict]) -> str:
        system, user = messages[0]["content"], messages[-1]["content"]
        if system == SYSTEM_QUESTION:
            sql = user.split("\nSQL:\n", 1)[1].split("\n\nVoice:", 1)[0]
            number = next(self.numbers)
            tag = hashlib.sha1(sql.encode()).hexdigest()[:12]
            name = f"Please show the {tag} report, number {number}"
            self.sql_of[name] = sql
            bad = {1: "", 5: "SELECT name FROM customers", 9: '{"question": "What is the'}
            return bad.get(number, json.dumps({"question": name}))
        if system == SYSTEM_ASK:
            question = user.rsplit("Question: ", 1)[1]
            if question == GOOD_PROPOSAL:
                return "```sql\nSELECT city, COUNT(*) AS n FROM customers GROUP BY city\n```"
            if question == CLOCK_PROPOSAL:  # every sample agrees, on an answer only true today
                return "SELECT COUNT(*) AS n FROM orders WHERE current_date >= DATE '2000-01-01'"
            if question == SPLIT_PROPOSAL:
                return f"SELECT order_id FROM orders WHERE order_id = {next(self.spread) % 4 + 1}"
            sql = self.sql_of[question]
            number = int(question.rsplit(" ", 1)[1])
            self.asked[question] += 1
            if number % 3 == 0 and self.asked[question] == 1:
                sql = re.sub(r"\bselect\b", "SELEC", sql, count=1, flags=re.I)
            return "SELECT 42 AS answer" if number % 3 == 2 else f"```sql\n{sql}\n```"
        if system == SYSTEM_PROPOSE:
            return json.dumps([GOOD_PROPOSAL, SPLIT_PROPOSAL, CLOCK_PROPOSAL, "SELECT * FROM orders"])
        if system == SYSTEM_MISTAKE:
            sql = user.split("Correct query:\n", 1)[1].split("\n\n", 1)[0]
            broken = re.sub(r"\bfrom\b", "form", sql, count=1, flags=re.I)
            return json.dumps({"broken_sql": broken, "explanation": "FROM is misspelled as FORM; spell it FROM."})
        raise AssertionError(f"unexpected request: {system[:60]}")


def _plan(tmp_path: Path, **kwargs) -> Path:
    db = build_tiny_duckdb(tmp_path / "tiny.duckdb")
    run = tmp_path / "run"
    options = dict(teacher="openai:teacher", sql_per_source=12, proposals_per_source=1, mistakes_per_source=4, k=4,
                   agree=2, majority=3, seed=1)
    options.update(kwargs)
    plan_run(run, PlanSettings(**options), demos=[], engines=["duckdb"], dbs=[f"duckdb://{db}"])
    return run


def test_a_plan_after_an_earlier_run_samples_other_sql(tmp_path):
    first = _plan(tmp_path, sql_per_source=6)
    again = tmp_path / "again"
    settings = PlanSettings(teacher="openai:teacher", sql_per_source=6, proposals_per_source=0, mistakes_per_source=0,
                            seed=1)
    plan = plan_run(again, settings, demos=[], engines=["duckdb"], dbs=[f"duckdb://{tmp_path / 'tiny.duckdb'}"],
                    after=[first])

    def sql_of(run: Path) -> set[str]:
        return {row["meta"]["sql"] for _, row in read_jsonl(run / "round1.requests.jsonl.gz")
                if row["meta"]["recipe"] == "backtranslate"}

    assert plan["counts"]["sampling"]["planned_before"] > 0  # the same seed draws the same queries first
    assert sql_of(again) and not sql_of(again) & sql_of(first)
    with pytest.raises(InputFormatError, match="is not a planned teacher run"):
        plan_run(tmp_path / "x", settings, demos=[], engines=["duckdb"], dbs=[], after=[tmp_path / "nothing"])


def test_teacher_round_trip_end_to_end_with_bad_answers_and_failures(tmp_path):
    run = _plan(tmp_path)
    plan = json.loads((run / "plan.json").read_text())
    assert plan["counts"]["round1_requests"] == {"backtranslate": 12, "mistake": 4, "propose": 1}
    teacher = Teacher()
    with ScriptedOpenAI(teacher, ["500", "timeout"]) as server:
        model = load_teacher("openai:teacher", base_url=server.url, timeout_s=0.4)
        counts = answer_rounds(run, model, retries=2, backoff_s=0.01, concurrency=1, timeout_s=0.4)
        calls = len(server.requests)
        again = answer_rounds(run, model, retries=2, backoff_s=0.01, concurrency=1, timeout_s=0.4)
        assert len(server.requests) == calls, "a re-run asks nothing already answered"
    assert counts["r1:answered"] == 17 and counts["r1:retries"] == 2 and not counts["r1:failed"]
    assert counts["r2:answered"] >= 9 and not again
    manifest = finish_run(run, [], golden_dir=str(tmp_path / "no-golden"))
    recipes = manifest["teacher"]["recipes"]
    bt = recipes["backtranslate"]
    assert bt["rejected"]["question_empty"] == 1 and bt["rejected"]["question_sql_not_question"] == 1
    assert bt["rejected"]["question_truncated"] == 1
    assert bt["rejected"]["round_trip_disagrees"] >= 2  # every 3rd question answered with SELECT 42
    assert bt["accepted"] >= 4
    assert recipes["propose"]["accepted"] == 1 and recipes["propose"]["rejected"]["no_majority"] == 1
    assert recipes["propose"]["rejected"]["result_depends_on_clock"] == 1
    assert recipes["propose"]["rejected"]["question_sql_not_question"] == 1
    assert recipes["mistake"]["accepted"] >= 1
    shapes = manifest["teacher"]["by_shape"]
    assert any(name.startswith("backtranslate/") and "agreement_rate" in v for name, v in shapes.items())
    rows = [json.loads(line) for split in ("train", "validation", "test") for task in ("text2sql", "repair")
            for line in gzip.open(run / split / f"{task}.jsonl.gz", "rt") if line.strip()]
    pairs = [r for r in rows if r["task"] == "text2sql"]
    assert {r["recipe"] for r in pairs} == {"backtranslate", "propose"}
    assert all(r["generator"] == "teacher" and r["teacher"] == "openai:teacher" for r in rows)
    trip = [r for r in pairs if r["recipe"] == "backtranslate"]
    assert all(r["question"] in teacher.sql_of and teacher.sql_of[r["question"]] == r["sql"] for r in trip)
    assert all(int(r["question"].rsplit(" ", 1)[1]) % 3 != 2 for r in trip)
    [proposed] = [r for r in pairs if r["recipe"] == "propose"]
    assert proposed["question"] == GOOD_PROPOSAL and proposed["agreement"] == "4/4"
    repairs = [r for r in rows if r["task"] == "repair" and r["recipe"] == "mistake"]
    assert repairs and all(r["error_kind"] == "syntax" and r["explanation"].startswith("FROM is") for r in repairs)
    mined = [r for r in rows if r["task"] == "repair" and r["recipe"] == "sample_mistake"]
    assert mined and recipes["sample_mistake"]["accepted"] == len(mined)
    for row in mined:  # the failed sample, fixed by the SQL the kept question was verified with
        number = int(row["question"].rsplit(" ", 1)[1])
        assert number % 3 == 0 and row["error_kind"] == "syntax" and row["broken_sql"].startswith("SELEC ")
        source_sql = teacher.sql_of[row["question"]]
        expected = lower_case_sql(source_sql, "duckdb") if row["lower_case"] else source_sql
        assert row["fixed_sql"] == expected and row["operator"] == "teacher:sample"
    report = (run / "report.md").read_text()
    assert "## Teacher recipes" in report and "random backtranslate rows" in report
    assert finish_run(run, [], golden_dir=str(tmp_path / "no-golden"))["totals"] == manifest["totals"]
    bench = subprocess.run([sys.executable, "bench/bench_teacher.py", str(run), "--json"], capture_output=True,
                           text=True, cwd=Path(__file__).parents[1])
    assert bench.returncode == 0, bench.stderr
    figures = json.loads(bench.stdout)
    assert figures["total"]["kept"] == sum(manifest["totals"].values()) and figures["total"]["gpu_s"] > 0
    assert figures["propose"]["kept_per_round2_question"] == 0.333 and figures["total"]["kept_per_gpu_s"] > 0


class SlowSampleTeacher(Teacher):
    """As :class:`Teacher`, but the first SQL sample for the good proposal is a cross join that
    runs past any time limit: a sample that fails only by its limit, not a mistake."""

    SLOW = "SELECT city, COUNT(*) AS n FROM customers, visits, range(10000000) GROUP BY city"

    def __call__(self, messages: list[dict]) -> str:
        if messages[0]["content"] == SYSTEM_ASK and messages[-1]["content"].endswith(GOOD_PROPOSAL):
            self.asked[GOOD_PROPOSAL] += 1
            if self.asked[GOOD_PROPOSAL] == 1:
                return self.SLOW
        return super().__call__(messages)


def test_a_sample_that_fails_only_by_its_time_limit_is_no_mistake(tmp_path):
    run = _plan(tmp_path, sql_per_source=1, proposals_per_source=1, mistakes_per_source=0, timeout_s=1.0)
    with ScriptedOpenAI(SlowSampleTeacher(), []) as server:
        model = load_teacher("openai:teacher", base_url=server.url, timeout_s=5)
        answer_rounds(run, model, retries=0, backoff_s=0.01, concurrency=1)
    manifest = finish_run(run, [], golden_dir=str(tmp_path / "no-golden"))
    recipes = manifest["teacher"]["recipes"]
    assert recipes["propose"]["accepted"] == 1  # three of four samples agree
    assert manifest["teacher"]["samples"]["error:timeout"] == 1
    assert recipes["sample_mistake"]["rejected"] == {"fails_only_by_limit": 1}
    repairs = [json.loads(line) for split in ("train", "validation", "test")
               for line in gzip.open(run / split / "repair.jsonl.gz", "rt") if line.strip()]
    assert not [r for r in repairs if r["error_kind"] in ("timeout", "resource_limit")]


def test_a_slow_teacher_fails_with_the_timeout_named(tmp_path):
    run = _plan(tmp_path, sql_per_source=2, proposals_per_source=0, mistakes_per_source=0)
    with ScriptedOpenAI(Teacher(), ["timeout"] * 20) as server:
        model = load_teacher("openai:teacher", base_url=server.url, timeout_s=0.3)
        with pytest.raises(EndpointError, match=r"timed out.*--teacher-timeout 0.3 s"):
            answer_rounds(run, model, retries=1, backoff_s=0.01, timeout_s=0.3)


def test_a_failing_batch_is_skipped_and_counted_then_asked_again(tmp_path):
    run = _plan(tmp_path, sql_per_source=3, proposals_per_source=0, mistakes_per_source=0)
    with ScriptedOpenAI(Teacher(), ["500", "500"]) as server:
        model = load_teacher("openai:teacher", base_url=server.url, timeout_s=5)
        first = answer_rounds(run, model, rounds=(1,), retries=1, backoff_s=0.01, concurrency=1)
        second = answer_rounds(run, model, rounds=(1,), retries=1, backoff_s=0.01, concurrency=1)
    assert first["r1:failed"] == 1 and first["r1:failed:http_5xx"] == 1 and first["r1:answered"] == 2
    assert second["r1:answered"] == 1
    rows, _ = read_answers([run / "answers"])
    assert len(rows) == 3


@pytest.mark.parametrize("text, question, reason", [
    ('```json\n{"question": "How many orders shipped in 2024?"}\n```', "How many orders shipped in 2024?", None),
    ("How many orders shipped in 2024?", "How many orders shipped in 2024?", None),
    ("", None, "empty"),
    ('{"question": "How many ord', None, "truncated"),
    ('{"question": "SELECT COUNT(*) FROM orders"}', None, "sql_not_question"),
    ("Dialect: duckdb\n\nSchema:\nCREATE TABLE orders (x INT)", None, "not_json"),
    ('{"question": "Schema: CREATE TABLE orders"}', None, "repeats_prompt"),
])
def test_read_question(text, question, reason):
    assert read_question(text) == (question, reason)


def test_read_questions_keeps_the_good_ones():
    found, reasons = read_questions('Sure:\n```json\n["Which city has most customers?", 3, "SELECT 1 FROM t"]\n```')
    assert found == ["Which city has most customers?"] and sorted(reasons) == ["not_a_string", "sql_not_question"]
    assert read_questions("1. How many orders are there?\n2. Which product sells best?")[0] == [
        "How many orders are there?", "Which product sells best?"]


def test_answer_files_survive_a_cut_call(tmp_path):
    writer = AnswerWriter(tmp_path, "r1", part_bytes=200)
    for number in range(5):
        writer.write({"model": "m", "key": f"k{number}", "texts": ["x" * 60]})
    writer.close()
    parts = sorted(tmp_path.glob("r1-*.jsonl"))
    assert len(parts) >= 3 and all(p.stat().st_size <= 200 for p in parts)
    with parts[-1].open("a") as handle:
        handle.write('{"model": "m", "key": "cut", "te')
    whole = gzip.compress(b'{"model": "m", "key": "z1", "texts": ["a"]}\n{"model": "m", "key": "z2", "texts": ["b"]}\n')
    (tmp_path / "more.jsonl.gz").write_bytes(whole[: len(whole) - 12])
    rows, skipped = read_answers([tmp_path])
    keys = [r["key"] for r in rows]
    assert {f"k{n}" for n in range(5)} | {"z1"} <= set(keys) and "cut" not in keys and skipped["cut_lines"] >= 1
    assert skipped["cut_gzip"] == 1


def test_round2_builds_on_a_host_without_duckdb_or_chdb(tmp_path):
    run = _plan(tmp_path, sql_per_source=3, proposals_per_source=1, mistakes_per_source=1)
    round1 = [json.loads(line) for line in gzip.open(run / "round1.requests.jsonl.gz", "rt")]
    (run / "answers").mkdir()
    with (run / "answers" / "a.jsonl").open("w") as out:
        for row in round1:
            if row["meta"]["recipe"] != "mistake":
                text = '["How many orders are there?"]' if row["meta"]["recipe"] == "propose" else \
                    json.dumps({"question": f"Which rows does report {row['key'][:6]} show?"})
                out.write(json.dumps({"model": "m", "key": row["key"], "texts": [text]}) + "\n")
    code = ("import sys; sys.modules['duckdb'] = None; sys.modules['chdb'] = None\n"
            "import json, gzip; from pathlib import Path\n"
            "from datagen.teacher.rounds import round2_requests, answer_texts\n"
            "from datagen.teacher.answers import read_answers\n"
            f"run = Path({str(run)!r})\n"
            "plan = json.loads((run / 'plan.json').read_text())\n"
            "round1 = [json.loads(l) for l in gzip.open(run / 'round1.requests.jsonl.gz', 'rt')]\n"
            "rows, _ = read_answers([run / 'answers'])\n"
            "print(len(round2_requests(plan, round1, answer_texts(rows))[0]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 4


@pytest.mark.parametrize("engine", ["duckdb", "clickhouse"])
def test_wide_sampler_shapes_run_on_both_engines(engine):
    import random

    from datagen.sampler_more import WideSampler
    from datagen.sources import open_sources
    from datagen.verify import verify_candidate

    extra = {"ratio", "case_bucket", "null_handling", "top_n_ties", "join3", "anti_join", "nested_subquery"}
    [source] = open_sources(["shop"], [engine], [])
    try:
        sampler = WideSampler(source.profile, source.dialect)
        sampler.shapes = [s for s in sampler.shapes if s[0] in extra]
        rng, outcomes = random.Random(0), Counter()
        for _ in range(90):
            candidate = sampler.sample(rng)
            if candidate is not None:
                outcome, _ = verify_candidate(candidate, source.verifier, max_rows=100, allow_empty=False, timeout_s=5)
                outcomes[(candidate.shape, outcome.dropped or "ok")] += 1
    finally:
        source.engine.close()
    assert {shape for shape, verdict in outcomes if verdict == "ok"} == extra
    assert not any(verdict == "execution_error" for _, verdict in outcomes), outcomes


def _write_run(folder: Path, rows: list[dict]) -> None:
    for split in ("train", "validation", "test"):
        (folder / split).mkdir(parents=True, exist_ok=True)
        for task in ("text2sql", "repair"):
            picked = [r for r in rows if r["task"] == task and r["split"] == split]
            (folder / split / f"{task}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in picked))


def test_merge_mixes_runs_by_weight_and_drops_golden_leaks(tmp_path):
    from datagen.merge import merge_runs, parse_source

    leak = "SELECT count(*) AS cancelled FROM flights WHERE status = 'cancelled'"  # a golden query
    offline = [{"id": f"o{n}", "task": "text2sql", "schema_id": "flights", "dialect": "duckdb", "generator": "offline",
                "question": f"q{n}", "sql": f"SELECT {n} AS x FROM flights", "split": "train"} for n in range(40)]
    teacher = [{"id": f"t{n}", "task": "repair", "schema_id": "flights", "dialect": "duckdb", "generator": "teacher",
                "broken_sql": f"SELEC {n} FROM flights", "fixed_sql": f"SELECT {n} FROM flights", "split": "train",
                "recipe": "mistake"} for n in range(20)]
    teacher.append({**offline[0], "id": "leak", "generator": "teacher", "sql": leak.upper(), "split": "test"})
    _write_run(tmp_path / "offline", offline)
    _write_run(tmp_path / "teacher", teacher)
    with pytest.raises(Exception, match="weight must be above 0"):
        parse_source(f"{tmp_path / 'teacher'}:0")
    out = tmp_path / "mix"
    manifest = merge_runs([parse_source(str(tmp_path / "offline") + ":0.5"), parse_source(f"{tmp_path / 'teacher'}:2")],
                          out, golden_dir="golden")
    assert manifest["golden_leaks"] == 0 and manifest["dropped"] == {"golden_leakage": 1}
    rows = [json.loads(line) for split in ("train", "validation", "test") for task in ("text2sql", "repair")
            for line in gzip.open(out / split / f"{task}.jsonl.gz", "rt")]
    assert all(r["id"] != "leak" for r in rows)
    assert sum(r["generator"] == "offline" for r in rows) == 20  # half of 40
    train_teacher = [r["id"] for r in rows if r["generator"] == "teacher" and r["split"] == "train"]
    assert len(train_teacher) == 2 * len(set(train_teacher))  # weight 2: each training row twice
    audit = subprocess.run([sys.executable, "-m", "golden.tools.leakage", str(out)], capture_output=True, text=True,
                           cwd=Path(__file__).parents[1])
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_merge_weighs_each_task_on_its_own(tmp_path):
    """DIR:text2sql=W,repair=W samples each task at its weight (an ablation matching another mix)."""
    from datagen.merge import merge_runs, parse_source

    rows = [{"id": f"p{n}", "task": "text2sql", "schema_id": "shop", "dialect": "duckdb", "generator": "offline",
             "question": f"q{n}", "sql": f"SELECT {n} AS x FROM orders", "split": "train"} for n in range(40)]
    rows += [{"id": f"r{n}", "task": "repair", "schema_id": "shop", "dialect": "duckdb", "generator": "offline",
              "broken_sql": f"SELEC {n} FROM orders", "fixed_sql": f"SELECT {n} FROM orders", "split": "train"}
             for n in range(40)]
    _write_run(tmp_path / "offline", rows)
    for bad, message in (("text2sql=0.5,joins=0.2", "unknown task 'joins'"), ("repair=x", "must be a number"),
                         ("repair=0", "above 0")):
        with pytest.raises(Exception, match=message):
            parse_source(f"{tmp_path / 'offline'}:{bad}")
    folder, weights = parse_source(f"{tmp_path / 'offline'}:repair=0.25")
    assert weights == {"text2sql": 1.0, "repair": 0.25}
    manifest = merge_runs([(folder, weights)], tmp_path / "mix", golden_dir="golden")
    assert manifest["totals"] == {"text2sql": 40, "repair": 10}
    assert manifest["merged_from"][str(folder)]["weight"] == {"text2sql": 1.0, "repair": 0.25}


@pytest.mark.slow
def test_host_driver_answers_both_rounds_with_a_real_model_and_resumes(tmp_path):
    """scripts/gpu/teacher_remote.py's answering with the real 135M model on CPU (two short
    prompts): round 1, then round 2 built from it, written in parts; a second call asks nothing."""
    from datagen.teacher.rounds import question_request
    from scripts.gpu.teacher_remote import answer_run
    from sqlfix.models import load_model

    run = tmp_path / "run"
    run.mkdir()
    plan = {"teacher": "smollm2-135m", "k": 2, "ask_temperature": 0.7, "ask_max_tokens": 12,
            "sources": {"t/duckdb": {"dialect": "duckdb", "schema_prompt": "CREATE TABLE t (city VARCHAR, n INT)"}}}
    (run / "plan.json").write_text(json.dumps(plan))
    round1 = [question_request("smollm2-135m", plan, "t/duckdb", sql, voice="terse", meta={"shape": "select"})
              for sql in ("SELECT city FROM t", "SELECT SUM(n) FROM t")]
    for row in round1:  # short answers keep the CPU test quick; the key follows the request
        row["max_tokens"] = 24
        row["key"] = request_key([Message(r, c) for r, c in row["messages"]], 1, row["temperature"], 24)
    (run / "round1.requests.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in round1).encode()))
    model = load_model("smollm2-135m", device="cpu")
    out = tmp_path / "out"
    first = answer_run(run, lambda _spec: model, out, carried=[], work=tmp_path / "work", deadline=None, batch_size=8,
                       stamp="a", chunk=1)  # round 1 one request at a time, each followed by its round 2
    assert first["r1"]["answered"] == 2
    files = {p.name for p in out.iterdir()}  # one file per round across the chunks (a host returns 8 at most)
    assert "teacher-r1-a-000.jsonl" in files and files <= {"teacher-r1-a-000.jsonl", "teacher-r2-a-000.jsonl"}
    rows, _ = read_answers([out])
    assert len(rows) == 2 + first["r2"]["answered"] and all(r["ms"] > 0 for r in rows)
    second = answer_run(run, lambda _spec: model, tmp_path / "out2", carried=[out], work=tmp_path / "work2",
                        deadline=None, batch_size=8, stamp="b")
    assert all(second[phase]["answered"] == 0 for phase in ("r2-ready", "r1", "r2"))
    lost = answer_run(run, lambda _spec: model, tmp_path / "out3", carried=[], work=tmp_path / "work",
                      deadline=None, batch_size=8, stamp="c")  # the first call's files never came back
    assert lost["recovered"] == len(rows) and all(lost[p]["answered"] == 0 for p in ("r2-ready", "r1", "r2"))
    assert {r["key"] for r in read_answers([tmp_path / "out3"])[0]} == {r["key"] for r in rows}


SQLFIX = [sys.executable, "-m", "sqlfix"]


def test_cli_teacher_run_and_bad_input(tmp_path):
    root = Path(__file__).parents[1]
    db = build_tiny_duckdb(tmp_path / "tiny.duckdb")
    with ScriptedOpenAI(Teacher(), ["500"]) as server:
        done = subprocess.run([*SQLFIX, "datagen", "teacher", "run", "--db", f"duckdb://{db}", "--teacher",
                               "openai:teacher", "--base-url", server.url, "--teacher-timeout", "5",
                               "--sql-per-source", "4", "--proposals-per-source", "1", "--mistakes-per-source", "2",
                               "--out", str(tmp_path / "run")], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and (tmp_path / "run" / "train" / "text2sql.jsonl.gz").is_file()
    missing = subprocess.run([*SQLFIX, "datagen", "teacher", "finish", str(tmp_path / "nothing")],
                             capture_output=True, text=True, cwd=root)
    assert missing.returncode == 2 and "is not a planned teacher run" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = subprocess.run([*SQLFIX, "datagen", "teacher", "plan", "--db", f"duckdb://{db}", "--k", "2", "--agree", "3",
                          "--out", str(tmp_path / "bad")], capture_output=True, text=True, cwd=root)
    assert bad.returncode == 2 and "agree" in bad.stderr
