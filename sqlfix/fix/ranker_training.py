"""Train the candidate ranker (a LightGBM reward model) from datagen's repair rows.

For every repair row on a demo schema the pipeline gathers its verified candidates (rules, and
with ``--model`` the model's too, asked on every row as ``FixConfig(model_when="always")`` asks
it); a candidate is labelled correct when it returns the same result as the row's known fix. A
binary LightGBM model over :data:`sqlfix.fix.features.FEATURE_NAMES` is fitted on a seeded 80%
of the rows' fixes and compared with the majority-vote fallback on the rest (top-1 accuracy
over rows with at least one correct candidate). Golden cases are never read: datagen already
drops rows that match them.

The candidates include fixes that run but are wrong (label 0), rows where *every* candidate
is wrong among them, and the ``overreach`` of each (``sqlfix.fix.minimality``) is a feature:
the ranker learns that a fix which runs is not thereby right. The held-out rows also report
how the confidence the pipeline derives from the scores is calibrated: how many winners at
``FixConfig.sure_confidence`` or above are right, and how many rows whose candidates are all
wrong still get a sure fix.

    .venv/bin/python -m sqlfix.fix.ranker_training data/demo --out sqlfix/fix/ranker.lgb.txt --cache /tmp/groups.pkl

A model served elsewhere (a GPU host) takes two passes, as ``sqlfix eval`` does: ``--record
FILE`` writes the requests the model would get and stops; answered there
(``scripts/gpu/run_remote.sh answer`` or ``scripts/answer_requests.py``), ``--replay FILE``
serves the answers. Use rows the model was not trained on (``DATA/validation/repair.jsonl.gz``).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import random
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import track

from sqlfix.engines.base import ResultSet
from sqlfix.errors import SqlfixError
from sqlfix.jsonl import read_jsonl
from sqlfix.fix.cases import database_url, request_from_row
from sqlfix.fix.config import FixConfig
from sqlfix.fix.database import Database, open_database
from sqlfix.fix.features import FEATURE_NAMES, candidate_features
from sqlfix.fix.pipeline import gather_candidates
from sqlfix.fix.minimality import mark_overreach
from sqlfix.fix.rank import BUNDLED_RANKER, rank
from sqlfix.fix.trust import judge
from sqlfix.fix.verify import result_key
from sqlfix.models.replay import RecordingModel, replay_loader, write_requests

console = Console()
DEMO_NAMES = {"shop", "hr", "flights"}


@dataclass
class Group:
    """One repair row's candidates: feature rows, labels, and the row's held-out flag."""

    features: list[list[float]]
    labels: list[int]
    held_out: bool
    row: dict
    candidates: list


def read_rows(source: Path) -> list[dict]:
    """Repair rows from a datagen output folder (train split files, or the work file) or one JSONL file."""
    if source.is_file():
        paths = [source]
    else:
        paths = sorted(source.glob("train/repair.jsonl*")) or sorted(source.glob("work/accepted.jsonl"))
    if not paths:
        raise SqlfixError(f"no repair rows under {source}: expected train/repair.jsonl(.gz) or work/accepted.jsonl")
    rows = []
    for path in paths:
        for _, row in read_jsonl(path):
            if row.get("task", "repair") == "repair" and row.get("broken_sql") and row.get("error_kind") != "semantic":
                rows.append(row)
    return rows


def sample_rows(rows: list[dict], limit: int, seed: int) -> list[dict]:
    """Up to ``limit`` demo-schema rows, spread evenly over error kinds."""
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        if (row.get("schema_id") or row.get("schema")) in DEMO_NAMES:
            by_kind.setdefault(row.get("error_kind", "?"), []).append(row)
    rng = random.Random(seed)
    for bucket in by_kind.values():
        rng.shuffle(bucket)
    chosen: list[dict] = []
    while len(chosen) < limit and any(by_kind.values()):
        for bucket in by_kind.values():
            if bucket and len(chosen) < limit:
                chosen.append(bucket.pop())
    return chosen


def collect_groups(rows: list[dict], config: FixConfig, model=None, holdout: float = 0.2) -> list[Group]:
    """Run the pipeline on each row and label its candidates against the row's fix."""
    databases: dict[str, Database] = {}
    groups = []
    for row in track(rows, description="gathering candidates", console=console):
        url = database_url(row)
        if url not in databases:
            databases[url] = open_database(url)
        database = databases[url]
        gold = database.engine.execute(row["fixed_sql"], config.limits())
        if not isinstance(gold, ResultSet):
            continue
        error, candidates = gather_candidates(request_from_row(row), database.engine, database.schema, config=config, model=model)
        if error is None or not candidates:
            continue
        gold_key = result_key(gold)
        labels = [int(c.result_key == gold_key and len(c.columns) == len(gold.columns)) for c in candidates]
        digest = hashlib.sha1(row["fixed_sql"].encode()).digest()[0]
        groups.append(Group(candidate_features(row["broken_sql"], error.kind.value, candidates), labels, digest < 256 * holdout, row, candidates))
    for database in databases.values():
        database.close()
    return groups


