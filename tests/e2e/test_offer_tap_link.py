"""The one-tap offer link in a real browser, as a leader opens it from an SMS or inside WeChat's or DingTalk's own
browser: 360 × 740, no login. The page shows the offer, the leader types a head count and accepts, and the duty
officer's board shows the acceptance in its timeline; with JavaScript off the forms work the same (a decline with a
reason). A need whose description is all markup shows it as text. Screenshot: tests/e2e/screenshots/tap-360x740.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dispatch.domain.offer_tokens import token_for
from tests.e2e import hostile_district
from tests.e2e.conftest import serve
from tests.e2e.csp import RECORD_VIOLATIONS
from tests.e2e.test_browser_pages import BOARD, SCREENSHOTS, Watched, basic_accessibility, leader_task
from tests.e2e.test_every_page import PROBE, RECORD_XSS
from tests.live_client import open_incident

KEY = "e2e-offer-link-key"  # the server signs with it; the test makes the SMS's link with it
TAP_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
             "locale": "zh-CN"}  # fmt: skip
DESCRIPTION = "小区东门积水，需要搬运沙袋"


@pytest.fixture(scope="module", params=["embedded", "production"])
def server(request, tmp_path_factory):
    with serve(request.param, tmp_path_factory, lambda _port: {"OFFER_LINK_KEY": KEY}) as live:
        yield live


def offered(server, title: str, head_count: int = 2, description: str = DESCRIPTION) -> tuple:
    """The duty officer's session, the incident and the need posted, and the demo leader's offer of it."""
    duty, task = leader_task(server)
    incident = open_incident(duty, server.url, title)
    body = {"skills": [task["skill"]], "head_count": head_count, "broadcast_k": 20, "description": description,
            "location": {"lon": task["lon"], "lat": task["lat"]}}  # fmt: skip
    need = duty.post(f"{server.url}/api/incidents/{incident}/needs", json=body, timeout=10).json()
    mine = next(a for a in need["assignments"] if a["organization"]["id"] == task["organization"])
    return duty, incident, need, mine


def link(server, assignment_id: int) -> str:
    return f"{server.url}/t/{token_for(assignment_id, KEY.encode())}"


def test_a_leader_accepts_from_the_link_with_no_login_and_the_board_sees_it(server, chromium):
    duty, _incident, need, mine = offered(server, "一键链接接单")
    officer_context = chromium.new_context(**BOARD)
    officer = Watched(officer_context)
    board = officer.log_in(server.url, "demo-duty", "/board")
    board.locator("#incidents button", has_text="一键链接接单").click()
    expect(board.locator("#timeline li[data-kind='offer.made']").first).to_be_visible(timeout=10_000)

    context = chromium.new_context(**TAP_PHONE)
    phone = Watched(context)
    page = phone.page
    page.goto(link(server, mine["id"]))
    expect(page.locator("h1")).to_contain_text("一键链接接单")
    expect(page.locator(".place")).to_have_text(need["place_name"])
    expect(page.locator(".description")).to_have_text(DESCRIPTION)
    expect(page.locator(".still-needed")).to_have_text("2 人")
    expect(page.locator(".deadline")).to_have_text(re.compile(r"^\d\d-\d\d \d\d:\d\d$"))
    page.get_by_text("导航").click()
    expect(page.locator("a.nav-app")).to_have_text(["高德地图", "百度地图", "腾讯地图"])
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    accept = page.get_by_role("button", name="接受", exact=True)
    assert accept.bounding_box()["height"] >= 48 and accept.bounding_box()["width"] >= 300  # one thumb finds it
    page.screenshot(path=SCREENSHOTS / "tap-360x740.png", full_page=True)
    basic_accessibility(page)

    people = page.get_by_label("派出人数")
    expect(people).to_have_value("2")  # what the need lacks, and the organization has free
    people.fill("1")
    accept.click()
    expect(page.get_by_role("status")).to_have_text(re.compile("已接受该任务，派出 1 人。"))
    accepted = board.locator("#timeline li[data-kind='offer.accepted']")
    expect(accepted).to_have_count(1, timeout=10_000)  # live, over the socket: the board was not reloaded
    expect(accepted).to_contain_text(mine["organization"]["name"])
    answered = duty.get(f"{server.url}/api/assignments/{mine['id']}", timeout=5).json()
    assert (answered["state"], answered["head_count"]) == ("accepted", 1)

    page.goto(f"{server.url}/m")  # the link logged no one in
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert phone.errors == [] and officer.errors == []
    context.close()
    officer_context.close()


def test_with_javascript_off_a_leader_declines_with_a_reason_and_a_second_answer_changes_nothing(server, chromium):
    duty, _incident, _need, mine = offered(server, "无脚本拒绝")
    context = chromium.new_context(**TAP_PHONE, java_script_enabled=False)
    page, held = context.new_page(), context.new_page()  # the link opened twice (tapped again in the chat)
    for tab in (page, held):
        tab.goto(link(server, mine["id"]))
    page.get_by_label("拒绝原因（可不填）").fill("队员都在外地")
    page.get_by_role("button", name="拒绝", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(re.compile("已拒绝该任务。"))
    answered = duty.get(f"{server.url}/api/assignments/{mine['id']}", timeout=5).json()
    assert (answered["state"], answered["note"]) == ("declined", "队员都在外地")

    held.get_by_role("button", name="接受", exact=True).click()  # the other tab's form, sent after the decline
    expect(held.get_by_role("status")).to_have_text(re.compile("已拒绝该任务。"))
    assert duty.get(f"{server.url}/api/assignments/{mine['id']}", timeout=5).json()["state"] == "declined"
    context.close()


def test_a_description_full_of_markup_is_shown_as_text(server, chromium):
    description = "".join(hostile_district.PAYLOADS)[:500]
    _duty, _incident, _need, mine = offered(server, "标记<b data-xss>粗体</b>", description=description)
    context = chromium.new_context(**TAP_PHONE)
    context.add_init_script(RECORD_XSS)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(link(server, mine["id"]))
    expect(page.locator(".description")).to_have_text(description)
    expect(page.locator("h1")).to_contain_text("标记<b data-xss>粗体</b>")
    page.get_by_text("导航").click()
    found = page.evaluate(PROBE)
    assert found == {"ran": [], "injected": [], "scripted": [], "rendered": False, "violations": []} and dialogs == []
    context.close()
