"""`sqlfix serve` (being built)."""

from sqlfix.errors import SqlfixError


def serve() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix serve is not built yet")
