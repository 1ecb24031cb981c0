"""The ``model`` field of ``/v1/fix`` and ``/v1/sql``: a spec of the one vocabulary
(:mod:`sqlfix.models.specs`) naming the model a request wants from those the server has:
``rules`` (always) and the model it was started with (``auto``: whichever that is).

Specs from requests are read without looking at the server's files (``check_files=False``),
so a client cannot probe which folders exist: a folder spec other than the served one is
unknown, as a word outside the vocabulary is.
"""

from __future__ import annotations

from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel
from sqlfix.models.sources import SOURCES
from sqlfix.models.specs import RULES, RULES_CANNOT_ASK, ModelSpec, parse_model_spec, unknown_model_error


class ModelFieldError(Exception):
    """A ``model`` field the server cannot honour: ``status`` 400 (outside the vocabulary,
    or ``rules`` for a question) or 404 (a model this server does not serve)."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def wants_model(requested: str | None, served: ChatModel | None, *, question: bool = False) -> bool:
    """Whether a request with ``model`` = ``requested`` runs the served model (False: rules only).

    ``None`` and ``auto`` take what the server runs (it chose the model for its machine; ``auto``
    is a 404 on a rules-only server); ``rules`` the rules alone (refused for a question);
    any other spec must name the served model (``default`` and ``smollm2-135m-sqlfix`` are one):
    a spec of the vocabulary it does not serve is a 404, a word or folder outside it a 400.

    Raises:
        ModelFieldError: see the class.
    """
    if requested is None:
        return served is not None
    try:
        wanted = parse_model_spec(requested, check_files=False)
    except SqlfixError as exc:
        raise ModelFieldError(400, "invalid_request", str(exc)) from None
    if wanted.is_rules:
        if question:
            raise ModelFieldError(400, "invalid_request", RULES_CANNOT_ASK)
        return False
    if served is not None and (wanted.is_auto or _served_spec(served) == wanted):
        return True
    if wanted.kind == "local" and wanted.base not in SOURCES and wanted.adapter_dir is None:
        # A bare word or folder the server does not serve: unknown, whatever its disk holds.
        raise ModelFieldError(400, "invalid_request", str(unknown_model_error(requested.strip())))
    serves = f"'{served.name}' and '{RULES}'" if served is not None else f"'{RULES}' only"
    raise ModelFieldError(404, "unknown_model", f"this server does not serve {requested.strip()!r}; it serves {serves}")


def _served_spec(model: ChatModel) -> ModelSpec | None:
    # A model still loading in the background knows what it will be (``LazyModel.settled_name``).
    name = model.settled_name() if hasattr(model, "settled_name") else model.name
    try:
        return parse_model_spec(name, check_files=False)
    except SqlfixError:
        return None
