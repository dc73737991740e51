"""From warning to response, in a real browser on a real server (issue 17's chain): a typhoon warning read from a
CAP file on the board asks the team its plan designates, by SMS (on the phone simulator), how many could go; the
leader answers; the board shows the readiness live; an incident opens, the plan is started from the board, and its
task goes first to the designated team, offered no more people than it said it has ready."""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect
from shapely import union_all

from tests.e2e.test_browser_pages import BOARD, DEMO_PASSWORD, PHONE, Watched, leader_task
from tests.live_client import cell_polygons, interior_points, login

CAP_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "cap" / "typhoon-xihu-orange.xml"


def a_typhoon_over(polygons, identifier: str) -> bytes:
    """The test typhoon warning, in force now, its polygon the box around the officer's cells (CAP writes lat,lon)."""
    west, south, east, north = union_all([shape for _id, shape in polygons]).bounds
    ring = [(south, west), (south, east), (north, east), (north, west), (south, west)]
    text = CAP_FILE.read_text(encoding="utf-8")
    text = re.sub(
        r"<polygon>[^<]*</polygon>", "<polygon>" + " ".join(f"{lat:.5f},{lon:.5f}" for lat, lon in ring) + "</polygon>", text
    )
    now = datetime.now(UTC).replace(microsecond=0)
    for tag, when in (("sent", now), ("effective", now), ("onset", now), ("expires", now + timedelta(hours=12))):
        text = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{when.isoformat()}</{tag}>", text)
    return text.replace("33010041600000_20260914103000_0", identifier).encode()


def test_a_cap_warning_puts_the_plans_team_on_standby_and_the_plan_goes_to_it_first(live_server, chromium, tmp_path):
    url = live_server.url
    duty, task = leader_task(live_server)
    leader = login(url, "demo-leader", DEMO_PASSWORD)
    team = duty.get(f"{url}/api/organizations/{task['organization']}", timeout=5).json()["name"]
    polygons = cell_polygons(duty, url)
    [(lon, lat)] = interior_points(polygons, 1, random.Random(11))
    plan = (
        "title: 防台风预案\ncategory: natural_disaster\nmin_level: III\ntasks:\n"
        f"  - name: 转移群众\n    need: {{skills: [{task['skill']}], head_count: 10}}\n"
        f"    place: {{location: {{lon: {lon}, lat: {lat}}}}}\n    designated: ['{team}']\n"
    )
    kept = duty.post(f"{url}/api/plans", json={"text": plan}, timeout=10)
    assert kept.status_code == 201, kept.text

    officer = Watched(chromium.new_context(**BOARD))
    board = officer.log_in(url, "demo-duty", "/board")
    board.on("dialog", lambda dialog: dialog.accept())
    cap = tmp_path / "typhoon.xml"
    cap.write_bytes(a_typhoon_over(polygons, f"e2e-{time.time_ns()}"))
    board.set_input_files("#cap-file", str(cap))
    board.locator("#cap-form button[type=submit]").click()
    expect(board.locator("#message")).to_contain_text("已导入预警", timeout=10_000)
    card = board.locator("#warnings section.warning").first
    expect(card).to_contain_text("台风橙色预警", timeout=10_000)
    expect(card).to_contain_text("已回复 0 / 1 支队伍")

    texted = duty.get(f"{url}/phones/{task['organization']}", timeout=5).text  # the phone simulator's inbox
    assert "台风橙色预警：请回复可出动人数" in texted
    phone = Watched(chromium.new_context(**PHONE)).log_in(url, "demo-leader", "/m")
    question = phone.locator("#standby li.standby-card")
    expect(question).to_contain_text("台风橙色预警：可出动多少人？", timeout=10_000)
    question.get_by_role("button", name="2", exact=True).click()  # one tap with a thumb
    expect(question.locator(".standby-state")).to_have_text("已回复：可出动 2 人（点选可修改）", timeout=10_000)
    (asked,) = leader.get(f"{url}/api/standby", timeout=5).json()["items"]
    assert asked["ready"] == 2
    expect(card).to_contain_text("已回复 1 / 1 支队伍", timeout=10_000)  # live, through the socket's nudge

    incident = duty.post(
        f"{url}/api/incidents", json={"title": "台风登陆", "category": "natural_disaster", "level": "II"}, timeout=10
    )
    board.reload()
    board.get_by_role("button", name="台风登陆").click()
    form = board.locator(f"#plans form[data-plan='{kept.json()['id']}']")
    form.get_by_role("button", name="启动预案，发布勾选的任务").click()
    expect(board.locator("#message")).to_contain_text("预案已启动：已发布 1 条需求", timeout=10_000)
    (need,) = duty.get(f"{url}/api/incidents/{incident.json()['id']}/needs", timeout=10).json()["items"]
    first = min(need["assignments"], key=lambda a: a["rank"])
    assert first["organization"]["id"] == task["organization"]
    assert first["reason"].startswith("预案指定队伍（第 1 位）") and "备勤回复可出动 2 人" in first["reason"]
    assert officer.errors == []
