"""`sqlfix fix` (being built)."""

from sqlfix.errors import SqlfixError


def fix() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix fix is not built yet")
