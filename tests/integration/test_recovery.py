"""Recovery: tasks are offered like needs, leaders log progress on their own work only, the cell's grid worker
confirms them done, and unfinished emergency needs carry on as tasks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from dispatch.domain.incidents import NeedStatus
from dispatch.extensions import db
from dispatch.models import Assignment, Event, Need, ProgressReport, RecoveryTask
from dispatch.services.records import evaluations
from tests.factories import make_user
from tests.integration.dispatch_helpers import leader_of, need_body, open_incident, post_need


def to_recovery(duty, incident_id: int) -> None:
    assert duty.post(f"/api/incidents/{incident_id}/status", {"status": "recovery"}).status_code == 200


def a_task(duty, incident_id: int, cell, **fields) -> dict:
    body = {**need_body(cell, head_count=2, broadcast_k=3), "what": "清理淤泥,恢复菜场经营", **fields}
    created = duty.post(f"/api/incidents/{incident_id}/recovery-tasks", body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def work_of(task: dict, organization) -> int:
    return next(w["assignment_id"] for w in task["work"] if w["organization"]["id"] == organization.id)


def state() -> tuple:
    db.session.expire_all()
    return (
        tuple(db.session.execute(select(Assignment.id, Assignment.state).order_by(Assignment.id))),
        tuple(db.session.execute(select(Need.id, Need.status, Need.accepted).order_by(Need.id))),
        db.session.scalar(select(func.count(ProgressReport.id))),
        db.session.scalar(select(func.count(RecoveryTask.id))),
        db.session.scalar(select(func.count(Event.id))),
    )


def test_a_task_is_offered_worked_with_progress_and_confirmed_by_the_cells_grid_worker(world, browser):
    duty, leader, grid = browser(world.duty), browser(world.leader), browser(world.grid)
    incident = open_incident(duty)
    to_recovery(duty, incident["id"])
    task = a_task(duty, incident["id"], world.cell_a1)
    assert (task["state"], task["cell"]["id"]) == ("waiting", world.cell_a1.id)
    mine = work_of(task, world.org_a1)

    assert leader.post(f"/api/assignments/{mine}/accept", {"head_count": 2}).status_code == 200
    half = leader.post(f"/api/assignments/{mine}/progress", {"percent": 40, "note": "主通道已清", "people": 2, "hours": 3})
    assert half.status_code == 200 and (half.get_json()["state"], half.get_json()["percent"]) == ("in_progress", 40)
    leader.post(f"/api/assignments/{mine}/progress", {"percent": 100, "people": 2, "hours": 2.5})
    for step in ("depart", "arrive", "complete"):
        assert leader.post(f"/api/assignments/{mine}/{step}", {"people": 2}).status_code == 200
    assert browser(world.duty).get(f"/api/recovery-tasks/{task['id']}").get_json()["state"] == "done"

    confirmed = grid.post(f"/api/recovery-tasks/{task['id']}/confirm", {"note": "已复市"})
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "confirmed"
    assert db.session.get(Need, task["need_id"], populate_existing=True).status is NeedStatus.CLOSED
    again = grid.post(f"/api/recovery-tasks/{task['id']}/confirm", {"note": "已复市"})
    assert again.status_code == 200  # the same confirmation again changes nothing
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "recovery.confirmed")) == 1

    today = datetime.now(UTC).date()
    card = evaluations.scorecards(
        [world.org_a1.id], today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)
    )
    assert card[world.org_a1.id].real.hours == 5.5  # the hours the leader logged, not an estimate


def test_the_board_shows_tasks_to_everyone_in_scope_and_unfinished_needs_to_officers(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    post_need(duty, incident["id"], need_body(world.cell_a1, head_count=20))
    to_recovery(duty, incident["id"])
    a_task(duty, incident["id"], world.cell_a1)
    board = duty.get(f"/api/incidents/{incident['id']}/recovery").get_json()
    assert len(board["tasks"]) == 1 and board["leftovers"][0]["still_needed"] == 20
    seen_by_grid = browser(world.grid).get(f"/api/incidents/{incident['id']}/recovery").get_json()
    assert len(seen_by_grid["tasks"]) == 1 and seen_by_grid["leftovers"] == []


def test_an_unfinished_need_carries_on_as_a_task_once(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    incident = open_incident(duty)
    need = post_need(duty, incident["id"], need_body(world.cell_a1, head_count=8)).get_json()
    offer = next(a for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    assert leader.post(f"/api/assignments/{offer['id']}/accept", {"head_count": 3}).status_code == 200
    to_recovery(duty, incident["id"])

    carried = duty.post(f"/api/needs/{need['id']}/recovery-task", {})
    assert carried.status_code == 201, carried.get_json()
    task = carried.get_json()
    assert (task["head_count"], task["source_need_id"], task["what"]) == (5, need["id"], need["description"])
    assert db.session.get(Need, need["id"], populate_existing=True).status is NeedStatus.CLOSED
    assert db.session.get(Assignment, offer["id"], populate_existing=True).state.value == "accepted"  # work goes on
    before = state()
    twice = duty.post(f"/api/needs/{need['id']}/recovery-task", {})
    assert twice.status_code == 409 and twice.get_json()["error"]["errors"][0]["code"] == "recovery.already_task"
    assert state() == before


def test_no_recovery_task_while_the_incident_is_still_active(world, browser):
    duty = browser(world.duty, language="en")
    incident = open_incident(duty)
    before = state()
    body = {**need_body(world.cell_a1), "what": "清淤"}
    refused = duty.post(f"/api/incidents/{incident['id']}/recovery-tasks", body)
    assert refused.status_code == 422
    assert "not in recovery" in refused.get_json()["error"]["errors"][0]["message"]
    assert state() == before


def test_progress_on_someone_elses_task_is_refused_and_changes_nothing(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    to_recovery(duty, incident["id"])
    task = a_task(duty, incident["id"], world.cell_a1)
    theirs = work_of(task, world.org_a1b)
    assert browser(leader_of(world.org_a1b)).post(f"/api/assignments/{theirs}/accept", {"head_count": 1}).status_code == 200
    before = state()
    refused = browser(world.leader).post(f"/api/assignments/{theirs}/progress", {"percent": 50})
    assert refused.status_code == 404
    assert state() == before


def test_progress_needs_recovery_work_under_way_and_a_percentage(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    incident = open_incident(duty)
    response_need = post_need(duty, incident["id"], need_body(world.cell_a1)).get_json()
    offer = next(a for a in response_need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    to_recovery(duty, incident["id"])
    task = a_task(duty, incident["id"], world.cell_a1)
    before = state()
    not_recovery = leader.post(f"/api/assignments/{offer['id']}/progress", {"percent": 50})
    assert (
        not_recovery.status_code == 409 and not_recovery.get_json()["error"]["errors"][0]["code"] == "recovery.not_recovery_work"
    )
    not_accepted = leader.post(f"/api/assignments/{work_of(task, world.org_a1)}/progress", {"percent": 50})
    assert not_accepted.status_code == 409 and not_accepted.get_json()["error"]["errors"][0]["code"] == "recovery.not_active"
    too_far = leader.post(f"/api/assignments/{work_of(task, world.org_a1)}/progress", {"percent": 150})
    assert too_far.status_code == 422
    assert state() == before


def test_only_the_grid_worker_of_the_cell_confirms_and_only_finished_work(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    to_recovery(duty, incident["id"])
    task = a_task(duty, incident["id"], world.cell_a1)
    before = state()
    early = browser(world.grid).post(f"/api/recovery-tasks/{task['id']}/confirm", {})
    assert early.status_code == 409 and early.get_json()["error"]["errors"][0]["code"] == "recovery.not_done"
    officer = duty.post(f"/api/recovery-tasks/{task['id']}/confirm", {})
    assert officer.status_code == 403 and officer.get_json()["error"]["code"] == "recovery.not_your_cell"
    neighbour = make_user(world.grid.role, cell_ids=[world.cell_a1b.id])
    assert browser(neighbour).post(f"/api/recovery-tasks/{task['id']}/confirm", {}).status_code == 404
    assert state() == before


def test_a_progress_report_sent_again_by_the_phone_is_recorded_once(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    incident = open_incident(duty)
    to_recovery(duty, incident["id"])
    mine = work_of(a_task(duty, incident["id"], world.cell_a1), world.org_a1)
    leader.post(f"/api/assignments/{mine}/accept", {"head_count": 2})
    report = {"percent": 30, "people": 2, "hours": 4, "client_ref": "phone-7f3a"}
    assert leader.post(f"/api/assignments/{mine}/progress", report).status_code == 200
    before = state()
    again = leader.post(f"/api/assignments/{mine}/progress", report)
    assert again.status_code == 200 and len(again.get_json()["reports"]) == 1
    assert state() == before
