"""``teacher finish``: execute the teacher's answers, keep what round-trips, write the dataset.

Reads ``RUN/plan.json``, ``RUN/round1.requests.jsonl.gz`` and every answer file given (and
``RUN/answers/``), rebuilds round 2 with the same pure function the GPU host used
(:func:`datagen.teacher.rounds.round2_requests`), and judges each recipe by execution:

* ``backtranslate``: the question is kept with the sampled SQL when at least ``agree`` of the
  teacher's ``k`` SQL samples for it return the sampled SQL's result (:mod:`datagen.teacher.compare`);
* ``propose``: the teacher's own question is kept when ``majority`` samples agree on one result
  with 1..``max_rows`` rows; the SQL kept is the most frequent one of that majority, unless it
  reads the clock or a random source (its result would not stay true);
* ``mistake``: the broken query must fail on the engine (or, for a semantic bug, run and return
  another result) and the sampled SQL is its fix (:func:`datagen.verify.verify_repair`);
* ``sample_mistake`` (no request of its own): where a question is kept, each of its teacher
  samples that failed on the engine is a mistake a model really made for that question; its fix
  is the agreeing sample (or the source SQL) nearest to it, kept when it is an edit, not a
  rewrite (:func:`datagen.verify.verify_repair`), with the question recorded.

Kept rows pass the run's filters (duplicates, caps, golden leakage) and are written like any
datagen run (splits, ``manifest.json``, ``report.md``). Every answer that gives nothing is
counted by recipe and reason; nothing stops the run. Re-running with more answers rebuilds all.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datagen.canonical import cached_template
from datagen.config import DatagenConfig
from datagen.llm.parse import json_items, string_fields
from datagen.output import build_manifest, render_report, write_splits
from datagen.pipeline import filter_state
from datagen.records import SEMANTIC, Pair, Triple, guess_shape
from datagen.sources import Source, open_sources
from datagen.style import lower_case_sql
from datagen.teacher.answers import read_answers
from datagen.teacher.compare import result_signature
from datagen.teacher.plan import PLAN_FILE, ROUND1_FILE
from datagen.teacher.rounds import BACKTRANSLATE, MISTAKE, PROPOSE, RECIPES, answer_texts, round2_requests
from datagen.verify import edit_ratio, lower_case_if_same, result_hash, result_may_change, verify_repair
from sqlfix.engines.base import Limits, ResultSet
from sqlfix.errors import LIMIT_KINDS, ExecError, InputFormatError
from sqlfix.jsonl import read_jsonl
from sqlfix.prompts import extract_sql

GENERATOR = "teacher"
REPORT_SAMPLES = 10
SAMPLE_MISTAKE = "sample_mistake"
REPORTED_RECIPES = (*RECIPES, SAMPLE_MISTAKE)
MISTAKES_PER_QUESTION = 2
LOWER_CASE_RATE = 1 / 3


def load_run(run: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan and round-1 requests of a planned run folder (an error naming what is missing)."""
    plan_path, round1_path = run / PLAN_FILE, run / ROUND1_FILE
    if not plan_path.is_file() or not round1_path.is_file():
        raise InputFormatError(f"{run} is not a planned teacher run (no {PLAN_FILE} / {ROUND1_FILE}); run "
                               f"'sqlfix datagen teacher plan --out {run}' first")
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputFormatError(f"{plan_path}: not valid JSON ({exc})") from None
    return plan, [row for _, row in read_jsonl(round1_path)]


@dataclass(frozen=True)
class _Kept:
    """A kept question: its row, the pair behind it, the source it ran on, the SQL of its failed
    samples and the SQL that returns its verified result (the nearest of which fixes each failed
    sample)."""

    row: dict[str, Any]
    pair: Pair
    source: str
    failed: list[str]
    fixes: list[str]


class _Judge:
    """Runs SQL on the run's sources and remembers outcomes (the k samples repeat a lot)."""

    def __init__(self, sources: dict[str, Source], max_rows: int, timeout_s: float) -> None:
        self.sources = sources
        self.limits = Limits(timeout_s=timeout_s, max_rows=max_rows)

    def run(self, source: str, sql: str) -> ResultSet | ExecError:
        return self.sources[source].verifier.execute(sql, self.limits)


