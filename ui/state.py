"""The editor's session state and the actions on it (run, fix, accept, reject, ask), free of
Streamlit so that they can be tested directly; ``ui/editor_page.py`` only renders them."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

from sqlfix.engines.base import ResultSet
from sqlfix.errors import ErrorKind, ExecError, SqlfixError
from sqlfix.models.base import ChatModel
from ui.interaction_log import CellContext, fix_event, run_event
from ui.proposals import FixOption, ask_sql, propose_fix
from ui.workspace import Workspace

SqlOrigin = Literal["typed", "fix", "ask"]
EDITOR_CELL = "editor"


@dataclass(frozen=True)
class HistoryEntry:
    """One query run in this session."""

    sql: str
    origin: SqlOrigin
    ok: bool
    rows: int | None
    elapsed_ms: float
    error_kind: str | None
    at: str


@dataclass
class FixProposal:
    """A fix on screen: the query it is for and the options, best first."""

    broken_sql: str
    error: ExecError
    options: list[FixOption]
    chosen: int = 0

    @property
    def current(self) -> FixOption:
        """The option the user is looking at."""
        return self.options[self.chosen]


@dataclass
class EditorSession:
    """One browser session's editor.

    Attributes:
        sql: the editor's text.
        editor_version: bumped whenever the app replaces the text, so the editor widget reloads.
        outcome: the last run's result or error (None before the first run).
        proposal: the fix on screen, if any.
        question: the last question asked (kept with the SQL it produced for the log).
        history: every run of the session, newest last.
        pending_failure: True after a failing run until the next successful one (which is logged).
        session_id: the id written to the interaction log.
        notice: a one-line message for the user (a refused action, an endpoint failure).
        answer_doubts: why the query Ask just wrote may answer another question (empty when it
            is sure, or when the editor's text did not come from Ask).
    """

    sql: str = ""
    editor_version: int = 0
    outcome: ResultSet | ExecError | None = None
    proposal: FixProposal | None = None
    question: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    pending_failure: bool = False
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    notice: str | None = None
    answer_doubts: tuple[str, ...] = ()

    def edit(self, text: str) -> None:
        """Take the user's new editor text; a question no longer describes edited SQL."""
        if text != self.sql:
            self.sql = text
            self.question = None
            self.answer_doubts = ()

    def replace(self, text: str) -> None:
        """Replace the editor text from the app (an accepted fix, an answered question)."""
        self.sql = text
        self.editor_version += 1

    def run(self, ws: Workspace, origin: SqlOrigin = "typed") -> ResultSet | ExecError:
        """Run the editor's SQL under the workspace's limits and record it.

        Writes run only where write mode was turned on for a local file database; otherwise
        the engine's guard refuses them. A failing run is logged, and so is the first
        successful run after a failure (the SQL the user ended with).
        """
        self.notice = None
        self.proposal = None
        if origin != "ask":
            self.answer_doubts = ()
        sql = self.sql.strip()
        if not sql:
            self.notice = "The editor is empty."
            return self.outcome  # type: ignore[return-value]
        started = time.perf_counter()
        try:
            outcome = ws.db.engine.execute(sql, ws.limits, allow_write=ws.db.allow_write)
        except SqlfixError as exc:
            outcome = ExecError(kind=ErrorKind.PERMISSION, message=str(exc), engine="guard")
        elapsed = (time.perf_counter() - started) * 1000
        self.outcome = outcome
        ok = isinstance(outcome, ResultSet)
        self.history.append(
            HistoryEntry(
                sql=sql,
                origin=origin,
                ok=ok,
                rows=len(outcome.rows) if ok else None,
                elapsed_ms=outcome.elapsed_ms if ok and outcome.elapsed_ms else elapsed,
                error_kind=None if ok else outcome.kind.value,
                at=time.strftime("%H:%M:%S"),
            )
        )
        if not ok or self.pending_failure:
            ws.log.append(run_event(self._ctx(ws), sql, None if ok else outcome, question=self.question))
        self.pending_failure = not ok
        return outcome

    def fix(self, ws: Workspace, model: ChatModel | None) -> FixProposal | None:
        """Ask the pipeline for a fix of the failing SQL and put it on screen (logged as shown)."""
        if not isinstance(self.outcome, ExecError):
            self.notice = "Run a failing query first."
            return None
        options = propose_fix(self.sql.strip(), self.outcome, ws, model, question=self.question)
        if not options:
            self.notice = "No fix found that runs on this database."
            return None
        self.proposal = FixProposal(self.sql.strip(), self.outcome, options)
        ws.log.append(fix_event(self._ctx(ws), "fix_shown", self.proposal.broken_sql, self.proposal.current.sql, question=self.question))
        return self.proposal

    def choose(self, index: int) -> None:
        """Look at another alternative of the proposal."""
        if self.proposal and 0 <= index < len(self.proposal.options):
            self.proposal.chosen = index

    def accept(self, ws: Workspace) -> ResultSet | ExecError | None:
        """Put the chosen fix into the editor and run it."""
        proposal = self.proposal
        if proposal is None:
            return None
        ws.log.append(fix_event(self._ctx(ws), "fix_accepted", proposal.broken_sql, proposal.current.sql, question=self.question))
        self.replace(proposal.current.sql)
        return self.run(ws, origin="fix")

    def reject(self, ws: Workspace) -> None:
        """Drop the proposal and keep the user's SQL."""
        proposal = self.proposal
        if proposal is None:
            return
        ws.log.append(fix_event(self._ctx(ws), "fix_rejected", proposal.broken_sql, proposal.current.sql, question=self.question))
        self.proposal = None

    def ask(self, ws: Workspace, question: str, model: ChatModel) -> ResultSet | ExecError:
        """Write SQL for ``question``, put it in the editor and run it."""
        answer = ask_sql(question, ws, model)
        self.replace(answer.sql or "")
        self.question = question.strip()
        self.answer_doubts = tuple(answer.unsure_reasons)
        return self.run(ws, origin="ask")

    def _ctx(self, ws: Workspace) -> CellContext:
        return CellContext(self.session_id, EDITOR_CELL, ws.db.url, ws.db.engine.dialect)
