"""`sqlfix train` (being built)."""

from sqlfix.errors import SqlfixError


def train() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix train is not built yet")
