"""Data-parallel training without new code: ``sqlfix train`` under ``torchrun`` (what
``accelerate launch`` starts on a multi-GPU host) with two CPU processes and the gloo backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sqlfix.models import Message, load_model
from sqlfix.train import TrainConfig
from sqlfix.errors import SqlfixError
from sqlfix.train.runner import check_one_process_per_gpu, prepare_examples
from tests.train_fixtures import build_tiny_llama, write_tiny_dataset

TORCHRUN = Path(sys.executable).with_name("torchrun")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ddp")
    data_dir = write_tiny_dataset(root / "data")
    train_examples, _ = prepare_examples(TrainConfig(data_dir=data_dir))
    corpus = [m["content"] for e in train_examples for m in e["prompt"] + e["completion"]]
    return data_dir, build_tiny_llama(root / "base", corpus * 4)


def _train_on_two_processes(data_dir: Path, base: Path, out: Path, *settings: str) -> subprocess.CompletedProcess:
    config = out.parent / f"{out.name}.toml"
    config.write_text("\n".join(["learning_rate = 0.01", "lora_dropout = 0.0", "warmup_ratio = 0.0",
                                 "logging_steps = 3", "eval_steps = 6", *settings]))
    command = [str(TORCHRUN), "--standalone", "--nproc_per_node", "2", "-m", "sqlfix", "train", str(data_dir),
               "--base", str(base), "--out", str(out), "--config", str(config), "--batch-size", "2", "--device", "cpu"]
    # A narrow console, as on a CI machine without a terminal: the report must still be one line.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "COLUMNS": "60"}
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)


def test_two_processes_split_the_data_and_the_main_one_writes_the_adapter(tiny, tmp_path: Path) -> None:
    data_dir, base = tiny
    # No early stop: the step count below is the data split's, whatever the validation loss does.
    run = _train_on_two_processes(data_dir, base, tmp_path / "adapter", "epochs = 12.0", "early_stopping_patience = 100")
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = json.loads((tmp_path / "adapter" / "metrics.json").read_text())
    # 10 examples over 2 processes of batch 2: 3 steps an epoch (one process would take 5).
    assert metrics["processes"] == 2 and metrics["steps"] == 36
    assert metrics["last_loss"] < 0.5 * metrics["first_loss"]
    assert run.stdout.count("processes 2") == 1  # one report, from the main process
    assert not (tmp_path / "adapter" / "checkpoints").exists()
    model = load_model(str(tmp_path / "adapter"), device="cpu")
    assert model.generate([Message("user", "How many users are there?")], max_tokens=4)[0].completion_tokens >= 0


def test_the_time_limit_stops_every_process_at_the_same_step(tiny, tmp_path: Path) -> None:
    data_dir, base = tiny
    run = _train_on_two_processes(data_dir, base, tmp_path / "adapter", "epochs = 50.0", "time_limit_minutes = 0.0001")
    assert run.returncode == 0, run.stderr[-3000:]  # a process left behind would hang in its next collective
    metrics = json.loads((tmp_path / "adapter" / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["steps"] == 2


def test_one_process_seeing_several_gpus_is_told_how_to_launch() -> None:
    with pytest.raises(SqlfixError, match=r"accelerate launch --num_processes 4 .*CUDA_VISIBLE_DEVICES=0"):
        check_one_process_per_gpu(4, {})
    check_one_process_per_gpu(4, {"WORLD_SIZE": "4"})  # launched data-parallel: one GPU a process
    check_one_process_per_gpu(1, {})
