"""`sqlfix ui` through the real console script: its options, and the server it starts."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ui_fixtures import ui_server_factory  # noqa: F401 - pytest fixture

SQLFIX = str(Path(sys.executable).with_name("sqlfix"))


def test_help_lists_the_options() -> None:
    done = subprocess.run([SQLFIX, "ui", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--port", "--db", "--model", "--base-url", "--log-file", "--no-log", "--k", "--timeout", "--row-limit"):
        assert option in done.stdout


def test_serves_the_app_on_loopback_only(ui_server_factory) -> None:
    url = ui_server_factory("--db", "demo://hr", "--model", "rules", "--no-log")
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200 and b"<title>" in response.read().lower()
    outside = _non_loopback_address()
    if outside is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(OSError):
        socket.create_connection((outside, urlsplit(url).port), timeout=3).close()


def _non_loopback_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # A UDP "connect" sends nothing; it only picks the interface a packet would leave by.
        probe.connect(("10.255.255.255", 9))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address
