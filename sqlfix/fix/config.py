"""``FixConfig``: every knob of the repair and ask pipelines, with documented defaults.

The CLI, the HTTP API and Python callers all build one of these, so options never drift
between surfaces.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlfix.engines.base import Limits


# What `sqlfix fix` and `sqlfix ask` give one request: a person at a terminal waits for a model's
# first answer (on a 2-core CPU the 1.5B model reads a schema for minutes the first time); a
# server's requests keep FixConfig.request_timeout_s.
CLI_BUDGET_S = 600.0


@dataclass(frozen=True)
class FixConfig:
    """Settings of :func:`sqlfix.fix.repair` and :func:`sqlfix.fix.ask`.

    Candidate sources:
        use_rules: run the deterministic repairers (``sqlfix/fix/rules``).
        use_model: ask the chat model for candidates when one is given.
        model_when: ``unsure`` asks the model when no rule fix runs or the rules' best fix is
            unsure (see ``sure_confidence``); ``fallback`` only when no rule fix runs (rules
            answer in milliseconds, a CPU model in seconds); ``always`` runs both side by side.
        k: samples drawn from the model per output format (best-of-k). The first sample of
            each format is greedy, the rest use ``temperature``.
        temperature: sampling temperature of the non-greedy samples.
        max_tokens: completion budget per model sample; a repair asks for at most about the
            query's length plus a margin (a fix is rarely longer than the query).
        output_formats: the repair output formats asked for (``full`` query, ``edit``).
        prompt_tables: schema shown to the model for a repair: ``focus`` (the tables the query
            names, tables it misspells and tables holding a column it names, as
            ``sqlfix.schema.focus.focus_schema`` picks them; training uses the same) or ``all``. The
            full schema of a demo is ~2,300 prompt tokens, which a 2-core CPU needs seconds to read.
        semantic: when a question is given and the query runs, ask the model for a
            semantic repair (the query runs but answers the wrong question).

    Search:
        rule_depth: chained rule repairs: a rule fix that fails with a *new* error is repaired
            again, up to this many rules in a row (queries often hold more than one mistake).
        max_executions: verification budget: candidate executions per request at most.
        search_time_s: wall clock after which the rule search starts no new execution (a failing
            candidate can cost a few hundred ms of engine error classification).
        enough: a search step stops verifying further proposals once this many run.

    Execution (every candidate runs read-only under these limits):
        timeout_s: per-query wall-clock limit. Lower than the engines' default (10 s): a
            candidate that needs longer is not a quick fix.
        max_rows: rows fetched per candidate; more set ``truncated`` (counts stay exact up to it).
        max_memory_mb: engine memory per query.
        request_timeout_s: the request's time budget (wall clock from its start); the model is not
            waited for past it, and the answer is the best verified so far, marked partial.

    Trust:
        sure_confidence: a fix below this confidence is reported ``unsure``; so is one that
            changes more than its error needs or has a rival as small with another result
            (``sqlfix.fix.trust``). 0.5: the ranker finds the fix likelier wrong than right.
            The confidence itself is calibrated separately: on the golden set at least 95% of
            fixes at 0.8 or more are right (``sqlfix eval``'s calibration table).
        unsure_confidence: the most confidence a fix with a reason to doubt it gets (below
            ``sure_confidence``, so the two never mix in the calibration table).
        guess_confidence: the most confidence a fix from a rule that reads intent gets (a
            refused statement rewritten, a join key or table chosen from the schema:
            ``sqlfix.fix.trust.GUESSING_RULES``): still sure, but below the 0.8 that promises
            95% right, since such rules were right less often on the golden set. A fix of a
            refused write is unsure besides (``sqlfix.fix.trust.REFUSED_WRITE``).
        abstain: withhold an unsure fix (``fixed_sql`` None) instead of returning it flagged.

    Ranking:
        use_ranker: rank with the learned reward model (``ranker.lgb.txt``); False uses the
            fallback (agreement of model samples, similarity to the input). Trained on rules-only
            candidates from datagen, wrong fixes that run included: held-out top-1 97.1% vs the
            fallback's 97.8% (both rank minimal fixes first); on the golden repair set 168 vs 167
            of 262 (the fallback measured before ties were broken by the rule's order), and of
            the held-out fixes it calls sure 98.1% are right (the fallback's: 96.7%).
        ranker_path: LightGBM model file; None uses the bundled ``ranker.lgb.txt`` when present,
            else the fallback.
    """

    use_rules: bool = True
    use_model: bool = True
    model_when: str = "unsure"
    k: int = 4
    temperature: float = 0.7
    max_tokens: int = 256
    output_formats: tuple[str, ...] = ("full", "edit")
    prompt_tables: str = "focus"
    semantic: bool = True
    rule_depth: int = 3
    max_executions: int = 30
    search_time_s: float = 2.0
    enough: int = 4
    timeout_s: float = 5.0
    max_rows: int = 1000
    max_memory_mb: int = 1024
    request_timeout_s: float = 60.0
    sure_confidence: float = 0.5
    unsure_confidence: float = 0.4
    guess_confidence: float = 0.75
    abstain: bool = False
    use_ranker: bool = True
    ranker_path: str | None = None

    def limits(self) -> Limits:
        """Return the execution limits every candidate runs under."""
        return Limits(timeout_s=self.timeout_s, max_rows=self.max_rows, max_memory_mb=self.max_memory_mb)

    def rules_only(self) -> "FixConfig":
        """Return a copy that uses the deterministic repairers alone (no model)."""
        return replace(self, use_model=False)
