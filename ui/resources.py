"""Process-wide caches of the expensive things: opened databases and loaded models, shared by
every browser session of one ``sqlfix ui`` server."""

from __future__ import annotations

import streamlit as st

from sqlfix.fix.model_choice import choose_model
from sqlfix.models.lazy import LazyModel
from ui.sources import DatabaseChoice, OpenDatabase, open_database


@st.cache_resource(show_spinner="Opening the database…", max_entries=8)
def database(choice: DatabaseChoice, write_mode: bool) -> OpenDatabase:
    """Open ``choice`` once per server (failures are not cached, so a retry retries)."""
    return open_database(choice, write_mode=write_mode)


@st.cache_resource(show_spinner=False, max_entries=4)
def model(spec: str, base_url: str | None) -> LazyModel:
    """The model ``spec`` (a spec of :mod:`sqlfix.models.specs` naming a model; ``auto``: the
    machine's default), once per server, loading in a background thread from the first call on,
    so no page waits for it; a local model runs in a child process at a lower priority, so pages
    and rules fixes never wait behind its computing. ``base_url`` is the endpoint of ``openai:``
    specs. A failed load is in its ``warning``, not raised."""
    chosen, _ = choose_model(spec, base_url=base_url, lazy=True, isolate=True)
    return chosen.start()
