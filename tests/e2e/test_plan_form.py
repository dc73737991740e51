"""The plan form in a real browser on a 360-pixel phone: a duty officer writes a plan in boxes, adds a task and
takes one away with the buttons (the page works without its scripts), sees a mistake beside its box, and keeps the
plan; the page never scrolls sideways, and every box has a name a screen reader says."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from tests.e2e.test_browser_pages import BOARD, PHONE, Watched, basic_accessibility, leader_task

SHOTS = os.environ.get("PLAN_FORM_SCREENSHOTS")  # a folder to keep the pages' pictures in, to look at them


def no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"


def test_a_plan_is_written_in_the_form_on_a_phone_and_kept(live_server, chromium):
    url = live_server.url
    duty, task = leader_task(live_server)
    team = duty.get(f"{url}/api/organizations/{task['organization']}", timeout=5).json()["name"]
    officer = Watched(chromium.new_context(**PHONE, java_script_enabled=False))
    page = officer.log_in(url, "demo-duty", "/plans/new")
    no_sideways_scroll(page)
    place = page.locator("#plan-places option").first.get_attribute("value")

    page.fill("#title", "防汛应急预案（表单）")
    page.fill("#tasks-0-name", "装填沙袋")
    page.locator(f"input[name=tasks-0-skills][value={task['skill']}]").check()
    page.fill("#tasks-0-head_count", "0")
    page.select_option("#tasks-0-place_kind", "community")  # the list gives the communities first
    page.fill("#tasks-0-place_value", place)
    page.fill("#tasks-0-designated-0", team)
    page.get_by_role("button", name="添加任务").click()
    expect(page.locator("#tasks-1-name")).to_be_visible()
    expect(page.locator("#tasks-0-name")).to_have_value("装填沙袋")  # what was typed stays
    page.fill("#tasks-1-name", "多余的任务")
    page.get_by_role("button", name="删除任务 2").click()
    expect(page.locator("#tasks-1-name")).to_have_count(0)

    page.get_by_role("button", name="保存预案").first.click()
    expect(page.locator("#tasks-0-head_count-error-1")).to_have_text("应不小于 1")
    expect(page.locator("#tasks-0-head_count")).to_have_attribute("aria-invalid", "true")
    no_sideways_scroll(page)
    basic_accessibility(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/plan-form-phone-error.png", full_page=True)
        page.locator("#tasks-0").screenshot(path=f"{SHOTS}/plan-form-phone-task.png")

    page.fill("#tasks-0-head_count", "2")
    page.get_by_role("button", name="保存预案").first.click()
    expect(page.locator("h1")).to_have_text("防汛应急预案（表单）")
    expect(page.locator("section[data-task='1']")).to_contain_text("预案指定队伍（第 1 位）")
    no_sideways_scroll(page)
    assert [e for e in officer.errors if "status of 422" not in e] == []  # the refused save answers 422, as it should


def test_with_its_script_the_place_box_suggests_codes_only_for_a_code(live_server, chromium):
    officer = Watched(chromium.new_context(**BOARD))
    page = officer.log_in(live_server.url, "demo-duty", "/plans/new")
    place = page.locator("#tasks-0-place_value")
    page.select_option("#tasks-0-place_kind", "address")
    expect(place).not_to_have_attribute("list", "plan-places")
    expect(place).to_have_attribute("placeholder", "如：天目山路 148 号")
    page.select_option("#tasks-0-place_kind", "cell")
    expect(place).to_have_attribute("list", "plan-places")
    no_sideways_scroll(page)
    basic_accessibility(page)
    assert officer.errors == []
