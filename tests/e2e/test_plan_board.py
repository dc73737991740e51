"""An emergency plan started from the incident board in a real browser: the plan that covers the incident is
proposed with its tasks ticked, one button posts them, and they appear as needs; its title, typed by a person, is
text on the board, never markup."""

from __future__ import annotations

import random

from playwright.sync_api import expect

from tests.e2e.test_browser_pages import BOARD, Watched, basic_accessibility, leader_task
from tests.live_client import cell_polygons, interior_points, open_incident

HOSTILE = "<img src=x onerror=document.title=404404>"


def a_plan(skill: str, points: list[tuple[float, float]]) -> str:
    tasks = "".join(
        f"  - name: 任务{n}\n    need: {{skills: [{skill}], head_count: 1}}\n    place: {{location: {{lon: {lon}, lat: {lat}}}}}\n"
        for n, (lon, lat) in enumerate(points, start=1)
    )
    return f"title: '防台风预案 {HOSTILE}'\ncategory: natural_disaster\nmin_level: IV\ntasks:\n{tasks}"


def test_a_plan_is_started_from_the_board_and_its_tasks_become_needs(live_server, chromium):
    url = live_server.url
    duty, task = leader_task(live_server)
    points = interior_points(cell_polygons(duty, url), 2, random.Random(7))
    kept = duty.post(f"{url}/api/plans", json={"text": a_plan(task["skill"], points)}, timeout=10)
    assert kept.status_code == 201, kept.text
    incident = open_incident(duty, url, "台风：启动预案")

    officer = Watched(chromium.new_context(**BOARD))
    board = officer.log_in(url, "demo-duty", "/board")
    board.on("dialog", lambda dialog: dialog.accept())
    board.get_by_role("button", name="台风：启动预案").click()
    card = board.locator(f"#plans form[data-plan='{kept.json()['id']}']")
    expect(card).to_contain_text(HOSTILE, timeout=10_000)  # the title as typed, shown as text
    expect(card.locator("input[type=checkbox]:checked")).to_have_count(2)
    card.get_by_role("button", name="启动预案，发布勾选的任务").click()
    expect(board.locator("#message")).to_contain_text("预案已启动：已发布 2 条需求", timeout=10_000)
    expect(board.locator("#needs tr[data-need]")).to_have_count(2, timeout=10_000)
    expect(card.locator("input[type=checkbox]:disabled")).to_have_count(2, timeout=10_000)  # both posted now
    assert "404404" not in board.title()
    basic_accessibility(board)
    needs = duty.get(f"{url}/api/incidents/{incident}/needs", timeout=10).json()["items"]
    assert len(needs) == 2
