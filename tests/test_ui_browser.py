"""End to end in Debian's Chromium against `sqlfix ui` on 127.0.0.1: type a failing query in the
code editor, run it, Fix, Accept, see the result; ask a question (scripted OpenAI-protocol
endpoint); the interaction log holds the events. Screenshots go to artifacts/ui/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.ui_fixtures import (  # noqa: F401 - pytest fixtures
    SHOTS,
    ScriptedEndpoint,
    chromium_page,
    scripted_endpoint,
    ui_server_factory,
)

# Guards against a hang, not speed targets: a loaded 2-core CI machine runs this many times slower.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]


BROKEN = "SELECT full_nme, country FROM users ORDER BY user_id LIMIT 3"
FIXED = "SELECT full_name, country FROM users ORDER BY user_id LIMIT 3"
USERS_PER_COUNTRY = "SELECT country, count(*) AS n FROM users GROUP BY country ORDER BY country"


def idle(page) -> None:
    """Wait until no script run is going on (Streamlit marks its app root while one is)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached")


def editor(page, version: int):
    """The text of the editor the app put up the ``version``-th time (0 at start; each accepted
    fix or answered question puts up a new one)."""
    frame = page.locator(f".st-key-sql_editor_{version} iframe").content_frame
    return frame.locator(".ace_content")


def outcome(page, runs: int):
    """The result or error of the ``runs``-th query run of the session, and nothing older."""
    return page.locator(f".st-key-outcome_{runs}")


def type_in_editor(page, sql: str) -> None:
    idle(page)
    editor(page, 0).click()
    page.keyboard.press("Control+A")
    page.keyboard.type(sql)


def leave_editor(page, version: int) -> None:
    """Take the focus off the editor, so that its blur message reaches the app before the next
    click's rather than after it (a later message would cut the click's script run short)."""
    page.locator(f".st-key-sql_editor_{version} iframe").content_frame.locator("textarea").blur()
    idle(page)


# The server is asked for first so it goes last: the page saved as last.png still has its server.
def test_fix_accept_and_ask_in_chromium(ui_server_factory, scripted_endpoint: ScriptedEndpoint, chromium_page,
                                        tmp_path: Path) -> None:
    page = chromium_page
    log = tmp_path / "events.jsonl"
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = ui_server_factory("--db", "demo://shop", "--model", "rules", "--log-file", str(log))
    page.goto(url)
    page.get_by_text("order_items (").wait_for()

    type_in_editor(page, BROKEN)
    # Ctrl+Enter sends the text with the run request in one message.
    page.keyboard.press("Control+Enter")
    expect(outcome(page, 1).get_by_test_id("stAlert")).to_contain_text("unknown_column")
    leave_editor(page, 0)
    page.screenshot(path=SHOTS / "1-error.png", full_page=True)

    page.get_by_role("button", name="Fix", exact=True).click()
    panel = page.locator(".st-key-fix_panel")
    expect(panel).to_contain_text("Proposed fix")
    panel.locator("[data-testid='stCode']", has_text=FIXED).first.wait_for()
    idle(page)
    page.screenshot(path=SHOTS / "2-fix.png", full_page=True)
    panel.get_by_role("button", name="Accept").click()
    expect(outcome(page, 2)).to_contain_text("3 rows in")
    outcome(page, 2).get_by_test_id("stDataFrame").wait_for()
    expect(editor(page, 1)).to_have_text(FIXED)
    idle(page)
    page.screenshot(path=SHOTS / "3-accepted.png", full_page=True)

    page.get_by_text("Settings").click()
    page.get_by_label("Model", exact=True).fill("openai:scripted")
    page.get_by_label("Endpoint base URL (openai: models)").fill(scripted_endpoint.base_url)
    page.get_by_label("Endpoint base URL (openai: models)").press("Enter")
    question = page.get_by_placeholder(re.compile("Ask a question"))
    question.fill("How many users per country?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(editor(page, 2)).to_have_text(USERS_PER_COUNTRY)
    expect(outcome(page, 3)).to_contain_text(re.compile(r"\d+ rows in"))
    idle(page)
    page.screenshot(path=SHOTS / "4-ask.png", full_page=True)

    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["event"] for e in events] == ["run", "fix_shown", "fix_accepted", "run"]
    assert events[0]["sql"] == BROKEN and events[0]["ok"] is False
    assert events[2]["fixed_sql"] == FIXED
    assert events[3]["sql"] == FIXED and events[3]["ok"] is True
