"""Recovery and risks in a real browser: the leader logs progress on recovery work with one thumb, the grid worker
confirms it done and reports a risk from where they stand, and the officer's recovery board shows each task's state.
No console errors; labels, contrast and focus order checked; screenshots kept in tests/e2e/screenshots/."""

from __future__ import annotations

import requests
from playwright.sync_api import expect
from shapely.geometry import shape

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.test_browser_pages import BOARD, PHONE, SCREENSHOTS, Watched, basic_accessibility, leader_task
from tests.live_client import login, open_incident


def a_place_in_the_grid_workers_cell(live_server) -> tuple[requests.Session, tuple[float, float]]:
    grid = login(live_server.url, "demo-grid", DEMO_PASSWORD)
    cell_id = grid.get(f"{live_server.url}/api/me", timeout=5).json()["cell_ids"][0]
    inside = shape(grid.get(f"{live_server.url}/api/cells/{cell_id}", timeout=5).json()["geometry"]).representative_point()
    return grid, (inside.x, inside.y)


def recovery_work_for_the_demo_leader(live_server, where: tuple[float, float]) -> tuple[requests.Session, int, dict]:
    """An incident in recovery with a task in the grid worker's cell, offered to and accepted by the demo leader."""
    duty, task = leader_task(live_server)
    url = live_server.url
    incident = open_incident(duty, url, "台风过后恢复")
    assert duty.post(f"{url}/api/incidents/{incident}/status", json={"status": "recovery"}, timeout=10).status_code == 200
    body = {"what": "清理菜场淤泥", "skills": [task["skill"]], "head_count": 1, "broadcast_k": 1,
            "location": {"lon": where[0], "lat": where[1]}}  # fmt: skip
    made = duty.post(f"{url}/api/incidents/{incident}/recovery-tasks", json=body, timeout=10).json()
    offered = [w for w in made["work"] if w["organization"]["id"] == task["organization"]]
    if not offered:  # someone else ranked first: the officer offers it to the leader's organization by hand
        duty.post(f"{url}/api/needs/{made['need_id']}/offers", json={"organization_id": task["organization"]}, timeout=10)
        made = duty.get(f"{url}/api/recovery-tasks/{made['id']}", timeout=10).json()
    work = next(w["assignment_id"] for w in made["work"] if w["organization"]["id"] == task["organization"])
    leader = login(url, "demo-leader", DEMO_PASSWORD)
    assert leader.post(f"{url}/api/assignments/{work}/accept", json={"head_count": 1}, timeout=10).status_code == 200
    return duty, incident, {"task": made["id"], "work": work, "leader": leader}


def test_progress_from_the_phone_confirmation_by_the_grid_worker_and_the_recovery_board(live_server, chromium):
    url = live_server.url
    _grid, where = a_place_in_the_grid_workers_cell(live_server)
    duty, incident, job = recovery_work_for_the_demo_leader(live_server, where)

    phone_context = chromium.new_context(**PHONE)
    phone = Watched(phone_context)
    page = phone.log_in(url, "demo-leader", "/m")
    card = page.locator(f"#work [data-assignment='{job['work']}']")
    expect(card.get_by_role("group", name="完成了多少？")).to_be_visible(timeout=10_000)
    card.get_by_role("button", name="50%").click()
    card.get_by_label("人·小时").fill("3")
    card.get_by_role("button", name="报告进度").click()
    expect(card).to_contain_text("上次报告：50%", timeout=10_000)
    page.screenshot(path=SCREENSHOTS / "phone-recovery-360x640.png")
    basic_accessibility(page)
    task = duty.get(f"{url}/api/recovery-tasks/{job['task']}", timeout=10).json()
    assert (task["percent"], task["reports"][0]["hours"]) == (50, 3)
    for step in ("depart", "arrive", "complete"):
        assert job["leader"].post(f"{url}/api/assignments/{job['work']}/{step}", json={}, timeout=10).status_code == 200

    grid_context = chromium.new_context(**PHONE)
    grid = Watched(grid_context)
    page = grid.log_in(url, "demo-grid", "/grid")
    task_card = page.locator(f"#tasks [data-task='{job['task']}']")
    expect(task_card).to_contain_text("已完成，待确认", timeout=10_000)
    task_card.get_by_role("button", name="确认完成").click()
    expect(task_card).to_contain_text("已确认", timeout=10_000)

    board_context = chromium.new_context(**BOARD)
    board = Watched(board_context)
    page = board.log_in(url, "demo-duty", f"/incidents/{incident}/recovery")
    expect(page.locator(f"#tasks tr[data-task='{job['task']}']")).to_have_attribute("data-state", "confirmed", timeout=10_000)
    page.screenshot(path=SCREENSHOTS / "recovery-board.png", full_page=True)
    basic_accessibility(page)
    assert phone.errors == [] and grid.errors == [] and board.errors == []
    for context in (phone_context, grid_context, board_context):
        context.close()