def train(groups: list[Group], seed: int = 0):
    """Fit the LightGBM ranker on the non-held-out groups."""
    import lightgbm
    import numpy

    features = [f for g in groups if not g.held_out for f in g.features]
    labels = [y for g in groups if not g.held_out for y in g.labels]
    if len(set(labels)) < 2:
        raise SqlfixError("the training candidates are all right or all wrong; the ranker needs both")
    data = lightgbm.Dataset(numpy.array(features), numpy.array(labels), feature_name=[n.replace("=", "_").replace(":", "_") for n in FEATURE_NAMES])
    # Small trees: a few hundred labelled candidates, most rows with one or two of them. What
    # is known for sure is built in: a rule's later proposals, more chained repairs and more
    # overreach never make a candidate likelier right.
    decreasing = {"prior", "depth", "overreach"}
    params = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 4, "min_data_in_leaf": 20, "seed": seed, "verbose": -1,
              "monotone_constraints": [-1 if name in decreasing else 0 for name in FEATURE_NAMES]}
    return lightgbm.train(params, data, num_boost_round=100)


def top1(groups: list[Group], path: str | None) -> tuple[int, int]:
    """Correct top-1 picks and answerable rows among held-out groups (``path=None``: fallback)."""
    hits = total = 0
    for group in groups:
        if not group.held_out or not any(group.labels):
            continue
        total += 1
        ranked = rank(group.row["broken_sql"], group.row.get("error_kind"), list(group.candidates), ranker_path=path, learned=path is not None)
        winner = ranked[0]
        hits += group.labels[group.candidates.index(winner)]
    return hits, total


def calibration(groups: list[Group], path: str | None) -> tuple[int, int, int, int]:
    """On held-out groups: (sure winners that are right, sure winners, sure winners of groups
    with no right candidate, groups with no right candidate); "sure" as ``sqlfix fix`` says it."""
    config = FixConfig(ranker_path=path, use_ranker=path is not None)
    right = sure = wrong_sure = hopeless = 0
    for group in groups:
        if not group.held_out:
            continue
        candidates = list(group.candidates)
        judgement = judge(group.row["broken_sql"], request_from_row(group.row).error, candidates, config, group.row.get("dialect") or "duckdb")
        hopeless += not any(group.labels)
        if judgement.unsure:
            continue
        sure += 1
        correct = group.labels[group.candidates.index(judgement.ranked[0])]
        right += correct
        wrong_sure += not any(group.labels)
    return right, sure, wrong_sure, hopeless


def main() -> None:
    """Command line entry point: a bad input is one line naming it, exit status 2."""
    try:
        run()
    except SqlfixError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise SystemExit(2) from None


def run() -> None:
    """Parse the arguments, gather candidates, train and compare the ranker."""
    parser = argparse.ArgumentParser(description="Train the sqlfix candidate ranker from datagen repair rows.")
    parser.add_argument("source", type=Path, help="datagen output folder or a repair JSONL file")
    parser.add_argument("--out", type=Path, default=BUNDLED_RANKER)
    parser.add_argument("--limit", type=int, default=3000, help="rows used at most (spread over error kinds)")
    parser.add_argument("--model", default=None, help="also gather model candidates from this spec")
    parser.add_argument("--record", type=Path, default=None, help="write the model's requests here and stop (no training)")
    parser.add_argument("--replay", type=Path, default=None, help="serve the model's answers from this file (made from a --record file)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=None, help="pickle of gathered candidates: reused when present, written when not")
    args = parser.parse_args()

    if (args.record or args.replay) and not args.model:
        parser.error("--record and --replay need --model")
    if args.record and args.cache:
        parser.error("--record asks the model afresh; leave out --cache")
    model, requests = None, []
    if args.record:
        write_requests(requests, args.record)  # an unwritable path fails before the work
        model = RecordingModel(args.model, requests)
    elif args.replay:
        model = replay_loader(args.replay)(args.model)
    elif args.model:
        from sqlfix.models import load_model

        model = load_model(args.model)
    rows = sample_rows(read_rows(args.source), args.limit, args.seed)
    if args.cache and args.cache.exists():
        groups = pickle.loads(args.cache.read_bytes())
        for group in groups:  # the minimality check and the features may have changed since
            mark_overreach(group.row["broken_sql"], request_from_row(group.row).error, group.candidates, group.row.get("dialect") or "duckdb")
            group.features = candidate_features(group.row["broken_sql"], group.row.get("error_kind"), group.candidates)
    else:
        groups = collect_groups(rows, FixConfig(use_model=model is not None, model_when="always", timeout_s=2.0), model)
        if args.record:
            write_requests(requests, args.record)
            console.print(f"wrote {len(requests)} requests of {args.model} to {args.record}")
            return
        if args.cache:
            args.cache.write_bytes(pickle.dumps(groups))
    booster = train(groups, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(args.out))
    learned, total = top1(groups, str(args.out))
    fallback, _ = top1(groups, None)
    trained = sum(not g.held_out for g in groups)
    console.print(f"rows {len(rows)}, with candidates {len(groups)} ({trained} train, {len(groups) - trained} held out)")
    console.print(f"held-out top-1: ranker {learned}/{total} ({learned / max(1, total):.1%}), fallback {fallback}/{total} ({fallback / max(1, total):.1%})")
    for name, path in (("ranker", str(args.out)), ("fallback", None)):
        right, sure, wrong_sure, hopeless = calibration(groups, path)
        console.print(f"held-out sure fixes ({name}): {right}/{sure} right ({right / max(1, sure):.1%}); "
                      f"{wrong_sure} of {hopeless} rows without a right candidate got a sure fix")
    importance = sorted(zip(FEATURE_NAMES, booster.feature_importance("gain")), key=lambda p: -p[1])[:8]
    console.print("top features: " + ", ".join(f"{name} {gain:.0f}" for name, gain in importance))
    console.print(f"saved {args.out}")


if __name__ == "__main__":
    main()
