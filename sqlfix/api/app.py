"""The HTTP API: ``POST /v1/fix``, ``POST /v1/sql``, ``GET /healthz`` and an OpenAI-compatible
``POST /v1/chat/completions`` / ``GET /v1/models`` serving the loaded model.

Databases come from an allow-list fixed at startup (requests name one, never a path); the
model is loaded once and shared; every request runs under a wall-clock limit (504 past it)
and a body size limit (413).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field, replace

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sqlfix.api.limits import BodySizeLimit
from sqlfix.api.schemas import (
    AskBody, AskResponse, ChatChoice, ChatCompletionBody, ChatCompletionResponse, ChatMessage, ErrorBody,
    FixBody, FixResponse, HealthResponse, ModelCard, ModelList, Usage,
)
from sqlfix.errors import ExecError, SqlfixError, UnsafeSQLError
from sqlfix.fix import FixConfig, FixRequest, ask, repair
from sqlfix.fix.database import Database
from sqlfix.models.base import ChatModel, Message


@dataclass
class ApiSettings:
    """How the server runs.

    Attributes:
        databases: the allow-list: request name → open database. The first is the default.
        model: the shared chat model (None: rules only; ``/v1/sql`` and chat completions answer 503).
        fix_config: pipeline settings for every request (requests may lower ``k`` or disable the model).
        max_body_bytes: larger request bodies are refused with 413.
        request_timeout_s: wall clock per request; past it the answer is 504.
    """

    databases: dict[str, Database]
    model: ChatModel | None = None
    fix_config: FixConfig = field(default_factory=FixConfig)
    max_body_bytes: int = 64 * 1024
    request_timeout_s: float = 30.0


class _ApiError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


class _SharedModel:
    """Serialises generation on one model instance shared by all requests."""

    def __init__(self, model: ChatModel) -> None:
        self.name = model.name
        self._model = model
        self._lock = threading.Lock()

    def generate(self, messages: list[Message], *, n: int = 1, temperature: float = 0.0, max_tokens: int = 256):
        """Generate with the shared model, one request at a time."""
        with self._lock:
            return self._model.generate(messages, n=n, temperature=temperature, max_tokens=max_tokens)


def create_app(settings: ApiSettings):
    """Build the ASGI application (FastAPI wrapped in the body size limit)."""
    if not settings.databases:
        raise SqlfixError("the API needs at least one allowed database")
    model = _SharedModel(settings.model) if settings.model is not None else None
    app = FastAPI(title="sqlfix", version="0.1.0", description="Repair failing SQL and write SQL from questions, verified by execution.")
    errors = {status: {"model": ErrorBody} for status in (400, 404, 413, 422, 503, 504)}

    @app.exception_handler(_ApiError)
    async def _api_error(_: Request, exc: _ApiError) -> JSONResponse:
        return _error(exc.status, exc.kind, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals (an undecodable body, an unknown path) in the API's error shape.
        kind = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, kind, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _error(400, "invalid_json", "the request body is not valid JSON")
        where = "; ".join(f"{'.'.join(str(x) for x in p.get('loc', ())[1:]) or 'body'}: {p.get('msg')}" for p in problems[:5])
        return _error(422, "invalid_request", where)

    @app.get("/healthz", response_model=HealthResponse)
    async def healthz() -> HealthResponse:
        """Liveness, the loaded model and the allowed databases."""
        return HealthResponse(status="ok", model=model.name if model else None, databases=list(settings.databases))

    @app.post("/v1/fix", response_model=FixResponse, responses=errors)
    async def fix(body: FixBody) -> dict:
        """Repair a query: the verified minimal fix, its diff, why, evidence and confidence."""
        database = _database(settings, body.db)
        config = settings.fix_config
        config = replace(config, use_model=config.use_model and body.use_model, k=body.k or config.k)
        error = ExecError.from_dict(body.error.model_dump()) if body.error else None
        request = FixRequest(sql=body.sql, dialect=body.dialect, error=error, question=body.question)
        result = await _bounded(settings, repair, request, database.engine, database.schema, config=config, model=model)
        return result.to_dict()

    @app.post("/v1/sql", response_model=AskResponse, responses=errors)
    async def sql(body: AskBody) -> dict:
        """Write SQL for a question: sampled queries, verified and voted on."""
        if model is None:
            raise _ApiError(503, "no_model", "this server runs without a model; /v1/sql needs one")
        database = _database(settings, body.db)
        config = replace(settings.fix_config, k=body.k or settings.fix_config.k)
        result = await _bounded(settings, ask, body.question, database.engine, database.schema, config=config, model=model)
        return result.to_dict()

    @app.get("/v1/models", response_model=ModelList)
    async def models() -> ModelList:
        """The served model (OpenAI protocol)."""
        return ModelList(data=[ModelCard(id=model.name)] if model else [])

    @app.post("/v1/chat/completions", response_model=ChatCompletionResponse, responses=errors)
    async def chat(body: ChatCompletionBody) -> ChatCompletionResponse:
        """Chat completions from the served model (OpenAI protocol, no streaming)."""
        if model is None:
            raise _ApiError(503, "no_model", "this server runs without a model")
        if body.stream:
            raise _ApiError(400, "invalid_request", "streaming is not supported; send stream=false")
        messages = [Message(m.role, m.content) for m in body.messages]
        generations = await _bounded(settings, model.generate, messages, n=body.n, temperature=body.temperature, max_tokens=body.max_tokens or 256)
        prompt_tokens = generations[0].prompt_tokens if generations else 0
        completion_tokens = sum(g.completion_tokens for g in generations)
        return ChatCompletionResponse(
            id=f"chatcmpl-{uuid.uuid4().hex[:24]}",
            created=int(time.time()),
            model=model.name,
            choices=[ChatChoice(index=i, message=ChatMessage(role="assistant", content=g.text)) for i, g in enumerate(generations)],
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens),
        )

    return BodySizeLimit(app, settings.max_body_bytes)


def _database(settings: ApiSettings, name: str | None) -> Database:
    if name is None:
        return next(iter(settings.databases.values()))
    if name not in settings.databases:
        allowed = ", ".join(settings.databases)
        raise _ApiError(404, "unknown_database", f"unknown database {name!r}; this server allows: {allowed}")
    return settings.databases[name]


async def _bounded(settings: ApiSettings, function, *args, **kwargs):
    """Run blocking ``function`` in a worker thread under the request timeout, mapping errors."""
    try:
        return await asyncio.wait_for(run_in_threadpool(function, *args, **kwargs), timeout=settings.request_timeout_s)
    except asyncio.TimeoutError:
        raise _ApiError(504, "timeout", f"the request took longer than {settings.request_timeout_s:g} s") from None
    except UnsafeSQLError as exc:
        raise _ApiError(400, "unsafe_sql", str(exc)) from None
    except SqlfixError as exc:
        raise _ApiError(400, "invalid_request", str(exc)) from None


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"type": kind, "message": message}})
