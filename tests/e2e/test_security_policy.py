"""The Content-Security-Policy bites in a real browser: a script slipped into a page does not run, a string is not
evaluated as code, no page can be shown inside another's frame, and the phone page's service worker still installs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, serve
from tests.e2e.csp import CONSOLE_MARK, RECORD_VIOLATIONS, violations

SLIP_IN_A_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.slippedIn = true;";
  document.body.append(script);
  return window.slippedIn === true;
}"""
# Later, from the page's own event loop: code the test tool runs directly may evaluate strings.
EVALUATE_A_STRING = """() => new Promise((resolve) => setTimeout(() => {
  try { resolve(window.eval("'evaluated'")); } catch (error) { resolve(error.name); }
}))"""
FRAME = """(url) => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  frame.src = url;
  frame.addEventListener("load", () => resolve(true));
  document.body.append(frame);
})"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve("embedded", tmp_path_factory) as live:
        yield live


class Tab:
    """A tab logged in as one demo user, noting each violation and what the console says the policy refused."""

    def __init__(self, chromium, server: LiveServer, username: str, start: str) -> None:
        self.context = chromium.new_context(locale="zh-CN")
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page: Page = self.context.new_page()
        self.refusals: list[str] = []
        self.page.on("console", lambda message: CONSOLE_MARK in message.text and self.refusals.append(message.text))
        self.page.goto(f"{server.url}/login?next={start}")
        self.page.fill("#username", username)
        self.page.fill("#password", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def duty_tab(chromium, server) -> Iterator[Tab]:
    tab = Tab(chromium, server, "demo-duty", "/board")
    yield tab
    tab.close()


def test_the_board_opens_without_a_violation(duty_tab):
    assert duty_tab.page.url.endswith("/board")
    assert violations(duty_tab.page) == [] and duty_tab.refusals == []


def test_a_script_slipped_into_the_board_does_not_run_and_is_reported(duty_tab):
    assert duty_tab.page.evaluate(SLIP_IN_A_SCRIPT) is False
    found = violations(duty_tab.page)
    assert found and all(v.startswith("script-src") for v in found), found


def test_a_string_is_not_evaluated_as_code(duty_tab):
    assert duty_tab.page.evaluate(EVALUATE_A_STRING) == "EvalError"
    assert [v for v in violations(duty_tab.page) if v.startswith("script-src refused eval")]


def test_the_board_cannot_be_framed_even_on_its_own_site_by_its_own_user(duty_tab, server):
    """A page of the same origin with no policy (the browser answers it itself: every page the app serves has one,
    and its frame-src would refuse first) frames the board in the logged-in officer's tab."""
    framer = f"{server.url}/a-page-with-no-policy"
    duty_tab.page.route(framer, lambda route: route.fulfill(content_type="text/html", body="<h1>framer</h1>"))
    duty_tab.page.goto(framer)
    duty_tab.page.evaluate(FRAME, f"{server.url}/board")
    framed = duty_tab.page.frames[-1]
    assert framed is not duty_tab.page.main_frame
    assert framed.locator("#map").count() == 0  # the frame shows the browser's refusal, not the board
    assert any("frame-ancestors 'none'" in refusal for refusal in duty_tab.refusals), duty_tab.refusals


def test_another_site_cannot_frame_the_login_form(chromium, server):
    context = chromium.new_context()
    page = context.new_page()
    refusals: list[str] = []
    page.on("console", lambda message: CONSOLE_MARK in message.text and refusals.append(message.text))
    page.set_content("<h1>another site</h1>")
    page.evaluate(FRAME, f"{server.url}/login")
    assert page.frames[-1].locator("#username").count() == 0
    assert any("frame-ancestors 'none'" in refusal for refusal in refusals), refusals
    context.close()


def test_the_phone_pages_service_worker_installs_under_the_policy(chromium, server):
    tab = Tab(chromium, server, "demo-leader", "/m")
    scope = tab.page.evaluate("() => navigator.serviceWorker.ready.then((registration) => registration.scope)")
    assert scope == f"{server.url}/m"
    assert violations(tab.page) == [] and tab.refusals == []
    tab.close()
