"""On the board, a need the server refuses says why in words a duty officer reads at a glance: an address nobody
knows says so and what to do instead, and a latitude past the pole names the field, "纬度应不大于 90"."""

from __future__ import annotations

from playwright.sync_api import expect

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.test_browser_pages import BOARD, Watched
from tests.live_client import login, open_incident


def test_the_board_says_an_address_is_unknown_and_which_field_is_out_of_range(live_server, chromium):
    open_incident(login(live_server.url, "demo-duty", DEMO_PASSWORD), live_server.url, "拒绝说明测试")
    board = Watched(chromium.new_context(**BOARD)).log_in(live_server.url, "demo-duty", "/board")
    board.locator("#incidents button", has_text="拒绝说明测试").click()
    board.locator("#need-skills input").first.check()

    board.fill("#need-address", "QXZ-0000")
    board.click("#need-form button[type=submit]")
    expect(board.locator("#message")).to_have_text(
        "找不到该地址，也没有相近的地名；请在地图上点选位置，或填写经纬度", timeout=5_000
    )

    board.fill("#need-lon", "120.1")
    board.fill("#need-lat", "91")
    board.click("#need-form button[type=submit]")
    expect(board.locator("#message")).to_have_text("纬度应不大于 90", timeout=5_000)
