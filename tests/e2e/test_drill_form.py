"""A drill built in the form, in a real browser: the duty officer types a title and two steps, is told beside the box
that a head count of 0 will not do (what was typed stays), sees the YAML the form makes, starts the drill by hand,
runs its first step, and finds it in the list of drills. No console errors; labels, contrast and focus order checked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser_pages import BOARD, SCREENSHOTS, Watched, basic_accessibility


def fill_step(page, number: int, at: str, skill: str, people: str, address: str, description: str = "") -> None:
    step = page.locator(f"fieldset.drill-step[data-step='{number}']")
    step.get_by_label("开始后的时间").fill(at)
    step.get_by_label("技能").select_option(skill)
    step.get_by_label("人数").fill(people)
    step.get_by_label("地址").fill(address)
    step.get_by_label("说明").fill(description)


@pytest.mark.parametrize("live_server", ["embedded"], indirect=True)
def test_an_officer_builds_a_two_step_drill_in_the_form_and_runs_it(live_server, chromium):
    url = live_server.url
    context = chromium.new_context(**BOARD)
    watched = Watched(context)
    page = watched.log_in(url, "demo-duty", "/drills")
    page.get_by_label("标题").fill("台风防汛演练（表单）")
    fill_step(page, 1, "0m", "logistics", "0", "翠苑一区社区", "装填沙袋")
    fill_step(page, 2, "5m", "first_aid", "2", "九莲社区")
    page.get_by_label("手动逐步执行").first.check()
    page.get_by_role("button", name="开始演练").first.click()

    head_count = page.locator("#steps-0-head_count")
    expect(head_count).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#steps-0-head_count-error-1")).to_have_text("应不小于 1")
    expect(page.get_by_role("alert")).to_contain_text("第 1 步 · 人数：应不小于 1")
    expect(page.locator("#steps-1-address")).to_have_value("九莲社区")  # what was typed stays
    page.screenshot(path=SCREENSHOTS / "drill-form-error.png", full_page=True)
    basic_accessibility(page)

    head_count.fill("20")
    page.get_by_role("button", name="显示为 YAML").click()
    expect(page.locator("#built-yaml")).to_contain_text("head_count: 20")
    expect(page.locator("#built-yaml")).to_contain_text("address: 九莲社区")
    page.get_by_role("button", name="开始演练").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("台风防汛演练（表单）")
    expect(page.locator("[data-step]")).to_have_count(2)
    page.get_by_role("button", name="立即执行下一步").click()
    expect(page.locator("[data-step='1']")).to_contain_text("后勤物资保障 × 20")
    expect(page.locator("[data-step='1'][data-outcome]")).not_to_have_attribute("data-outcome", "failed")

    page.goto(f"{url}/drills")
    listed = page.get_by_role("row").filter(has_text="台风防汛演练（表单）")
    expect(listed).to_contain_text("1 / 2")
    assert [e for e in watched.errors if "422" not in e] == []  # the refused form's own answer is the one 422
    context.close()