def finish_run(run: Path, answers: list[Path], *, golden_dir: str = "golden", out: Path | None = None,
               seed: int | None = None) -> dict[str, Any]:
    """Judge every answered request of ``run`` and write the dataset into ``out`` (default:
    ``run``); return the manifest."""
    plan, round1 = load_run(run)
    paths = list(answers) + ([run / "answers"] if (run / "answers").is_dir() else [])
    answer_rows, skipped = read_answers(paths)
    texts = answer_texts(answer_rows)
    teacher_of = {row["key"]: row.get("model", "?") for row in answer_rows}
    round2, outcomes = round2_requests(plan, round1, texts)
    settings = plan["settings"]
    config = DatagenConfig(out_dir=str(out or run), gzip=True, seed=settings["seed"] if seed is None else seed,
                           golden_dir=golden_dir, max_rows=settings["max_rows"], timeout_s=settings["timeout_s"],
                           demos=plan["inputs"]["demos"], engines=plan["inputs"]["engines"] or ["duckdb"],
                           dbs=plan["inputs"]["dbs"], progress=False)
    sources = {s.key: s for s in open_sources(config.demos, config.engines, config.dbs)}
    missing = sorted(set(plan["sources"]) - set(sources))
    if missing:
        raise InputFormatError(f"{run}: sources of the plan not found here: {', '.join(missing)}")
    judge = _Judge(sources, config.max_rows, config.timeout_s)
    state = filter_state(config)
    stats = _Stats()
    for recipe in RECIPES:
        stats.recipe(recipe)["round1_requests"] = sum(r["meta"]["recipe"] == recipe for r in round1)
        stats.recipe(recipe)["round1_answered"] = sum(r["meta"]["recipe"] == recipe and r["key"] in texts for r in round1)
    for name, count in outcomes.items():
        recipe, reason = name.split(":", 1)
        if reason != "ok":
            stats.reject(recipe, "question_" + reason, count=count)
    rows: list[dict[str, Any]] = []
    try:
        for request in round2:
            meta = request["meta"]
            stats.recipe(meta["recipe"])["round2_requests"] += 1
            samples = texts.get(request["key"])
            if samples is None:
                stats.reject(meta["recipe"], "round2_unanswered")
                continue
            stats.recipe(meta["recipe"])["round2_answered"] += 1
            teacher = teacher_of.get(request["key"], "?")
            if meta["recipe"] == BACKTRANSLATE:
                kept = _round_trip(request, samples, plan, judge, state, stats, teacher)
            else:
                kept = _self_consistent(request, samples, plan, judge, state, stats, teacher)
            if kept is not None:
                rows.append(kept.row)
                rows.extend(_sample_mistakes(request["key"], kept, config, judge, state, stats, teacher))
        for request in round1:
            if request["meta"]["recipe"] == MISTAKE and request["key"] in texts:
                row = _mistake(request, texts[request["key"]], config, judge, state, stats,
                               teacher_of.get(request["key"], "?"))
                if row is not None:
                    rows.append(row)
    finally:
        for source in sources.values():
            source.engine.close()
    split_counts = write_splits(rows, config)
    extra = {"sources": sorted(sources), "teacher": stats.summary(answer_rows, skipped, plan)}
    manifest = build_manifest(rows, config, {}, state.dropped, split_counts, extra)
    target = Path(config.out_dir)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    (target / "report.md").write_text(render_report(manifest) + teacher_report(manifest["teacher"], rows, config.seed),
                                      encoding="utf-8")
    return manifest


class _Stats:
    """Counts per recipe (requests, answers, kept, rejections by reason) and per shape."""

    def __init__(self) -> None:
        self.recipes: dict[str, Counter] = defaultdict(Counter)
        self.rejected: dict[str, Counter] = defaultdict(Counter)
        self.shapes: dict[str, Counter] = defaultdict(Counter)
        self.samples: Counter = Counter()

    def recipe(self, name: str) -> Counter:
        return self.recipes[name]

    def reject(self, recipe: str, reason: str, shape: str | None = None, count: int = 1) -> None:
        self.rejected[recipe][reason] += count
        if shape:
            self.shapes[f"{recipe}/{shape}"]["rejected"] += count
            self.shapes[f"{recipe}/{shape}"][f"rejected:{reason}"] += count

    def accept(self, recipe: str, shape: str) -> None:
        self.recipes[recipe]["accepted"] += 1
        self.shapes[f"{recipe}/{shape}"]["accepted"] += 1

    def summary(self, answers: list[dict[str, Any]], skipped: Counter, plan: dict[str, Any]) -> dict[str, Any]:
        shapes = {}
        for name, counts in sorted(self.shapes.items()):
            entry = dict(counts)
            if counts["samples"]:
                entry["agreement_rate"] = round(counts["agreeing_samples"] / counts["samples"], 3)
            shapes[name] = entry
        return {"k": plan["k"], "agree": plan["agree"], "majority": plan["majority"],
                "teachers": dict(Counter(row.get("model", "?") for row in answers)),
                "answer_rows": len(answers), "answer_files_skipped": dict(skipped),
                "gpu_seconds": round(sum(float(row.get("ms") or 0) for row in answers) / 1000, 1),
                "recipes": {r: {**dict(self.recipes[r]), "rejected": dict(self.rejected[r].most_common())}
                            for r in REPORTED_RECIPES},
                "by_shape": shapes, "samples": dict(self.samples.most_common())}


