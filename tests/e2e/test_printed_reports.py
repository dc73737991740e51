"""Reports on paper, in a real browser: the after-action report, the drill report and the scorecards each have a 打印
button that opens the print dialog, and each prints to A4 PDF pages without the navigation, a section to a page.
The printed look of the after-action report is kept in tests/e2e/screenshots/printed-report.png."""

from __future__ import annotations

import io
import random
import unicodedata
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import serve
from tests.e2e.test_browser_pages import SCREENSHOTS, Watched
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes

A4_MM = (210, 297)
A4_WIDTH_PX = 794  # 210 mm at the browser's 96 pixels an inch


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Printing is the same in both columns, so the embedded one is enough here."""
    with serve("embedded", tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def reports(live_server) -> dict[str, str]:
    """An incident one organization accepted, a drill one step in, and the subdistrict's scorecards published."""
    url = live_server.url
    duty = login(url, "demo-duty", DEMO_PASSWORD)
    (lon, lat), (drill_lon, drill_lat) = interior_points(cell_polygons(duty, url), 2, random.Random(21))
    incident = open_incident(duty, url, "文一西路积水抢险")
    body = {"skills": [skill_codes(duty, url)[0]], "head_count": 2, "location": {"lon": lon, "lat": lat}}
    need = duty.post(f"{url}/api/incidents/{incident}/needs", json=body, timeout=10)
    assert need.status_code == 201, need.text
    first = need.json()["assignments"][0]["id"]  # the officer takes a leader's answer on the phone
    assert duty.post(f"{url}/api/assignments/{first}/accept", json={"head_count": 2}, timeout=10).status_code == 200
    scenario = (
        "title: 防汛纸质演练\nsteps:\n"
        f"  - at: 0m\n    need: {{skills: [logistics], head_count: 1, location: {{lon: {drill_lon}, lat: {drill_lat}}}}}\n"
    )
    drill = duty.post(f"{url}/api/drills", json={"scenario": scenario, "mode": "manual"}, timeout=15)
    assert drill.status_code == 201, drill.text
    duty.post(f"{url}/api/drills/{drill.json()['id']}/step", timeout=15)
    year = str(datetime.now(UTC).year)
    published = duty.post(f"{url}/api/evaluations/publish", json={"period": year}, timeout=15)
    assert published.status_code == 200, published.text
    code = published.json()["subdistrict"]["code"]
    return {
        "after-action": f"/incidents/{incident}/report",
        "drill": f"/drills/{drill.json()['id']}/report",
        "scorecards": f"/scorecards/{code}/{year}",
    }


# What each printed report must hold: a heading of each section, and the sections it prints one to a page.
EXPECTED = {
    "after-action": (["事后报告", "文一西路积水抢险", "各组织答复用时分布", "社区社会组织"], 3),
    "drill": (["演练报告", "防汛纸质演练", "主要指标", "步骤", "派单"], 4),
    "scorecards": (["社区社会组织评价结果", "街道（乡镇）汇总", "社区社会组织"], 2),
}


def logged_in_page(chromium, live_server) -> tuple[Watched, Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    watched = Watched(context)
    page = watched.page
    page.goto(f"{live_server.url}/login")
    page.fill("#username", "demo-duty")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return watched, page


def pdf_of(page: Page) -> PdfReader:
    return PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))


@pytest.mark.parametrize("report", list(EXPECTED))
def test_each_report_prints_on_a4_without_navigation_a_section_a_page(report, reports, live_server, chromium):
    watched, page = logged_in_page(chromium, live_server)
    page.goto(f"{live_server.url}{reports[report]}")
    page.evaluate("window.print = () => { window.printAsked = true; }")  # headless has no print dialog to show
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printAsked") is True
    expect(page.get_by_role("link", name="下载 Excel（.xlsx）")).to_be_visible()

    printed = pdf_of(page)
    headings, sections = EXPECTED[report]
    # The CJK font maps some characters to look-alike Kangxi radicals (⽂ for 文); NFKC reads them back as the text.
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in printed.pages))
    assert len(printed.pages) >= sections
    size_mm = [float(points) * 25.4 / 72 for points in printed.pages[0].mediabox.upper_right]
    assert all(abs(got - a4) < 1 for got, a4 in zip(size_mm, A4_MM, strict=True)), size_mm
    for heading in headings:
        assert unicodedata.normalize("NFKC", heading) in text, heading
    assert "事件看板" not in text and "退出登录" not in text and "打印" not in text  # no navigation, no buttons
    assert watched.errors == []
    page.context.close()


def test_the_printed_look_of_the_after_action_report(reports, live_server, chromium):
    watched, page = logged_in_page(chromium, live_server)
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    page.goto(f"{live_server.url}{reports['after-action']}")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.get_by_role("heading", name="社区社会组织")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "printed-report.png"), full_page=True)
    assert watched.errors == []
    page.context.close()
