"""The candidate sources run side by side under a request's time budget; a source that fails
or does not finish in time is left out, and the answer says so (``SourcesReport``).

The model source hands over each verified candidate as soon as it has it, so when the budget
runs out mid-way the candidates verified so far still count. A model that fails in any way
(an exception, out of memory, an endpoint that is down) leaves the rules to answer alone.
"""

from __future__ import annotations

import concurrent.futures as futures
import logging
import threading
import time
from typing import Callable

from sqlfix.errors import ModelBusyError, ModelUnavailableError
from sqlfix.fix.records import Candidate, SourcesReport
from sqlfix.models.base import ChatModel

log = logging.getLogger("sqlfix.fix")

# model_work(found, stop): appends verified candidates to ``found``; returns early once ``stop`` is set.
ModelWork = Callable[[list[Candidate], threading.Event], None]


def side_by_side(model_work: ModelWork, rules_work: Callable[[], list[Candidate]] | None, deadline: float) -> tuple[list[Candidate], SourcesReport]:
    """Run the model (and the rules, when given) in threads until both finish or ``deadline``
    (a ``time.perf_counter()`` value) passes; return every verified candidate, rules first, and
    what was left out.

    Raises whatever a source raised other than :class:`ModelUnavailableError` (a bug, not a
    model failure).
    """
    pool = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlfix-fix")
    from_model: list[Candidate] = []
    stop = threading.Event()
    model_job = pool.submit(model_work, from_model, stop)
    rules_job = pool.submit(rules_work) if rules_work is not None else None
    jobs = [job for job in (model_job, rules_job) if job is not None]
    done, _ = futures.wait(jobs, timeout=max(0.0, deadline - time.perf_counter()))
    stop.set()
    pool.shutdown(wait=False, cancel_futures=True)
    found: list[Candidate] = []
    rules_late = rules_job is not None and rules_job not in done
    if rules_job is not None and not rules_late:
        found.extend(rules_job.result())
    report = _model_report(model_job, done)
    found.extend(list(from_model))  # a snapshot: a late model thread may still append
    if rules_late:
        report = SourcesReport(report.model_status, True, _join(report.notice, "the rule search did not finish in the time budget"), report.retry_after_s)
    return found, report


def unavailable(exc: ModelUnavailableError) -> SourcesReport:
    """The report for an answer given without the model because it raised ``exc``."""
    status = "busy" if isinstance(exc, ModelBusyError) else "unavailable"
    return SourcesReport(model_status=status, partial=True, notice=f"answered without the model: {exc}", retry_after_s=round(exc.retry_after_s, 1))


def model_failure(model: ChatModel, exc: Exception) -> ModelUnavailableError:
    """``exc`` raised by ``model`` as a :class:`ModelUnavailableError` (kept when it is one)."""
    if isinstance(exc, ModelUnavailableError):
        return exc
    line = " ".join(str(exc).split())[:300]
    log.warning("model %s failed: %s: %s", model.name, type(exc).__name__, line)
    return ModelUnavailableError(f"model {model.name} failed: {type(exc).__name__}: {line}", 0.0)


def _model_report(job: futures.Future, done: set) -> SourcesReport:
    if job not in done:
        return SourcesReport(model_status="timeout", partial=True, notice="the model did not answer within the time budget")
    exc = job.exception()
    if exc is None:
        return SourcesReport(model_status="ok")
    if isinstance(exc, ModelUnavailableError):
        return unavailable(exc)
    raise exc


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second
