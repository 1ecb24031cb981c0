"""The ranker's training script with a model served elsewhere: ``--record`` writes the model's
requests and trains nothing; answered, ``--replay`` serves them and the ranker is fitted."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from sqlfix.fix.rank import load_ranker
from sqlfix.jsonl import read_jsonl

ROWS = Path(__file__).parents[1] / "data" / "demo" / "validation" / "repair.jsonl.gz"


def _ranker_training(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sqlfix.fix.ranker_training", str(ROWS), "--limit", "60", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env={"COLUMNS": "200", "PATH": ""})


def test_record_then_replay_trains_a_ranker_on_the_model_candidates(tmp_path: Path) -> None:
    requests, answers, out = tmp_path / "requests.jsonl.gz", tmp_path / "answers.jsonl", tmp_path / "ranker.lgb.txt"
    recorded = _ranker_training("--model", "remote-model", "--record", str(requests), "--out", str(out))
    assert recorded.returncode == 0, recorded.stderr[-2000:]
    assert not out.exists()  # recording trains nothing
    rows = [row for _, row in read_jsonl(requests)]
    assert len(rows) >= 30 and {row["model"] for row in rows} == {"remote-model"}

    # The "GPU host": each request's first completion is the row's known fix, the others repeat the broken query.
    fixes = {row["broken_sql"]: row["fixed_sql"] for _, row in read_jsonl(ROWS)}
    with answers.open("w") as handle:
        for row in rows:
            prompt = row["messages"][-1][1]
            broken = max((b for b in fixes if b in prompt), key=len)
            texts = [fixes[broken]] + [broken] * (row["n"] - 1)
            handle.write(json.dumps({"model": "remote-model", "key": row["key"], "texts": texts, "completion_tokens": [9] * row["n"]}) + "\n")

    replayed = _ranker_training("--model", "remote-model", "--replay", str(answers), "--out", str(out))
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    assert "held-out top-1: ranker" in replayed.stdout and f"saved {out}" in replayed.stdout.replace("\n", "")
    assert load_ranker(str(out)) is not None


def test_record_and_replay_need_a_model_and_an_answer_file_names_its_models(tmp_path: Path) -> None:
    alone = _ranker_training("--replay", str(tmp_path / "answers.jsonl"))
    assert alone.returncode == 2 and "--record and --replay need --model" in alone.stderr
    cached = _ranker_training("--model", "remote-model", "--record", str(tmp_path / "r.jsonl"), "--cache", str(tmp_path / "c.pkl"))
    assert cached.returncode == 2 and "leave out --cache" in cached.stderr
    answers = tmp_path / "answers.jsonl.gz"
    with gzip.open(answers, "wt") as handle:
        handle.write(json.dumps({"model": "other-model", "key": "k", "texts": ["SELECT 1"], "completion_tokens": [2]}) + "\n")
    wrong = _ranker_training("--model", "remote-model", "--replay", str(answers))
    assert wrong.returncode == 2 and "holds no answers of 'remote-model'; it has other-model" in wrong.stdout
    assert "Traceback" not in wrong.stdout + wrong.stderr
