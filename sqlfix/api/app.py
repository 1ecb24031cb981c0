"""The HTTP API: ``POST /v1/fix``, ``POST /v1/sql``, ``GET /healthz`` and an OpenAI-compatible
``POST /v1/chat/completions`` / ``GET /v1/models`` serving the loaded model.

Databases come from an allow-list fixed at startup (requests name one, never a path); the
model is loaded once and shared. The service degrades instead of failing or piling up:

* every database and the model have a bounded queue; beyond it the answer is 429 with
  ``Retry-After`` (``ServedDatabase``, ``ModelGuard``);
* a request has a time budget; when it runs out the answer is the best verified one found so
  far, marked ``partial`` (503 with ``Retry-After`` when there is none; 504 only when even the
  pipeline overran it, an engine ignoring its own limit);
* a model that fails (an exception, out of memory, an endpoint down) leaves the rules to answer,
  says so in the response (``model_status``) and in ``/healthz``, and is tried again after a
  back-off;
* a database whose engine breaks is reopened once, else 503 naming the cause;
* bodies over the size limit get 413, bodies that do not arrive in time 408 (``limits``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from contextlib import asynccontextmanager, nullcontext
from dataclasses import replace

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sqlfix.api.admission import QueueFull
from sqlfix.api.databases import ServedDatabase
from sqlfix.api.limits import BodyLimits
from sqlfix.api.model_field import ModelFieldError, wants_model
from sqlfix.api.settings import GRACE_S, ApiSettings
from sqlfix.api.schemas import (
    AskBody, AskResponse, ChatChoice, ChatCompletionBody, ChatCompletionResponse, ChatMessage, ErrorBody,
    FixBody, FixResponse, HealthResponse, ModelCard, ModelHealthBody, ModelList, Usage,
)
from sqlfix.errors import DatabaseUnavailableError, ExecError, ModelBusyError, ModelUnavailableError, SqlfixError, UnsafeSQLError
from sqlfix.fix import FixConfig, FixRequest, ask, repair
from sqlfix.fix.records import SourcesReport
from sqlfix.models.base import Message
from sqlfix.models.guard import ModelGuard

log = logging.getLogger("sqlfix.api")

class _ApiError(Exception):
    def __init__(self, status: int, kind: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.retry_after_s = status, kind, message, retry_after_s


def create_app(settings: ApiSettings):
    """Build the ASGI application (FastAPI wrapped in the body limits)."""
    if not settings.databases:
        raise SqlfixError("the API needs at least one allowed database")
    model = None
    if settings.model is not None:
        model = ModelGuard(settings.model, max_waiting=settings.model_waiting, wait_s=settings.request_timeout_s, backoff_s=settings.model_backoff_s)
    served = {name: ServedDatabase(name, db, running=settings.db_running, waiting=settings.db_waiting, max_wait_s=settings.db_queue_wait_s)
              for name, db in settings.databases.items()}

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        for database in served.values():  # the first repair loads parsers and the ranker: not on a user's time
            await _warm_up(database)
        yield
        for database in served.values():  # after uvicorn let the requests in flight finish
            database.close()

    app = FastAPI(title="sqlfix", version="0.1.0", lifespan=lifespan,
                  description="Repair failing SQL and write SQL from questions, verified by execution.")
    errors = {status: {"model": ErrorBody} for status in (400, 404, 408, 413, 422, 429, 503, 504)}

    @app.exception_handler(_ApiError)
    async def _api_error(_: Request, exc: _ApiError) -> JSONResponse:
        return _error(exc.status, exc.kind, exc.message, exc.retry_after_s)

    @app.exception_handler(ModelFieldError)
    async def _model_field(_: Request, exc: ModelFieldError) -> JSONResponse:
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
        """Liveness; the model's state (down after a failure, until it answers again); the
        allowed databases, those unavailable with why, and the requests queued on each."""
        health = model.health() if model else None
        broken = {name: db.error for name, db in served.items() if db.error}
        return HealthResponse(
            status="degraded" if broken or (health and health.state != "ok") else "ok",
            model=model.name if model else None,
            model_health=ModelHealthBody(**vars(health)) if health else None,
            databases=list(served),
            unavailable_databases=broken,
            queued={name: db.queue.inside for name, db in served.items()},
        )

    @app.post("/v1/fix", response_model=FixResponse, responses=errors)
    async def fix(body: FixBody) -> dict:
        """Repair a query: the verified minimal fix, its diff, why, evidence and confidence.

        ``partial`` is true when the model failed, was busy or was late: the answer is then the
        best verified without it (``model_status`` and ``notice`` say why). With no answer at
        all, a busy model gives 429 and a late one 503, both with ``Retry-After``."""
        deadline = time.monotonic() + settings.request_timeout_s
        database = _database(served, body.db)
        config = settings.fix_config
        use_model = wants_model(body.model, model) and config.use_model and body.use_model
        config = replace(config, use_model=use_model, k=body.k or config.k,
                         abstain=config.abstain if body.abstain is None else body.abstain)
        error = ExecError.from_dict(body.error.model_dump()) if body.error else None
        request = FixRequest(sql=body.sql, dialect=body.dialect, error=error, question=body.question)
        queued = True
        if model is not None and config.use_model and config.use_rules and config.model_when in ("fallback", "unsure"):
            # The rules answer most requests in milliseconds and take the database's queue;
            # the model (seconds) is asked after, outside that queue, behind its own: alone when
            # the rules found nothing, beside them when their fix is unsure.
            ruled = await _serve(database, deadline, lambda engine, schema, budget: repair(
                request, engine, schema, config=replace(config.rules_only(), request_timeout_s=budget)))
            second_opinion = ruled.unsure and config.model_when == "unsure"
            if ruled.fixed_sql is not None and not second_opinion and not (ruled.error is None and request.question and config.semantic):
                return ruled.to_dict()
            rules_again = second_opinion or (ruled.fixed_sql is not None and config.model_when == "unsure")
            request, config, queued = replace(request, error=ruled.error), replace(config, use_rules=rules_again), False
        result = await _serve(database, deadline, lambda engine, schema, budget: repair(
            request, engine, schema, config=replace(config, request_timeout_s=budget), model=model), queued=queued)
        if result.fixed_sql is None:
            _refuse_if_unanswered(result.sources, settings.request_timeout_s)
        return result.to_dict()

    @app.post("/v1/sql", response_model=AskResponse, responses=errors)
    async def sql(body: AskBody) -> dict:
        """Write SQL for a question: sampled queries, verified and voted on."""
        deadline = time.monotonic() + settings.request_timeout_s
        if model is None and body.model is None:
            raise _ApiError(503, "no_model", "this server runs without a model; /v1/sql needs one")
        wants_model(body.model, model, question=True)
        database = _database(served, body.db)
        config = replace(settings.fix_config, k=body.k or settings.fix_config.k)
        result = await _serve(database, deadline, lambda engine, schema, budget: ask(
            body.question, engine, schema, config=replace(config, request_timeout_s=budget), model=model))
        if result.sql is None:
            _refuse_if_unanswered(result.sources, settings.request_timeout_s, model_needed=True)
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
        try:
            generations = await asyncio.wait_for(
                run_in_threadpool(model.generate, messages, n=body.n, temperature=body.temperature, max_tokens=body.max_tokens or 256),
                timeout=settings.request_timeout_s)
        except asyncio.TimeoutError:
            raise _ApiError(503, "timeout", f"the model did not answer within {settings.request_timeout_s:g} s", settings.request_timeout_s) from None
        except ModelUnavailableError as exc:
            raise _model_refusal(exc) from None
        prompt_tokens = generations[0].prompt_tokens if generations else 0
        completion_tokens = sum(g.completion_tokens for g in generations)
        return ChatCompletionResponse(
            id=f"chatcmpl-{uuid.uuid4().hex[:24]}",
            created=int(time.time()),
            model=model.name,
            choices=[ChatChoice(index=i, message=ChatMessage(role="assistant", content=g.text)) for i, g in enumerate(generations)],
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens),
        )

    return BodyLimits(app, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)


async def _warm_up(database: ServedDatabase) -> None:
    """Repair one broken query with the rules, so the server is ready when it says so."""
    try:
        await database.call(lambda engine, schema: repair(FixRequest(sql="SELEC 1"), engine, schema, config=FixConfig(use_model=False)))
    except SqlfixError as exc:
        log.warning("database %s: warm-up failed (%s)", database.name, exc)


def _database(served: dict[str, ServedDatabase], name: str | None) -> ServedDatabase:
    if name is None:
        return next(iter(served.values()))
    if name not in served:
        allowed = ", ".join(served)
        raise _ApiError(404, "unknown_database", f"unknown database {name!r}; this server allows: {allowed}")
    return served[name]


async def _serve(database: ServedDatabase, deadline: float, work, *, queued: bool = True):
    """Queue for ``database`` (unless not ``queued``), then run ``work(engine, schema, budget_s)``
    with what is left of the budget (the pipeline answers with what it has when it runs out),
    mapping errors to HTTP answers."""
    try:
        async with database.queue.turn() if queued else nullcontext():
            budget = deadline - time.monotonic()
            if budget <= 0:
                raise _ApiError(503, "timeout", "the request's time budget ran out before its turn", 1.0)
            return await asyncio.wait_for(database.call(lambda engine, schema: work(engine, schema, budget)), timeout=budget + GRACE_S)
    except QueueFull as full:
        raise _ApiError(429, "busy", str(full), full.retry_after_s) from None
    except asyncio.TimeoutError:
        raise _ApiError(504, "timeout", "the request took longer than its time budget and produced no answer") from None
    except DatabaseUnavailableError as exc:
        raise _ApiError(503, "database_unavailable", str(exc), 5.0) from None
    except ModelUnavailableError as exc:
        raise _model_refusal(exc) from None
    except UnsafeSQLError as exc:
        raise _ApiError(400, "unsafe_sql", str(exc)) from None
    except SqlfixError as exc:
        raise _ApiError(400, "invalid_request", str(exc)) from None


def _refuse_if_unanswered(sources: SourcesReport, retry_after_s: float, *, model_needed: bool = False) -> None:
    """No answer because the model was busy or late (or down, where only it can answer): say
    so with the status that tells the client what to do."""
    if sources.model_status == "unavailable" and model_needed:
        raise _ApiError(503, "model_unavailable", sources.notice, sources.retry_after_s)
    if sources.model_status == "busy":
        raise _ApiError(429, "model_busy", sources.notice, sources.retry_after_s)
    if sources.model_status == "timeout":
        # The model is too slow for the load right now: a deliberate refusal, to retry later.
        raise _ApiError(503, "timeout", f"no verified answer within the time budget: {sources.notice}", retry_after_s)


def _model_refusal(exc: ModelUnavailableError) -> _ApiError:
    if isinstance(exc, ModelBusyError):
        return _ApiError(429, "model_busy", str(exc), exc.retry_after_s)
    return _ApiError(503, "model_unavailable", str(exc), exc.retry_after_s)


def _error(status: int, kind: str, message: str, retry_after_s: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))} if retry_after_s is not None else None
    return JSONResponse(status_code=status, content={"error": {"type": kind, "message": message}}, headers=headers)
