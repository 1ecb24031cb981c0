"""The ``sqlfix`` command line as the tests run it: its console script (for a subprocess) and
its entry point (``sqlfix.cli.main``) run in-process with given arguments and stdin."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from sqlfix.cli import main

SQLFIX = str(Path(sys.executable).with_name("sqlfix"))


@dataclass
class Done:
    """What one in-process run left: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def sqlfix(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Done]:
    """Run the ``sqlfix`` entry point in-process with these arguments (and ``stdin``, empty unless
    given)."""

    def invoke(*args: str, stdin: str = "") -> Done:
        monkeypatch.setattr(sys, "argv", ["sqlfix", *args])
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return Done(code, out.out, out.err)

    return invoke