def _run_samples(request: dict[str, Any], samples: list[str], judge: _Judge, stats: _Stats, ordered: bool
                 ) -> list[tuple[str, str | None, ResultSet | None]]:
    """Each sample's SQL, result signature (None when it failed) and result."""
    found = []
    for text in samples:
        sql = extract_sql(text or "")
        if not sql:
            stats.samples["empty"] += 1
            found.append((sql, None, None))
            continue
        outcome = judge.run(request["meta"]["source"], sql)
        if isinstance(outcome, ExecError):
            stats.samples[f"error:{outcome.kind.value}"] += 1
            found.append((sql, None, None))
            continue
        stats.samples["ran"] += 1
        found.append((sql, result_signature(outcome, ordered=ordered), outcome))
    return found


def _round_trip(request: dict[str, Any], samples: list[str], plan: dict[str, Any], judge: _Judge, state: Any,
                stats: _Stats, teacher: str) -> _Kept | None:
    """The question kept when ``agree`` samples return the source SQL's result; the SQL that
    returns it is the source SQL, then the agreeing samples."""
    meta = request["meta"]
    shape, ordered = meta["shape"], bool(meta.get("ordered"))
    gold = judge.run(meta["source"], meta["sql"])
    if isinstance(gold, ExecError):
        stats.reject(BACKTRANSLATE, "source_sql_fails", shape)
        return None
    target = result_signature(gold, ordered=ordered)
    runs = _run_samples(request, samples, judge, stats, ordered)
    agreeing = sum(signature == target for _, signature, _ in runs)
    counts = stats.shapes[f"{BACKTRANSLATE}/{shape}"]
    counts["samples"] += len(runs)
    counts["agreeing_samples"] += agreeing
    if agreeing < plan["agree"]:
        stats.reject(BACKTRANSLATE, "round_trip_disagrees" if any(s for _, s, _ in runs) else "every_sample_fails",
                     shape)
        return None
    pair = Pair(meta["schema_id"], meta["dialect"], judge.sources[meta["source"]].engine.name, GENERATOR, shape,
                cached_template(meta["sql"], meta["dialect"]), meta["question"], meta["sql"], len(gold.rows),
                result_hash(gold, ordered), ordered)
    row = _admit_pair(pair, BACKTRANSLATE, state, stats, teacher, f"{agreeing}/{len(runs)}", meta.get("voice"))
    if row is None:
        return None
    fixes = [meta["sql"]] + [sql for sql, signature, _ in runs if signature == target]
    return _Kept(row, pair, meta["source"], _failed(runs), fixes)


def _failed(runs: list[tuple[str, str | None, ResultSet | None]]) -> list[str]:
    """The SQL of the samples that failed on the engine."""
    return [sql for sql, _, result in runs if sql and result is None]


def _self_consistent(request: dict[str, Any], samples: list[str], plan: dict[str, Any], judge: _Judge, state: Any,
                     stats: _Stats, teacher: str) -> _Kept | None:
    meta = request["meta"]
    runs = []
    sampled = _run_samples(request, samples, judge, stats, ordered=False)
    for sql, _, result in sampled:
        if result is None:
            continue
        if result.truncated:
            stats.samples["too_many_rows"] += 1
        elif not result.rows:
            stats.samples["empty_result"] += 1
        else:
            ordered = bool(re.search(r"\bORDER\s+BY\b", sql, re.I))
            runs.append((sql, result_signature(result, ordered=False), result, ordered))
    if not runs:
        stats.reject(PROPOSE, "no_sample_with_rows")
        return None
    votes = Counter(signature for _, signature, _, _ in runs)
    signature, size = votes.most_common(1)[0]
    majority = [run for run in runs if run[1] == signature]
    shape = guess_shape(majority[0][0])
    counts = stats.shapes[f"{PROPOSE}/{shape}"]
    counts["samples"] += len(samples)
    counts["agreeing_samples"] += size
    if size < plan["majority"]:
        stats.reject(PROPOSE, "no_majority", shape)
        return None
    texts = Counter(" ".join(sql.split()) for sql, _, _, _ in majority)
    chosen = next(run for run in majority if " ".join(run[0].split()) == texts.most_common(1)[0][0])
    sql, _, result, ordered = chosen
    info = plan["sources"][meta["source"]]
    if result_may_change(sql, info["dialect"]):  # today's answer, not the question's
        stats.reject(PROPOSE, "result_depends_on_clock", shape)
        return None
    pair = Pair(info["schema_id"], info["dialect"], judge.sources[meta["source"]].engine.name, GENERATOR, shape,
                cached_template(sql, info["dialect"]), meta["question"], sql, len(result.rows),
                result_hash(result, ordered), ordered)
    row = _admit_pair(pair, PROPOSE, state, stats, teacher, f"{size}/{len(samples)}", None)
    if row is None:
        return None
    return _Kept(row, pair, meta["source"], _failed(sampled), [run[0] for run in majority])


