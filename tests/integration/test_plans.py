"""Emergency plans (应急预案): kept as versions from YAML, every problem on its line and nothing kept when one is
wrong; proposed for the incidents they cover; started in one action, their tasks posted as needs through the
ordinary path, the designated organizations asked first; never a task twice; a level I plan starting by itself."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Assignment, Event, IncidentPlan, Need, Plan, PlanVersion
from dispatch.services.plans import starting
from tests.factories import make_user
from tests.integration.dispatch_helpers import all_at_once


def plan_text(world, title: str = "防台风预案", min_level: str = "III", designated: list[str] | None = None, **extra) -> str:
    """Sandbags at cell A1 (the ranking's pick is org A1, which serves it), hands at community A1's middle."""
    first = f"\n    designated: [{', '.join(designated)}]" if designated else ""
    auto = f"auto_start: {extra['auto_start']}\n" if "auto_start" in extra else ""
    return f"""\
title: {title}
category: natural_disaster
min_level: {min_level}
{auto}tasks:
  - name: 装填沙袋
    need: {{skills: [logistics], head_count: 1, priority: urgent, broadcast_k: 1}}
    place: {{cell: "{world.cell_a1.code}"}}{first}
  - name: 转移群众
    need: {{skills: [logistics], head_count: 1}}
    place: {{community: "{world.community_a1.code}"}}
"""


def keep(client, text: str, **body) -> dict:
    response = client.post("/api/plans", {"text": text, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def open_incident(client, world, level: str = "III") -> dict:
    body = {"title": "台风", "category": "natural_disaster", "level": level, "subdistrict_id": world.sub_a1.id}
    response = client.post("/api/incidents", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def needs_of(incident: dict) -> list[Need]:
    db.session.expire_all()
    return list(db.session.scalars(select(Need).where(Need.incident_id == incident["id"]).order_by(Need.id)))


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Plan, PlanVersion, Need))


def test_a_plan_is_kept_with_its_tasks_and_its_text_as_written(world, browser):
    duty = browser(world.duty)
    text = "# 西溪街道\n" + plan_text(world)
    plan = keep(duty, text)
    assert (plan["title"], plan["version"], plan["subdistrict"]["id"]) == ("防台风预案", 1, world.sub_a1.id)
    assert plan["text"] == text  # the comment too
    assert [(t["name"], t["place"]) for t in plan["tasks"]] == [
        ("装填沙袋", f"cell: {world.cell_a1.code}"), ("转移群众", f"community: {world.community_a1.code}"),
    ]  # fmt: skip


def test_a_wrong_plan_names_each_problem_on_its_line_and_keeps_nothing(world, browser):
    duty = browser(world.duty)
    text = plan_text(world).replace(world.cell_a1.code, "no-such-cell").replace("head_count: 1}", "head_count: 0}", 1)
    text = text.replace("[logistics]", "[logistics, juggling]", 1) + "    designated: [无此队伍]\n"
    before = counts()
    response = duty.post("/api/plans", {"text": text})
    assert response.status_code == 422
    problems = {(e["code"], e.get("row")) for e in response.get_json()["error"]["errors"]}
    assert problems == {
        ("skill.unknown", 6), ("plan.unknown_cell", 7), ("greater_than_equal", 9), ("plan.unknown_organization", 11),
    }  # fmt: skip
    assert counts() == before


def test_a_cell_of_another_subdistrict_is_not_a_place_for_this_subdistricts_plan(world, browser):
    response = browser(world.duty).post("/api/plans", {"text": plan_text(world).replace(world.cell_a1.code, world.cell_a2.code)})
    assert response.status_code == 422
    assert [e["code"] for e in response.get_json()["error"]["errors"]] == ["plan.unknown_cell"]


def test_editing_makes_a_new_version_and_keeps_the_old_one(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world))
    edited = duty.send("PUT", f"/api/plans/{plan['id']}", {"text": plan_text(world, title="防台风预案（修订）")})
    assert edited.status_code == 200, edited.get_json()
    assert (edited.get_json()["version"], edited.get_json()["title"]) == (2, "防台风预案（修订）")
    first = duty.get(f"/api/plans/{plan['id']}/versions/1").get_json()
    assert "title: 防台风预案\n" in first["text"]


def test_the_plans_that_cover_an_incident_are_proposed(world, browser):
    duty = browser(world.duty)
    covering = keep(duty, plan_text(world, title="三级以上", min_level="III"))
    keep(duty, plan_text(world, title="只管一级", min_level="I"))
    incident = open_incident(duty, world, level="II")
    proposed = duty.get(f"/api/incidents/{incident['id']}/plans").get_json()["items"]
    assert [p["plan"]["id"] for p in proposed] == [covering["id"]]
    assert proposed[0]["started_tasks"] == []


def test_starting_a_plan_posts_its_tasks_at_once_and_asks_the_designated_first(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world, designated=[world.org_a1b.name]))
    incident = open_incident(duty, world)
    response = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {})
    assert response.status_code == 200, response.get_json()
    started = response.get_json()
    assert [n["description"] for n in started["posted"]] == ["", ""]
    needs = needs_of(incident)
    assert [(n.plan_task, n.cell_id) for n in needs] == [(1, world.cell_a1.id), (2, needs[1].cell_id)]
    first = db.session.scalars(select(Assignment).where(Assignment.need_id == needs[0].id)).one()
    assert first.organization_id == world.org_a1b.id  # not org A1, which serves the cell and would rank first
    assert first.reason_zh.startswith("预案指定队伍（第 1 位）")
    (kept,) = db.session.scalars(select(IncidentPlan)).all()
    assert (kept.incident_id, kept.plan_version.version) == (incident["id"], 1)


def test_starting_again_posts_nothing_twice(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world))
    incident = open_incident(duty, world)
    first = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {"tasks": ["装填沙袋"]}).get_json()
    assert len(first["posted"]) == 1
    again = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {}).get_json()
    assert (len(again["posted"]), again["already_posted"]) == (1, ["装填沙袋"])
    duty.send("PUT", f"/api/plans/{plan['id']}", {"text": plan_text(world, title="修订")})
    third = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {}).get_json()
    assert (third["posted"], sorted(third["already_posted"])) == ([], ["装填沙袋", "转移群众"])
    assert len(needs_of(incident)) == 2
    started = db.session.scalars(select(Event.data).where(Event.kind == "plan.started").order_by(Event.id)).all()
    assert [d["tasks"] for d in started] == [["装填沙袋"], ["转移群众"]]  # the start that posted nothing is no event


def test_a_start_of_the_new_version_racing_a_start_of_the_old_one_posts_no_task_twice(app, world, browser, monkeypatch):
    """The first start has read which tasks are posted (none) and not yet committed when the plan is edited and the
    new version started: that start must wait for the first, then find its tasks posted."""
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world))
    incident = open_incident(duty, world)
    start = f"/api/incidents/{incident['id']}/plans/{plan['id']}/start"
    first_read, second_read = threading.Event(), threading.Event()
    read = starting._posted_task_names

    def reading_in_turn(incident_id: int, plan_id: int) -> set[str]:
        names = read(incident_id, plan_id)
        if not first_read.is_set():
            first_read.set()
            second_read.wait(3)  # without a lock, the second start reads meanwhile; with one, it waits for this
        else:
            second_read.set()
        return names

    monkeypatch.setattr(starting, "_posted_task_names", reading_in_turn)
    old = threading.Thread(target=lambda: all_at_once(app, [lambda: browser(world.duty).post(start, {})]))
    old.start()
    assert first_read.wait(10)
    assert duty.send("PUT", f"/api/plans/{plan['id']}", {"text": plan_text(world, title="修订")}).status_code == 200
    new = duty.post(start, {}).get_json()
    old.join(30)

    assert (new["version"], new["posted"]) == (2, [])
    assert sorted(n.plan_task for n in needs_of(incident)) == [1, 2]


def test_an_unknown_task_is_refused_and_nothing_is_posted(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world))
    incident = open_incident(duty, world)
    response = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {"tasks": ["装填沙袋", "放风筝"]})
    assert response.status_code == 422
    assert [e["code"] for e in response.get_json()["error"]["errors"]] == ["plan.unknown_task"]
    assert needs_of(incident) == []


def test_a_task_that_is_neither_a_name_nor_a_number_is_refused_by_its_place_in_the_list(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world))
    incident = open_incident(duty, world)
    response = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {"tasks": ["装填沙袋", 1.5]})
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["error"]["errors"]} == {"tasks.1"}  # not tasks.1.constrained-str
    assert needs_of(incident) == []


def test_a_plan_that_does_not_cover_the_incident_is_not_started(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world, min_level="I"))
    incident = open_incident(duty, world, level="IV")
    response = duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {})
    assert response.status_code == 422
    assert [e["code"] for e in response.get_json()["error"]["errors"]] == ["plan.not_covering"]


def test_a_level_one_plan_that_says_so_starts_when_its_incident_opens(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="I", auto_start="true"))
    keep(duty, plan_text(world, title="不自动", min_level="I"))
    quiet = open_incident(duty, world, level="II")
    assert needs_of(quiet) == []
    grave = open_incident(duty, world, level="I")
    assert [n.plan_task for n in needs_of(grave)] == [1, 2]


def test_officers_keep_their_subdistricts_plans_and_read_the_countys(world, browser):
    county_plan = keep(browser(world.admin), plan_text(world, title="全区预案").replace(world.cell_a1.code, world.cell_a2.code))
    assert county_plan["subdistrict"] is None
    duty = browser(world.duty)
    assert duty.get(f"/api/plans/{county_plan['id']}").status_code == 200
    refused = duty.send("PUT", f"/api/plans/{county_plan['id']}", {"text": plan_text(world)})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "plan.county_plan"


def test_the_preview_shows_who_each_task_would_ask_now(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world, designated=[world.org_a1b.name]))
    preview = duty.get(f"/api/plans/{plan['id']}/preview").get_json()
    first, second = preview["tasks"]
    assert first["candidates"][0]["organization"]["id"] == world.org_a1b.id
    assert first["candidates"][0]["reason"].startswith("预案指定队伍")
    assert second["candidates"] and second["problems"] == []
    assert counts()[2] == 0  # nothing posted


def test_a_plan_starts_only_on_the_callers_incident_and_from_the_callers_plans(world, browser):
    duty, neighbour = browser(world.duty), browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    plan = keep(duty, plan_text(world))
    incident = open_incident(duty, world)
    theirs_plan = keep(neighbour, plan_text(world).replace(world.cell_a1.code, world.cell_a2.code).replace(
        f'community: "{world.community_a1.code}"', f'community: "{world.community_a2.code}"'))  # fmt: skip
    assert neighbour.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {}).status_code == 404
    assert duty.post(f"/api/incidents/{incident['id']}/plans/{theirs_plan['id']}/start", {}).status_code == 404
    for role_user in (world.leader, world.grid):
        assert browser(role_user).post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {}).status_code == 403
    assert needs_of(incident) == []


def test_text_no_database_keeps_and_a_place_outside_are_refused_on_their_lines(world, browser):
    duty = browser(world.duty)
    escaped = plan_text(world).replace("title: 防台风预案", 'title: "预案\\ud800"')
    refused = duty.post("/api/plans", {"text": escaped})
    assert [e["code"] for e in refused.get_json()["error"]["errors"]] == ["text.unstorable"]
    beijing = plan_text(world).replace(f'{{cell: "{world.cell_a1.code}"}}', "{location: {lon: 116.4, lat: 39.9}}")
    refused = duty.post("/api/plans", {"text": beijing})
    assert [(e["code"], e["row"]) for e in refused.get_json()["error"]["errors"]] == [("plan.place_outside", 7)]
    assert counts() == (0, 0, 0)
