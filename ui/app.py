"""The Streamlit script `sqlfix ui` runs: page setup, the sidebar, and the Editor, Compare and
Eval reports tabs."""

from __future__ import annotations

import streamlit as st

from sqlfix.errors import SqlfixError
from ui import compare_page, editor_page, resources, sidebar
from ui.config import UIConfig
from ui.settings import Settings
from ui.state import EditorSession
from ui.workspace import Workspace

EDITOR_TAB = ":material/edit: Editor"
COMPARE_TAB = ":material/compare_arrows: Compare"
REPORTS_TAB = ":material/bar_chart: Eval reports"


def main() -> None:
    """Render one run of the app."""
    st.set_page_config(page_title="sqlfix", page_icon=":material/build:", layout="wide")
    config = UIConfig.from_env()
    if "session" not in st.session_state:
        st.session_state.session = EditorSession(sql="SELECT 1")
        st.session_state.settings = Settings.from_config(config)
    session: EditorSession = st.session_state.session
    settings: Settings = st.session_state.settings
    with st.sidebar:
        st.title(":material/build: sqlfix")
        choice, write_mode = sidebar.database_picker(config)
        sidebar.settings_panel(settings)
        try:
            db = resources.database(choice, write_mode)
        except SqlfixError as exc:
            st.error(str(exc))
            return
        sidebar.schema_browser(db.schema)
    ws = Workspace(db=db, limits=settings.limits(), fix_config=settings.fix_config(), log=settings.interaction_log())
    if st.session_state.get("db_url") != db.url:
        st.session_state.db_url = db.url
        session.outcome, session.proposal, session.pending_failure = None, None, False
    editor_tab, compare_tab, reports_tab = st.tabs([EDITOR_TAB, COMPARE_TAB, REPORTS_TAB], key="tab", on_change="rerun")
    with editor_tab:
        editor_page.render(session, ws, settings, config)
    with compare_tab:
        compare_page.render(ws, settings)
    with reports_tab:
        if reports_tab.open:  # long reports and their plots are read and sent only while looked at
            compare_page.reports(config.reports_dir)


main()
