"""`sqlfix ask` (being built)."""

from sqlfix.errors import SqlfixError


def ask() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix ask is not built yet")