def _admit_pair(pair: Pair, recipe: str, state: Any, stats: _Stats, teacher: str, agreement: str,
                voice: str | None) -> dict[str, Any] | None:
    before = Counter(state.dropped)
    if not state.admit_pair(pair):
        reason = next(iter((Counter(state.dropped) - before).elements()), "filtered")
        stats.reject(recipe, reason, pair.shape)
        return None
    stats.accept(recipe, pair.shape)
    row = pair.to_row()
    row.update(recipe=recipe, teacher=teacher, agreement=agreement, voice=voice)
    return row


def _sample_mistakes(key: str, kept: _Kept, config: DatagenConfig, judge: _Judge, state: Any, stats: _Stats,
                     teacher: str) -> list[dict[str, Any]]:
    """Repair triples from the failed samples of a kept question: each distinct failure (at most
    :data:`MISTAKES_PER_QUESTION`) is fixed by the nearest SQL of ``kept.fixes`` (all return the
    question's verified result), the question recorded; a third of them in lower case, both
    sides, when the lowered fix still returns that result."""
    pair, rng = kept.pair, random.Random(f"{config.seed}:{key}")
    rows: list[dict[str, Any]] = []
    for broken in dict.fromkeys(kept.failed):
        if len(rows) >= MISTAKES_PER_QUESTION:
            break
        fixed = min(kept.fixes, key=lambda sql: edit_ratio(broken, sql))
        lowered = rng.random() < LOWER_CASE_RATE and _lowered(broken, fixed, pair, kept.source, judge)
        if lowered:
            broken, fixed = lowered
        outcome = verify_repair(schema_id=pair.schema_id, dialect=pair.dialect,
                                engine=judge.sources[kept.source].verifier, generator=GENERATOR, shape=pair.shape,
                                question=pair.question, broken_sql=broken, fixed_sql=fixed, operator="teacher:sample",
                                intended_kind="error", fixed_hash=None, ordered=pair.ordered,
                                max_rows=config.max_rows, timeout_s=config.timeout_s,
                                max_edit_ratio=config.max_edit_ratio)
        if outcome.record is None:
            stats.reject(SAMPLE_MISTAKE, outcome.dropped or "unknown", pair.shape)
            continue
        if outcome.record.error_kind in LIMIT_KINDS:  # slow here, maybe only by load: no mistake
            stats.reject(SAMPLE_MISTAKE, "fails_only_by_limit", pair.shape)
            continue
        before = Counter(state.dropped)
        if not state.admit_triple(outcome.record):
            stats.reject(SAMPLE_MISTAKE, next(iter((Counter(state.dropped) - before).elements()), "filtered"),
                         pair.shape)
            continue
        stats.accept(SAMPLE_MISTAKE, pair.shape)
        row = outcome.record.to_row()
        row.update(recipe=SAMPLE_MISTAKE, teacher=teacher, explanation=None, lower_case=bool(lowered))
        rows.append(row)
    return rows


def _lowered(broken: str, fixed: str, pair: Pair, source: str, judge: _Judge) -> tuple[str, str] | None:
    """``broken`` and ``fixed`` in lower case when the lowered fix still returns the pair's
    result; else None."""
    lowered = lower_case_if_same(pair, judge.sources[source].verifier, judge.limits, sql=fixed)
    return None if lowered == fixed else (lower_case_sql(broken, pair.dialect), lowered)


