"""``ApiSettings``: how ``sqlfix serve`` runs (kept apart from the app so the CLI reads its
defaults without importing the web framework)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlfix.fix.config import FixConfig
from sqlfix.fix.database import Database
from sqlfix.models.base import ChatModel

# Past the budget the pipeline answers with what it has (the rules may still finish a query
# under its execution limit); this much longer and the request is given up on with 504.
GRACE_S = 1.0


@dataclass
class ApiSettings:
    """How the server runs.

    Attributes:
        databases: the allow-list: request name → open database. The first is the default.
        model: the shared chat model (None: rules only; ``/v1/sql`` and chat completions answer 503).
        fix_config: pipeline settings for every request (requests may lower ``k`` or disable the model).
        max_body_bytes: larger request bodies are refused with 413.
        request_timeout_s: a request's time budget, from its arrival: past it the answer is the
            best verified so far, marked partial (504 when there is none).
        body_timeout_s: the whole body must arrive within this (408 past it: a slow client
            holds no worker).
        db_running: requests served at once per database (its engine runs one query at a time,
            and the rest of a request is Python, which runs one thread at a time).
        db_waiting: requests queued per database beyond those; more get 429.
        db_queue_wait_s: the longest a request waits in a database's queue before it gives up
            with 429: it keeps the latency of the requests served near their service time
            whatever the load. With a model asked only when the rules find nothing (the
            default), the model's part of a request waits in the model's queue instead.
        model_waiting: model calls queued beyond the one running; more get 429 (or the rules'
            answer alone, when they have one).
        model_backoff_s: rest after a model failure, doubling with each failure in a row (to 60 s).
    """

    databases: dict[str, Database]
    model: ChatModel | None = None
    fix_config: FixConfig = field(default_factory=FixConfig)
    max_body_bytes: int = 64 * 1024
    request_timeout_s: float = 30.0
    body_timeout_s: float = 10.0
    db_running: int = 2
    db_waiting: int = 16
    db_queue_wait_s: float = 0.3
    model_waiting: int = 4
    model_backoff_s: float = 1.0
