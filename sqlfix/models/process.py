"""A local chat model that runs in a child process of its own, at a lower CPU priority.

A server shares one Python interpreter between the requests the rules answer in milliseconds
and the model's generation. Some runtimes hold the interpreter lock while they compute (ONNX
Runtime GenAI does, for the whole forward pass of each token), so in the same process every
rules request waits behind the model's next step. In a child process the model computes beside
the server, not in front of it, and at the lowest priority, so on a small CPU the rules take
the cores first and the model the time left over.

The child is a fresh interpreter (``python -c``), not a ``multiprocessing`` spawn: a spawned
child runs the parent's main module again, and under Streamlit that module is the editor's
page script. Calls travel over a socket pair as pickles (``multiprocessing.connection``).

The child also bounds what a failing model can do: one that crashes or is killed (out of
memory) ends the call with :class:`~sqlfix.errors.ModelUnavailableError`, and the next call
starts it again, warmed with the schema heads it had.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from sqlfix.errors import ModelUnavailableError, SqlfixError, failure_line
from sqlfix.models.base import ChatModel, Generation, Message

Loader = Callable[[], tuple[ChatModel | None, str | None]]

# Nice steps of the child: the lowest priority, so the model takes only the CPU the surface
# leaves (bench/bench_ui_first_fix.py: the first rules Fix while the 1.5B loads beside it took
# 1.13-1.44 s with the child at +0 or +10, 0.66 s at +19, as with no model).
# ``$SQLFIX_LOAD_NICENESS`` overrides it, as it does for a load in-process.
CHILD_NICENESS = 19
# How long a child may take to load its model (a first conversion to int4 takes minutes).
LOAD_TIMEOUT_S = 1800.0
# How long one call may take before the child is taken for hung and stopped.
CALL_TIMEOUT_S = 600.0
_POLL_S = 0.25
# The most recent distinct warm-ups replayed into a restarted child (ask warms its schema on
# every question: the same chats again and again).
WARM_REPLAYS = 8


_LIVE: weakref.WeakSet["ModelProcess"] = weakref.WeakSet()  # stopped when this process exits


class ModelProcess:
    """A :class:`~sqlfix.models.base.ChatModel` whose model loads and generates in a child
    process; build it with :meth:`launch`. Calls are served one at a time.

    Attributes:
        name: the loaded model's name.
        runtime: the loaded model's runtime (``ort``, ``ct2``, ``torch``; "" when it has none).
    """

    def __init__(self, loader: Loader, name: str, niceness: int) -> None:
        """Use :meth:`launch`."""
        self._loader = loader
        self._niceness = niceness
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._warmed: list[list[list[Message]]] = []  # warm() calls to replay after a restart
        self.name = name
        self.runtime = ""

    @classmethod
    def launch(cls, loader: Loader, *, name: str, niceness: int | None = None) -> tuple["ModelProcess | None", str | None]:
        """Start a child that calls ``loader`` (picklable: a module-level function or a
        ``functools.partial`` of one) and keeps the model it returns; return ``(model,
        warning)``, the model None, with the loader's warning, when nothing loaded. ``name``
        stands for the model until it has loaded; ``niceness`` lowers the child's priority
        (default: ``$SQLFIX_LOAD_NICENESS``, else :data:`CHILD_NICENESS`).

        Raises:
            SqlfixError: what ``loader`` raised (an explicitly named model that cannot load).
        """
        from sqlfix.models.lazy import NICENESS_VARIABLE

        if niceness is None:
            value = os.environ.get(NICENESS_VARIABLE, "")
            niceness = int(value) if value.isdigit() else CHILD_NICENESS
        model = cls(loader, name, niceness)
        _LIVE.add(model)
        with model._lock:
            warning = model._start()
        if model._process is None:
            return None, warning
        return model, warning

    @property
    def pid(self) -> int | None:
        """The child's process id (None while no child runs)."""
        return self._process.pid if self._process is not None else None

    def generate(self, messages: list[Message], *, n: int = 1, temperature: float = 0.0, max_tokens: int = 256) -> list[Generation]:
        """Generate in the child (starting it again first if it had died)."""
        return self._call("generate", messages, {"n": n, "temperature": temperature, "max_tokens": max_tokens})

    def warm(self, chats: list[list[Message]]) -> int:
        """Warm the child model's kept heads (see ``sqlfix.fix.prefix``); remembered, so a
        restarted child is warmed the same way (the :data:`WARM_REPLAYS` most recent distinct
        ones). 0 when the model keeps none."""
        tokens = self._call("warm", chats, {})
        with self._lock:
            if chats in self._warmed:
                self._warmed.remove(chats)
            self._warmed = [*self._warmed, chats][-WARM_REPLAYS:]
        return tokens

    def close(self) -> None:
        """Stop the child (a later call starts it again)."""
        with self._lock:
            self._stop()

    def _call(self, method: str, argument: Any, options: dict) -> Any:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._stop()
                warning = self._start()
                if self._process is None:
                    raise ModelUnavailableError(f"the model process could not start again: {warning}", 0.0)
                for chats in self._warmed:
                    self._request("warm", chats, {})
            return self._request(method, argument, options)

    def _request(self, method: str, argument: Any, options: dict) -> Any:
        assert self._conn is not None
        try:
            self._conn.send((method, argument, options))
        except (OSError, ValueError) as exc:
            raise self._died(f"could not be reached ({exc})") from None
        status, value = self._receive(CALL_TIMEOUT_S)
        if status == "error":
            raise RuntimeError(value)
        return value

    def _receive(self, timeout_s: float) -> tuple[str, Any]:
        """The child's next reply; a child that exits or stays silent past ``timeout_s`` is
        stopped, and the call fails with :class:`ModelUnavailableError`."""
        assert self._conn is not None and self._process is not None
        waited = 0.0
        while not self._conn.poll(_POLL_S):
            waited += _POLL_S
            if self._process.poll() is not None:
                raise self._died(f"exited ({_exit_reason(self._process.returncode)})")
            if waited >= timeout_s:
                raise self._died(f"gave no answer within {timeout_s:g} s and was stopped")
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            try:
                self._process.wait(5.0)
            except subprocess.TimeoutExpired:
                pass
            raise self._died(f"exited ({_exit_reason(self._process.returncode)})") from None

    def _died(self, how: str) -> ModelUnavailableError:
        self._stop()
        return ModelUnavailableError(f"the model process {how}; it starts again on the next call", 0.0)

    def _start(self) -> str | None:
        """Start the child and wait for its model; the warning of the load (or why it failed)."""
        parent, child = socket.socketpair()
        command = [sys.executable, "-c", "from sqlfix.models.process import child_main; child_main()", str(child.fileno())]
        process = _start_at_priority(lambda: subprocess.Popen(command, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                                                              stdout=subprocess.DEVNULL), self._niceness)
        child.close()
        self._process, self._conn = process, Connection(parent.detach())
        try:
            # The parent's import path first, so that the loader unpickles there as it was made here.
            self._conn.send(list(sys.path))
            self._conn.send(self._loader)
            status, value = self._receive(LOAD_TIMEOUT_S)
        except ModelUnavailableError as exc:
            return str(exc)
        if status == "loaded":
            self.name, self.runtime, warning = value
            return warning
        self._stop()
        if status == "refused":  # a named model that cannot load: the caller's error, as in-process
            raise SqlfixError(value)
        return value  # "none": nothing loaded, and why

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
        self._process, self._conn = None, None


