"""The sidebar: database picker (with write mode for local files), settings, schema browser."""

from __future__ import annotations

import streamlit as st

from sqlfix.demo import DEMO_NAMES
from sqlfix.schema.model import Schema
from ui.config import UIConfig
from ui.settings import Settings
from ui.sources import SOURCE_LABELS, DatabaseChoice, parse_choice


def database_picker(config: UIConfig) -> tuple[DatabaseChoice, bool]:
    """Render the database picker; return the choice and whether write mode is on."""
    start = parse_choice(config.db)
    kinds = list(SOURCE_LABELS)
    kind = st.selectbox(
        "Database", kinds, index=kinds.index(start.kind), format_func=SOURCE_LABELS.__getitem__, key="db_kind"
    )
    if kind == "demo":
        names = list(DEMO_NAMES)
        name = st.selectbox("Demo", names, index=names.index(start.target) if start.target in names else 0, key="db_demo")
        engine = st.radio("Engine", ["duckdb", "clickhouse"], index=int(start.demo_engine == "clickhouse"),
                          horizontal=True, key="db_demo_engine", format_func={"duckdb": "DuckDB", "clickhouse": "chDB"}.get)
        choice = DatabaseChoice("demo", name, engine)
    else:
        placeholder = {"duckdb": "/path/to/file.duckdb", "schema_file": "/path/to/schema.sql",
                       "clickhouse": "http://user:password@host:8123/db", "chdb": "/path/to/chdb-data"}[kind]
        default = start.target if kind == start.kind else ""
        target = st.text_input(SOURCE_LABELS[kind], value=default, placeholder=placeholder, key=f"db_target_{kind}")
        choice = DatabaseChoice(kind, target.strip())
    write_mode = False
    if choice.can_write:
        write_mode = st.toggle("Write mode (allow INSERT/UPDATE/DDL on this file)", value=False, key=f"write_{kind}")
    return choice, write_mode


def settings_panel(settings: Settings) -> None:
    """Render the settings expander; edits ``settings`` in place."""
    with st.expander("Settings"):
        settings.model = st.text_input(
            "Model", value=settings.model, key="set_model",
            help="auto (this machine's default), default (the bundled 135M), smollm2-135m, qwen2.5-coder-0.5b, <base>+<adapter_dir>, openai:<model>, or rules",
        ).strip() or settings.model
        settings.base_url = st.text_input(
            "Endpoint base URL (openai: models)", value=settings.base_url or "", key="set_base_url"
        ).strip() or None
        settings.k = int(st.number_input("Candidates (best-of-k)", 1, 16, settings.k, key="set_k"))
        settings.timeout_s = float(st.number_input("Query timeout (s)", 0.5, 600.0, float(settings.timeout_s), key="set_timeout"))
        settings.row_limit = int(st.number_input("Row limit", 1, 100_000, settings.row_limit, key="set_rows"))
        settings.log_enabled = st.toggle("Log interactions (for fine-tuning)", value=settings.log_enabled, key="set_log")
        if settings.log_enabled:
            st.caption(f"Log: `{settings.log_file}`")


def schema_browser(schema: Schema) -> None:
    """Render the tables, their columns and types, and a few sample values."""
    st.subheader(f"Schema · {schema.id} · {schema.dialect}")
    for table in schema.tables:
        with st.expander(f"{table.name} ({len(table.columns)})"):
            if table.description:
                st.caption(table.description)
            lines = []
            for column in table.columns:
                key = " (PK)" if column.name in table.primary_key else ""
                samples = ", ".join(str(v) for v in column.samples[:3])
                lines.append(f"- `{column.name}`{key} *{column.type}*" + (f" — e.g. {samples}" if samples else ""))
            for fk in table.foreign_keys:
                lines.append(f"- ↪ {', '.join(fk.columns)} → {fk.ref_table}({', '.join(fk.ref_columns)})")
            st.markdown("\n".join(lines))
