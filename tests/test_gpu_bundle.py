"""scripts/gpu/build_bundle.py's choice of the requests a GPU host answers."""

from __future__ import annotations

import gzip
import json

from scripts.gpu.build_bundle import write_requests_for


def test_requests_are_grouped_by_model_and_those_answered_before_left_out(tmp_path):
    rows = [{"model": model, "key": f"{model}-{n}", "messages": []} for n in range(3) for model in ("base", "base+a", "other")]
    source = tmp_path / "requests.jsonl.gz"
    with gzip.open(source, "wt") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    target = tmp_path / "bundle.jsonl.gz"
    count = write_requests_for(["base+a", "base"], source, target, answered={("base", "base-1"), ("other", "base+a-0")})
    kept = [(row["model"], row["key"]) for row in map(json.loads, gzip.open(target, "rt"))]
    assert count == 5
    assert kept == [("base+a", "base+a-0"), ("base+a", "base+a-1"), ("base+a", "base+a-2"), ("base", "base-0"), ("base", "base-2")]
