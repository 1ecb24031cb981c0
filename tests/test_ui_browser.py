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

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(120)]


BROKEN = "SELECT full_nme, country FROM users ORDER BY user_id LIMIT 3"
FIXED = "SELECT full_name, country FROM users ORDER BY user_id LIMIT 3"
USERS_PER_COUNTRY = "SELECT country, count(*) AS n FROM users GROUP BY country ORDER BY country"


def editor(page):
    # While the app swaps in a new editor (accepted fix, answered question) the old iframe may
    # linger for a moment; the current one is the last.
    return page.locator("iframe[title*='code_editor']").last.content_frame.locator(".ace_content").first


def settle(page) -> None:
    """Wait until the script run is over and exactly one editor is on the page."""
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stStatusWidgetRunningIcon']\")"
        " && document.querySelectorAll(\"iframe[title*='code_editor']\").length === 1"
    )
    editor(page).wait_for()


def type_in_editor(page, sql: str) -> None:
    settle(page)
    editor(page).click()
    page.keyboard.press("Control+A")
    page.keyboard.type(sql)


def test_fix_accept_and_ask_in_chromium(chromium_page, ui_server_factory, tmp_path: Path,
                                        scripted_endpoint: ScriptedEndpoint) -> None:
    page = chromium_page
    log = tmp_path / "events.jsonl"
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = ui_server_factory("--db", "demo://shop", "--model", "rules", "--log-file", str(log))
    page.goto(url)
    page.get_by_text("order_items (").wait_for()

    type_in_editor(page, BROKEN)
    # Ctrl+Enter submits the text with the run request in one message; a click on the Run
    # button right after typing can beat the editor's debounced text update.
    page.keyboard.press("Control+Enter")
    page.get_by_text("unknown_column").wait_for()
    page.screenshot(path=SHOTS / "1-error.png", full_page=True)

    page.get_by_role("button", name="Fix", exact=True).click()
    page.get_by_text("Proposed fix").wait_for()
    page.locator("[data-testid='stCode']", has_text=FIXED).first.wait_for()
    page.screenshot(path=SHOTS / "2-fix.png", full_page=True)
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("3 rows in").wait_for()
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    expect(editor(page)).to_have_text(FIXED, timeout=15_000)
    page.screenshot(path=SHOTS / "3-accepted.png", full_page=True)

    page.get_by_text("Settings").click()
    page.get_by_label("Model", exact=True).fill("openai:scripted")
    page.get_by_label("Endpoint base URL (openai: models)").fill(scripted_endpoint.base_url)
    page.get_by_label("Endpoint base URL (openai: models)").press("Enter")
    question = page.get_by_placeholder(re.compile("Ask a question"))
    question.fill("How many users per country?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(editor(page)).to_have_text(USERS_PER_COUNTRY, timeout=15_000)
    page.get_by_text(re.compile(r"^\d+ rows in")).wait_for()
    page.screenshot(path=SHOTS / "4-ask.png", full_page=True)

    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["event"] for e in events] == ["run", "fix_shown", "fix_accepted", "run"]
    assert events[0]["sql"] == BROKEN and events[0]["ok"] is False
    assert events[2]["fixed_sql"] == FIXED
    assert events[3]["sql"] == FIXED and events[3]["ok"] is True
