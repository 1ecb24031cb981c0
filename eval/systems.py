"""The systems an evaluation compares, each named by a spec string.

Specs:
    * ``rules``: the rule-based repairer (``sqlfix.fix.repair`` with no model); repair only.
    * any other model spec of the one vocabulary (:mod:`sqlfix.models.specs`: ``default``,
      ``<base>-sqlfix``, ``<base>``, ``<base>+<adapter_dir>``, a folder, ``openai:<model>``):
      what ``sqlfix fix --model <spec>`` / ``sqlfix ask --model <spec>`` run, i.e.
      ``pipeline:<spec>`` below; ``pipeline:rules`` is ``rules``.
    * ``model:<spec>``: a chat model alone (``sqlfix.models.load_model(spec)``: a local HF
      model, base or with adapter, or ``openai:<model>``), prompted
      with ``sqlfix.prompts``; a repair prompt shows the focus of the broken query
      (``sqlfix.schema.focus``), as ``sqlfix fix`` and training do.
    * ``model-edit:<spec>``: the same, asked for the compact edit output format (repair only;
      the edit is applied to the broken query).
    * ``pipeline:<spec>``: rules + model with best-of-k, execution checks and the ranker
      (``sqlfix.fix.repair`` / ``sqlfix.fix.ask``), the model asked only when no rule fix runs
      or the rules' best fix is unsure (``FixConfig.model_when="unsure"``, the CLI's default).
    * ``pipeline-always:<spec>``: the same with rules and model side by side on every repair
      (``model_when="always"``): the ranker chooses between their fixes (repair only).
    * ``pipeline-fallback:<spec>``: the same, the model asked only when no rule fix runs
      (``model_when="fallback"``, the default before unsure fixes asked the model).
    * ``icl:<spec>@<dataset>``: the model prompted with the 5 dataset examples most similar
      to the case (question for text-to-SQL, broken query and error for repair).
    * ``file:<path.jsonl>``: predictions read from a file, paired with cases by ``id``.
    * ``gold``: the gold query itself (a self-check of the harness: every case is exact).

Every system turns one golden case into a :class:`Prediction`; failures of the system itself
(an endpoint that times out, a missing prediction) become a prediction with ``error`` set.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from sqlfix.engines.base import Engine
from sqlfix.errors import ExecError, InputFormatError, SqlfixError
from sqlfix.jsonl import read_jsonl
from sqlfix.models.base import ChatModel, Message
from sqlfix.models.specs import RULES, parse_model_spec
from sqlfix.prompts import OutputFormat, apply_edit, ask_messages, extract_sql, repair_messages
from sqlfix.schema.focus import focus_schema
from sqlfix.schema.model import Schema

from eval.equivalence import execute_outcome
from eval.golden import GoldenCase

ICL_EXAMPLES = 5


@dataclass(frozen=True)
class Answer:
    """A system's query with the trust it puts in it (systems that say nothing keep the defaults).

    Attributes:
        sql: the query; None when the system has none.
        confidence: 0..1 as the system reports it (``FixResult.confidence``); None when it
            reports none.
        unsure: the system itself flags the answer as unsure (``FixResult.unsure``, ``AskResult.unsure``).
    """

    sql: str | None
    confidence: float | None = None
    unsure: bool = False


@dataclass(frozen=True)
class Prediction:
    """What a system answered for one case.

    Attributes:
        sql: the predicted (or repaired) query; None when the system gave none.
        latency_ms: wall-clock time the system took.
        error: why the system gave no answer (its own failure, not the query's).
        confidence: the system's confidence in ``sql`` (None when it reports none).
        unsure: the system flagged ``sql`` as unsure.
    """

    sql: str | None
    latency_ms: float
    error: str | None = None
    confidence: float | None = None
    unsure: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"sql": self.sql, "latency_ms": self.latency_ms, "error": self.error, "confidence": self.confidence, "unsure": self.unsure}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Prediction":
        """Rebuild a prediction from :meth:`to_dict` output."""
        confidence = data.get("confidence")
        return cls(data.get("sql"), float(data.get("latency_ms") or 0.0), data.get("error"),
                   None if confidence is None else float(confidence), bool(data.get("unsure", False)))


class System(Protocol):
    """A text-to-SQL and/or repair system under evaluation."""

    spec: str
    tasks: frozenset[str]
    cacheable: bool

    def fingerprint(self) -> str:
        """Identifies the system's current behaviour (its code or weights) for the cache."""
        ...

    def answer(self, case: GoldenCase, engine: Engine, schema: Schema) -> "str | Answer | None":
        """Return the predicted SQL for ``case``, as an :class:`Answer` when the system says how
        far to trust it (raise SqlfixError when the system fails)."""
        ...


def predict(system: System, case: GoldenCase, engine: Engine, schema: Schema) -> Prediction:
    """Run ``system`` on one case, timing it and turning its failures into data."""
    started = time.perf_counter()
    try:
        answer = system.answer(case, engine, schema)
        answer = answer if isinstance(answer, Answer) else Answer(answer)
        error = None if answer.sql else "the system returned no query"
    except SqlfixError as exc:
        answer, error = Answer(None), f"{type(exc).__name__}: {exc}"
    return Prediction(answer.sql, (time.perf_counter() - started) * 1000, error, answer.confidence, answer.unsure)


def case_error(case: GoldenCase, engine: Engine) -> ExecError | None:
    """The error a repair case's broken query raises on ``engine`` now (None when it runs,
    as in semantic cases); the recorded one if the engine cannot be asked."""
    outcome = execute_outcome(engine, case.broken_sql or "", case.case_limits())
    return outcome if isinstance(outcome, ExecError) else None


def _source_fingerprint(package: str) -> str:
    """A hash of a package's Python sources: cached answers of code-only systems go stale
    when the code changes."""
    module = importlib.import_module(package)
    root = Path(module.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class GoldSystem:
    """Answers with the gold query: every case must come out exact (a harness self-check)."""

    spec = "gold"
    tasks = frozenset({"text2sql", "repair"})
    cacheable = False

    def fingerprint(self) -> str:
        """Constant: the answers are the cases themselves."""
        return "gold"

    def answer(self, case: GoldenCase, engine: Engine, schema: Schema) -> str | None:
        """Return the case's gold query."""
        return case.gold_sql


class FileSystem:
    """Predictions from a JSONL file of ``{"id": ..., "sql": ...}`` rows, paired by id (never
    by position, so a reordered or partial file still scores each case against its own
    prediction)."""

    tasks = frozenset({"text2sql", "repair"})
    cacheable = False

    def __init__(self, path: str) -> None:
        self.spec = f"file:{path}"
        self.predictions = read_predictions(Path(path))

    def fingerprint(self) -> str:
        """A hash of the predictions."""
        return hashlib.sha256(json.dumps(self.predictions, sort_keys=True).encode()).hexdigest()[:16]

    def answer(self, case: GoldenCase, engine: Engine, schema: Schema) -> str | None:
        """Return the prediction stored for the case's id."""
        if case.id not in self.predictions:
            raise SqlfixError(f"no prediction for case {case.id}")
        return self.predictions[case.id]


def read_predictions(path: Path) -> dict[str, str]:
    """Read ``id`` -> SQL from a predictions JSONL (the SQL under ``sql``, ``fixed_sql`` or
    ``prediction``); a malformed line or a repeated id raises naming file and line."""
    if not path.is_file():
        raise InputFormatError(f"predictions file not found: {path}")
    predictions: dict[str, str] = {}
    for number, row in read_jsonl(path):
        if not isinstance(row.get("id"), str):
            raise InputFormatError(f"{path}:{number}: each row needs a string 'id'")
        sql = next((row[k] for k in ("sql", "fixed_sql", "prediction") if isinstance(row.get(k), str)), None)
        if sql is None:
            raise InputFormatError(f"{path}:{number}: row {row['id']} has no 'sql' (or 'fixed_sql'/'prediction')")
        if row["id"] in predictions:
            raise InputFormatError(f"{path}:{number}: id {row['id']!r} appears twice")
        predictions[row["id"]] = sql
    return predictions


class RulesSystem:
    """The rule-based repairer: ``sqlfix.fix.repair(..., model=None)``; ``spec`` is what the
    user called it (``rules``, ``pipeline:rules``)."""

    tasks = frozenset({"repair"})
    cacheable = True

    def __init__(self, spec: str = RULES) -> None:
        self.spec = spec

    def fingerprint(self) -> str:
        """A hash of the ``sqlfix.fix`` sources."""
        return _source_fingerprint("sqlfix.fix")

    def answer(self, case: GoldenCase, engine: Engine, schema: Schema) -> Answer:
        """Return the repaired query with its confidence."""
        return _pipeline_repair(case, engine, schema, model=None)


def _pipeline_repair(case: GoldenCase, engine: Engine, schema: Schema, *, model: ChatModel | None, model_when: str | None = None) -> Answer:
    from sqlfix.fix import FixConfig, FixRequest, repair

    request = FixRequest(case.broken_sql or "", case.dialect, case_error(case, engine), case.question)
    config = FixConfig(model_when=model_when) if model_when else FixConfig()
    result = repair(request, engine, schema, config=config, model=model)
    return Answer(result.fixed_sql, result.confidence, result.unsure)


class ModelSystem:
    """A chat model alone, asked once (greedy) with the shared prompts.

    With ``examples`` set it is an in-context-learning system: the most similar training
    examples are shown as earlier turns of the chat. With ``output="edit"`` a repair is asked
    for as a compact edit, applied to the broken query (text-to-SQL cases are not its task).
    """

    cacheable = True

    def __init__(self, spec: str, model_spec: str, *, loader: Callable[[str], ChatModel] | None = None,
                 examples: "ExampleIndex | None" = None, output: OutputFormat = "full") -> None:
        self.spec = spec
        self.model_spec = model_spec
        self.examples = examples
        self.output = output
        self.tasks = frozenset({"repair"}) if output == "edit" else frozenset({"text2sql", "repair"})
        self._loader = loader
        self._model: ChatModel | None = None

    @property
    def model(self) -> ChatModel:
        """The chat model, loaded on first use."""
        if self._model is None:
            if self._loader is not None:
                self._model = self._loader(self.model_spec)
            else:
                from sqlfix.models import load_model

                self._model = load_model(self.model_spec)
        return self._model

    def fingerprint(self) -> str:
        """The spec plus the modification time of a local model/adapter folder, if any."""
        parts = [self.spec]
        for piece in self.model_spec.split("+"):
            if Path(piece).exists():
                parts.append(str(Path(piece).stat().st_mtime_ns))
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def answer(self, case: GoldenCase, engine: Engine, schema: Schema) -> str | None:
        """Return the model's query for the case."""
        messages = self.messages(case, engine, schema)
        generations = self.model.generate(messages, n=1, temperature=0.0, max_tokens=256)
        if not generations:
            return None
        if case.task == "repair" and self.output == "edit":
            return apply_edit(case.broken_sql or "", generations[0].text.strip())
        return extract_sql(generations[0].text)

    def messages(self, case: GoldenCase, engine: Engine, schema: Schema) -> list[Message]:
        """The chat the model is given for ``case`` (with retrieved examples for ICL)."""
        if case.task == "text2sql":
            messages = ask_messages(schema.to_prompt(), case.question or "", case.dialect)
        else:
            error = case_error(case, engine)
            messages = repair_messages(
                focus_schema(schema, case.broken_sql or "").to_prompt(), case.broken_sql or "",
                error.message if error else None, case.dialect, question=case.question, output=self.output,
            )
        if self.examples is None:
            return messages
        shots = self.examples.nearest(case, ICL_EXAMPLES)
        return [messages[0], *[m for shot in shots for m in shot], *messages[1:]]


class PipelineSystem(ModelSystem):
    """Rules + model with best-of-k, execution verification and the ranker; ``model_when``
    as in :class:`sqlfix.fix.FixConfig`."""

    def __init__(self, spec: str, model_spec: str, *, loader: Callable[[str], ChatModel] | None = None, model_when: str | None = None) -> None:
        super().__init__(spec, model_spec, loader=loader)
        self.model_when = model_when
        if model_when:  # text-to-SQL runs the same ``ask`` whatever the repair does
            self.tasks = frozenset({"repair"})

    def fingerprint(self) -> str:
        """The model's fingerprint combined with the ``sqlfix.fix`` sources."""
        return hashlib.sha256((super().fingerprint() + _source_fingerprint("sqlfix.fix")).encode()).hexdigest()[:16]

    def answer(self, case: GoldenCase, engine: Engine, schema: Schema) -> Answer:
        """Return the pipeline's repaired query or answer with its confidence."""
        if case.task == "repair":
            return _pipeline_repair(case, engine, schema, model=self.model, model_when=self.model_when)
        from sqlfix.fix import FixConfig, ask

        result = ask(case.question or "", engine, schema, config=FixConfig(), model=self.model)
        return Answer(result.sql, result.confidence, result.unsure)


class ExampleIndex:
    """Dataset examples (datagen JSONL rows) retrievable by similarity to a case."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = {"text2sql": [r for r in rows if r.get("sql") and r.get("question") and not r.get("broken_sql")],
                     "repair": [r for r in rows if r.get("broken_sql") and r.get("fixed_sql")]}

    @classmethod
    def from_path(cls, path: str) -> "ExampleIndex":
        """Read every ``*.jsonl`` / ``*.jsonl.gz`` under ``path`` (a file or a dataset folder,
        whose ``train`` split is used when it has one)."""
        root = Path(path)
        if root.is_dir() and (root / "train").is_dir():
            root = root / "train"
        files = [root] if root.is_file() else sorted(root.rglob("*.jsonl")) + sorted(root.rglob("*.jsonl.gz"))
        if not files:
            raise InputFormatError(f"no dataset JSONL found at {path}")
        rows: list[dict[str, Any]] = []
        for file in files:
            rows.extend(row for _, row in read_jsonl(file))
        return cls(rows)

    def nearest(self, case: GoldenCase, count: int) -> list[tuple[Message, Message]]:
        """The ``count`` examples most similar to ``case`` as (user, assistant) turns,
        preferring examples of the case's own schema."""
        pool = self.rows[case.task]
        same_schema = [r for r in pool if r.get("schema_id") == case.schema_name]
        pool = same_schema or pool
        if not pool:
            return []
        texts = [_example_text(r) for r in pool]
        query = case.question if case.task == "text2sql" else f"{case.broken_sql} {case.error or ''}"
        hits = process.extract(query or "", texts, scorer=fuzz.token_set_ratio, limit=count)
        return [_example_turns(pool[index]) for _, _, index in hits]


def _example_text(row: dict[str, Any]) -> str:
    if row.get("broken_sql"):
        return f"{row['broken_sql']} {row.get('error') or ''}"
    return row["question"]


def _example_turns(row: dict[str, Any]) -> tuple[Message, Message]:
    if row.get("broken_sql"):
        error = row.get("error") or "none, but the result does not answer the question"
        return Message("user", f"Query:\n{row['broken_sql']}\n\nError: {error}"), Message("assistant", row["fixed_sql"])
    return Message("user", f"Question: {row['question']}"), Message("assistant", row["sql"])


SYSTEM_KINDS = ("model", "model-edit", "pipeline", "pipeline-always", "pipeline-fallback", "icl", "file")


def build_system(spec: str, *, loader: Callable[[str], ChatModel] | None = None, check_files: bool = True) -> System:
    """Build the system a spec names (see this module's docstring).

    ``loader`` replaces ``sqlfix.models.load_model`` for the model-based systems;
    ``check_files=False`` takes model folders on trust (answers recorded or replayed for a
    machine that has them).

    Raises:
        SqlfixError: an unknown spec (a bare one gets the model vocabulary's own error),
            ``rules`` where a model is needed, or a spec missing its model.
    """
    kind, _, rest = spec.partition(":")
    if spec == "gold":
        return GoldSystem()
    if kind not in SYSTEM_KINDS:
        return _model_system(spec, spec, "pipeline", loader, check_files)
    if kind == "file" and rest:
        return FileSystem(rest)
    if kind == "icl" and "@" in rest:
        model_spec, _, dataset = rest.rpartition("@")
        if model_spec:
            return _model_system(spec, model_spec, kind, loader, check_files, ExampleIndex.from_path(dataset))
    if kind in ("model", "model-edit", "pipeline", "pipeline-always", "pipeline-fallback") and rest:
        return _model_system(spec, rest, kind, loader, check_files)
    raise SqlfixError(
        f"unknown system {spec!r}; use rules, gold, a model spec, model:<spec>, model-edit:<spec>, pipeline:<spec>, "
        "pipeline-always:<spec>, pipeline-fallback:<spec>, icl:<spec>@<dataset> or file:<path>"
    )


def _model_system(spec: str, model_spec: str, kind: str, loader: Callable[[str], ChatModel] | None, check_files: bool,
                  examples: ExampleIndex | None = None) -> System:
    """A system of ``kind`` around ``model_spec``; with ``rules`` as the model, the pipeline
    kinds are the rules system and the model-only kinds an error."""
    if parse_model_spec(model_spec, check_files=check_files).is_rules:
        if kind.startswith("pipeline"):
            return RulesSystem(spec)
        raise SqlfixError(f"'{RULES}' names no model for the system {spec!r}: use the system '{RULES}' for the rules alone")
    if kind.startswith("pipeline"):
        return PipelineSystem(spec, model_spec, loader=loader, model_when=kind.partition("-")[2] or None)
    return ModelSystem(spec, model_spec, loader=loader, examples=examples, output="edit" if kind == "model-edit" else "full")
