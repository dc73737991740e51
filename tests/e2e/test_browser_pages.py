"""The pages in a real browser (Debian's Chromium driven by Playwright): the duty officer posts a need on the board,
the leader's phone (360 × 640) gets the offer without reloading and accepts it in two taps, the board shows it at
once, and the leader sets off, arrives and finishes. Offline, an acceptance waits and lands once when the network
returns. The leader logs in on the phone with a code texted to it. No console errors; labels, contrast and focus order
checked; screenshots kept in tests/e2e/screenshots/."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from dispatch.demo.seed import DEMO_PASSWORD
from tests.live_client import cell_polygons, interior_points, login, open_incident

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "zh-CN",
}
BOARD = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


class Watched:
    """A page whose console errors and uncaught exceptions are collected, to be asserted empty."""

    def __init__(self, context, language: str = "zh") -> None:
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def log_in(self, url: str, username: str, then: str) -> Page:
        self.page.goto(f"{url}/login?next={then}")
        self.page.fill("#username", username)
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.goto(f"{url}{then}")
        return self.page


def leader_task(live_server) -> tuple[requests.Session, dict]:
    """The duty officer's session, and a need body that the demo leader's organization will be offered."""
    duty, leader = login(live_server.url, "demo-duty", DEMO_PASSWORD), login(live_server.url, "demo-leader", DEMO_PASSWORD)
    organization = leader.get(f"{live_server.url}/api/me", timeout=5).json()["organization_id"]
    details = leader.get(f"{live_server.url}/api/organizations/{organization}", timeout=5).json()
    skills = {s["code"]: s for s in duty.get(f"{live_server.url}/api/skills", timeout=5).json()["items"]}
    skill = next(s["code"] for s in details["skills"] if s["capacity"] >= 2 and not skills[s["code"]]["needs_certification"])
    [(lon, lat)] = interior_points(cell_polygons(duty, live_server.url), 1, random.Random(3))
    phone = leader.get(f"{live_server.url}/api/organizations/{organization}?phones=full", timeout=5).json()["leader_phone"]
    return duty, {"skill": skill, "lon": lon, "lat": lat, "organization": organization, "phone": phone}


def log_in_with_a_texted_code(watched: Watched, live_server, duty: requests.Session, task: dict) -> Page:
    """The leader asks for a code on the phone; the SMS (on the phone simulator of this outbox setup) has it."""
    page = watched.page
    page.goto(f"{live_server.url}/login/code")
    page.fill("#phone", task["phone"][3:])  # as a leader types it: 138…, no +86
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator("#code")).to_be_visible()
    deadline = time.monotonic() + 15
    while not (
        found := re.search(r"验证码 (\d{6})", duty.get(f"{live_server.url}/phones/{task['organization']}", timeout=5).text)
    ):
        assert time.monotonic() < deadline, "no code SMS on the phone simulator"
        time.sleep(0.2)
    page.fill("#code", found.group(1))
    page.locator("#code").press("Enter")
    page.wait_for_url(f"{live_server.url}/m")
    return page


def basic_accessibility(page: Page) -> None:
    """Every control has a name a screen reader can say, text is readable (WCAG AA contrast), and Tab walks the
    controls in the order they appear."""
    problems = page.evaluate(
        """() => {
          const named = (el) => (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
            || (el.tagName === 'BUTTON' && el.textContent.trim()) || el.type === 'hidden' || el.type === 'submit';
          const unnamed = [...document.querySelectorAll('input, select, button, textarea')].filter((el) => el.offsetParent && !named(el))
            .map((el) => el.outerHTML.slice(0, 80));
          const rgb = (value) => (value.match(/[\\d.]+/g) || [0, 0, 0]).slice(0, 3).map(Number);
          const luminance = (color) => { const c = rgb(color).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
          const background = (el) => { for (let n = el; n; n = n.parentElement) { const bg = getComputedStyle(n).backgroundColor;
            if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg; } return 'rgb(255, 255, 255)'; };
          const lowContrast = [...document.querySelectorAll('h1, h2, h3, p, label, button, a, td, th, li, span, output')]
            .filter((el) => el.offsetParent && el.childNodes.length && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
            .map((el) => { const [a, b] = [luminance(getComputedStyle(el).color), luminance(background(el))];
              return [el, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]; })
            .filter(([, ratio]) => ratio < 4.5).map(([el, ratio]) => `${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
          const positive = [...document.querySelectorAll('[tabindex]')].filter((el) => Number(el.getAttribute('tabindex')) > 0).length;
          return { unnamed, lowContrast, positive };
        }"""
    )
    assert problems == {"unnamed": [], "lowContrast": [], "positive": 0}
    order = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, summary')]
          .filter((el) => el.checkVisibility({ checkVisibilityCSS: true })).map((el, i) => { el.dataset.order = i; return i; }).length"""
    )
    page.locator("[data-order='0']").focus()
    visited = [0]
    for _ in range(min(order, 25) - 1):
        page.keyboard.press("Tab")
        visited.append(page.evaluate("() => document.activeElement && document.activeElement.dataset.order"))
    names = page.evaluate("() => [...document.querySelectorAll('[data-order]')].map((el) => el.outerHTML.slice(0, 70))")
    assert visited == [str(i) if i else 0 for i in range(len(visited))], (visited, names[6:16])  # each Tab: the next control


def test_an_offer_goes_from_the_board_to_the_phone_and_back_without_a_reload(live_server, chromium):
    _duty, task = leader_task(live_server)
    SCREENSHOTS.mkdir(exist_ok=True)
    officer_context, phone_context = chromium.new_context(**BOARD), chromium.new_context(**PHONE)
    officer, phone = Watched(officer_context), Watched(phone_context)
    board = officer.log_in(live_server.url, "demo-duty", "/board")
    mobile = phone.log_in(live_server.url, "demo-leader", "/m")
    expect(mobile.locator("#connection")).to_have_text("在线", timeout=10_000)

    board.click("#new-incident summary")
    board.fill("#incident-title", "浏览器测试:内涝")
    expect(board.locator("#map path.leaflet-interactive").first).to_be_attached(timeout=5_000)  # the grid cells
    board.get_by_role("button", name="在地图上画出影响范围").click()
    box = board.locator("#map").bounding_box()
    corners = [(0.45, 0.3), (0.6, 0.3), (0.6, 0.6), (0.45, 0.3)]  # back to the first corner closes the area
    for x, y in corners:  # as a hand does it: move there, press, release
        board.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=5)
        board.mouse.down()
        board.mouse.up()
        board.wait_for_timeout(150)
    expect(board.locator("#area-state")).to_have_text("已画出范围：其中的网格将标为受影响")
    board.click("#incident-form button[type=submit]")
    expect(board.locator("#incidents button[aria-pressed=true]")).to_contain_text("浏览器测试", timeout=5_000)
    expect(board.locator("#map path[stroke='#a33b00'][stroke-width='2']").first).to_be_attached()  # affected cells
    board.locator("#map").click(position={"x": 200, "y": 150})  # a click on the map picks the place
    expect(board.locator("#need-lon")).not_to_have_value("")
    board.check(f"#need-skills input[value={task['skill']}]")
    board.fill("#need-head-count", "2")
    board.fill("#need-lon", str(task["lon"]))
    board.fill("#need-lat", str(task["lat"]))
    board.fill("#need-k", "20")
    board.get_by_role("button", name="预览候选组织").click()  # the ranked candidates before anything is sent
    expect(board.locator("#preview li").first).to_contain_text("相距", timeout=5_000)
    board.click("#need-form button[type=submit]")
    expect(board.locator("#message")).to_contain_text("已发布", timeout=5_000)
    board.get_by_role("button", name="候选组织", exact=True).first.click()  # the ranked candidates, each with its reason
    expect(board.locator("tr.candidate").first).to_contain_text("相距", timeout=5_000)
    expect(board.locator("#timeline li[data-kind='offer.made']").first).to_be_visible()
    board.get_by_role("button", name="时间线").first.click()  # one need's own timeline
    expect(board.locator("#timeline-title")).to_contain_text("需求")
    expect(board.locator("#timeline li[data-kind='incident.opened']")).to_have_count(0)
    board.get_by_role("button", name="收起").first.click()

    offer = mobile.locator(".card.offer").first
    expect(offer).to_be_visible(timeout=5_000)  # arrived over the socket: the phone page was never reloaded
    assignment = offer.get_attribute("data-assignment")
    mobile.screenshot(path=SCREENSHOTS / "phone-offer-360x640.png")
    basic_accessibility(mobile)
    offer.get_by_role("button", name="接受").click()
    offer.get_by_role("button", name="确认接受 2 人").click()
    work = mobile.locator(f".card.work[data-assignment='{assignment}']")
    expect(work).to_contain_text("已接受", timeout=5_000)
    expect(board.locator(f"li[data-assignment='{assignment}'][data-state=accepted]")).to_be_visible(timeout=1_000)
    expect(board.locator("#map path[stroke-dasharray='4 4']")).to_have_count(1)  # on the map: who is coming, from where
    board.screenshot(path=SCREENSHOTS / "board-1280.png", full_page=True)
    basic_accessibility(board)

    for step, state in (("出发", "en_route"), ("已到达", "on_site")):
        work.get_by_role("button", name=step).click()
        expect(board.locator(f"li[data-assignment='{assignment}'][data-state={state}]")).to_be_visible(timeout=5_000)
    work.get_by_label("备注（可不填）").fill("积水已排除")
    work.get_by_role("button", name="完成").click()
    expect(board.locator(f"li[data-assignment='{assignment}'][data-state=completed]")).to_be_visible(timeout=5_000)
    expect(mobile.locator("#no-work")).to_be_visible()
    mobile.screenshot(path=SCREENSHOTS / "phone-done-360x640.png")
    board.get_by_role("link", name="事后报告").click()  # the after-action report, with its chart
    expect(board.locator("h1")).to_contain_text("事后报告")
    expect(board.locator("svg.histogram rect")).to_have_count(6)
    board.screenshot(path=SCREENSHOTS / "after-action-1280.png", full_page=True)
    basic_accessibility(board)
    assert officer.errors == [] and phone.errors == []
    officer_context.close()
    phone_context.close()


def test_an_acceptance_made_offline_waits_and_lands_once(live_server, chromium):
    duty, task = leader_task(live_server)
    incident = open_incident(duty, live_server.url, "离线接单")
    context = chromium.new_context(**PHONE)
    phone = Watched(context)
    mobile = log_in_with_a_texted_code(phone, live_server, duty, task)
    body = {"skills": [task["skill"]], "head_count": 1, "broadcast_k": 20, "location": {"lon": task["lon"], "lat": task["lat"]}}
    need = duty.post(f"{live_server.url}/api/incidents/{incident}/needs", json=body, timeout=10).json()
    mine = next(a for a in need["assignments"] if a["organization"]["id"] == task["organization"])
    offer = mobile.locator(f".card.offer[data-assignment='{mine['id']}']")
    expect(offer).to_be_visible(timeout=5_000)

    context.set_offline(True)
    offer.get_by_role("button", name="接受").click()
    offer.get_by_role("button", name="确认接受 1 人").click()
    expect(mobile.locator("#waiting")).to_contain_text("1 项操作等待发送", timeout=3_000)
    assert duty.get(f"{live_server.url}/api/assignments/{mine['id']}", timeout=5).json()["state"] == "offered"
    mobile.screenshot(path=SCREENSHOTS / "phone-offline-360x640.png")

    context.set_offline(False)
    expect(mobile.locator("#waiting")).to_be_hidden(timeout=10_000)
    assert duty.get(f"{live_server.url}/api/assignments/{mine['id']}", timeout=5).json()["state"] == "accepted"
    timeline = duty.get(f"{live_server.url}/api/incidents/{incident}/timeline", timeout=5).json()["items"]
    assert [e["assignment_id"] for e in timeline if e["kind"] == "offer.accepted"] == [mine["id"]]  # once
    network_errors = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e and "WebSocket" not in e]
    assert network_errors == []  # only the browser's own notes about the network being away
    context.close()


def test_the_boards_gcj02_shift_agrees_with_geo(live_server, chromium):
    from geo.coords import gcj02_to_wgs84, wgs84_to_gcj02

    points = [(120.1301976, 30.285685), (116.397428, 39.90923), (113.264385, 23.129112), (87.617733, 43.792818)]
    context = chromium.new_context(**BOARD)
    board = Watched(context).log_in(live_server.url, "demo-duty", "/board")
    for lon, lat in points:
        shifted = board.evaluate("([lon, lat]) => gcj02.fromWgs84(lon, lat)", [lon, lat])
        assert shifted == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-9)
        back = board.evaluate("([lon, lat]) => gcj02.toWgs84(lon, lat)", shifted)
        assert back == pytest.approx(list(gcj02_to_wgs84(*shifted)), abs=1e-8) and back == pytest.approx([lon, lat], abs=1e-7)
    context.close()


def test_the_grid_worker_sees_a_need_in_their_cell_arrive_and_who_takes_it(live_server, chromium):
    from shapely.geometry import shape

    duty, grid = login(live_server.url, "demo-duty", DEMO_PASSWORD), login(live_server.url, "demo-grid", DEMO_PASSWORD)
    cell = grid.get(
        f"{live_server.url}/api/cells/{grid.get(f'{live_server.url}/api/me', timeout=5).json()['cell_ids'][0]}", timeout=5
    ).json()
    inside = shape(cell["geometry"]).representative_point()
    _, task = leader_task(live_server)
    context = chromium.new_context(**PHONE)
    watched = Watched(context)
    page = watched.log_in(live_server.url, "demo-grid", "/grid")
    expect(page.locator("#connection")).to_have_text("实时", timeout=10_000)
    incident = open_incident(duty, live_server.url, "网格员看到的需求")
    body = {"skills": [task["skill"]], "head_count": 1, "broadcast_k": 3, "location": {"lon": inside.x, "lat": inside.y}}
    need = duty.post(f"{live_server.url}/api/incidents/{incident}/needs", json=body, timeout=10).json()
    card = page.locator(f"[data-need='{need['id']}']")
    expect(card).to_contain_text("网格员看到的需求", timeout=5_000)  # arrived live, no reload
    expect(card.locator("li[data-state=offered]").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "grid-360x640.png")
    basic_accessibility(page)
    assert watched.errors == []
    context.close()
