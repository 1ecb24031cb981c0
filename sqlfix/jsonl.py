"""Reading JSONL files strictly: every bad line is an error that names file and line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlfix.errors import InputFormatError


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, row)`` for each non-blank line of a JSONL file (gzip when named
    ``*.gz``); a file that cannot be read, malformed JSON or a row that is not an object raises
    :class:`InputFormatError`.

    Example:
        >>> import tempfile
        >>> file = Path(tempfile.mkdtemp()) / "rows.jsonl"
        >>> _ = file.write_text('{"id": 1}\\n\\n{"id": 2}\\n')
        >>> [(n, row["id"]) for n, row in read_jsonl(file)]
        [(1, 1), (3, 2)]
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputFormatError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise InputFormatError(f"{path}:{number}: a row must be a JSON object")
                yield number, row
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # missing, unreadable, truncated gzip, not text
        raise InputFormatError(f"cannot read {path}: {exc}") from None
