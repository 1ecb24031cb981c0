"""The GPU side of a bundle run (started by run_remote.sh): reassemble and check the base model,
convert it, train the adapter (and the learning-curve adapters), score it on the test split,
answer the recorded evaluation requests in batches, time training (and generation), and write
everything that should come back into ``--out``: the adapter (with its model card,
metrics, loss plot; packed as ``adapter.tar.NN`` chunks by ``scripts/gpu/transfer.py``, since a
returned file holds at most 16 MiB), ``answers.jsonl``, ``results.json`` and ``run.log``."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
import traceback
from dataclasses import replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from scripts.gpu.transfer import RESUME_ARCHIVE, pack  # noqa: E402
from sqlfix.models.convert import CONVERTED_MARKER, convert_gguf, converted_dir  # noqa: E402
from sqlfix.models.sources import SOURCES, assemble_parts  # noqa: E402
from sqlfix.prompts import apply_edit, extract_sql  # noqa: E402
from sqlfix.train.config import TrainConfig  # noqa: E402
from sqlfix.train.runner import RESUME_FILES, train  # noqa: E402

# 256 rows of the 1.5B with 5 in-context examples ran out of an H100's 80 GB (2026-12-07); 64 did not.
ANSWER_BATCH = int(os.environ.get("ANSWER_BATCH", "64"))
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "README.md", "metrics.json", "loss.png")


def main() -> None:
    """Run every stage; a failing scoring or timing stage is logged and the rest still runs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--pieces", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sqlfix_run"))
    parser.add_argument("--answer-minutes", type=float, default=8.0,
                        help="no answer batch starts this many minutes after the start (the device call ends at 10)")
    parser.add_argument("--prepare-only", action="store_true", help="only reassemble, check and convert the base")
    parser.add_argument("--train-only", action="store_true",
                        help="only train (and time it): the data-parallel stage, one process per GPU under "
                        "accelerate launch, after a --prepare-only call; the main process writes results.json")
    parser.add_argument("--time-limit-minutes", type=float, help="overrides the bundle's time_limit_minutes")
    parser.add_argument("--resume", type=Path, help="a resume point an earlier call brought back: training goes on "
                        "from it (same bundle)")
    parser.add_argument("--answer-only", action="store_true",
                        help="only go on answering the requests earlier calls on this host left unanswered "
                        "(the adapter must be in the repository, the base converted in the host's cache)")
    args = parser.parse_args()
    started, clock = time.perf_counter(), time.monotonic()
    manifest = json.loads((args.bundle / "manifest.json").read_text())
    results: dict = {"manifest": {k: v for k, v in manifest.items() if k != "parts"}}
    if not args.train_only:
        prepare_base(manifest, args.pieces, args.work)
        results["prepare_s"] = round(time.perf_counter() - started, 1)
    if args.prepare_only:
        return
    examples = {name: read_examples(args.bundle / "examples" / f"{name}.jsonl.gz") for name in ("train", "validation", "test")}
    limit = {"time_limit_minutes": args.time_limit_minutes} if args.time_limit_minutes is not None else {}
    if args.resume is not None:
        limit["resume_from"] = args.resume
    # The examples come built in the bundle; data_dir (tracked, so on the host too) names the data in the card.
    config = TrainConfig(**{**manifest["config"], **limit, "data_dir": ROOT / manifest["data_dir"],
                            "output_dir": ROOT / manifest["adapter"], "device": "cuda"})
    if args.train_only:
        train_and_time(config, examples, results, args.out)
        return
    stages = [(f"curve_{c['size']}", partial(train_curve, config, examples, c["size"], c["adapter"])) for c in manifest.get("curve", [])]
    if args.answer_only:
        stages = []
    elif manifest.get("train", True):
        result = train(config, examples=(examples["train"], examples["validation"]))
        results["train"] = {k: v for k, v in result.metrics.items() if k != "log_history"}
        results["adapter_chunks"] = [c.name for c in pack(result.adapter_dir, args.out, files=ADAPTER_FILES)]
        if result.metrics.get("resume_dir"):  # stopped by its time limit: the next call goes on from here
            results["resume_chunks"] = [c.name for c in pack(Path(result.metrics["resume_dir"]), args.out,
                                                             files=RESUME_FILES, name=RESUME_ARCHIVE)]
        print("train", json.dumps(results["train"])[:1500], flush=True)
        stages.append(("test", lambda: score(config.base, config.output_dir, examples["test"])))
        stages.append(("bench_train", lambda: bench_train(result.metrics)))
    if manifest.get("requests"):
        deadline = clock + args.answer_minutes * 60
        stages.append(("answers", lambda: answer(args.bundle / "requests.jsonl.gz", args.out / "answers.jsonl",
                                                 args.work / "answered.jsonl", deadline)))
    if manifest.get("bench_generate") and not args.answer_only:
        stages.append(("bench_generate", lambda: bench_generate(config.base, config.output_dir, examples["test"])))
    for stage, run in stages:
        try:
            results[stage] = run()
        except Exception:  # noqa: BLE001 - keep the adapter and the other numbers
            results[stage] = {"error": traceback.format_exc(limit=3)}
        print(stage, json.dumps(results[stage])[:2000], flush=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=2))
    results["total_s"] = round(time.perf_counter() - started, 1)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))


