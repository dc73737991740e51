"""In a real browser: the county administrator logs in and lands on the county overview, sees the busy subdistrict
stand out and goes into that subdistrict's board; on a 360-pixel phone the top links fold behind a 菜单 toggle that
opens from the keyboard, each link on one line. The overview's screenshot is kept in tests/e2e/screenshots/."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.test_browser_pages import BOARD, PHONE, SCREENSHOTS, Watched
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes


@pytest.fixture(scope="module")
def busy_district(live_server):
    """The demo district an hour into a rainstorm: the first subdistrict has a flood with needs still short of people
    (one more than anyone could send) and a drill; the second subdistrict is calm."""
    url, duty = live_server.url, login(live_server.url, "demo-duty", DEMO_PASSWORD)
    skill = skill_codes(duty, url)[0]
    places = interior_points(cell_polygons(duty, url), 3, random.Random(13))
    flood = open_incident(duty, url, "西湖区暴雨内涝")
    for (lon, lat), people in zip(places, (2, 4, 900), strict=True):
        body = {"skills": [skill], "head_count": people, "location": {"lon": lon, "lat": lat}, "description": "地下车库进水"}
        assert duty.post(f"{url}/api/incidents/{flood}/needs", json=body, timeout=10).status_code == 201
    drill = duty.post(f"{url}/api/incidents", json={"title": "防汛演练", "category": "natural_disaster", "level": "IV",
                                                    "drill": True}, timeout=10)  # fmt: skip
    assert drill.status_code == 201
    return {"subdistrict": duty.get(f"{url}/api/me", timeout=5).json()["subdistrict_id"]}


def log_in(watched: Watched, url: str, username: str) -> Page:
    page = watched.page
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


@pytest.mark.parametrize("live_server", ["embedded"], indirect=True)
def test_the_administrator_starts_on_the_county_overview_and_goes_into_a_subdistricts_board(live_server, busy_district, chromium):
    context = chromium.new_context(**BOARD)
    watched = Watched(context)
    page = log_in(watched, live_server.url, "demo-admin")
    assert page.url == f"{live_server.url}/overview"
    busy = page.locator(f"tr[data-subdistrict='{busy_district['subdistrict']}']")
    expect(busy.locator("td").nth(0)).to_contain_text("2")  # the flood and the drill
    expect(busy.locator("td").nth(2)).to_contain_text("缺")  # needs still short of people
    expect(page.locator("tr.calm").first).to_be_visible()  # the other subdistrict has nothing on its hands
    page.screenshot(path=SCREENSHOTS / "admin-overview.png", full_page=True)

    busy.get_by_role("link", name="事件看板").click()
    page.wait_for_url(f"**/board?subdistrict_id={busy_district['subdistrict']}")
    expect(page.locator("#incidents button[aria-pressed]")).to_have_count(2)
    expect(page.locator("#incidents")).to_contain_text("西湖区暴雨内涝")
    page.goto(f"{live_server.url}/evaluations/county")
    expect(page.locator("tfoot")).to_contain_text("全县合计")
    assert watched.errors == []
    context.close()


def single_line(page: Page, selector: str) -> list[str]:
    """The links under ``selector`` that take more than one line (a word broken a character per line, say)."""
    return page.eval_on_selector_all(
        selector,
        """(links) => links.filter((a) => {
             const style = getComputedStyle(a), line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
             return a.getClientRects().length > 1 || a.getBoundingClientRect().height - parseFloat(style.paddingTop)
               - parseFloat(style.paddingBottom) > line * 1.5;
           }).map((a) => a.textContent.trim())""",
    )


@pytest.mark.parametrize("live_server", ["embedded"], indirect=True)
@pytest.mark.parametrize("username", ["demo-admin", "demo-duty", "demo-leader"])
def test_at_360_pixels_the_top_links_fold_behind_a_menu_that_opens_from_the_keyboard(live_server, chromium, username):
    context = chromium.new_context(**PHONE)
    watched = Watched(context)
    page = log_in(watched, live_server.url, username)
    page.goto(f"{live_server.url}/organizations")
    menu = page.locator("details.compact-menu")
    expect(page.locator("nav.wide-menu")).to_be_hidden()
    expect(menu.locator("nav a").first).to_be_hidden()
    toggle = menu.locator("summary")
    expect(toggle).to_have_text("菜单")
    assert toggle.bounding_box()["height"] >= 44  # a thumb's width

    page.locator("a.brand").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    links = menu.locator("nav a")
    expect(links.first).to_be_visible()
    assert links.count() >= 3 and single_line(page, "details.compact-menu nav a") == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == links.first.text_content().strip()
    assert single_line(page, "header .session a, header .session .who") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing pushes the page sideways
    links.last.click()
    page.wait_for_load_state("networkidle")
    assert watched.errors == []
    context.close()
