"""The leader's phone at 360 px, in a real browser: a card says where the task is (its place, how far from the base),
what it is (description, priority), and 导航 opens AMap, Baidu Maps or Tencent Maps with the place in each app's
own coordinates, checked against geo/. The leader declines with a reason, finds it in the history, and logs out.
Recovery work at 已到达 shows one note field at a time. No console errors; the card with its 导航 choices is kept as
tests/e2e/screenshots/phone-card-navigation.png."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from geo.coords import wgs84_to_bd09, wgs84_to_gcj02
from tests.e2e.test_browser_pages import PHONE, SCREENSHOTS, Watched, basic_accessibility, leader_task
from tests.e2e.test_recovery_pages import a_place_in_the_grid_workers_cell, recovery_work_for_the_demo_leader
from tests.live_client import open_incident

DESCRIPTION = "菜场北门积水约 30 厘米，需要沙袋和水泵"


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def lon_lat(lat_comma_lon: str) -> tuple[float, float]:
    lat, lon = lat_comma_lon.split(",")[:2]
    return float(lon), float(lat)


def coordinates_in(href: str) -> tuple[float, float]:
    """The point a map app's link leads to, as (lon, lat) in whatever system the link uses."""
    asked = query(href)
    if href.startswith("amapuri://"):
        return float(asked["dlon"]), float(asked["dlat"])
    if href.startswith("baidumap://"):
        assert asked["coord_type"] == "bd09ll"  # Baidu is told the system it gets
        return lon_lat(asked["destination"].split("latlng:")[1])
    if href.startswith("qqmap://"):
        return lon_lat(asked["tocoord"])
    raise AssertionError(f"not a map app's link: {href}")


def test_the_card_says_where_and_the_way_there_then_a_decline_with_a_reason_lands_in_the_history(live_server, chromium):
    url = live_server.url
    duty, task = leader_task(live_server)
    incident = open_incident(duty, url, "导航到积水点")
    body = {"skills": [task["skill"]], "head_count": 1, "broadcast_k": 20, "priority": "urgent", "description": DESCRIPTION,
            "location": {"lon": task["lon"], "lat": task["lat"]}}  # fmt: skip
    need = duty.post(f"{url}/api/incidents/{incident}/needs", json=body, timeout=10).json()
    mine = next(a for a in need["assignments"] if a["organization"]["id"] == task["organization"])
    assert need["place_name"]  # a map click still has a name people know

    context = chromium.new_context(**PHONE)
    phone = Watched(context)
    page = phone.log_in(url, "demo-leader", "/m")
    page.goto(f"{url}/m/o/{mine['short_code']}")  # the short link in the offer's SMS
    card = page.locator(f".card.offer[data-assignment='{mine['id']}']")
    expect(card).to_have_class(re.compile(r"\blinked\b"), timeout=10_000)
    expect(card).to_be_in_viewport()
    expect(card).to_contain_text(need["place_name"], timeout=10_000)
    expect(card.locator(".distance")).to_have_text(re.compile(r"^距驻地 [\d.]+ (公里|米)$"))
    expect(card).to_contain_text(DESCRIPTION)
    expect(card.locator(".priority")).to_have_text("优先级：紧急")

    card.get_by_role("button", name="导航").click()
    apps = card.locator("a.nav-app")
    expect(apps).to_have_text(["高德地图", "百度地图", "腾讯地图"])
    wgs = (task["lon"], task["lat"])
    expected = {"amap": wgs84_to_gcj02(*wgs), "baidu": wgs84_to_bd09(*wgs), "tencent": wgs84_to_gcj02(*wgs)}
    for app in apps.all():
        href = app.get_attribute("href")
        assert coordinates_in(href) == pytest.approx(expected[app.get_attribute("data-app")], abs=2e-6), href
        assert app.get_attribute("data-web").startswith("https://")
    assert coordinates_in(apps.first.get_attribute("href")) != pytest.approx(wgs, abs=1e-4)  # shifted, not raw WGS-84
    expect(card.get_by_role("link", name="网页地图")).to_have_attribute("href", re.compile(r"^https://uri\.amap\.com/"))
    card.scroll_into_view_if_needed()
    card.screenshot(path=SCREENSHOTS / "phone-card-navigation.png")
    basic_accessibility(page)

    card.get_by_role("button", name="拒绝", exact=True).click()
    confirm = card.get_by_role("button", name="确认拒绝")
    expect(confirm).to_be_disabled()  # a decline says why
    card.get_by_role("button", name="距离太远").click()
    card.get_by_label("补充说明（可不填）").fill("队员都在外地")
    confirm.click()
    past = page.locator(f"#history [data-assignment='{mine['id']}']")
    expect(past).to_contain_text("已拒绝", timeout=10_000)
    expect(past).to_contain_text("原因：距离太远：队员都在外地")
    expect(card).to_have_count(0)
    expect(page.get_by_role("button", name="显示更多")).to_be_hidden()  # one page holds them all
    assert duty.get(f"{url}/api/assignments/{mine['id']}", timeout=5).json()["note"] == "距离太远：队员都在外地"

    assert page.locator(".phone-top").bounding_box()["height"] < 64  # the way out fits in the top bar at 360 px
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(f"{url}/m")
    expect(page).to_have_url(re.compile(r"/login\?next="))  # logged out for real: the phone page asks to log in again
    assert phone.errors == []
    context.close()


def test_recovery_work_on_site_shows_one_note_field_at_a_time(live_server, chromium):
    url = live_server.url
    _grid, where = a_place_in_the_grid_workers_cell(live_server)
    _duty, _incident, job = recovery_work_for_the_demo_leader(live_server, where)
    for step in ("depart", "arrive"):
        assert job["leader"].post(f"{url}/api/assignments/{job['work']}/{step}", json={}, timeout=10).status_code == 200

    context = chromium.new_context(**PHONE)
    phone = Watched(context)
    page = phone.log_in(url, "demo-leader", "/m")
    card = page.locator(f"#work [data-assignment='{job['work']}']")
    expect(card).to_contain_text("已到达", timeout=10_000)
    notes = card.locator("label", has_text="备注")
    expect(notes).to_have_count(1)  # the progress report's
    card.get_by_role("button", name="结束任务").click()
    expect(notes).to_have_count(1)  # the closing note, in place of the progress form
    expect(card.get_by_role("group", name=re.compile("完成了多少"))).to_have_count(0)
    card.get_by_label(re.compile("备注")).fill("菜场淤泥已清运")
    card.get_by_role("button", name="完成", exact=True).click()
    expect(page.locator(f"#history [data-assignment='{job['work']}']")).to_contain_text("已完成", timeout=10_000)
    assert phone.errors == []
    context.close()
