"""One vocabulary of model specs on every surface: ``sqlfix fix``, ``ask``, ``serve`` (a real
server process), ``ui`` (its options), ``eval`` and the HTTP API's ``model`` field. ``rules``
means the rules alone everywhere, ``--no-model`` is ``--model rules``, and a spec outside the
vocabulary gets the same one line everywhere (CLI: exit status 2)."""

from __future__ import annotations

import json
import os
import subprocess

import httpx
import pytest

from sqlfix.api import ApiSettings
from sqlfix.fix import FixConfig
from sqlfix.models import load_model
from sqlfix.models.specs import RULES_CANNOT_ASK, unknown_model_error
from tests.cli_fixtures import SQLFIX, Done, sqlfix  # noqa: F401 - fixture
from tests.fix_fixtures import api_server, openai_server, shop_duckdb  # noqa: F401 - fixture
from tests.ui_fixtures import REPO, free_port, wait_http
from ui.config import ENV_VAR, UIConfig

UNKNOWN = str(unknown_model_error("magic"))
MISSPELT = "SELECT emial FROM users WHERE plan = 'pro'"
RULES_FIX = "SELECT email FROM users WHERE plan = 'pro'"
NO_RULE_FIXES = "SELECT zzzqqq FROM users"


def one_line_error(done: Done, message: str) -> bool:
    return done.returncode == 2 and done.stderr.strip().splitlines() == [f"error: {message}"]


@pytest.mark.parametrize("command", [
    ("fix", MISSPELT), ("ask", "How many users?"), ("serve",), ("ui",),
])
def test_an_unknown_spec_is_the_same_line_on_every_command(sqlfix, command) -> None:
    assert one_line_error(sqlfix(*command, "--model", "magic"), UNKNOWN)


def test_an_unknown_spec_is_the_same_line_in_eval(sqlfix, tmp_path) -> None:
    for system in ("magic", "pipeline:magic", "model:magic"):
        assert one_line_error(sqlfix("eval", "--system", system, "--out", str(tmp_path), "--quiet"), UNKNOWN)


def test_fix_takes_rules_and_no_model_alike(sqlfix) -> None:
    by_word = sqlfix("fix", MISSPELT, "--model", "rules", "--json")
    by_flag = sqlfix("fix", MISSPELT, "--no-model", "--json")
    assert by_word.returncode == by_flag.returncode == 3  # a fix, flagged unsure (a low-confidence guess of 'pro')
    first, second = json.loads(by_word.stdout), json.loads(by_flag.stdout)
    assert first["fixed_sql"] == second["fixed_sql"] == RULES_FIX and first["source"] == "rule:identifiers"
    assert one_line_error(sqlfix("fix", MISSPELT, "--no-model", "--model", "default"),
                          "--no-model is --model rules; it contradicts --model default")


def test_ask_with_rules_says_why_in_one_line(sqlfix) -> None:
    assert one_line_error(sqlfix("ask", "How many users?", "--model", "rules"), RULES_CANNOT_ASK)


def test_ui_passes_the_spec_to_the_app(sqlfix, monkeypatch) -> None:
    started: list[dict[str, str]] = []

    def record(path: str, args: list[str], env: dict[str, str]) -> None:
        # The real exec becomes the Streamlit server (tests/test_ui_cli.py starts one); here
        # only what it would be started with matters.
        started.append(env)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", record)
    for options in (("--model", "rules"), ("--no-model",), ("--model", "RULES")):
        assert sqlfix("ui", *options, "--port", "1").returncode == 0
    assert [UIConfig.from_env(env).model for env in started] == ["rules", "rules", "RULES"]
    assert sqlfix("ui", "--port", "1").returncode == 0 and UIConfig.from_env(started[-1]).model == "auto"
    assert sqlfix("ui", "--model", "auto", "--port", "1").returncode == 0 and UIConfig.from_env(started[-1]).model == "auto"


def test_the_editor_settings_refuse_an_unknown_spec(monkeypatch, tmp_path) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(ENV_VAR, UIConfig(model="rules", editor="text", log_file=str(tmp_path / "log.jsonl")).to_env()[ENV_VAR])
    app = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=60)
    app.run()
    app.text_input(key="set_model").input("magic")
    app.run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [f"{UNKNOWN} (still using 'rules')"]
    assert app.session_state["settings"].model == "rules"


