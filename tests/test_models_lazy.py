"""LazyModel's background load runs below the threads that serve requests."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from sqlfix.models.lazy import BACKGROUND_NICENESS, NICENESS_VARIABLE, LazyModel, background_niceness

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_background_load_and_the_threads_it_starts_run_at_a_lower_priority() -> None:
    seen: dict[str, int] = {}
    loaded = threading.Event()

    def loader():
        seen["loader"] = _niceness()
        # A runtime's worker pool is started by the thread that builds the model: it inherits.
        worker = threading.Thread(target=lambda: seen.setdefault("worker", _niceness()))
        worker.start()
        worker.join()
        loaded.set()
        return None, "no model in this test"

    caller = _niceness()
    model = LazyModel(loader, name="probe").start()
    # Asking before the background thread has loaded would load here, in this thread.
    assert loaded.wait(timeout=60)
    assert model.get_or_none() is None and model.warning == "no model in this test"
    expected = min(19, caller + BACKGROUND_NICENESS)
    assert seen == {"loader": expected, "worker": expected}
    assert _niceness() == caller  # the caller's own priority is untouched


def test_a_load_on_first_use_keeps_the_callers_priority() -> None:
    seen: list[int] = []

    def loader():
        seen.append(_niceness())
        return None, "no model in this test"

    LazyModel(loader, name="probe").get_or_none()
    assert seen == [_niceness()]


def test_the_environment_sets_the_background_niceness(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    loaded = threading.Event()

    def loader():
        seen.append(_niceness())
        loaded.set()
        return None, "no model in this test"

    monkeypatch.setenv(NICENESS_VARIABLE, "0")
    LazyModel(loader, name="probe").start()
    assert loaded.wait(timeout=60)
    assert seen == [_niceness()]
    monkeypatch.setenv(NICENESS_VARIABLE, "not a number")
    assert background_niceness() == BACKGROUND_NICENESS
