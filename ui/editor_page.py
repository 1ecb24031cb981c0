"""The Editor page: SQL editor, Run, result table or error, the Fix panel, Ask, and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from sqlfix.engines.base import ResultSet
from sqlfix.errors import ExecError, SqlfixError
from sqlfix.models.specs import RULES_CANNOT_ASK
from ui import resources
from ui.config import UIConfig
from ui.settings import Settings
from ui.state import EditorSession, FixProposal
from ui.workspace import Workspace

T = TypeVar("T")

RUN_BUTTON = {
    "name": "Run",
    "feather": "Play",
    "primary": True,
    "hasText": True,
    "showWithIcon": True,
    "alwaysOn": True,
    "commands": ["submit"],
    "style": {"bottom": "0.44rem", "right": "0.4rem"},
}


def render(session: EditorSession, ws: Workspace, settings: Settings, config: UIConfig) -> None:
    """Render the whole Editor page for one session."""
    if settings.uses_model:
        resources.model(settings.model, settings.base_url)  # starts loading in the background
    _ask_box(session, ws, settings)
    submitted = _editor(session, config)
    run_col, fix_col, info_col = st.columns([1, 1, 4])
    if run_col.button("Run", type="primary", key="run", width="stretch") or submitted:
        session.run(ws)
    failing = isinstance(session.outcome, ExecError)
    if fix_col.button("Fix", key="fix", disabled=not failing or session.proposal is not None, width="stretch"):
        _guarded(lambda: _fix(session, ws, settings))
    info_col.caption("Ctrl+Enter in the editor runs the query.")
    if ws.db.allow_write:
        info_col.warning("Write mode is on: statements may change this database.", icon=":material/edit_note:")
    if session.notice:
        st.info(session.notice)
    if session.answer_doubts:
        with st.container(key="answer_unsure"):
            st.badge("Unsure answer", icon=":material/warning:", color="orange")
            st.warning("Check this query before using its numbers: " + "; ".join(session.answer_doubts) + ".",
                       icon=":material/help:")
    # Keyed to the run it shows (outcome_<number of runs>), so a browser test can wait for this
    # run's result rather than for text an earlier run left on the page.
    with st.container(key=f"outcome_{len(session.history)}"):
        _outcome(session.outcome)
    if session.proposal is not None:
        _fix_panel(session, ws, session.proposal)
    _history(session)


def _editor(session: EditorSession, config: UIConfig) -> bool:
    """Render the editor; take its text into the session; return True when it asked to run."""
    if config.editor == "text":
        text = st.text_area("SQL", value=session.sql, height=160, key=f"sql_text_{session.editor_version}")
        session.edit(text)
        return False
    from code_editor import code_editor

    response = code_editor(
        session.sql,
        lang="sql",
        height=[8, 24],
        buttons=[RUN_BUTTON],
        # No "debounce": a change event sent just after Ctrl+Enter replaces the submit in the
        # widget's one value, and Streamlit stops the submit's run for it, so the query never
        # ran on a busy server. Blur and submit each carry the text.
        response_mode=["blur"],
        options={"showGutter": False, "enableLiveAutocompletion": False},
        key=f"sql_editor_{session.editor_version}",
    )
    event_id = response.get("id") if response else None
    if not event_id or event_id == st.session_state.get("editor_event"):
        return False
    st.session_state["editor_event"] = event_id
    session.edit(response.get("text", ""))
    return response.get("type") == "submit"


def _ask_box(session: EditorSession, ws: Workspace, settings: Settings) -> None:
    with st.form("ask", clear_on_submit=False, border=False):
        question_col, button_col = st.columns([5, 1])
        question = question_col.text_input(
            "Ask", placeholder="Ask a question about this database, e.g. how many orders per country?",
            label_visibility="collapsed", key="question",
        )
        asked = button_col.form_submit_button("Ask", width="stretch")
    if not asked:
        return
    if not settings.uses_model:
        session.notice = RULES_CANNOT_ASK + " in Settings."
        return
    lazy = resources.model(settings.model, settings.base_url)
    _guarded(lambda: _with_spinner("Writing SQL…", lambda: session.ask(ws, question, lazy.get())))


def _fix_panel(session: EditorSession, ws: Workspace, proposal: FixProposal) -> None:
    option = proposal.current
    with st.container(border=True, key="fix_panel"):
        st.markdown(f"**Proposed fix** · {option.explanation}")
        if len(proposal.options) > 1:
            index = st.radio(
                "Alternatives", range(len(proposal.options)), index=proposal.chosen, horizontal=True,
                format_func=lambda i: f"#{i + 1} · {proposal.options[i].source}", key="fix_choice",
            )
            session.choose(index)
            option = proposal.current
        before, after = st.columns(2)
        before.caption("Your query")
        before.code(proposal.broken_sql, language="sql", wrap_lines=True)
        after.caption("Fixed")
        after.code(option.sql, language="sql", wrap_lines=True)
        st.code(option.diff, language="diff", wrap_lines=True)
        ran = "ran ✓" if option.ran else "did not run ✗"
        rows = f", {option.rows} rows" if option.rows is not None else ""
        confidence = f" · confidence {option.confidence:.0%}" if option.confidence is not None else ""
        st.caption(f"Evidence: {ran}{rows}{confidence} · by {option.source}")
        if option.unsure:
            st.badge("Unsure", icon=":material/warning:", color="orange")
            st.warning("Check this fix before accepting it: " + "; ".join(option.unsure_reasons) + ".", icon=":material/help:")
        accept_col, reject_col, _ = st.columns([1, 1, 4])
        if accept_col.button("Accept", type="primary", key="accept", width="stretch"):
            session.accept(ws)
            st.rerun()
        if reject_col.button("Reject", key="reject", width="stretch"):
            session.reject(ws)
            st.rerun()


def _outcome(outcome: ResultSet | ExecError | None) -> None:
    if outcome is None:
        return
    if isinstance(outcome, ExecError):
        where = " ".join(x for x in (outcome.engine, outcome.name, f"code {outcome.code}" if outcome.code else None) if x)
        st.error(f"**{outcome.kind.value}** ({where}): {outcome.message}")
        if outcome.hints:
            st.caption(":material/lightbulb: " + " · ".join(f"`{hint}`" for hint in outcome.hints))
        return
    more = " (truncated at the row limit)" if outcome.truncated else ""
    st.caption(f"{len(outcome.rows)} rows{more} in {outcome.elapsed_ms:.1f} ms")
    st.dataframe(result_frame(outcome), width="stretch", hide_index=True, key="result_table")


def result_frame(result: ResultSet) -> pd.DataFrame:
    """The result as a DataFrame; repeated column names get a ``_2``, ``_3``... suffix."""
    seen: dict[str, int] = {}
    names = []
    for column in result.columns:
        seen[column] = seen.get(column, 0) + 1
        names.append(column if seen[column] == 1 else f"{column}_{seen[column]}")
    return pd.DataFrame.from_records(result.rows, columns=names)


def _history(session: EditorSession) -> None:
    if not session.history:
        return
    with st.expander(f"History ({len(session.history)})"):
        frame = pd.DataFrame(
            [
                {"at": h.at, "status": "ok" if h.ok else h.error_kind, "rows": h.rows, "ms": round(h.elapsed_ms, 1),
                 "from": h.origin, "sql": h.sql}
                for h in reversed(session.history)
            ]
        )
        st.dataframe(frame, width="stretch", hide_index=True, key="history_table")
        picked = st.selectbox("Load a query into the editor", range(len(session.history)), index=None,
                              format_func=lambda i: session.history[-1 - i].sql[:80], key="history_pick")
        if picked is not None and st.button("Load", key="history_load"):
            session.replace(session.history[-1 - picked].sql)
            st.rerun()


def _fix(session: EditorSession, ws: Workspace, settings: Settings) -> None:
    """Fix with the model when it has loaded; while it loads, with the rules alone (they answer in
    milliseconds, and the model is asked only when they find nothing sure), waiting for the model
    only when they find no fix, or an unsure one."""
    lazy = resources.model(settings.model, settings.base_url) if settings.uses_model else None
    if lazy is None or lazy.ready():
        model = lazy.get_or_none() if lazy is not None else None
        _with_spinner("Looking for a fix…", lambda: session.fix(ws, model))
        if lazy is not None and model is None and session.proposal is None:
            _not_loaded(session, lazy.warning)
        return
    by_rules = _with_spinner("Looking for a fix…", lambda: session.fix(ws, None))
    if by_rules is not None and not by_rules.current.unsure:
        return
    waiting = "The rules' fix is unsure" if by_rules is not None else "No rule fix"
    model = _with_spinner(f"{waiting}: waiting for the model to load…", lazy.get_or_none)
    if model is None:
        _not_loaded(session, lazy.warning)
        return
    session.notice = None
    _with_spinner("Asking the model for a fix…", lambda: session.fix(ws, model))


def _not_loaded(session: EditorSession, warning: str | None) -> None:
    session.notice = " ".join(filter(None, [session.notice, f"The model did not load: {warning}"]))


def _with_spinner(text: str, action: Callable[[], T]) -> T:
    with st.spinner(text):
        return action()


def _guarded(action: Callable[[], object]) -> None:
    try:
        action()
    except SqlfixError as exc:
        st.error(str(exc))
