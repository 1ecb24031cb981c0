"""A model in a child process (``sqlfix.models.process``): the real bundled model answers there
as it does in-process, at a lower priority; a child killed mid-call fails that call with a clear
error and the next call starts it again, warmed as before; load failures reach the caller."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from sqlfix.errors import ModelUnavailableError, SqlfixError
from sqlfix.models import Message, load_model
from sqlfix.models.base import Generation
from sqlfix.models.guard import ModelGuard
from sqlfix.models.process import ModelProcess
from tests.model_fixtures import marking, wait_for_pid

MESSAGES = [Message("system", "You write SQL."), Message("user", "Count the rows of table orders.")]


def torch_default() -> tuple:
    """The bundled model on torch (the child's loader: module-level, so it pickles)."""
    return load_model("default", runtime="torch", threads=1), None


def nothing() -> tuple:
    return None, "no model here: the rules only"


def refusing() -> tuple:
    raise SqlfixError("cannot load model 'nope': no such base")


@pytest.mark.slow
def test_the_bundled_model_answers_in_its_own_lower_priority_process_as_in_process() -> None:
    model, warning = ModelProcess.launch(torch_default, name="default", niceness=5)
    try:
        assert warning is None and model is not None
        assert model.pid != os.getpid() and model.runtime == "torch" and model.name == torch_default()[0].name
        assert os.getpriority(os.PRIO_PROCESS, model.pid) >= os.getpriority(os.PRIO_PROCESS, 0) + min(5, 19 - os.getpriority(os.PRIO_PROCESS, 0))
        in_process = torch_default()[0].generate(MESSAGES, max_tokens=16)
        assert model.generate(MESSAGES, max_tokens=16) == in_process
    finally:
        model.close()


def test_a_child_killed_mid_call_fails_that_call_and_the_next_starts_it_warmed(tmp_path) -> None:
    marker = tmp_path / "generating"
    model, _ = ModelProcess.launch(partial(marking, str(marker)), name="marking", niceness=0)
    try:
        assert model.warm([MESSAGES, MESSAGES]) == 2
        first_pid = model.pid
        failure: list[BaseException] = []

        def blocked_call() -> None:
            try:
                model.generate([Message("user", "block")])
            except BaseException as exc:  # noqa: BLE001 - the test reads it
                failure.append(exc)

        caller = threading.Thread(target=blocked_call)
        caller.start()
        assert wait_for_pid(marker) == first_pid  # the child is generating
        os.kill(first_pid, signal.SIGKILL)
        caller.join(120)
        assert not caller.is_alive()
        assert len(failure) == 1 and isinstance(failure[0], ModelUnavailableError)
        assert "killed by signal 9" in str(failure[0]) and "starts again on the next call" in str(failure[0])
        # The next call starts a new child and warms it as the first one was.
        assert model.generate(MESSAGES) == [Generation("warmed 2")]
        assert model.pid not in (None, first_pid)
    finally:
        model.close()
    assert model.pid is None


def test_behind_a_guard_a_killed_child_marks_the_model_down_then_it_answers_again(tmp_path) -> None:
    marker = tmp_path / "generating"
    child, _ = ModelProcess.launch(partial(marking, str(marker)), name="marking", niceness=0)
    guard = ModelGuard(child, backoff_s=0.2)
    try:
        threading.Thread(target=lambda: os.kill(wait_for_pid(marker), signal.SIGKILL), daemon=True).start()
        with pytest.raises(ModelUnavailableError, match="model marking failed: ModelUnavailableError: the model process exited"):
            guard.generate([Message("user", "block")])
        assert guard.health().state == "down"
        assert _after_rest(guard, MESSAGES) == [Generation("warmed 0")]
        assert guard.health().state == "ok"
    finally:
        child.close()


def _after_rest(guard: ModelGuard, messages: list) -> list[Generation]:
    """``guard.generate`` once the rest after a failure is over (refused until then)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return guard.generate(messages)
        except ModelUnavailableError as exc:
            if "is unavailable" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_a_child_that_loads_nothing_or_refuses_reports_why() -> None:
    assert ModelProcess.launch(nothing, name="auto") == (None, "no model here: the rules only")
    with pytest.raises(SqlfixError, match="cannot load model 'nope': no such base"):
        ModelProcess.launch(refusing, name="nope")


def test_a_model_error_in_the_child_is_raised_in_the_parent_and_the_child_lives_on(tmp_path) -> None:
    model, _ = ModelProcess.launch(partial(marking, str(tmp_path / "m")), name="marking", niceness=0)
    try:
        pid = model.pid
        with pytest.raises(RuntimeError, match="ValueError: unknown call 'explode'"):
            model._call("explode", None, {})
        assert model.generate(MESSAGES) == [Generation("warmed 0")] and model.pid == pid
    finally:
        model.close()


def test_the_child_never_runs_the_parents_main_script_again(tmp_path) -> None:
    # Under Streamlit the main module is the editor's page: a child that ran it again (as a
    # multiprocessing spawn does) would render the page a second time and start another model.
    runs = tmp_path / "runs"
    said = _run_script(
        tmp_path / "page.py",
        f"open({str(runs)!r}, 'a').write('ran\\n')\n"
        f"model, _ = ModelProcess.launch(partial(marking, {str(tmp_path / 'm')!r}), name='marking', niceness=0)\n"
        "print(model.generate([Message('user', 'hi')])[0].text)\n"
        "model.close()\n",
    )
    assert said == "warmed 0" and runs.read_text() == "ran\n"


def test_warm_ups_to_replay_are_kept_distinct_and_bounded(tmp_path) -> None:
    from sqlfix.models.process import WARM_REPLAYS

    model, _ = ModelProcess.launch(partial(marking, str(tmp_path / "m")), name="marking", niceness=0)
    try:
        chats = [[Message("user", f"question {i}")] for i in range(WARM_REPLAYS + 2)]
        for chat in [chats[0], chats[0], *chats[1:], chats[2]]:
            model.warm([chat])
        os.kill(model.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while model._process.poll() is None:  # dead before the next call, so that call restarts it
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # The restarted child was warmed once per distinct recent chat, in order of use.
        assert model.generate(MESSAGES) == [Generation(f"warmed {WARM_REPLAYS}")]
        assert model._warmed[-1] == [chats[2]] and [chats[0]] not in model._warmed
    finally:
        model.close()


def test_a_child_mid_generation_is_stopped_when_its_parent_exits(tmp_path) -> None:
    marker = tmp_path / "generating"
    child = int(_run_script(
        tmp_path / "server.py",
        f"model, _ = ModelProcess.launch(partial(marking, {str(marker)!r}, True), name='marking', niceness=0)\n"
        "threading.Thread(target=lambda: model.generate([Message('user', 'hi')]), daemon=True).start()\n"
        f"print(wait_for_pid(Path({str(marker)!r})))\n",
    ))
    deadline = time.monotonic() + 60
    while os.path.exists(f"/proc/{child}") and "zombie" not in _state(child):
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.05)


def _run_script(path: Path, body: str) -> str:
    """Run ``body`` as a Python script of its own (its main module), after the imports the
    scripts here use; return what it printed."""
    path.write_text(
        "import threading\n"
        "from functools import partial\n"
        "from pathlib import Path\n"
        "from sqlfix.models import Message\n"
        "from sqlfix.models.process import ModelProcess\n"
        "from tests.model_fixtures import marking, wait_for_pid\n" + body
    )
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _state(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/status").read().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "gone"
