"""The plan pages: a plan written or uploaded as YAML is kept and shown with who each task would ask now; a wrong
one comes back with its lines and nothing kept; the title a person typed is shown as text."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Plan
from tests.integration.test_plans import plan_text


def form(client, url: str, fields: dict):
    return client.send("POST", url, None, data=fields, content_type="multipart/form-data")


def plans() -> int:
    return db.session.scalar(select(func.count()).select_from(Plan))


def test_a_plan_typed_on_the_page_is_kept_and_shows_who_each_task_would_ask(world, browser):
    duty = browser(world.duty)
    kept = form(duty, "/plans", {"text": plan_text(world, designated=[world.org_a1b.name])})
    assert kept.status_code == 302
    page = duty.get(kept.headers["Location"]).get_data(as_text=True)
    assert "装填沙袋" in page and "转移群众" in page
    assert "预案指定队伍（第 1 位）" in page
    assert "防台风预案" in duty.get("/plans").get_data(as_text=True)


def test_an_uploaded_plan_is_kept_like_a_typed_one(world, browser):
    duty = browser(world.duty)
    upload = (io.BytesIO(plan_text(world).encode()), "plan.yaml")
    assert form(duty, "/plans", {"text": "", "file": upload}).status_code == 302
    assert plans() == 1


def test_a_wrong_plan_comes_back_with_its_lines_and_nothing_is_kept(world, browser):
    duty = browser(world.duty)
    refused = form(duty, "/plans", {"text": plan_text(world).replace(world.cell_a1.code, "XX-404")})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "第 7 行" in page and "XX-404" in page
    assert "XX-404" in page.split("<textarea", 1)[1]  # the text comes back to be fixed, not lost
    assert plans() == 0


def test_editing_on_the_page_keeps_a_new_version_with_its_download(world, browser):
    duty = browser(world.duty)
    plan_url = form(duty, "/plans", {"text": plan_text(world)}).headers["Location"]
    plan_id = int(plan_url.rstrip("/").split("/")[-1])
    assert form(duty, f"/plans/{plan_id}", {"text": plan_text(world, title="修订版")}).status_code == 302
    assert "修订版" in duty.get(plan_url).get_data(as_text=True)
    first = duty.get(f"/plans/{plan_id}/versions/1.yaml")
    assert first.status_code == 200 and "title: 防台风预案" in first.get_data(as_text=True)


def test_a_typed_title_is_shown_as_text(world, browser):
    duty = browser(world.duty)
    hostile = '<img src=x onerror="alert(1)">'
    plan_url = form(duty, "/plans", {"text": plan_text(world, title=f"'{hostile}'")}).headers["Location"]
    page = duty.get(plan_url).get_data(as_text=True)
    assert hostile not in page and "&lt;img src=x" in page


def test_a_county_plan_is_read_but_not_offered_for_editing_to_a_subdistrict(world, browser):
    text = plan_text(world, title="全区预案").replace(world.cell_a1.code, world.cell_a2.code)
    plan_url = form(browser(world.admin), "/plans", {"text": text, "subdistrict_id": ""}).headers["Location"]
    page = browser(world.duty).get(plan_url).get_data(as_text=True)
    assert "全区预案" in page and "/edit" not in page


def test_only_those_who_run_incidents_may_write_plans(world, browser):
    for user in (world.leader, world.grid):
        assert browser(user).get("/plans/new").status_code == 403
    assert browser(world.duty).get("/plans/new").status_code == 200
