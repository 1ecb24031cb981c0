"""A training run stopped by its limit goes on in a later run from where it stopped (weights,
learning-rate schedule, place in the data), as several GPU calls make one run; on CPU with a
tiny Llama built in the test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from sqlfix.errors import SqlfixError
from sqlfix.train import TrainConfig, train
from sqlfix.train.runner import RESUME_FILES, prepare_examples
from tests.train_fixtures import build_tiny_llama, write_tiny_dataset


def _history(result) -> list[dict]:
    return json.loads((result.adapter_dir / "metrics.json").read_text())["log_history"]


def _per_step(history: list[dict], key: str) -> dict[int, float]:
    return {entry["step"]: entry[key] for entry in history if key in entry}


def test_a_run_stopped_by_its_step_limit_goes_on_where_it_stopped(tmp_path: Path) -> None:
    data_dir = write_tiny_dataset(tmp_path / "data")
    settings = dict(data_dir=data_dir, epochs=1, batch_size=2, learning_rate=1e-2, lora_r=8, lora_alpha=16,
                    lora_dropout=0.0, max_length=256, eval_steps=100, logging_steps=1, warmup_ratio=0.0,
                    device="cpu", early_stopping_patience=100)
    examples, _ = prepare_examples(TrainConfig(**settings))
    corpus = [m["content"] for e in examples for m in e["prompt"] + e["completion"]]
    base = str(build_tiny_llama(tmp_path / "base", corpus * 4))
    whole = train(TrainConfig(**settings, base=base, output_dir=tmp_path / "whole"))
    steps = whole.metrics["steps"]
    assert steps >= 4 and whole.metrics["resume_dir"] is None and not (tmp_path / "whole" / "resume").exists()

    first = train(TrainConfig(**settings, base=base, output_dir=tmp_path / "first", step_limit=2))
    assert first.metrics["steps"] == 2 and first.metrics["epochs_done"] < 1
    resume = Path(first.metrics["resume_dir"])
    assert resume == tmp_path / "first" / "resume"
    assert {p.name for p in resume.iterdir()} == set(RESUME_FILES)  # no optimizer moments to carry
    assert json.loads((resume / "resume.json").read_text())["step"] == 2

    carried = tmp_path / "carried"  # as a GPU call brings it back and the next one carries it
    shutil.copytree(resume, carried)
    second = train(TrainConfig(**settings, base=base, output_dir=tmp_path / "second", resume_from=carried))
    assert second.metrics["resumed_from_step"] == 2
    assert second.metrics["steps"] == steps and second.metrics["epochs_done"] == 1.0
    assert second.metrics["resume_dir"] is None
    history, reference = _history(second), _history(whole)
    rates, expected = _per_step(history, "learning_rate"), _per_step(reference, "learning_rate")
    assert sorted(rates) == list(range(1, steps + 1))  # steps 1-2 logged by the first run
    # The place in the data goes on: the two runs together read exactly the whole run's tokens.
    assert second.metrics["tokens_seen"] == whole.metrics["tokens_seen"]
    # Its throughput counts only the tokens it read itself, not the first run's too.
    own_tokens = second.metrics["tokens_seen"] - first.metrics["tokens_seen"]
    assert 0 < own_tokens < second.metrics["tokens_seen"]
    assert second.metrics["tokens_per_second"] == pytest.approx(own_tokens / second.metrics["train_seconds"], rel=0.01)
    assert all(rates[step] == pytest.approx(expected[step]) for step in rates)  # the schedule goes on
    # Step 3 sees the weights after step 2 (bfloat16 in the resume point) and the same batch...
    assert _per_step(history, "loss")[3] == pytest.approx(_per_step(reference, "loss")[3], rel=0.05)
    # ...and the optimizer starts again there, so this is not the whole run done over.
    ours, theirs = (load_file(str(r.adapter_dir / "adapter_model.safetensors")) for r in (second, whole))
    assert ours.keys() == theirs.keys() and any(not torch.equal(ours[k], theirs[k]) for k in ours)

    with pytest.raises(SqlfixError, match="other data or settings .*train_examples 10 there, 9 here"):
        train(TrainConfig(**settings, base=base, output_dir=tmp_path / "other", resume_from=carried,
                          max_train_examples=len(examples) - 1))
    with pytest.raises(SqlfixError, match="batch_size 2 x grad_accum 1 there, 4 x 1 here"):
        train(TrainConfig(**{**settings, "batch_size": 4}, base=base, output_dir=tmp_path / "other",
                          resume_from=carried))
    # The same batch split another way (a smaller GPU: half the rows, two micro-steps) goes on
    # over the same examples and the same schedule.
    split = train(TrainConfig(**{**settings, "batch_size": 1, "grad_accum": 2}, base=base, output_dir=tmp_path / "split",
                              resume_from=carried))
    assert split.metrics["resumed_from_step"] == 2 and split.metrics["steps"] == steps
    assert split.metrics["tokens_seen"] == whole.metrics["tokens_seen"]
    split_rates = _per_step(_history(split), "learning_rate")
    assert all(split_rates[step] == pytest.approx(expected[step]) for step in split_rates)
    (carried / "resume.json").write_text("{not json")
    with pytest.raises(SqlfixError, match="resume.json is not a resume record"):
        train(TrainConfig(**settings, base=base, output_dir=tmp_path / "other", resume_from=carried))
    (carried / "scheduler.pt").unlink()
    with pytest.raises(SqlfixError, match="not a resume point .*scheduler.pt"):
        train(TrainConfig(**settings, base=base, output_dir=tmp_path / "other", resume_from=carried))
