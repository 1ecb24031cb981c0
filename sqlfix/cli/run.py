"""`sqlfix run` (being built)."""

from sqlfix.errors import SqlfixError


def run() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix run is not built yet")
