"""The board enters a warning heard on the radio: a double click on the button sends the same Idempotency-Key twice,
so one warning is entered (and no team texted twice); the next submission is a new warning with a key of its own."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.test_browser_pages import BOARD, DEMO_PASSWORD, Watched
from tests.live_client import login


def test_a_double_click_on_the_warning_form_enters_one_warning(live_server, chromium):
    url = live_server.url
    duty = login(url, "demo-duty", DEMO_PASSWORD)
    officer = Watched(chromium.new_context(**BOARD))
    board = officer.log_in(url, "demo-duty", "/board")
    keys: list[str] = []

    def keep_key(route):
        if route.request.method == "POST":
            keys.append(route.request.headers.get("idempotency-key"))
        route.continue_()  # held until the test looks again: both clicks are in by then

    board.route("**/api/warnings", keep_key)
    headline = f"暴雨橙色预警（电台通报 {time.time_ns()}）"
    form = board.locator("#warning-form")
    form.locator("#warning-kind").select_option("rainstorm")
    form.locator("#warning-colour").select_option("orange")
    form.locator("#warning-headline").fill(headline)
    form.locator("#warning-hours").fill("6")
    form.get_by_role("button", name="发布预警").dblclick()
    expect(board.locator("#message")).to_contain_text(f"预警已发布：{headline}", timeout=10_000)
    expect(board.locator("#warnings section.warning h3", has_text=headline)).to_have_count(1, timeout=10_000)
    warnings = duty.get(f"{url}/api/warnings", timeout=5).json()["items"]
    assert [w["headline"] for w in warnings].count(headline) == 1
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]

    form.locator("#warning-headline").fill(headline + "（二）")
    form.get_by_role("button", name="发布预警").click()
    expect(board.locator("#message")).to_contain_text("（二）", timeout=10_000)
    assert len(keys) == 3 and keys[2] != keys[0]  # a new submission, a new key
    assert officer.errors == []
