"""Process-wide caches of the expensive things: opened databases and loaded models, shared by
every browser session of one ``sqlfix ui`` server."""

from __future__ import annotations

import streamlit as st

from sqlfix.models.base import ChatModel
from ui.sources import DatabaseChoice, OpenDatabase, open_database


@st.cache_resource(show_spinner="Opening the database…", max_entries=8)
def database(choice: DatabaseChoice, write_mode: bool) -> OpenDatabase:
    """Open ``choice`` once per server (failures are not cached, so a retry retries)."""
    return open_database(choice, write_mode=write_mode)


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def model(spec: str, base_url: str | None) -> ChatModel:
    """Load the model ``spec`` once per server; ``base_url`` is the endpoint of ``openai:`` specs."""
    from sqlfix.models import load_model

    return load_model(spec, base_url=base_url)
