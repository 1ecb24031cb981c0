"""`sqlfix datagen` (being built)."""

from sqlfix.errors import SqlfixError


def app() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix datagen is not built yet")
