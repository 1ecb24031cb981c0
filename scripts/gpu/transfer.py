"""Bring a folder back from the GPU host within the device tool's limits on returned files (at
most 8 files, 16 MiB each): the host packs it into one tar cut in chunks, this machine joins
and unpacks them.

    (host)  pack(adapter_dir, OUT, files=ADAPTER_FILES)        -> OUT/adapter.tar.00, .01, ...
    (here)  .venv/bin/python scripts/gpu/transfer.py unpack /work/.device/N TARGET_DIR
    (here)  .venv/bin/python scripts/gpu/transfer.py unpack /work/.device/N BUNDLE/resume --name resume.tar
"""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
from pathlib import Path

CHUNK_BYTES = 15 * 2**20  # under the 16 MiB a returned file may have
ARCHIVE = "adapter.tar"
RESUME_ARCHIVE = "resume.tar"


def pack(folder: Path, out_dir: Path, *, files: tuple[str, ...], name: str = ARCHIVE,
         chunk_bytes: int = CHUNK_BYTES) -> list[Path]:
    """Write the ``files`` of ``folder`` that exist as one tar cut into ``<name>.00``, ``.01``...
    in ``out_dir``; return the chunks in order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for file_name in files:
            if (folder / file_name).is_file():
                archive.add(folder / file_name, arcname=file_name)
    data = buffer.getvalue()
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = []
    for index, start in enumerate(range(0, len(data), chunk_bytes)):
        chunk = out_dir / f"{name}.{index:02d}"
        chunk.write_bytes(data[start : start + chunk_bytes])
        chunks.append(chunk)
    return chunks


def unpack(source_dir: Path, target: Path, *, name: str = ARCHIVE) -> list[str]:
    """Join the chunks ``<name>.NN`` found in ``source_dir`` and extract them into ``target``;
    return the names extracted. A gap in the chunk numbers is an error."""
    chunks = sorted(source_dir.glob(f"{name}.[0-9][0-9]"))
    if not chunks:
        raise SystemExit(f"no {name}.NN chunks in {source_dir}")
    numbers = [int(chunk.suffix[1:]) for chunk in chunks]
    if numbers != list(range(len(chunks))):
        raise SystemExit(f"chunks of {name} missing in {source_dir}: found {numbers}")
    data = b"".join(chunk.read_bytes() for chunk in chunks)
    target.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as archive:
            archive.extractall(target, filter="data")
            return archive.getnames()
    except tarfile.TarError as exc:
        raise SystemExit(f"the {name} chunks in {source_dir} do not make a readable archive: {exc}") from None


def main() -> None:
    """unpack SOURCE_DIR TARGET_DIR."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("unpack",))
    parser.add_argument("source", type=Path, help="the folder the device call's files came back to")
    parser.add_argument("target", type=Path, help="the adapter (or resume point) folder to write")
    parser.add_argument("--name", default=ARCHIVE, help=f"the archive the chunks cut (default {ARCHIVE}; a "
                        f"training call's resume point comes back as {RESUME_ARCHIVE})")
    args = parser.parse_args()
    names = unpack(args.source, args.target, name=args.name)
    print(f"{args.target}: {', '.join(names)}")


if __name__ == "__main__":
    sys.exit(main())
