"""The registry pages: what each role sees, with phone numbers masked until someone who may see them asks."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.domain.phone import mask, readable
from dispatch.extensions import db
from dispatch.models import AuditRecord


def test_numbers_are_masked_until_someone_entitled_asks_and_the_asking_is_recorded(world, browser):
    org, member = world.org_a1, world.org_a1.members[0]
    full, hidden = readable(org.leader_phone), mask(org.leader_phone)
    duty = browser(world.duty)
    first_look = duty.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert hidden in first_look and full not in first_look and readable(member.phone) not in first_look
    assert "显示完整手机号（将记入审计）" in first_look
    shown = duty.get(f"/organizations/{org.id}?phones=full").get_data(as_text=True)
    assert full in shown and readable(member.phone) in shown and "重新隐藏号码" in shown
    [record] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "phone.revealed")).all()
    assert (record.actor_id, record.object_type, record.object_id) == (world.duty.id, "organization", str(org.id))


def test_someone_not_entitled_asking_for_numbers_still_sees_them_masked_and_no_link(world, browser):
    org = world.org_a1
    grid_page = browser(world.grid).get(f"/organizations/{org.id}?phones=full").get_data(as_text=True)
    assert mask(org.leader_phone) in grid_page and readable(org.leader_phone) not in grid_page
    assert "显示完整手机号" not in grid_page
    assert db.session.scalars(select(AuditRecord).where(AuditRecord.action == "phone.revealed")).all() == []


def test_lists_show_numbers_in_full_only_when_asked(world, browser):
    duty = browser(world.duty)
    org = world.org_a1
    assert readable(org.leader_phone) not in duty.get("/organizations").get_data(as_text=True)
    assert readable(org.leader_phone) in duty.get("/organizations?phones=full").get_data(as_text=True)
    assert duty.get("/cells?phones=full&page=1").status_code == 200


def test_members_are_shown_to_leaders_but_not_to_grid_workers(world, browser):
    member = world.org_a1.members[0]
    assert member.name in browser(world.leader).get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)
    assert member.name not in browser(world.grid).get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)


def test_the_api_masks_phones_unless_asked_for_in_full_and_then_only_for_those_entitled(world, browser):
    org, member = world.org_a1, world.org_a1.members[0]
    url = f"/api/organizations/{org.id}"
    assert browser(world.grid).get(f"{url}?phones=full").get_json()["leader_phone"] == mask(org.leader_phone)
    leader = browser(world.leader)
    assert leader.get(url).get_json()["leader_phone"] == mask(org.leader_phone)
    assert leader.get(f"{url}?phones=full").get_json()["leader_phone"] == org.leader_phone
    duty = browser(world.duty)
    assert duty.get(f"/api/members/{member.id}").get_json()["phone"] == mask(member.phone)
    assert duty.get(f"/api/members/{member.id}?phones=full").get_json()["phone"] == member.phone
    listed = duty.get("/api/organizations?phones=full").get_json()["items"]
    assert org.leader_phone in {item["leader_phone"] for item in listed}
    assert duty.get("/api/organizations?phones=all").status_code == 422
    asked = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "phone.revealed")).all()
    assert [(row.actor_id, row.object_id) for row in asked] == [
        (world.grid.id, url), (world.leader.id, url), (world.duty.id, f"/api/members/{member.id}"),
        (world.duty.id, "/api/organizations"),
    ]  # fmt: skip


def test_cell_list_masks_grid_worker_phones_for_leaders(world, browser):
    page = browser(world.leader).get("/cells").get_data(as_text=True)
    assert mask(world.cell_a1.worker_phone) in page


def test_organization_list_filters_by_skill_and_status(world, browser):
    client = browser(world.admin)
    assert world.org_a2.name in client.get("/organizations?skill=rescue").get_data(as_text=True)
    assert world.org_a2.name not in client.get("/organizations?skill=childcare").get_data(as_text=True)
    assert world.org_a2.name not in client.get("/organizations?status=registered").get_data(as_text=True)


def test_a_bad_filter_gets_a_clear_page_not_a_crash(world, browser):
    response = browser(world.admin).get("/organizations?page=0")
    assert response.status_code == 422 and "页码应不小于 1" in response.get_data(as_text=True)  # the field named in words


def test_suspended_organizations_are_marked(world, browser):
    client = browser(world.duty)
    client.post(f"/api/organizations/{world.org_a1.id}/suspend")
    assert "已暂停" in client.get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)


def test_login_page_is_chinese_by_default_and_english_on_request(browser):
    assert "登录" in browser().get("/login").get_data(as_text=True)
    assert "Log in" in browser(language="en").get("/login").get_data(as_text=True)


def test_openapi_document_is_generated_from_the_request_schemas(app, browser):
    spec = browser().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in (
        "/api/organizations",
        "/api/organizations/{organization_id}",
        "/api/cells",
        "/api/organizations/{organization_id}/members",
    ):
        assert path in paths
    create = paths["/api/organizations"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = spec["components"]["schemas"][schema_ref]["properties"]
    assert {"credit_code", "leader_phone", "skills", "community_id"} <= set(properties)
    assert "422" in create["responses"] and "409" in create["responses"]
