"""Build the self-contained bundle that trains an adapter on a GPU host with no internet.

The device tool carries at most 64 MiB per call (repository included), so the bundle is cut
into per-call folders under ``.device_bundle/`` (git-ignored):

* ``part1/``, ``part2/``, ...: the base model's GGUF cut into pieces of ``--part-mb`` MB;
* ``run/``: the wheels the GPU image lacks (``wheels/``), the chat examples prepared here
  (``examples/{train,validation,test}.jsonl.gz``), the recorded evaluation requests for this
  base (``requests.jsonl.gz``, from ``scripts/model_results.py record``; optional) and
  ``manifest.json`` (base model, GGUF size and sha256, the parts in order, the TrainConfig
  settings, the adapter folder, learning-curve sizes).

Every call but the last carries one ``partN`` and runs ``bash scripts/gpu/run_remote.sh stage``
(copies it to the host's /tmp, which survives back-to-back calls); the last carries the last
part and ``run`` and runs ``bash scripts/gpu/run_remote.sh run``. The script prints those calls.

    .venv/bin/python scripts/gpu/build_bundle.py --data data/demo --set epochs=1 \
        --requests runs/results/requests.jsonl.gz --curve 250 1000 4000
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.model_results import curve_adapter  # noqa: E402
from sqlfix.jsonl import read_jsonl  # noqa: E402
from sqlfix.models.sources import SOURCES, gguf_path  # noqa: E402
from sqlfix.train.config import TrainConfig  # noqa: E402
from sqlfix.train.dataset_files import read_split  # noqa: E402
from sqlfix.train.examples import build_examples, schema_lookup  # noqa: E402
from sqlfix.train.runner import prepare_examples  # noqa: E402

BUNDLE = ROOT / ".device_bundle"
# What the GPU image ('cuda', Python 3.12) lacks or holds in another version than sqlfix's.
WHEELS = ["trl==1.16.0", "datasets==5.2.0", "gguf==0.19.0", "peft==0.21.2", "dill==0.4.1", "sqlglot", "rapidfuzz",
          "multiprocess==0.70.19", "fsspec==2026.9.0"]
PIP_PLATFORM = ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
                *[arg for tag in ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
                                  "manylinux2014_x86_64", "manylinux1_x86_64") for arg in ("--platform", tag)]]


def main() -> None:
    """Parse the arguments and write the bundle."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo", help="datagen run folder")
    parser.add_argument("--base", default="smollm2-135m", choices=sorted(SOURCES))
    parser.add_argument("--bundle", type=Path, default=BUNDLE, help="bundle folder (git-ignored; one per base "
                        "lets one warm host run several bases back to back)")
    parser.add_argument("--part-mb", type=float, default=40.0, help="size of each model piece (at most 60)")
    parser.add_argument("--test-examples", type=int, default=400, help="test examples scored on the host")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="a TrainConfig setting for the GPU run, e.g. epochs=2 or time_limit_minutes=5")
    parser.add_argument("--adapter", help="adapter folder on the host, relative to the repository "
                        "(default sqlfix/adapters/<base>-sqlfix, the shipped one)")
    parser.add_argument("--requests", type=Path, help="recorded evaluation requests; those of the curve adapters, the "
                        "adapter trained (not with --no-train) and the base are answered, in that order")
    parser.add_argument("--no-base-requests", action="store_true", help="leave out the base model's own requests "
                        "(answered in an earlier call)")
    parser.add_argument("--answered", type=Path, nargs="*", default=[], help="answers files (docs/results/answers-*.jsonl.gz): "
                        "leave out the requests they answer already (the base's, from an earlier golden run)")
    parser.add_argument("--curve", type=int, nargs="*", default=[], help="also train adapters on the first N examples")
    parser.add_argument("--bench-generate", action="store_true", help="time generation on the host (torch.compile: slow)")
    parser.add_argument("--no-train", action="store_true", help="use the adapter already in the repository (curve, answers, timings only)")
    args = parser.parse_args()
    overrides = {key: _json_or_text(value) for key, value in (item.split("=", 1) for item in args.set)}
    config = TrainConfig(data_dir=args.data, base=args.base, **overrides)
    bundle = args.bundle.resolve()
    shutil.rmtree(bundle, ignore_errors=True)
    run_dir = bundle / "run"
    (run_dir / "examples").mkdir(parents=True)
    parts = split_model(gguf_path(SOURCES[args.base]), args.part_mb, bundle)
    counts = write_examples(config, run_dir / "examples", args.test_examples)
    adapter = args.adapter or f"sqlfix/adapters/{args.base}-sqlfix"
    curve = [{"size": size, "adapter": curve_adapter(args.base, size)} for size in args.curve]
    specs = [f"{args.base}+{c['adapter']}" for c in curve] + ([] if args.no_train else [f"{args.base}+{adapter}"]) + ([] if args.no_base_requests else [args.base])
    answered = {(row["model"], row["key"]) for path in args.answered for _, row in read_jsonl(path)}
    requests = write_requests_for(specs, args.requests, run_dir / "requests.jsonl.gz", answered) if args.requests else 0
    download_wheels(run_dir / "wheels")
    whole = gguf_path(SOURCES[args.base])
    manifest = {
        "base": args.base,
        "gguf_size": whole.stat().st_size,
        "gguf_sha256": _sha256(whole),
        "parts": [p.name for p in parts],
        "config": {k: v for k, v in config.to_dict().items() if k not in ("data_dir", "output_dir")},
        "data_dir": str(args.data),
        "examples": counts,
        "adapter": adapter,
        "curve": curve,
        "requests": requests,
        "bench_generate": args.bench_generate,
        "train": not args.no_train,
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print_calls(len(parts), bundle)


def split_model(gguf: Path, part_mb: float, bundle: Path) -> list[Path]:
    """Cut ``gguf`` into ``<bundle>/partN/model.gguf.partNN`` pieces; return them in order."""
    if not 0 < part_mb <= 60:
        raise SystemExit("--part-mb must be in (0, 60]")
    size = int(part_mb * 1_000_000)
    parts = []
    with gguf.open("rb") as source:
        while chunk := source.read(size):
            index = len(parts) + 1
            target = bundle / f"part{index}" / f"model.gguf.part{index:02d}"
            target.parent.mkdir(parents=True)
            target.write_bytes(chunk)
            parts.append(target)
    return parts


def write_examples(config: TrainConfig, folder: Path, test_cap: int) -> dict[str, int]:
    """Write the train/validation/test chat examples as gzipped JSONL; return their counts."""
    train_examples, validation_examples = prepare_examples(config)
    test_rows = read_split(config.data_dir, "test")
    test_examples = build_examples(test_rows, schema_lookup(config.data_dir, config.schema_sources),
                                   repair_formats=config.repair_formats, text2sql=config.text2sql,
                                   question_rate=config.repair_question_rate, seed=config.seed)
    random.Random(config.seed).shuffle(test_examples)
    counts = {}
    for name, examples in (("train", train_examples), ("validation", validation_examples),
                           ("test", test_examples[:test_cap])):
        with gzip.open(folder / f"{name}.jsonl.gz", "wt", encoding="utf-8") as out:
            out.writelines(json.dumps(example) + "\n" for example in examples)
        counts[name] = len(examples)
    return counts


def write_requests_for(specs: list[str], source: Path, target: Path, answered: set[tuple[str, str]] = frozenset()) -> int:
    """Copy the requests made of the model ``specs`` that ``answered`` (model, key) lacks,
    grouped in that order (the host answers them in order, until its time is up); return how many."""
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        rows = [row for row in map(json.loads, lines) if row["model"] in specs and (row["model"], row["key"]) not in answered]
    rows.sort(key=lambda row: specs.index(row["model"]))
    with gzip.open(target, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return len(rows)


def download_wheels(folder: Path) -> None:
    """Fetch the wheels the GPU image lacks, for CPython 3.12 on x86-64 Linux."""
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *PIP_PLATFORM, "-d", str(folder), *WHEELS]
    subprocess.run(command, check=True)


def print_calls(n_parts: int, bundle: Path) -> None:
    """Print the device-tool calls that run the bundle, in order, back to back."""
    name = bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle
    for index in range(1, n_parts):
        print(f"call {index}: carry ['{name}/part{index}']  command: bash scripts/gpu/run_remote.sh stage {name}")
    print(f"call {n_parts}: carry ['{name}/part{n_parts}', '{name}/run']  command: bash scripts/gpu/run_remote.sh run {name}")
    print(f"then, while answers are left: copy the adapter that came back to {name}/adapter; carry "
          f"['{name}/run', '{name}/adapter']  command: bash scripts/gpu/run_remote.sh answer {name}")
    total = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
    print(f"bundle: {total / 1e6:.1f} MB in {bundle}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _json_or_text(value: str):
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


if __name__ == "__main__":
    main()
