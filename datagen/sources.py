"""The (schema, engine) units a run generates for: demo databases and other engine URLs."""

from __future__ import annotations

from dataclasses import dataclass, field

from datagen.memo import MemoEngine
from datagen.profile import SchemaProfile, profile_schema
from datagen.sampler import QuerySampler
from sqlfix.engines.base import Engine
from sqlfix.errors import SqlfixError
from sqlfix.schema.model import Schema


@dataclass
class Source:
    """One schema on one engine, with its data profile and sampler (built on first use)."""

    key: str
    schema: Schema
    engine: Engine
    _profile: SchemaProfile | None = field(default=None, repr=False)
    _sampler: QuerySampler | None = field(default=None, repr=False)
    _verifier: MemoEngine | None = field(default=None, repr=False)

    @property
    def dialect(self) -> str:
        """The dialect of the SQL this source runs."""
        return self.engine.dialect

    @property
    def profile(self) -> SchemaProfile:
        """The data profile (queried once)."""
        if self._profile is None:
            self._profile = profile_schema(self.schema, self.engine)
        return self._profile

    @property
    def names(self) -> frozenset[str]:
        """The schema's table and column names, case-folded."""
        return frozenset(n.casefold() for t in self.schema.tables for n in (t.name, *(c.name for c in t.columns)))

    @property
    def verifier(self) -> MemoEngine:
        """The engine that verifies generated SQL, answering repeated queries from memory."""
        if self._verifier is None:
            self._verifier = MemoEngine(self.engine)
        return self._verifier

    @property
    def sampler(self) -> QuerySampler:
        """The offline SQL sampler for this schema and dialect."""
        if self._sampler is None:
            self._sampler = QuerySampler(self.profile, self.dialect)
        return self._sampler


def open_sources(demos: list[str], engines: list[str], dbs: list[str]) -> list[Source]:
    """Open every demo on every engine, then every extra URL; demos first, in the order given."""
    from sqlfix.demo import demo_schema, open_demo

    sources = []
    for engine_name in engines:
        if engine_name not in ("duckdb", "clickhouse"):
            raise SqlfixError(f"unknown engine {engine_name!r}: choose duckdb or clickhouse")
        for name in demos:
            dialect = "duckdb" if engine_name == "duckdb" else "clickhouse"
            schema = demo_schema(name, dialect)
            sources.append(Source(f"{name}/{engine_name}", schema, open_demo(name, engine=engine_name)))
    for url in dbs:
        sources.append(open_url_source(url))
    return sources


def open_url_source(url: str) -> Source:
    """Open a database URL (a demo's too) and read its schema from the database."""
    from sqlfix.demo import open_url
    from sqlfix.schema import load_schema

    engine = open_url(url, read_only=True)
    schema = load_schema(url)
    return Source(f"{schema.id}/{engine.name}", schema, engine)
