"""How a fix is shown: a unified diff for people and the compact edit for tools and models."""

from __future__ import annotations

import difflib


def unified_diff(original: str, fixed: str) -> str:
    """Return the unified diff from ``original`` to ``fixed`` ("" when they are equal).

    Example:
        >>> print(unified_diff("SELECT nme FROM t", "SELECT name FROM t"))
        --- query
        +++ fixed
        @@ -1 +1 @@
        -SELECT nme FROM t
        +SELECT name FROM t
    """
    if original == fixed:
        return ""
    lines = difflib.unified_diff(
        original.splitlines(), fixed.splitlines(), fromfile="query", tofile="fixed", lineterm=""
    )
    return "\n".join(lines)
