"""Drills from YAML scenarios: the real pipeline (matching, offers, SMS) marked as a drill, stepped by hand or on
the drill's own clock, never twice; a report of who answered how fast and why needs went unfilled, compared with
the subdistrict's previous drill; a malformed scenario is refused line by line and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from dispatch.extensions import db
from dispatch.jobs.sweeper import sweep_once
from dispatch.models import Assignment, DrillRun, Event, Incident, Need, OutboxMessage
from dispatch.services.notify import delivery
from dispatch.services.records import drills
from tests.integration.csv_files import error_lines, run_cli
from tests.integration.dispatch_helpers import all_at_once, leader_of
from tests.integration.sms_helpers import make_due
from tests.integration.test_scope import middle_of


def at(cell) -> str:
    lon, lat = middle_of(cell)
    return f"location: {{lon: {lon}, lat: {lat}}}"


def scenario(world, title: str = "台风防汛演练") -> str:
    """Sandbags at A1 (filled), more hands at A1b (declined), first aiders (no one has the skill), 5 minutes apart."""
    return f"""\
title: {title}
level: IV
steps:
  - at: 0m
    need: {{skills: [logistics], head_count: 5, {at(world.cell_a1)}, description: 装填沙袋, priority: urgent}}
  - at: 5m
    need: {{skills: [logistics], head_count: 2, {at(world.cell_a1b)}, description: 转运物资}}
  - at: 10m
    need: {{skills: [first_aid], head_count: 2, {at(world.cell_a1)}}}
