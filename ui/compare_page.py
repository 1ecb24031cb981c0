"""The Compare tab: several systems on one question or broken query side by side, with the
evaluator's equivalence verdicts; and a browser of saved ``sqlfix eval`` reports."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from eval.equivalence import Comparison

from sqlfix.engines.base import ResultSet
from sqlfix.errors import ExecError
from sqlfix.models.base import ChatModel
from sqlfix.models.specs import RULES
from ui import compare, resources
from ui.editor_page import result_frame
from ui.reports import find_reports
from ui.settings import Settings
from ui.workspace import Workspace


def render(ws: Workspace, settings: Settings) -> None:
    """Render the Compare tab: systems side by side on one question or broken query."""
    with st.form("compare"):
        mode = st.radio("Task", ["Question", "Broken query"], horizontal=True, key="cmp_mode")
        task = st.text_area("Question or broken SQL", key="cmp_task", height=100)
        default_systems = RULES if not settings.uses_model else f"{RULES}, {settings.model}"
        systems_text = st.text_input("Systems (comma-separated model specs; `rules` for rules only)",
                                     value=default_systems, key="cmp_systems")
        reference = st.text_area("Reference SQL for the verdict (empty: the first system's answer)",
                                 key="cmp_reference", height=80)
        go = st.form_submit_button("Compare", type="primary")
    if go and task.strip():
        systems = compare.parse_systems(systems_text)
        is_question = mode == "Question"

        def load(spec: str) -> ChatModel:
            return resources.model(spec, settings.base_url)

        with st.spinner(f"Running {len(systems)} systems…"):
            answers = [compare.answer(s, task.strip(), is_question, ws, load) for s in systems]
        reference_sql = reference.strip() or next((a.sql for a in answers if a.sql), None)
        verdicts = compare.verdicts(answers, reference_sql, ws) if reference_sql else [None] * len(answers)
        st.session_state.cmp_result = (answers, verdicts, reference_sql)
    if "cmp_result" in st.session_state:
        _show(*st.session_state.cmp_result)


def _show(answers: list[compare.SystemAnswer], verdicts: list[Comparison | None], reference_sql: str | None) -> None:
    if reference_sql:
        st.caption("Verdicts against the reference:")
        st.code(reference_sql, language="sql")
    for number, (column, item, verdict) in enumerate(zip(st.columns(len(answers)), answers, verdicts)):
        with column.container(border=True):
            st.markdown(f"**{item.system}** · {item.elapsed_ms:.0f} ms")
            if item.problem:
                st.warning(item.problem)
                continue
            if verdict is not None:
                color = {"exact": "green", "superset": "orange"}.get(verdict.verdict.value, "red")
                st.markdown(f":{color}-badge[{verdict.verdict.value}] {verdict.detail}")
            st.code(item.sql, language="sql")
            if isinstance(item.outcome, ExecError):
                st.error(f"{item.outcome.kind.value}: {item.outcome.message}")
            elif isinstance(item.outcome, ResultSet):
                st.caption(f"{len(item.outcome.rows)} rows")
                st.dataframe(result_frame(item.outcome), hide_index=True, key=f"cmp_result_{number}")


def reports(root: str) -> None:
    """Render the report browser: the shipped results and the local runs; pick one, read its
    table and report, see its plots."""
    reports = find_reports(root)
    if not reports:
        st.info(f"No saved reports under `{root}` (run `sqlfix eval` to make one).")
        return
    report = st.selectbox("Report", reports, format_func=lambda r: r.title, key="report_pick")
    for table in report.tables:
        st.markdown(table.read_text(encoding="utf-8"))
    if report.markdown:
        st.markdown(report.markdown_text())
    elif report.html:
        components.html(report.html.read_text(encoding="utf-8"), height=600, scrolling=True)
    for plot in report.plots:
        st.image(str(plot), caption=plot.name)