def test_eval_takes_the_vocabulary(sqlfix, tmp_path) -> None:
    out = tmp_path / "report"
    done = sqlfix("eval", "--system", "rules", "--system", "pipeline:rules", "--task", "repair", "--limit", "4",
                  "--no-cache", "--quiet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines() if " accuracy " in line and not line.startswith(" ")]
    assert [line[0] for line in lines] == ["rules", "pipeline:rules"]  # indented lines: per-split summaries
    assert lines[0][3:5] == lines[1][3:5]  # the same accuracy: the same system
    assert one_line_error(sqlfix("eval", "--system", "model:rules", "--out", str(out), "--quiet"),
                          "'rules' names no model for the system 'model:rules': use the system 'rules' for the rules alone")
    from eval.systems import build_system

    auto = build_system("pipeline:auto")  # this machine's default, loaded only when it runs
    assert (auto.spec, auto.model_spec) == ("pipeline:auto", "auto")


def test_serve_with_rules_is_a_rules_server(tmp_path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([SQLFIX, "serve", "--db", "shop=demo://shop", "--model", "rules", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz", 120)
        assert httpx.get(f"{url}/healthz", timeout=30).json()["model"] is None
        fixed = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT}, timeout=60).json()
        assert fixed["fixed_sql"] == RULES_FIX
        asked = httpx.post(f"{url}/v1/sql", json={"question": "How many users?"}, timeout=60)
        assert asked.status_code == 503 and asked.json()["error"]["type"] == "no_model"
        _api_field_checks(url, served=None)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_api_model_field_selects_rules_or_the_served_model(shop_duckdb) -> None:
    with openai_server(lambda prompt, n, temperature: ["SELECT count(*) AS n FROM users"] * n) as fake:
        model = load_model("openai:scripted", base_url=fake.url, api_key="test")
        with api_server(ApiSettings(databases={"shop": shop_duckdb}, model=model, fix_config=FixConfig(k=1))) as url:
            ruled = httpx.post(f"{url}/v1/fix", json={"sql": NO_RULE_FIXES, "model": "rules"}, timeout=60).json()
            assert ruled["fixed_sql"] is None and not fake.requests
            modeled = httpx.post(f"{url}/v1/fix", json={"sql": NO_RULE_FIXES, "model": "openai:scripted"}, timeout=60).json()
            assert modeled["fixed_sql"] == "SELECT count(*) AS n FROM users" and fake.requests
            _api_field_checks(url, served="openai:scripted")


def _api_field_checks(url: str, served: str | None) -> None:
    """What every server answers to ``model`` fields outside what it serves."""
    unknown = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": "magic"}, timeout=60)
    assert unknown.status_code == 400 and unknown.json()["error"] == {"type": "invalid_request", "message": UNKNOWN}
    ruled = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": "rules"}, timeout=60)
    assert ruled.status_code == 200 and ruled.json()["fixed_sql"] == RULES_FIX
    asked = httpx.post(f"{url}/v1/sql", json={"question": "How many users?", "model": "rules"}, timeout=60)
    assert asked.status_code == 400 and asked.json()["error"]["message"] == RULES_CANNOT_ASK
    auto = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": "auto"}, timeout=60)
    if served:  # auto: whichever model the server chose for its machine
        assert auto.status_code == 200 and auto.json()["fixed_sql"], auto.text
    else:
        assert auto.status_code == 404 and auto.json()["error"]["message"] == "this server does not serve 'auto'; it serves 'rules' only"
    other = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": "default"}, timeout=60)
    serves = f"'{served}' and 'rules'" if served else "'rules' only"
    assert other.status_code == 404 and other.json()["error"] == {
        "type": "unknown_model", "message": f"this server does not serve 'default'; it serves {serves}"}
    # A client's spec is never looked up on the server's disk: a folder there is as unknown as a word.
    folder = str(REPO / "sqlfix" / "adapters" / "smollm2-135m-sqlfix")
    probe = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": folder}, timeout=60)
    assert probe.status_code == 400 and probe.json()["error"]["message"] == str(unknown_model_error(folder))


def test_a_model_still_loading_answers_to_the_spec_it_will_be(shop_duckdb) -> None:
    """``auto`` in the background: a request naming the spec the machine's default stands for is
    served (the rules answer while it loads) instead of a 404 until the load ends."""
    import threading

    from sqlfix.models.lazy import LazyModel

    release = threading.Event()

    def slow_load():
        release.wait(timeout=120)
        return None, "stopped by the test"

    model = LazyModel(slow_load, name="auto", resolve=lambda: "default").start()
    try:
        with api_server(ApiSettings(databases={"shop": shop_duckdb}, model=model, fix_config=FixConfig(k=1))) as url:
            named = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": "smollm2-135m-sqlfix"}, timeout=60)
            assert named.status_code == 200 and named.json()["fixed_sql"] == RULES_FIX, named.text
            assert not model.ready()  # answered while the model was still loading
            other = httpx.post(f"{url}/v1/fix", json={"sql": MISSPELT, "model": "qwen2.5-coder-0.5b-sqlfix"}, timeout=60)
            assert other.status_code == 404 and "it serves 'default' and 'rules'" in other.json()["error"]["message"]
    finally:
        release.set()
