"""`sqlfix ui` (being built)."""

from sqlfix.errors import SqlfixError


def app() -> None:
    """Not built yet."""
    raise SqlfixError("sqlfix ui is not built yet")
