"""Many organizations' scorecards at once (a county's, a province's): on PostgreSQL the database computes them
(dispatch/services/records/evaluations_postgresql.py), and they must be the fold's (dispatch/domain/evaluation.py), card
for card and to the last bit, on real traffic and on logs the services never write; on SQLite the fold runs."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Assignment, Event, Organization, Subdistrict
from dispatch.services import events
from dispatch.services.dispatch.answers import sweep_overdue
from dispatch.services.records import evaluations, evaluations_postgresql
from dispatch.services.records.evaluations import _beijing_midnight
from dispatch.services.records.evaluations_postgresql import scorecards_postgresql
from tests.factories import make_member, make_user
from tests.integration.dispatch_helpers import add_organizations, leader_of, make_overdue, need_body, open_incident, post_need
from tests.integration.test_evaluations import YEAR, a_season_of_work, offer_to
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_recovery import a_task, to_recovery, work_of
from tests.integration.test_standby import asked_minutes_ago, polls, warn

# 1 April 2026 00:00 in Beijing: the log is spread around it, so Q1 and Q2 each hold part of the same work.
EDGE = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
PERIODS = ("2026", "2026-Q1", "2026-Q2", "2026-H1", "2026-03", "2026-04", "2025")


def test_the_database_gives_the_folds_scorecards_for_varied_traffic(world, browser):
    a_season_of_work(world, browser)  # accepted, completed, declined; a drill; training; an upheld complaint
    more_traffic(world, browser)  # filled and withdrawn, expired, recovery work with hours logged, another subdistrict
    standby_traffic(world, browser)  # two warnings, the second asked through the first's questions; answered,
    spread_around_the_edge()  # answered again, asked again, never answered

    for period in PERIODS:
        fold = all_cards_folded(period)
        split = evaluations.scorecards_by_subdistrict(subdistrict_ids(), *evaluations.period_bounds(period))
        assert {org: card for cards in split.values() for org, card in cards.items()} == fold, period
        if db.engine.dialect.name == "postgresql":
            assert in_the_database(period) == fold, period
    year, q1, q2 = (sum(c.real.offers + c.drill.offers for c in all_cards_folded(p).values()) for p in PERIODS[:3])
    assert q1 and q2 and q1 + q2 == year
    year, q1, q2 = (sum(c.standby.polls for c in all_cards_folded(p).values()) for p in PERIODS[:3])
    assert year == 2 and q1 + q2 == year  # the second warning's polls rode on the first's questions: none of their own


def test_the_database_follows_the_fold_on_logs_the_services_never_write(world, browser):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the database computes scorecards on PostgreSQL only")
    a_season_of_work(world, browser)
    more_traffic(world, browser)
    standby_traffic(world, browser)
    odd_sequences(world)
    odd_standby(world)
    spread_around_the_edge()

    for period in PERIODS:
        assert in_the_database(period) == all_cards_folded(period), period


def test_making_the_cards_may_outlast_the_limit_on_idle_transactions(world, browser, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the limit is PostgreSQL's")
    a_season_of_work(world, browser)
    made = evaluations_postgresql._scorecard
    monkeypatch.setattr(evaluations_postgresql, "_scorecard", lambda *card: time.sleep(0.25) or made(*card))  # slow
    db.session.execute(text("SET LOCAL idle_in_transaction_session_timeout = '300ms'"))

    cards = in_the_database(YEAR)  # a second of Python after the last query

    assert db.session.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "300ms"  # put back
    assert cards == all_cards_folded(YEAR)


def more_traffic(world, browser) -> None:
    duty, leader = browser(world.duty), browser(world.leader)
    others = add_organizations(world.community_a1, 2)
    real = open_incident(duty)["id"]
    filled = post_need(duty, real, need_body(world.cell_a1, head_count=1, broadcast_k=3)).get_json()
    first = browser(leader_of(others[0])).post(
        f"/api/assignments/{offer_to(filled['id'], others[0]).id}/accept", {"head_count": 1}
    )
    assert first.status_code == 200  # the need is filled: the other offers are withdrawn

    lapsed = post_need(duty, real, need_body(world.cell_a1, head_count=2, broadcast_k=2)).get_json()
    make_overdue(*(a["id"] for a in lapsed["assignments"]))
    assert sweep_overdue() >= 1

    incident = open_incident(duty)
    to_recovery(duty, incident["id"])
    task = a_task(duty, incident["id"], world.cell_a1)
    mine = work_of(task, world.org_a1)
    assert leader.post(f"/api/assignments/{mine}/accept", {"head_count": 2}).status_code == 200
    for step, body in (("depart", {}), ("arrive", {})):
        assert leader.post(f"/api/assignments/{mine}/{step}", body).status_code == 200
    leader.post(f"/api/assignments/{mine}/progress", {"percent": 30, "note": "清淤", "people": 2})  # no hours
    leader.post(f"/api/assignments/{mine}/progress", {"percent": 80, "people": 2, "hours": 4.5})
    assert leader.post(f"/api/assignments/{mine}/complete", {"people": 2}).status_code == 200

    drill = post_need(duty, open_incident(duty, drill=True)["id"], need_body(world.cell_a1, head_count=2)).get_json()
    theirs, their_leader = offer_to(drill["id"], world.org_a1b).id, browser(leader_of(world.org_a1b))
    for step, body in (("accept", {"head_count": 2}), ("depart", {}), ("arrive", {}), ("complete", {})):
        assert their_leader.post(f"/api/assignments/{theirs}/{step}", body).status_code == 200  # people: the head count

    officer_a2 = browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    elsewhere = post_need(officer_a2, open_incident(officer_a2)["id"], need_body(world.cell_a2, head_count=2)).get_json()
    assert officer_a2.post(f"/api/assignments/{offer_to(elsewhere['id'], world.org_a2).id}/decline", {}).status_code == 200
    member = make_member(world.org_a2)
    db.session.commit()
    course = {"title": "防汛演练", "organizer": "街道", "held_on": datetime.now(UTC).date().isoformat(), "hours": 2.5}
    session = officer_a2.post("/api/training-sessions", course).get_json()
    officer_a2.post(f"/api/training-sessions/{session['id']}/attendees", {"member_ids": [member.id]})


def odd_sequences(world) -> None:
    """What a log could hold although no service writes it so: an offer made again, accepted twice, arriving before
    accepting, progress without hours or with zero, a head count left from an earlier offer, data given as text,
    hours whose sum depends on the order they are added in (0.1 + 0.2 + 0.3), a training without hours."""
    done = first_assignment(world.org_a1, AssignmentState.COMPLETED)
    drilled = first_assignment(world.org_a1b, AssignmentState.COMPLETED)
    declined, refused = (
        first_assignment(world.org_a2, AssignmentState.DECLINED),
        first_assignment(world.org_a1b, AssignmentState.DECLINED),
    )
    for kind, assignment, data in (
        ("assignment.progress", done, {"hours": 2}),
        ("offer.made", done, {}),
        ("assignment.on_site", done, {}),  # before this offer is accepted: not an arrival
        ("offer.accepted", done, {"head_count": "4"}),
        ("offer.accepted", done, {}),  # again, without a head count
        ("assignment.progress", done, {"hours": 0}),
        ("assignment.on_site", done, {}),
        ("assignment.completed", done, {}),
        ("assignment.completed", done, {"people": 2.7}),
        ("offer.made", drilled, {}),
        ("assignment.completed", drilled, {"people": None}),  # the head count of the earlier offer is not this one's
        ("offer.declined", refused, {}),  # the same offer declined twice
        ("offer.made", declined, {}),
        *(("assignment.progress", declined, {"hours": hours}) for hours in ("0.1", 0.2, 0.3)),
        ("offer.expired", declined, {}),
    ):
        events.record(kind, assignment=assignment, **data)
    events.record("training.attended", organization_id=world.org_a1b.id)
    events.record("training.attended", organization_id=world.org_a1b.id, hours=None)
    events.record("complaint.upheld", organization_id=world.org_a2.id)
    db.session.commit()


def standby_traffic(world, browser) -> None:
    """Two warnings put A1 and A1b on standby, the second through the first's questions (neither team is texted
    again while it has one open): A1 answers the first, then changes its answer, and leaves the second unanswered;
    A1b answers the second at once on its phone, and is asked the first again and answers it."""
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    first, second = warn(duty, world), warn(duty, world, colour="yellow", headline="暴雨黄色预警")
    poll = {(p.warning_id, p.organization_id): p.id for p in polls()}
    assert len(poll) == 4 and [p.shared_poll_id is not None for p in polls()] == [False, False, True, True]
    leader, their_leader = browser(world.leader), browser(leader_of(world.org_a1b))
    for ready in (4, 2):
        assert leader.post(f"/api/standby/{poll[first['id'], world.org_a1.id]}/answer", {"ready": ready}).status_code == 200
    assert their_leader.post(f"/api/standby/{poll[second['id'], world.org_a1b.id]}/answer", {"ready": 3}).status_code == 200
    asked_minutes_ago(6)
    assert duty.post(f"/api/warnings/{first['id']}/ask-again").get_json()["asked"] == 1  # A1b: A1 answered
    assert their_leader.post(f"/api/standby/{poll[first['id'], world.org_a1b.id]}/answer", {"ready": 0}).status_code == 200


def odd_standby(world) -> None:
    """Standby as no service writes it: an answer before its poll was asked, a poll asked twice, warning and count
    given as text or as a fraction, an answer without a count, events that name no warning."""
    for kind, data in (
        ("standby.answered", {"warning_id": 9001, "ready": 3}),  # before the ask: not this poll's
        ("standby.asked", {"warning_id": 9001, "poll_id": 1}),
        ("standby.asked", {"warning_id": 9001, "poll_id": 1}),  # asked twice: still one poll, asked at the first
        ("standby.answered", {"warning_id": "9001", "ready": "4"}),
        ("standby.answered", {"warning_id": 9001.0, "ready": None}),
        ("standby.answered", {"ready": 5}),
        ("standby.asked", {"warning_id": None}),
        ("standby.asked_again", {"warning_id": 9002}),
        ("standby.asked", {"warning_id": 9002}),
        ("standby.answered", {"warning_id": 9002, "ready": 2.7}),
        ("standby.asked", {"warning_id": 9003, "shared_poll_id": 1}),  # asked through poll 1's question
        ("standby.asked", {"warning_id": 9003}),  # an ask repeated: still the shared poll
        ("standby.answered", {"warning_id": 9003, "ready": 4}),
        ("standby.asked", {"warning_id": 9004, "shared_poll_id": None}),  # no earlier poll named: its own
        ("standby.answered", {"warning_id": 9004, "ready": 1}),
        ("standby.asked", {"warning_id": 9005, "shared_poll_id": "1"}),
        ("standby.answered", {"warning_id": 9005, "ready": 7}),
    ):
        events.record(kind, organization_id=world.org_a2.id, **data)
    events.record("standby.asked", organization_id=world.org_a1.id, warning_id=9001)  # another team, the same warning
    db.session.commit()


def first_assignment(organization, state: AssignmentState) -> Assignment:
    query = select(Assignment).where(Assignment.organization_id == organization.id, Assignment.state == state)
    return db.session.scalars(query.order_by(Assignment.id)).first()


def spread_around_the_edge() -> None:
    """Every event moved, in log order, to uneven times (microseconds too) running across ``EDGE``; the middle one
    exactly on it, which belongs to the later period."""
    ids = list(db.session.scalars(select(Event.id).order_by(Event.id)))
    steps = random.Random(16).choices(range(1, 900_000_000), k=len(ids))  # up to 15 minutes, in microseconds
    middle = len(ids) // 2
    at = EDGE - timedelta(microseconds=sum(steps[1 : middle + 1]))
    for event_id, step in zip(ids, [0, *steps[1:]], strict=True):
        at += timedelta(microseconds=step)
        db.session.execute(update(Event).where(Event.id == event_id).values(at=at))
    db.session.commit()
    assert db.session.scalar(select(Event.at).where(Event.id == ids[middle])) == EDGE


def subdistrict_ids() -> list[int]:
    return list(db.session.scalars(select(Subdistrict.id)))


def organization_ids() -> list[int]:
    return list(db.session.scalars(select(Organization.id).order_by(Organization.id)))


def all_cards_folded(period: str) -> dict:
    """The reference: the fold over the log as the service reads it."""
    return evaluations.scorecards(organization_ids(), *evaluations.period_bounds(period))


def in_the_database(period: str) -> dict:
    starts_on, ends_on = evaluations.period_bounds(period)
    return scorecards_postgresql(organization_ids(), _beijing_midnight(starts_on), _beijing_midnight(ends_on))
