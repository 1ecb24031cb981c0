"""The int4 CPU runtime (ONNX Runtime GenAI) with the real bundled 135M model: answers in the
trained format, the kept schema heads (rewound, evicted), sampled rows, and the conversion
cache's corrupt-file path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sqlfix.fix.prefix import warm_schema
from sqlfix.models import Message, load_model
from sqlfix.models.loader import resolve_base
from sqlfix.models.quantize import QUANTIZED_MARKER, is_complete, load_quantized, quantized_dir
from sqlfix.models.specs import parse_model_spec
from sqlfix.schema.model import Schema
from tests.fix_fixtures import shop_duckdb  # noqa: F401 - fixture

pytest.importorskip("onnxruntime_genai")


@pytest.fixture(scope="module")
def ort_default():
    return load_model("default", runtime="ort")


@pytest.fixture(scope="module")
def orders_schema(shop_duckdb):  # noqa: F811
    """The orders table of demo://shop alone: a schema head of a few hundred tokens."""
    return Schema(id="shop", dialect=shop_duckdb.schema.dialect, tables=[shop_duckdb.schema.table("orders")])


@pytest.mark.slow
def test_int4_model_answers_in_the_trained_format_and_samples_rows(ort_default) -> None:
    from sqlfix.prompts import parse_edit, repair_messages
    from tests.train_fixtures import TINY_SCHEMA

    assert ort_default.runtime == "ort"
    messages = repair_messages(TINY_SCHEMA.to_prompt(), "SELECT nme FROM users", 'Referenced column "nme" not found',
                               "duckdb", output="edit")
    greedy = ort_default.generate(messages, max_tokens=24)
    assert len(greedy) == 1 and greedy[0].text.startswith("- ") and parse_edit(greedy[0].text), greedy
    assert ort_default.generate(messages, max_tokens=24) == greedy  # the same state rewound: the same answer
    sampled = ort_default.generate(messages, n=3, temperature=0.9, max_tokens=12)
    assert len(sampled) == 3 and all(0 < g.completion_tokens <= 12 for g in sampled)
    assert ort_default.generate(messages, n=2, temperature=0.0, max_tokens=24) == greedy * 2
    with pytest.raises(Exception, match="n must be at least 1"):
        ort_default.generate(messages, n=0)


@pytest.mark.slow
def test_a_kept_schema_head_answers_as_a_one_pass_prefill_does(ort_default, shop_duckdb, orders_schema) -> None:  # noqa: F811
    from sqlfix.prompts import ask_messages, extract_sql

    dialect = shop_duckdb.engine.dialect
    question = ask_messages(orders_schema.to_prompt(), "How many orders are there?", dialect)
    fresh = load_model("default", runtime="ort")  # no head kept: the whole prompt in one pass
    one_pass = fresh.generate(question, max_tokens=32)
    assert fresh.prefix_lengths == []
    head = warm_schema(ort_default, orders_schema, dialect)
    assert head > 100 and head in ort_default.prefix_lengths
    kept = ort_default.generate(question, max_tokens=32)
    assert kept == one_pass
    sql = extract_sql(kept[0].text)
    assert sql and "orders" in sql.lower() and shop_duckdb.engine.execute(sql).rows


@pytest.mark.slow
def test_past_its_capacity_the_least_recently_used_head_is_dropped(ort_default) -> None:
    from sqlfix.models import ort

    heads = []
    for index in range(ort.PREFIX_CACHE_ENTRIES + 1):
        system = Message("system", f"Schema {index}: " + " ".join(f"column_{index}_{j} INTEGER," for j in range(40)))
        chats = [[system, Message("user", question)] for question in ("Count the rows.", "List the columns.")]
        heads.append(ort_default.warm(chats))
    assert all(length >= 64 for length in heads)
    assert len(ort_default.prefix_lengths) == ort.PREFIX_CACHE_ENTRIES
    assert len(ort_default._generators) == ort.PREFIX_CACHE_ENTRIES  # the dropped head's state is freed


@pytest.mark.slow
def test_a_corrupt_int4_model_is_converted_again(tmp_path: Path) -> None:
    default = parse_model_spec("default")
    base_dir, adapter = resolve_base(default.base or ""), default.adapter_dir
    os.environ["SQLFIX_CACHE_DIR"] = str(tmp_path)
    try:
        model = load_quantized(base_dir, adapter, name="default", runtime="ort")
        folder = quantized_dir(base_dir, adapter, "ort")
        assert folder.parent.name == "ort" and folder.name.endswith("-int4") and is_complete(folder, "ort")
        assert sorted(p.name for p in folder.parent.iterdir()) == sorted([folder.name, folder.name + ".lock"])
        answer = model.generate([Message("user", "Write a query selecting 1.")], max_tokens=8)
        del model
        with (folder / "model.onnx").open("r+b") as model_file:
            model_file.truncate(1000)
        reloaded = load_quantized(base_dir, adapter, name="default", runtime="ort")  # converted again, then loaded
        assert (folder / QUANTIZED_MARKER).is_file() and (folder / "model.onnx").stat().st_size > 1000
        assert reloaded.generate([Message("user", "Write a query selecting 1.")], max_tokens=8) == answer
    finally:
        del os.environ["SQLFIX_CACHE_DIR"]


def test_auto_picks_the_int4_runtime_on_a_cpu_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlfix.errors import SqlfixError
    from sqlfix.models.runtime import RUNTIME_ENV, cpu_runtime, pick_runtime

    monkeypatch.delenv(RUNTIME_ENV, raising=False)
    assert cpu_runtime() == "ort" and pick_runtime("auto", "cpu") == "ort"
    assert pick_runtime("auto", "cuda") == "torch" and pick_runtime("ct2", "cpu") == "ct2"
    monkeypatch.setenv(RUNTIME_ENV, "ct2")
    assert pick_runtime("auto", "cpu") == "ct2"
    monkeypatch.setenv(RUNTIME_ENV, "int3")
    with pytest.raises(SqlfixError, match="SQLFIX_RUNTIME='int3' is no runtime"):
        pick_runtime("auto", "cpu")
