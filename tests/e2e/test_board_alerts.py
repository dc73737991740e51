"""The duty officer's board in a real browser, as the first hour of use met it: a need posted with a description and a
priority shows both on the board and on the grid worker's page; a need no one can take beeps (once the page has
been touched) and flashes the title; the needs filter by status; the form resets after posting and the candidate
preview clears when the place or the skill changes; an incident is closed from the board and from the recovery page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_browser_pages import BOARD, PHONE, SCREENSHOTS, Watched, basic_accessibility, leader_task
from tests.e2e.test_recovery_pages import a_place_in_the_grid_workers_cell
from tests.live_client import open_incident

DESCRIPTION = "3 号楼地下车库进水，需要抽水泵和沙袋"


def test_a_described_urgent_need_that_no_one_can_take_alarms_the_officer(live_server, chromium):
    url = live_server.url
    _grid, (lon, lat) = a_place_in_the_grid_workers_cell(live_server)
    duty, task = leader_task(live_server)
    incident = open_incident(duty, url, "暴雨内涝：车库进水")
    context = chromium.new_context(**BOARD)
    officer = Watched(context)
    board = officer.log_in(url, "demo-duty", "/board")
    board.on("dialog", lambda dialog: dialog.accept())
    board.get_by_role("button", name="暴雨内涝：车库进水").click()
    expect(board.locator("#incidents button[aria-pressed=true]")).to_contain_text("车库进水", timeout=10_000)
    board.locator("h1").click()  # the officer has touched the page: the browser now lets it make a sound
    expect(board.locator("#sound-hint")).to_be_hidden()

    board.check(f"#need-skills input[value={task['skill']}]")
    board.fill("#need-lon", str(lon))
    board.fill("#need-lat", str(lat))
    board.get_by_role("button", name="预览候选组织").click()
    expect(board.locator("#preview li").first).to_contain_text("相距", timeout=5_000)
    assert board.locator("#preview li").first.inner_text().count("相距") == 1  # the distance is said once
    board.fill("#need-lat", str(lat + 0.0001))  # another place: the candidates shown no longer hold
    expect(board.locator("#preview li")).to_have_count(0)
    board.get_by_role("button", name="预览候选组织").click()
    expect(board.locator("#preview li").first).to_be_visible(timeout=5_000)
    board.uncheck(f"#need-skills input[value={task['skill']}]")  # another skill: the same
    expect(board.locator("#preview li")).to_have_count(0)

    board.check(f"#need-skills input[value={task['skill']}]")
    board.fill("#need-head-count", "3")
    board.select_option("#need-priority", "high")
    board.fill("#need-radius", "0.1")  # no organization is based within 100 m: no one is left to ask
    board.fill("#need-description", DESCRIPTION)
    board.click("#need-form button[type=submit]")
    expect(board.locator("#message")).to_contain_text("已发布：派出 0 单", timeout=5_000)
    for field in ("#need-description", "#need-lon", "#need-lat", "#need-radius"):  # the form is ready for the next need
        expect(board.locator(field)).to_have_value("")
    expect(board.locator("#need-priority")).to_have_value("normal")
    expect(board.locator(f"#need-skills input[value={task['skill']}]")).not_to_be_checked()

    row = board.locator("#needs tr.unfilled")
    expect(row).to_contain_text(DESCRIPTION, timeout=5_000)
    expect(row.locator(".need-priority")).to_have_text("高")
    need = duty.get(f"{url}/api/incidents/{incident}/needs", timeout=10).json()["items"][0]
    expect(row.locator(".where")).to_have_text(need["place_name"] or need["address"])
    expect(board.locator("#unfilled-banner")).to_have_text("1 项需求已无可派组织：可扩大范围或升级到区县。")
    board.wait_for_function("() => document.title.includes('已无可派组织')", timeout=5_000)  # the title flashes
    board.wait_for_function("() => Number(document.documentElement.dataset.beeps) >= 1")  # and a beep was started
    SCREENSHOTS.mkdir(exist_ok=True)
    board.screenshot(path=SCREENSHOTS / "board-described-need-unfilled.png", full_page=True)
    basic_accessibility(board)

    board.select_option("#need-filter", "unfilled")
    expect(board.locator("#needs tr[data-need]")).to_have_count(1)
    board.select_option("#need-filter", "filled")
    expect(board.locator("#needs tr[data-need]")).to_have_count(0)
    expect(board.locator("#no-needs")).to_have_text("没有这一状态的需求。")
    board.locator("#needs-title").click()  # the officer is back at the page: the title is quiet again
    assert "已无可派组织" not in board.title()

    grid_context = chromium.new_context(**PHONE)
    grid = Watched(grid_context)
    page = grid.log_in(url, "demo-grid", "/grid")
    card = page.locator(f"#needs [data-need='{need['id']}']")
    expect(card).to_contain_text(DESCRIPTION, timeout=10_000)
    expect(card.locator(".need-priority")).to_have_text("高")
    basic_accessibility(page)

    board.get_by_role("button", name="结束事件").click()
    expect(board.locator("#message")).to_have_text("事件已结束。", timeout=5_000)
    assert duty.get(f"{url}/api/incidents/{incident}", timeout=10).json()["status"] == "closed"
    expect(board.locator(f"#incidents [data-close='{incident}']")).to_have_count(0)
    assert officer.errors == [] and grid.errors == []
    context.close()
    grid_context.close()


def test_an_incident_in_recovery_is_closed_from_its_recovery_page(live_server, chromium):
    url = live_server.url
    duty, _task = leader_task(live_server)
    incident = open_incident(duty, url, "台风过后：恢复完成")
    assert duty.post(f"{url}/api/incidents/{incident}/status", json={"status": "recovery"}, timeout=10).status_code == 200
    context = chromium.new_context(**BOARD)
    officer = Watched(context)
    page = officer.log_in(url, "demo-duty", f"/incidents/{incident}/recovery")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="结束事件").click()
    page.wait_for_url(f"{url}/incidents/{incident}/report")
    assert duty.get(f"{url}/api/incidents/{incident}", timeout=10).json()["status"] == "closed"
    assert officer.errors == []
    context.close()