def _mistake(request: dict[str, Any], texts: list[str], config: DatagenConfig, judge: _Judge, state: Any,
             stats: _Stats, teacher: str) -> dict[str, Any] | None:
    meta = request["meta"]
    shape = meta["shape"]
    text = (texts[0] if texts else "").strip()
    items = json_items(text) if text else []
    fields = string_fields(items[0], "broken_sql") if items else None
    if fields is None:
        reason = "empty" if not text else "no_broken_sql" if items else \
            "truncated" if text.count("{") > text.count("}") else "not_json"
        stats.reject(MISTAKE, reason, shape)
        return None
    broken = extract_sql(fields["broken_sql"])
    explanation = items[0].get("explanation")
    explanation = " ".join(explanation.split()) if isinstance(explanation, str) and explanation.strip() else None
    semantic = "runs but answers wrong" in meta["mistake"]
    fixed = meta["sql"]
    question = state.question_for(meta["schema_id"], meta["dialect"], fixed) if semantic else None
    slug = re.sub(r"[^a-z0-9]+", "_", meta["mistake"].split("(")[0].lower()).strip("_")[:40]
    outcome = verify_repair(schema_id=meta["schema_id"], dialect=meta["dialect"],
                            engine=judge.sources[meta["source"]].verifier, generator=GENERATOR, shape=shape,
                            question=question, broken_sql=broken, fixed_sql=fixed, operator=f"teacher:{slug}",
                            intended_kind=SEMANTIC if semantic else "error", fixed_hash=None,
                            ordered=bool(meta.get("ordered")), max_rows=config.max_rows, timeout_s=config.timeout_s,
                            max_edit_ratio=config.max_edit_ratio)
    if outcome.record is None:
        stats.reject(MISTAKE, outcome.dropped or "unknown", shape)
        return None
    triple = outcome.record
    assert isinstance(triple, Triple)
    if semantic and question is None:
        stats.reject(MISTAKE, "semantic_without_question", shape)
        return None
    before = Counter(state.dropped)
    if not state.admit_triple(triple):
        stats.reject(MISTAKE, next(iter((Counter(state.dropped) - before).elements()), "filtered"), shape)
        return None
    stats.accept(MISTAKE, shape)
    row = triple.to_row()
    row.update(recipe=MISTAKE, teacher=teacher, explanation=explanation, lower_case=bool(meta.get("lower_case")))
    return row


def teacher_report(summary: dict[str, Any], rows: list[dict[str, Any]], seed: int) -> str:
    """The report's teacher sections: per recipe counts and rejections, per shape acceptance and
    agreement, and ten random kept rows per recipe."""
    lines = ["## Teacher recipes", "", f"k = {summary['k']}, agree = {summary['agree']}, majority = "
             f"{summary['majority']}; teachers: {summary['teachers']}; answer rows: {summary['answer_rows']}; "
             f"GPU seconds: {summary['gpu_seconds']}", "",
             "| recipe | round-1 requests | answered | round-2 requests | answered | kept | rejections |",
             "|---|---|---|---|---|---|---|"]
    for recipe, counts in summary["recipes"].items():
        rejected = ", ".join(f"{k} {v}" for k, v in counts["rejected"].items()) or "-"
        lines.append(f"| {recipe} | {counts.get('round1_requests', 0)} | {counts.get('round1_answered', 0)} | "
                     f"{counts.get('round2_requests', 0)} | {counts.get('round2_answered', 0)} | "
                     f"{counts.get('accepted', 0)} | {rejected} |")
    lines += ["", "## Teacher recipes by shape", "", "| recipe/shape | kept | rejected | sample agreement |",
              "|---|---|---|---|"]
    for name, counts in summary["by_shape"].items():
        rate = counts.get("agreement_rate")
        lines.append(f"| {name} | {counts.get('accepted', 0)} | {counts.get('rejected', 0)} | "
                     f"{'-' if rate is None else f'{rate:.0%}'} |")
    lines += ["", f"SQL samples: {summary['samples']}", ""]
    rng = random.Random(seed)
    for recipe in REPORTED_RECIPES:
        kept = [r for r in rows if r.get("recipe") == recipe]
        lines += [f"## {REPORT_SAMPLES} random {recipe} rows", ""]
        for row in rng.sample(kept, min(REPORT_SAMPLES, len(kept))):
            if row["task"] == "text2sql":
                lines.append(f"- **{row['question']}** ({row['schema_id']}/{row['dialect']}, {row['shape']}, "
                             f"agreement {row['agreement']})\n  `{row['sql']}`")
            else:
                lines.append(f"- `{row['broken_sql']}` -> `{row['fixed_sql']}` ({row['error_kind']}): "
                             f"{row.get('explanation') or '(no explanation)'}")
        lines.append("")
    return "\n".join(lines)
