"""Request and response bodies of the HTTP API (pydantic, so they appear in the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_SQL_CHARS = 20_000
MAX_QUESTION_CHARS = 2_000
MODEL_FIELD = (
    "A model spec (the --model vocabulary): 'rules' for the deterministic repairers alone, or the served "
    "model's spec (GET /healthz names it; 'default' and 'smollm2-135m-sqlfix' are one); default: the served model."
)


class ErrorDetail(BaseModel):
    """What went wrong with a request."""

    type: str = Field(description="invalid_json, invalid_request, unsafe_sql, unknown_database, unknown_model, too_large, "
                                  "body_timeout, busy, model_busy, model_unavailable, no_model, database_unavailable, timeout")
    message: str


class ErrorBody(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: ErrorDetail


class ExecErrorBody(BaseModel):
    """An engine error as ``sqlfix.errors.ExecError.to_dict`` writes it."""

    kind: str
    message: str
    engine: str
    code: int | None = None
    name: str | None = None
    identifier: str | None = None
    hints: list[str] = Field(default_factory=list)
    position: int | None = None


class FixBody(BaseModel):
    """``POST /v1/fix``: repair a query."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS, description="The failing query.")
    db: str | None = Field(None, description="Name of an allowed database (GET /healthz lists them); default: the first.")
    dialect: str | None = Field(None, description="Dialect of the query; default: the engine's.")
    error: ExecErrorBody | None = Field(None, description="The engine's error, when the caller has it (else the query is run).")
    question: str | None = Field(None, max_length=MAX_QUESTION_CHARS, description="What the query should answer.")
    model: str | None = Field(None, description=MODEL_FIELD)
    use_model: bool = Field(True, description="False: deterministic repairers only (the same as model 'rules').")
    k: int | None = Field(None, ge=1, le=16, description="Model samples per output format.")
    abstain: bool | None = Field(None, description="True: withhold an unsure fix (fixed_sql null, unsure true); default: the server's setting.")


class CandidateBody(BaseModel):
    """One verified candidate."""

    sql: str
    source: str
    explanation: str
    depth: int
    executed: bool
    row_count: int | None
    columns: list[str]
    votes: int
    score: float | None
    overreach: list[str] = Field(default_factory=list, description="What it changes beyond what the error needs (empty: minimal).")


class EvidenceBody(BaseModel):
    """Execution evidence of the answer."""

    executed: bool
    row_count: int | None
    columns: list[str]
    truncated: bool
    source: str | None
    error_kind: str | None
    candidates_tried: int
    candidates_ok: int
    elapsed_ms: float


class FixResponse(BaseModel):
    """The repair."""

    fixed_sql: str | None
    diff: str
    edit: str
    explanation: str
    evidence: EvidenceBody
    confidence: float
    source: str | None
    error: ExecErrorBody | None
    candidates: list[CandidateBody]
    partial: bool = Field(description="True when a source was left out (the model failed, was busy or late): the answer is the best verified without it.")
    model_status: Literal["ok", "unavailable", "busy", "timeout"] | None = Field(description="None when no model was asked.")
    notice: str = Field(description="What was left out and why; empty when nothing was.")
    retry_after_s: float | None = Field(description="When the model was unavailable or busy: seconds after which it may answer.")
    unsure: bool = Field(description="True: do not trust the fix without a look (it changes more than the error needs, a fix as small answers differently, or its confidence is below 0.5); the confidence is calibrated: >= 0.8 was right >= 95% of the time on the golden set.")
    unsure_reasons: list[str] = Field(description="Why it is unsure, one phrase each.")


class AskBody(BaseModel):
    """``POST /v1/sql``: write SQL for a question."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    db: str | None = Field(None, description="Name of an allowed database; default: the first.")
    model: str | None = Field(None, description=MODEL_FIELD + " 'rules' cannot answer questions.")
    k: int | None = Field(None, ge=1, le=16, description="Queries sampled.")


class AskResponse(BaseModel):
    """The chosen query."""

    sql: str | None
    explanation: str
    evidence: EvidenceBody
    confidence: float
    unsure: bool = Field(description="True: check the query before using its numbers (no other sampled query returns the same rows, a repair rule had to make it run, or it returns no rows); its confidence is then at most 0.4.")
    unsure_reasons: list[str] = Field(description="Why it is unsure, one phrase each.")
    source: str | None
    candidates: list[CandidateBody]
    partial: bool = Field(description="True when a source was left out (the model failed, was busy or late): the answer is the best verified without it.")
    model_status: Literal["ok", "unavailable", "busy", "timeout"] | None = Field(description="None when no model was asked.")
    notice: str = Field(description="What was left out and why; empty when nothing was.")
    retry_after_s: float | None = Field(description="When the model was unavailable or busy: seconds after which it may answer.")


class ModelHealthBody(BaseModel):
    """The served model's state."""

    state: Literal["ok", "down"] = Field(description="down: it failed; the rules answer alone until it is tried again.")
    error: str | None = Field(description="The last failure, one line.")
    failures: int = Field(description="Failures in a row.")
    retry_in_s: float = Field(description="Seconds until the model is tried again.")
    waiting: int = Field(description="Model calls queued now.")


class HealthResponse(BaseModel):
    """``GET /healthz``."""

    status: Literal["ok", "degraded"] = Field(description="degraded: the model is down or a database is unavailable.")
    model: str | None
    model_health: ModelHealthBody | None
    databases: list[str]
    unavailable_databases: dict[str, str] = Field(description="Database name → why it cannot be opened now.")
    queued: dict[str, int] = Field(description="Database name → requests running or waiting on it now.")


class ChatMessage(BaseModel):
    """An OpenAI chat message."""

    role: Literal["system", "user", "assistant"]
    content: str


class ChatCompletionBody(BaseModel):
    """``POST /v1/chat/completions`` (the OpenAI protocol subset sqlfix models support)."""

    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    n: int = Field(1, ge=1, le=16)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(256, ge=1, le=2048)
    stream: bool = False


class ChatChoice(BaseModel):
    """One completion."""

    index: int
    message: ChatMessage
    finish_reason: str = "stop"


class Usage(BaseModel):
    """Token accounting."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionResponse(BaseModel):
    """An OpenAI ``chat.completion`` object."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class ModelCard(BaseModel):
    """One entry of ``GET /v1/models``."""

    id: str
    object: Literal["model"] = "model"
    owned_by: str = "sqlfix"


class ModelList(BaseModel):
    """``GET /v1/models``."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


def candidate_body(data: dict[str, Any]) -> CandidateBody:
    """Build a :class:`CandidateBody` from ``Candidate.to_dict()`` output."""
    return CandidateBody(**{name: data[name] for name in CandidateBody.model_fields})
