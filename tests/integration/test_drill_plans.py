"""A drill that rehearses an emergency plan: the scenario names the plan (by title or id) and when to start it; the
drill starts it on the drill incident at that offset, once, however often it is stepped or however the sweeper
races a step; an unknown, ambiguous or non-covering plan refuses the drill with nothing opened; and the report lays
each task of the plan beside what happened, naming the designated teams that did not answer."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Assignment, DrillRun, Event, Incident, IncidentPlan, Need
from dispatch.services.records import drills
from tests.integration.dispatch_helpers import all_at_once, leader_of
from tests.integration.test_drills import at, needs_of, run_row, start, step
from tests.integration.test_plans import keep, plan_text


def rehearsing(world, plan: str = "防台风预案", plan_at: str = "5m", level: str = "III") -> str:
    """A step at once (sandbags at A1b), then the plan."""
    return f"""\
title: 预案演练
level: {level}
plan: {plan}
plan_at: {plan_at}
steps:
  - at: 0m
    need: {{skills: [logistics], head_count: 1, {at(world.cell_a1b)}}}
"""


def plan_needs(drill: dict) -> list[Need]:
    return [need for need in needs_of(drill) if need.plan_task is not None]


def counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Incident, DrillRun, Need, Event, IncidentPlan))


def test_a_manual_drill_starts_its_plan_at_its_place_in_the_timeline_once(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world))
    drill = start(duty, rehearsing(world))
    assert (drill["steps"], drill["steps_done"]) == (2, 0)  # the step, then the plan's start
    step(duty, drill)
    assert (len(needs_of(drill)), plan_needs(drill)) == (1, [])
    finished = step(duty, drill)
    assert (finished["status"], finished["steps_done"]) == ("finished", 2)
    assert [need.plan_task for need in plan_needs(drill)] == [1, 2]
    assert duty.post(f"/api/drills/{drill['id']}/step").status_code == 409
    assert len(plan_needs(drill)) == 2
    logged = db.session.scalars(select(Event).where(Event.incident_id == drill["incident_id"])).all()
    assert len([e for e in logged if e.kind == "drill.step" and "plan_id" in e.data]) == 1
    assert len([e for e in logged if e.kind == "plan.started"]) == 1


def test_an_auto_drill_starts_the_plan_when_its_offset_comes_and_never_again(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, plan_text(world))
    drill = start(duty, rehearsing(world, plan=str(plan["id"])), mode="auto")  # named by its id
    started = run_row(drill).started_at
    assert drills.run_due_steps(now=started + timedelta(minutes=4)) == 0 and plan_needs(drill) == []
    assert drills.run_due_steps(now=started + timedelta(minutes=6)) == 1
    assert len(plan_needs(drill)) == 2
    assert drills.run_due_steps(now=started + timedelta(minutes=7)) == 0
    assert len(plan_needs(drill)) == 2 and run_row(drill).status.value == "finished"


def test_stepping_twice_at_once_or_the_sweeper_racing_a_step_starts_the_plan_once(app, world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world))
    first = start(duty, rehearsing(world, plan_at="0m"), mode="manual")  # the plan is the first moment
    results = all_at_once(app, [lambda: drills.run_step(first["id"], 0)] * 2)
    assert sorted(results, key=str) == [False, True]
    assert len(plan_needs(first)) == 2 and run_row(first).steps_done == 1

    second = start(duty, rehearsing(world, plan_at="1m", level="II"), mode="auto")  # its step ran as it opened
    due = run_row(second).started_at + timedelta(minutes=1)
    results = all_at_once(app, [lambda: drills.run_due_steps(now=due), lambda: drills.run_step(second["id"], 1)])
    assert sorted(results, key=str) in ([0, True], [1, False]), results
    assert len(plan_needs(second)) == 2 and run_row(second).steps_done == 2
    plans_started = db.session.scalar(
        select(func.count(Event.id)).where(Event.incident_id == second["incident_id"], Event.kind == "plan.started")
    )
    assert plans_started == 1


def test_an_unknown_ambiguous_or_non_covering_plan_refuses_the_drill_and_opens_nothing(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world))
    before = counts()
    unknown = duty.post("/api/drills", {"scenario": rehearsing(world, plan="无此预案")})
    assert unknown.status_code == 422
    assert [(e["row"], e["field"], e["code"]) for e in unknown.get_json()["error"]["errors"]] == [
        (3, "plan", "drill.unknown_plan")
    ]
    assert "无此预案" in unknown.get_json()["error"]["errors"][0]["message"]
    assert counts() == before

    keep(duty, plan_text(world, title="一级预案", min_level="I"))
    not_covering = duty.post("/api/drills", {"scenario": rehearsing(world, plan="一级预案", level="IV")})
    assert [e["code"] for e in not_covering.get_json()["error"]["errors"]] == ["plan.not_covering"]

    keep(duty, plan_text(world))  # a second plan with the same title
    before = counts()
    ambiguous = duty.post("/api/drills", {"scenario": rehearsing(world)})
    assert ambiguous.status_code == 422
    assert [e["code"] for e in ambiguous.get_json()["error"]["errors"]] == ["drill.ambiguous_plan"]
    assert counts() == before


def test_the_report_lays_each_task_beside_what_happened_and_names_the_silent_designated_team(world, browser):
    duty = browser(world.duty, language="en")
    keep(duty, plan_text(world, designated=[world.org_a1b.name]))
    drill = start(duty, rehearsing(world, plan_at="0m"))
    step(duty, drill)
    sandbags, evacuate = plan_needs(drill)
    offer = db.session.scalars(select(Assignment).where(Assignment.need_id == evacuate.id)).first()
    taken = browser(leader_of(offer.organization)).post(f"/api/assignments/{offer.id}/accept", {"head_count": 1})
    assert taken.status_code == 200, taken.get_json()

    report = duty.get(f"/api/drills/{drill['id']}/report").get_json()["rehearsal"]
    assert (report["plan"]["name"], report["version"], report["posted"], report["filled"]) == ("防台风预案", 1, 2, 1)
    first, second = report["tasks"]
    assert (first["name"], first["posted"], first["filled"], first["need_id"]) == ("装填沙袋", True, False, sandbags.id)
    assert [d["answer"] for d in first["designated"]] == ["open"]
    assert [org["name"] for org in first["not_answered"]] == [world.org_a1b.name] and first["declined"] == []
    assert (second["filled"], second["accepted"], second["designated"]) == (True, 1, [])
    assert second["elapsed_s"] is not None and second["elapsed_s"] >= 0

    officer = browser(world.duty)
    page = officer.get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    assert "预案演练对照" in page and f"{world.org_a1b.name}：待答复" in page
    sheet = load_workbook(io.BytesIO(officer.get(f"/drills/{drill['id']}/report.xlsx").data))["预案演练对照"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[5], row[7]) for row in rows] == [("装填沙袋", "否", world.org_a1b.name), ("转移群众", "是", None)]


def test_a_drill_without_a_plan_has_no_rehearsal_in_its_report(world, browser):
    duty = browser(world.duty)
    drill = start(duty, rehearsing(world).replace("plan: 防台风预案\nplan_at: 5m\n", ""))
    assert duty.get(f"/api/drills/{drill['id']}/report").get_json()["rehearsal"] is None


def test_a_plan_withdrawn_before_its_offset_is_a_failed_moment_the_report_explains(world, browser):
    duty = browser(world.duty, language="en")
    plan = keep(duty, plan_text(world))
    drill = start(duty, rehearsing(world))
    assert duty.post(f"/api/plans/{plan['id']}/withdraw").status_code == 200
    step(duty, drill)
    assert step(duty, drill)["status"] == "finished"  # the drill goes on past a plan it could not start
    assert plan_needs(drill) == []
    report = duty.get(f"/api/drills/{drill['id']}/report").get_json()["rehearsal"]
    assert (report["started_at"], report["posted"], [w["code"] for w in report["why"]]) == (None, 0, ["plan.not_covering"])
    assert [t["posted"] for t in report["tasks"]] == [False, False]
    assert duty.post(f"/api/drills/{drill['id']}/step").status_code == 409