def train_and_time(config: TrainConfig, examples: dict[str, list[dict]], results: dict, out: Path) -> None:
    """Train (each process of a data-parallel launch runs this) and, on the main process, write
    the training metrics and their throughput to ``out/results.json``."""
    result = train(config, examples=(examples["train"], examples["validation"]))
    if not result.main_process:
        return
    results["train"] = {k: v for k, v in result.metrics.items() if k != "log_history"}
    results["bench_train"] = bench_train(result.metrics)
    print("train", json.dumps(results["train"]), "\nbench_train", json.dumps(results["bench_train"]), flush=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))


def train_curve(config: TrainConfig, examples: dict[str, list[dict]], size: int, adapter: str) -> dict:
    """Train a learning-curve adapter on the first ``size`` training examples (same settings)
    into ``adapter`` (relative to the repository; it stays on the host, where the recorded
    requests name it)."""
    curve = replace(config, output_dir=ROOT / adapter, max_train_examples=size)
    result = train(curve, examples=(examples["train"][:size], examples["validation"]))
    return {k: v for k, v in result.metrics.items() if k in ("train_examples", "steps", "train_seconds", "best_eval_loss", "eval_loss")}


def answer(requests_path: Path, target: Path, answered_log: Path, deadline: float) -> dict:
    """Answer the recorded evaluation requests that no earlier call on this host answered
    (``answered_log``, kept in the host's /tmp while it stays warm), in batches until
    ``deadline``, into ``target`` (flushed per batch, so a run cut short keeps what it made);
    then add them to ``answered_log``; return counts and timings."""
    from sqlfix.jsonl import read_jsonl
    from sqlfix.models import load_model
    from sqlfix.models.replay import append_answers

    done = {(row["model"], row["key"]) for _, row in read_jsonl(answered_log)} if answered_log.exists() else set()
    requests = [row for _, row in read_jsonl(requests_path) if (row["model"], row["key"]) not in done]
    started = time.perf_counter()
    try:
        answered = append_answers(requests, lambda spec: load_model(spec, device="cuda"), target,
                                  batch_size=ANSWER_BATCH, deadline=deadline)
    finally:
        if target.exists():
            answered_log.parent.mkdir(parents=True, exist_ok=True)
            with answered_log.open("a", encoding="utf-8") as log:
                log.write(target.read_text(encoding="utf-8"))
    return {"answered_before": len(done), "requests_left": len(requests), "answered": answered,
            "seconds": round(time.perf_counter() - started, 1)}


def prepare_base(manifest: dict, pieces: Path, work: Path) -> None:
    """Reassemble the GGUF from its pieces (size + sha256 checked) and convert it into the cache."""
    import torch

    print("gpu", torch.cuda.get_device_name(0), "torch", torch.__version__, flush=True)
    source = SOURCES[manifest["base"]]
    target = converted_dir(source)
    if (target / CONVERTED_MARKER).exists():
        return
    work.mkdir(parents=True, exist_ok=True)
    gguf = work / f"{source.name}.gguf"
    parts = [pieces / name for name in manifest["parts"]]
    missing = [p.name for p in parts if not p.exists()]
    if missing:
        raise SystemExit(f"model pieces missing on this host: {missing} (stage them first)")
    assemble_parts(parts, gguf, size=manifest["gguf_size"], sha256=manifest["gguf_sha256"])
    print("assembled", gguf, gguf.stat().st_size, "sha256 ok", flush=True)
    convert_gguf(gguf, target, note=source.description)


