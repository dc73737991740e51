"""The registry pages: what each role sees, with phone numbers masked for those who do not need them."""

from __future__ import annotations

from dispatch.domain.phone import mask, readable


def test_duty_officer_sees_full_numbers_grid_worker_sees_them_masked(world, browser):
    org = world.org_a1
    full, hidden = readable(org.leader_phone), mask(org.leader_phone)
    duty_page = browser(world.duty).get(f"/organizations/{org.id}").get_data(as_text=True)
    grid_page = browser(world.grid).get(f"/organizations/{org.id}").get_data(as_text=True)
    assert full in duty_page and hidden not in duty_page
    assert hidden in grid_page and full not in grid_page


def test_members_are_shown_to_leaders_but_not_to_grid_workers(world, browser):
    member = world.org_a1.members[0]
    assert member.name in browser(world.leader).get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)
    assert member.name not in browser(world.grid).get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)


def test_api_masks_the_leader_phone_for_grid_workers(world, browser):
    shown = browser(world.grid).get(f"/api/organizations/{world.org_a1.id}").get_json()["leader_phone"]
    assert shown == mask(world.org_a1.leader_phone) and "****" in shown
    assert (
        browser(world.leader).get(f"/api/organizations/{world.org_a1.id}").get_json()["leader_phone"] == world.org_a1.leader_phone
    )


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
