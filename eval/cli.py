"""`sqlfix eval` (being built)."""

from sqlfix.errors import SqlfixError


def app() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix eval is not built yet")