def read_examples(path: Path) -> list[dict]:
    """Read a gzipped JSONL file of chat examples."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def bench_train(metrics: dict) -> dict:
    """Throughput and fraction of bf16 peak of the run just done."""
    from bench_train import throughput

    return throughput(metrics)


def score(base: str, adapter_dir: Path, examples: list[dict], batch_size: int = 32, device: str = "cuda") -> dict:
    """Greedy answers for the test examples in batches (``HFChatModel.generate_batch``);
    exact-match rates per kind (whitespace-normalised SQL; an edit counts when applying it gives
    the reference)."""
    from sqlfix.models import Message, load_model

    model = load_model(f"{base}+{adapter_dir}", device=device)
    hits: dict[str, list[int]] = {}
    samples = []
    started = time.perf_counter()
    for index in range(0, len(examples), batch_size):
        batch = examples[index : index + batch_size]
        chats = [[Message(m["role"], m["content"]) for m in e["prompt"]] for e in batch]
        for example, (generation,) in zip(batch, model.generate_batch(chats, max_tokens=160)):
            ok = _correct(example, generation.text)
            hits.setdefault(example["kind"], []).append(int(ok))
            if len(samples) < 12:
                samples.append({"kind": example["kind"], "answer": generation.text, "target": example["completion"][0]["content"], "ok": ok})
    rates = {kind: round(sum(v) / len(v), 4) for kind, v in hits.items()}
    return {"exact_match": rates, "counts": {k: len(v) for k, v in hits.items()},
            "seconds": round(time.perf_counter() - started, 1), "samples": samples}


def _correct(example: dict, answer: str) -> bool:
    reference = _squash(example["reference_sql"])
    if example["kind"] == "repair_edit":
        try:
            return _squash(apply_edit(example["broken_sql"], answer)) == reference
        except Exception:  # noqa: BLE001 - an edit that does not apply is a miss
            return False
    return _squash(extract_sql(answer)) == reference


def _squash(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").strip()


def bench_generate(base: str, adapter_dir: Path, examples: list[dict]) -> dict:
    """ms per fix on this GPU: merged adapter, plain generate vs a kept static KV cache (compiled;
    ``compiled_graphs`` counts the graphs dynamo built: one per batch shape when nothing recompiles),
    greedy and 4 samples in one batch; ms per generated token against the memory-bandwidth floor
    (reading every weight once per token at the copy bandwidth measured here) as a ratio."""
    import torch
    from bench_generate import measure

    from sqlfix.models import Message, load_model

    prompts = [[Message(m["role"], m["content"]) for m in e["prompt"]] for e in examples if e["kind"] == "repair_edit"][:30]
    bandwidth = copy_bandwidth()
    timings: dict = {"copy_gb_per_s": round(bandwidth / 1e9, 1)}
    for label, static in (("merged_prefix_cache", False), ("merged_static_cache_compiled", True)):
        model = load_model(f"{base}+{adapter_dir}", device="cuda", static_cache=static)
        weight_bytes = sum(p.numel() * p.element_size() for p in model.model.parameters())
        floor_ms = weight_bytes / bandwidth * 1000
        for samples in (1, 4):
            name = f"{label}_n{samples}"
            timings[name] = measure(model, prompts, max_tokens=64, warmup=3, n=samples,
                                    temperature=0.0 if samples == 1 else 0.7)
            timings[name]["floor_ms_per_token"] = round(floor_ms, 3)
            timings[name]["ratio_to_floor"] = round(timings[name]["ms_per_completion_token"] / floor_ms, 1)
            timings[name]["compiled_graphs"] = torch._dynamo.utils.counters["stats"].get("unique_graphs", 0)
            print(name, timings[name], flush=True)
        del model
        torch.cuda.empty_cache()
    return timings


def copy_bandwidth(gigabytes: float = 2.0) -> float:
    """Bytes per second this GPU reads in a device-to-device copy (half of what it moves)."""
    import torch

    source = torch.empty(int(gigabytes * 1e9) // 2, dtype=torch.bfloat16, device="cuda")
    target = torch.empty_like(source)
    target.copy_(source)
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(5):
        target.copy_(source)
    torch.cuda.synchronize()
    return gigabytes * 1e9 * 5 / (time.perf_counter() - started)

if __name__ == "__main__":
    main()
