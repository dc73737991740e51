"""The leader's team on the phone at 360 px, in a real browser: 全部休息 stands the whole team down in one tap, until
8 in the morning, and the office's next need is not offered to it; one tap on a member stands them on again, and
全部在岗 the rest. Nothing spills sideways off the screen, no console errors; the section is kept as
tests/e2e/screenshots/phone-team-duty.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.test_browser_pages import PHONE, SCREENSHOTS, Watched, basic_accessibility, leader_task
from tests.live_client import login, open_incident

SHANGHAI = ZoneInfo("Asia/Shanghai")


def roster(leader, url: str, organization: int) -> list[dict]:
    return leader.get(f"{url}/api/organizations/{organization}/members/duty", timeout=10).json()


def offered_to(duty, url: str, task: dict) -> set[int]:
    """The organizations a fresh need at the task's place, for its skill, is offered to."""
    incident = open_incident(duty, url, "暴雨：地下车库进水")
    body = {"skills": [task["skill"]], "head_count": 1, "broadcast_k": 20, "location": {"lon": task["lon"], "lat": task["lat"]}}
    need = duty.post(f"{url}/api/incidents/{incident}/needs", json=body, timeout=10).json()
    return {a["organization"]["id"] for a in need["assignments"]}


def test_the_leader_stands_the_team_down_in_one_tap_and_the_office_no_longer_asks_it(live_server, chromium):
    url = live_server.url
    duty, task = leader_task(live_server)
    leader = login(url, "demo-leader", DEMO_PASSWORD)
    organization = task["organization"]
    everyone = len(roster(leader, url, organization))
    assert everyone > 0 and organization in offered_to(duty, url, task)

    context = chromium.new_context(**PHONE, timezone_id="Asia/Shanghai")
    phone = Watched(context)
    page = phone.log_in(url, "demo-leader", "/m")
    team = page.locator("#team")
    expect(team.get_by_role("heading", name="队员在岗")).to_be_visible()
    expect(team.locator("#team-count")).to_have_text(f"在岗 {everyone} / {everyone} 人", timeout=10_000)
    expect(team.get_by_role("button", name="早上 8 点")).to_have_attribute("aria-pressed", "true")  # back by itself

    team.get_by_role("button", name="全部休息").click()

    expect(team.locator("#team-count")).to_have_text(f"在岗 0 / {everyone} 人", timeout=10_000)
    switches = team.get_by_role("switch")
    expect(switches).to_have_count(everyone)
    for switch in switches.all():
        expect(switch).to_have_attribute("aria-checked", "false")
        expect(switch.locator(".duty-state")).to_have_text(re.compile(r"^休息至 .*08:00$"))
    back = {datetime.fromisoformat(m["off_until"]) for m in roster(leader, url, organization)}
    (morning,) = back  # the whole team, back at the same time
    assert morning.astimezone(SHANGHAI).strftime("%H:%M") == "08:00"
    assert datetime.now(UTC) < morning <= datetime.now(UTC) + timedelta(days=1)
    assert organization not in offered_to(duty, url, task)

    team.evaluate("(section) => section.scrollIntoView({ block: 'start' })")
    page.screenshot(path=SCREENSHOTS / "phone-team-duty.png")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # nothing to scroll sideways for
    assert all(box["height"] >= 44 for box in (s.bounding_box() for s in switches.all()[:5]))  # thumb-sized
    basic_accessibility(page)

    first = switches.first
    first.click()
    expect(first).to_have_attribute("aria-checked", "true", timeout=10_000)
    expect(first.locator(".duty-state")).to_have_text("在岗")
    expect(team.locator("#team-count")).to_have_text(f"在岗 1 / {everyone} 人")

    team.get_by_role("button", name="全部在岗").click()
    expect(team.locator("#team-count")).to_have_text(f"在岗 {everyone} / {everyone} 人", timeout=10_000)
    assert all(m["on_duty"] and m["off_until"] is None for m in roster(leader, url, organization))
    assert phone.errors == []
    context.close()