"""


def start(client, text: str, mode: str = "manual") -> dict:
    response = client.post("/api/drills", {"scenario": text, "mode": mode})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def step(client, drill: dict) -> dict:
    response = client.post(f"/api/drills/{drill['id']}/step")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def needs_of(drill: dict) -> list[Need]:
    db.session.expire_all()
    return list(db.session.scalars(select(Need).where(Need.incident_id == drill["incident_id"]).order_by(Need.id)))


def offer_of(need: Need, organization) -> Assignment:
    return next(a for a in need.assignments if a.organization_id == organization.id)


def offered_earlier(assignment: Assignment, seconds: float) -> None:
    """As if the offer had gone out ``seconds`` earlier: its record and its event both say so."""
    earlier = assignment.offered_at - timedelta(seconds=seconds)
    db.session.execute(update(Assignment).where(Assignment.id == assignment.id).values(offered_at=earlier))
    made = update(Event).where(Event.assignment_id == assignment.id, Event.kind == "offer.made").values(at=earlier)
    db.session.execute(made)
    db.session.commit()


def counts() -> tuple[int, ...]:
    db.session.expire_all()
    models = (Incident, Need, Assignment, DrillRun, Event, OutboxMessage)
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in models)


def run_row(drill: dict) -> DrillRun:
    db.session.expire_all()
    return db.session.get(DrillRun, drill["id"])


def test_a_manual_drill_runs_the_real_pipeline_step_by_step_and_every_message_says_drill(world, browser):
    duty = browser(world.duty)
    drill = start(duty, scenario(world))
    assert (drill["status"], drill["steps"], drill["steps_done"], drill["next_step_at"]) == ("running", 3, 0, None)
    assert needs_of(drill) == []  # a manual drill waits for the officer
    assert duty.get(f"/api/incidents/{drill['incident_id']}").get_json()["drill"] is True

    assert step(duty, drill)["steps_done"] == 1
    [sandbags] = needs_of(drill)
    assert (sandbags.head_count, sandbags.description, sandbags.created_by) == (5, "装填沙袋", world.duty.id)
    assert {a.organization_id for a in sandbags.assignments} == {world.org_a1.id, world.org_a1b.id}  # the real matching
    sms = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).first()
    make_due(sms.id)
    delivery.deliver(sms.id)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sms.id).body.startswith("【演练】")
    incident_events = db.session.scalars(select(Event).where(Event.incident_id == drill["incident_id"])).all()
    assert {e.kind for e in incident_events} >= {"incident.opened", "drill.started", "drill.step", "need.posted", "offer.made"}
    assert all(e.drill for e in incident_events)

    step(duty, drill)
    finished = step(duty, drill)
    assert (finished["status"], finished["steps_done"]) == ("finished", 3)
    assert duty.get(f"/api/incidents/{drill['incident_id']}").get_json()["status"] == "active"  # leaders may still answer
    again = duty.post(f"/api/drills/{drill['id']}/step")
    assert again.status_code == 409 and again.get_json()["error"]["errors"][0]["code"] == "drill.not_running"


def test_the_report_says_who_answered_how_fast_and_why_needs_went_unfilled(world, browser):
    duty = browser(world.duty, language="en")
    drill = start(duty, scenario(world))
    step(duty, drill)
    [sandbags] = needs_of(drill)
    offered_earlier(offer_of(sandbags, world.org_a1), 90)
    accepted = browser(world.leader).post(f"/api/assignments/{offer_of(sandbags, world.org_a1).id}/accept", {"head_count": 5})
    assert accepted.status_code == 200
    step(duty, drill)
    more_hands = needs_of(drill)[1]
    offered_earlier(offer_of(more_hands, world.org_a1b), 30)
    declined = browser(leader_of(world.org_a1b)).post(
        f"/api/assignments/{offer_of(more_hands, world.org_a1b).id}/decline", {"reason": "人手不足"}
    )
    assert declined.status_code == 200
    step(duty, drill)

    report = duty.get(f"/api/drills/{drill['id']}/report").get_json()
    outcomes = [(s["step"], s["at_s"], s["outcome"]) for s in report["steps"]]
    assert outcomes == [(1, 0, "filled"), (2, 300, "unfilled"), (3, 600, "unfilled")]
    assert report["steps"][0]["accepted"] == 5 and report["steps"][0]["why"] == []
    why_declined = {w["code"]: w["message"] for w in report["steps"][1]["why"]}
    assert why_declined["drill.why.declined"] == "1 organization(s) declined: 人手不足"
    assert "drill.why.exhausted" in why_declined  # no one else in the subdistrict had logistics people free
    assert [w["code"] for w in report["steps"][2]["why"]] == ["drill.why.no_candidates"]

    db.session.expire_all()
    for row in report["offers"]:
        offer = db.session.get(Assignment, row["assignment_id"])
        assert row["organization"]["id"] == offer.organization_id and row["step"] in (1, 2)
        if offer.answered_at is not None:
            assert abs(row["answer_s"] - (offer.answered_at - offer.offered_at).total_seconds()) < 1
    answers = {(r["step"], r["organization"]["id"]): (r["answer"], r["reason"]) for r in report["offers"]}
    assert answers == {
        (1, world.org_a1.id): ("accepted", ""),
        (1, world.org_a1b.id): ("withdrawn", ""),  # the need was filled first
        (2, world.org_a1b.id): ("declined", "人手不足"),
    }
    headline = report["headline"]
    assert 29 < headline["median_answer_s"] < 32  # 30 s and 90 s: the nearest-rank median of two is the first
    assert (headline["accepted_share"], round(headline["filled_share"], 3)) == (1 / 3, 0.333)
    by_organization = {r["organization"]["id"]: r for r in report["organizations"]}
    assert (by_organization[world.org_a1.id]["accepted"], by_organization[world.org_a1.id]["people"]) == (1, 5)
    assert (report["previous"], report["comparison"]) == (None, [])


def test_a_second_drill_is_compared_with_the_subdistricts_previous_one(world, browser):
    duty = browser(world.duty)
    one_step = f"title: 防汛演练\nsteps:\n  - at: 0m\n    need: {{skills: [logistics], head_count: 1, {at(world.cell_a1)}, broadcast_k: 1}}\n"
    leader, started = browser(world.leader), []
    for seconds in (120, 30):  # the leader answers faster the second time
        drill = start(duty, one_step)
        step(duty, drill)
        [offer] = needs_of(drill)[0].assignments
        offered_earlier(offer, seconds)
        assert leader.post(f"/api/assignments/{offer.id}/accept", {"head_count": 1}).status_code == 200
        started.append(drill)
    first, second = started

    report = duty.get(f"/api/drills/{second['id']}/report").get_json()
    assert report["previous"]["id"] == first["id"]
    change = {c["figure"]: c for c in report["comparison"]}
    assert 29 < change["median_answer_s"]["this"] < 32 and 119 < change["median_answer_s"]["previous"] < 122
    assert change["median_answer_s"]["better"] is True and change["median_answer_s"]["change"] < -85
    assert (change["filled_share"]["this"], change["filled_share"]["previous"], change["filled_share"]["better"]) == (1, 1, None)
    assert duty.get(f"/api/drills/{first['id']}/report").get_json()["previous"] is None
    listed = duty.get("/api/drills").get_json()
    assert [d["id"] for d in listed["items"]] == [second["id"], first["id"]]  # newest first


def with_unknown_place(text: str) -> str:
    """The scenario with its last step at an address no gazetteer knows, instead of a point."""
    head, _ = text.rsplit("  - at: 10m\n", 1)
    return head + "  - at: 10m\n    need: {skills: [first_aid], head_count: 2, address: 无此地名}\n"


def test_an_auto_drill_runs_each_step_when_it_is_due_and_never_twice(world, browser):
    duty = browser(world.duty)
    drill = start(duty, with_unknown_place(scenario(world)), mode="auto")
    started = datetime.fromisoformat(drill["started_at"])
    assert drill["steps_done"] == 1 and len(needs_of(drill)) == 1  # the step at 0m ran at the start
    assert datetime.fromisoformat(drill["next_step_at"]) == started + timedelta(minutes=5)

    assert drills.run_due_steps(now=started + timedelta(minutes=4)) == 0
    assert drills.run_due_steps(now=started + timedelta(minutes=6)) == 1
    assert len(needs_of(drill)) == 2
    before = counts()
    assert drills.run_due_steps(now=started + timedelta(minutes=6)) == 0  # the sweeper's next pass
    assert counts() == before

    assert drills.run_due_steps(now=started + timedelta(minutes=11)) == 1  # the last step's place cannot be found
    run = run_row(drill)
    assert (run.steps_done, run.status.value, len(needs_of(drill))) == (3, "finished", 2)
    [failed] = db.session.scalars(select(Event).where(Event.kind == "drill.step_failed")).all()
    assert (failed.data["step"], failed.data["errors"][0]["code"], failed.drill) == (3, "address.not_found", True)
    report = duty.get(f"/api/drills/{drill['id']}/report").get_json()
    assert report["steps"][2]["outcome"] == "failed" and report["steps"][2]["why"][0]["code"] == "address.not_found"
    assert drills.run_due_steps(now=started + timedelta(hours=2)) == 0


def test_a_stopped_drill_runs_no_more_steps(world, browser):
    duty = browser(world.duty)
    drill = start(duty, scenario(world), mode="auto")
    stopped = duty.post(f"/api/drills/{drill['id']}/stop")
    assert stopped.status_code == 200 and stopped.get_json()["status"] == "stopped"
    started = datetime.fromisoformat(drill["started_at"])
    assert drills.run_due_steps(now=started + timedelta(hours=1)) == 0 and len(needs_of(drill)) == 1
    assert duty.post(f"/api/drills/{drill['id']}/step").status_code == 409
    assert duty.post(f"/api/drills/{drill['id']}/stop").status_code == 409
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "drill.stopped")) == 1


def test_a_malformed_scenario_is_refused_line_by_line_and_changes_nothing(world, browser):
    duty = browser(world.duty, language="en")
    bad = f"""\
