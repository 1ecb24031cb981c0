"""Bringing an adapter back from the GPU host: packed into chunks under the returned-file limit,
joined and unpacked here."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from scripts.gpu.transfer import pack, unpack


def test_an_adapter_comes_back_whole_in_chunks_under_the_limit(tmp_path: Path) -> None:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    weights = bytes(range(256)) * 4000  # 1,024,000 bytes
    (adapter / "adapter_model.safetensors").write_bytes(weights)
    (adapter / "adapter_config.json").write_text('{"r": 8}')
    (adapter / "checkpoint.bin").write_bytes(b"not asked for")
    chunks = pack(adapter, tmp_path / "out", files=("adapter_config.json", "adapter_model.safetensors", "README.md"),
                  chunk_bytes=300_000)
    assert [c.name for c in chunks] == [f"adapter.tar.{i:02d}" for i in range(len(chunks))] and len(chunks) == 4
    assert all(c.stat().st_size <= 300_000 for c in chunks)
    names = unpack(tmp_path / "out", tmp_path / "back")
    assert sorted(names) == ["adapter_config.json", "adapter_model.safetensors"]
    assert (tmp_path / "back" / "adapter_model.safetensors").read_bytes() == weights


def test_a_missing_chunk_or_a_hostile_archive_is_refused(tmp_path: Path) -> None:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"x" * 5000)
    chunks = pack(adapter, tmp_path / "out", files=("adapter_model.safetensors",), chunk_bytes=4000)
    chunks[1].unlink()
    with pytest.raises(SystemExit, match="missing"):
        unpack(tmp_path / "out", tmp_path / "back")
    with pytest.raises(SystemExit, match="no adapter.tar.NN chunks"):
        unpack(tmp_path / "empty", tmp_path / "back")
    evil = io.BytesIO()
    with tarfile.open(fileobj=evil, mode="w") as archive:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"bad"))
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "adapter.tar.00").write_bytes(evil.getvalue())
    with pytest.raises(SystemExit, match="readable archive"):
        unpack(tmp_path / "evil", tmp_path / "inside")
    assert not (tmp_path / "escaped.txt").exists()
