"""The board's warnings panel in a real browser: a CAP file in GBK (as the national system's feeds often are) reads
on the board as it does on the command line, and the readiness table of a warning fits a 360 px phone screen,
scrolling inside itself rather than widening the page."""

from __future__ import annotations

import random
import time

import pytest
from playwright.sync_api import expect
from shapely import union_all

from tests.e2e.test_browser_pages import BOARD, PHONE, Watched, leader_task
from tests.e2e.test_warning_to_response import a_typhoon_over
from tests.live_client import cell_polygons, interior_points


def test_a_gbk_cap_file_uploads_on_the_board(live_server, chromium, tmp_path):
    url = live_server.url
    duty, _task = leader_task(live_server)
    utf8 = a_typhoon_over(cell_polygons(duty, url), f"e2e-gbk-{time.time_ns()}")
    gbk = utf8.decode("utf-8").replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk")
    assert gbk != utf8  # the Chinese is in two bytes a character, not three
    cap = tmp_path / "typhoon-gbk.xml"
    cap.write_bytes(gbk)

    officer = Watched(chromium.new_context(**BOARD))
    board = officer.log_in(url, "demo-duty", "/board")
    board.set_input_files("#cap-file", str(cap))
    board.locator("#cap-form button[type=submit]").click()
    expect(board.locator("#message")).to_contain_text("已导入预警：杭州市气象台发布台风橙色预警", timeout=10_000)
    card = board.locator("#warnings section.warning", has_text="杭州市气象台发布台风橙色预警")
    expect(card).to_have_count(1, timeout=10_000)
    assert officer.errors == []


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])  # English skill names are long words that do not wrap
def test_the_readiness_table_fits_a_phone_screen(live_server, chromium, locale):
    url = live_server.url
    duty, task = leader_task(live_server)
    team = duty.get(f"{url}/api/organizations/{task['organization']}", timeout=5).json()["name"]
    [(lon, lat)] = interior_points(cell_polygons(duty, url), 1, random.Random(5))
    plan = (
        "title: 防暴雨预案（窄屏）\ncategory: natural_disaster\nmin_level: IV\ntasks:\n"
        f"  - name: 排涝\n    need: {{skills: [{task['skill']}], head_count: 12}}\n"
        f"    place: {{location: {{lon: {lon}, lat: {lat}}}}}\n    designated: ['{team}']\n"
    )
    assert duty.post(f"{url}/api/plans", json={"text": plan}, timeout=10).status_code == 201
    headline = f"暴雨橙色预警（窄屏 {time.time_ns()}）"
    body = {"kind": "rainstorm", "colour": "orange", "headline": headline, "hours": 6}
    assert duty.post(f"{url}/api/warnings", json=body, timeout=10).status_code == 201

    officer = Watched(chromium.new_context(**{**PHONE, "locale": locale}))
    board = officer.log_in(url, "demo-duty", "/board")
    card = board.locator("#warnings section.warning", has_text=headline)
    expect(card.locator("table.readiness tbody tr").first).to_be_visible(timeout=10_000)
    page_width = board.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 360, f"the page is {page_width} px wide at 360 px"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    scroller = card.locator(".table-scroll")  # the table scrolls inside its box, its last column in reach
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    expect(card.locator("table.readiness thead th").last).to_be_in_viewport()
    assert officer.errors == []


def test_an_officer_reading_a_county_wide_file_is_told_on_the_board_what_was_left_out(live_server, chromium, tmp_path):
    url = live_server.url
    duty, _task = leader_task(live_server)
    around = [(0, union_all([shape for _id, shape in cell_polygons(duty, url)]).buffer(0.5))]  # the county and more
    cap = tmp_path / "typhoon-county.xml"
    cap.write_bytes(a_typhoon_over(around, f"e2e-wide-{time.time_ns()}"))
    officer = Watched(chromium.new_context(**BOARD))
    board = officer.log_in(url, "demo-duty", "/board")
    board.set_input_files("#cap-file", str(cap))
    board.locator("#cap-form button[type=submit]").click()
    said = board.locator("#message")
    expect(said).to_contain_text("已导入预警", timeout=10_000)
    expect(said).to_contain_text("预警范围超出本街道的部分（")
    expect(said).to_contain_text("）未读入，请区县管理员导入")
    assert officer.errors == []