@atexit.register
def _stop_children() -> None:
    """Stop every child still running when this process exits (one mid-generation would
    otherwise finish its answer for no one)."""
    for model in list(_LIVE):
        process = model._process  # without the lock: a call in another thread may hold it
        if process is not None and process.poll() is None:
            process.kill()


def _start_at_priority(start: Callable[[], subprocess.Popen], niceness: int) -> subprocess.Popen:
    """Run ``start`` in a thread lowered by ``niceness`` steps and return the process it started:
    on Linux a process starts at its parent thread's priority, so its interpreter's start-up and
    imports (seconds of CPU) already run low, and so do the threads they start."""
    from sqlfix.models.lazy import lower_thread_priority

    started: list[subprocess.Popen] = []
    failed: list[BaseException] = []

    def run() -> None:
        lower_thread_priority(niceness)
        try:
            started.append(start())
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(exc)

    starter = threading.Thread(target=run, name="sqlfix-model-start")
    starter.start()
    starter.join()
    if failed:
        raise failed[0]
    return started[0]


def child_main() -> None:
    """The child's entry point (``sys.argv[1]``: its end of the socket pair): take the parent's
    import path and the loader, load the model, then answer calls until the parent goes."""
    conn = Connection(int(sys.argv[1]))
    sys.path[:] = conn.recv()
    loader = conn.recv()
    try:
        model, warning = loader()
    except SqlfixError as exc:
        conn.send(("refused", str(exc)))
        return
    if model is None:
        conn.send(("none", warning))
        return
    conn.send(("loaded", (model.name, getattr(model, "runtime", ""), warning)))
    while True:
        try:
            method, argument, options = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        try:
            conn.send(("ok", _serve_call(model, method, argument, options)))
        except Exception as exc:  # noqa: BLE001 - the parent decides what a failure means
            conn.send(("error", failure_line(exc)))


def _serve_call(model: ChatModel, method: str, argument: Any, options: dict) -> Any:
    if method == "generate":
        return model.generate(argument, **options)
    if method == "warm":
        warm = getattr(model, "warm", None)
        return warm(argument) if warm is not None else 0
    raise ValueError(f"unknown call {method!r}")


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"