title: 台风防汛演练
steps:
  - at: soon
    need: {{skills: [logistics], head_count: 5, {at(world.cell_a1)}}}
  - at: 5m
    need:
      skills: [juggling]
      head_count: 0
      {at(world.cell_a1)}
"""
    before = counts()
    refused = duty.post("/api/drills", {"scenario": bad, "mode": "auto"})
    assert refused.status_code == 422
    errors = [(e["row"], e["field"], e["code"]) for e in refused.get_json()["error"]["errors"]]
    assert errors == [(3, "steps[1].at", "drill.bad_offset")]  # the file's own shape first: its needs are not read yet
    assert "write it with a unit" in refused.get_json()["error"]["errors"][0]["message"]

    fields_wrong = duty.post("/api/drills", {"scenario": bad.replace("at: soon", "at: 0m"), "mode": "auto"})
    assert fields_wrong.status_code == 422
    errors = [(e["row"], e["field"], e["code"]) for e in fields_wrong.get_json()["error"]["errors"]]
    assert errors == [(8, "steps[2].need.head_count", "greater_than_equal")]  # a refused need is not looked at further
    not_yaml = duty.post("/api/drills", {"scenario": "\n# 演练\ntitle: 演练\nsteps: [\n", "mode": "manual"})
    assert not_yaml.status_code == 422 and not_yaml.get_json()["error"]["errors"][0]["row"] == 5  # as written, blank line too
    only_the_skill_wrong = bad.replace("at: soon", "at: 0m").replace("head_count: 0", "head_count: 1")
    unknown_skill = duty.post("/api/drills", {"scenario": only_the_skill_wrong})
    assert [(e["row"], e["code"]) for e in unknown_skill.get_json()["error"]["errors"]] == [(7, "skill.unknown")]
    assert counts() == before


def test_a_step_run_again_adds_nothing_even_when_two_sweepers_race(app, world, browser):
    duty = browser(world.duty)
    drill = start(duty, scenario(world))
    step(duty, drill)
    before = counts()
    assert drills.run_step(drill["id"], 0) is False  # a retry of the step already run
    assert counts() == before

    results = all_at_once(app, [lambda: drills.run_step(drill["id"], 1)] * 2)
    assert sorted(results, key=str) == [False, True]
    assert len(needs_of(drill)) == 2 and run_row(drill).steps_done == 2
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "drill.step")) == 2


def test_the_command_line_starts_a_drill_or_prints_every_bad_line(app, world, tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(scenario(world), encoding="utf-8")
    bad.write_text(
        "title: 演练\nsteps:\n  - at: 5\n    need: {skills: [logistics], head_count: 1}\n  - at: 1m\n", encoding="utf-8"
    )
    before = counts()
    refused = run_cli(app, "start-drill", bad, "--user", world.duty.username, "--lang", "en")
    assert refused.exit_code == 2
    assert error_lines(refused.stderr) == ["line 3 steps[1].at: “5” is no offset: write it with a unit, like 0m, 90s, 5m or 1h",
                                           "line 5 steps[2].need: this step has no need to post"]  # fmt: skip
    assert counts() == before

    started = run_cli(app, "start-drill", good, "--user", world.duty.username, "--manual")
    assert started.exit_code == 0, started.stderr
    assert run_row({"id": json.loads(started.stdout)["drill"]}).mode.value == "manual"


def test_the_sweeper_catches_up_on_drill_steps_that_came_due_while_nothing_ran(world, browser):
    drill = start(browser(world.duty), scenario(world), mode="auto")
    earlier = run_row(drill).started_at - timedelta(minutes=12)
    db.session.execute(update(DrillRun).where(DrillRun.id == drill["id"]).values(started_at=earlier))
    db.session.commit()  # as if the server had been down for the last twelve minutes of the drill
    sweep_once()
    assert (run_row(drill).steps_done, run_row(drill).status.value, len(needs_of(drill))) == (3, "finished", 3)