def report_a_risk_from_here(page, category: str, note: str, lat: float) -> None:
    """Fill the risk form with the browser's position, send it, and see it in the list of my reports."""
    page.get_by_label("类别").select_option(category)
    page.get_by_role("button", name="使用我的当前位置").click()
    expect(page.locator("#risk-where")).to_contain_text(f"{lat:.5f}", timeout=10_000)
    page.get_by_label("情况说明").fill(note)
    page.get_by_role("button", name="报送街道").click()
    expect(page.locator("#risk-result")).to_have_text("已报送，街道已能看到。", timeout=10_000)
    expect(page.locator("#risks")).to_contain_text("已报送街道")


def test_the_grid_worker_reports_a_risk_from_where_they_stand(live_server, chromium):
    url = live_server.url
    _grid, (lon, lat) = a_place_in_the_grid_workers_cell(live_server)
    context = chromium.new_context(**PHONE, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    watched = Watched(context)
    page = watched.log_in(url, "demo-grid", "/grid")
    report_a_risk_from_here(page, "flooding", "地下通道积水没过脚踝", lat)
    page.screenshot(path=SCREENSHOTS / "grid-risk-360x640.png", full_page=True)
    basic_accessibility(page)

    board_context = chromium.new_context(**BOARD)
    officer = Watched(board_context)
    inbox = officer.log_in(url, "demo-duty", "/risks")
    reported = inbox.locator("#risks li").filter(has_text="地下通道积水没过脚踝")
    expect(reported).to_be_visible(timeout=10_000)
    inbox.screenshot(path=SCREENSHOTS / "risk-inbox.png", full_page=True)
    basic_accessibility(inbox)
    risk_id = int(reported.get_attribute("data-risk"))
    reported.get_by_role("button", name="开启事件").click()
    expect(reported).to_have_count(0, timeout=10_000)
    duty = login(url, "demo-duty", DEMO_PASSWORD)
    handled = duty.get(f"{url}/api/risks/{risk_id}", timeout=10).json()
    assert handled["status"] == "incident" and handled["incident_id"]
    expect(page.locator("#risks")).to_contain_text("已立为突发事件", timeout=10_000)  # the reporter sees it, live
    assert watched.errors == [] and officer.errors == []
    context.close()
    board_context.close()


def test_a_leader_reports_a_risk_from_the_phone_page(live_server, chromium):
    url = live_server.url
    leader = login(url, "demo-leader", DEMO_PASSWORD)
    organization = leader.get(
        f"{url}/api/organizations/{leader.get(f'{url}/api/me', timeout=5).json()['organization_id']}", timeout=5
    )
    cell = organization.json()["cells"][0]
    inside = shape(leader.get(f"{url}/api/cells/{cell['id']}", timeout=5).json()["geometry"]).representative_point()
    context = chromium.new_context(
        **PHONE, geolocation={"longitude": inside.x, "latitude": inside.y}, permissions=["geolocation"]
    )
    watched = Watched(context)
    page = watched.log_in(url, "demo-leader", "/m")
    page.get_by_text("发现隐患？报告风险").click()
    report_a_risk_from_here(page, "structure", "广告牌松动,随时可能坠落", inside.y)
    page.screenshot(path=SCREENSHOTS / "phone-risk-360x640.png", full_page=True)
    basic_accessibility(page)
    assert watched.errors == []
    context.close()
