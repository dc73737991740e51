"""Many hands at once: leaders pressing accept together, accepts racing the deadline, the sweeper racing a fill.
Whatever the order, each offer has one outcome, the accepted people never pass the head count, every request gets
a clear answer, and the database agrees with the answers given. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import Assignment
from dispatch.services.dispatch import answers
from dispatch.services.errors import Conflict, InvalidInput
from tests.integration.dispatch_helpers import (
    add_organizations,
    all_at_once,
    error_code,
    event_kinds,
    leader_of,
    make_overdue,
    need_body,
    need_row,
    open_incident,
    open_offers,
    post_need,
    posted_need,
    states,
)

CLEAR_REFUSALS = {"head_count.too_many", "offer.not_open", "need.not_open"}


def _accepted_in_database(need_id: int) -> dict[int, int]:
    """Assignment id → head count of the accepted offers of the need."""
    db.session.expire_all()
    return {a.id: a.head_count for a in need_row(need_id).assignments if a.state.value == "accepted"}


def test_the_same_post_pressed_many_times_at_once_makes_one_need_and_one_round_of_offers(app, world, browser):
    tabs = [browser(world.duty) for _ in range(6)]  # one officer, one key: a double click, or a retry racing the first
    incident = open_incident(tabs[0])
    calls = [lambda tab=tab: post_need(tab, incident["id"], need_body(world.cell_a1), key="double-click") for tab in tabs]

    responses = all_at_once(app, calls)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.get_json()["id"] for r in responses}) == 1
    need_id = responses[0].get_json()["id"]
    assert len(event_kinds(kind="need.posted")) == 1
    assert len(need_row(need_id).assignments) == len(responses[0].get_json()["assignments"]) > 0


def test_one_key_raced_to_two_incidents_makes_one_need_and_never_answers_with_the_other_incidents(app, world, browser):
    tabs = [browser(world.duty) for _ in range(6)]
    incidents = [open_incident(tabs[0])["id"], open_incident(tabs[0], title="另一起")["id"]]
    asked = [incidents[i % 2] for i in range(len(tabs))]
    calls = [
        lambda tab=tab, at=at: post_need(tab, at, need_body(world.cell_a1), key="raced")
        for tab, at in zip(tabs, asked, strict=True)
    ]

    responses = all_at_once(app, calls)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    made = [r for r in responses if r.status_code == 201]
    assert len(made) == 1
    winner = made[0].get_json()["incident_id"]
    for response, at in zip(responses, asked, strict=True):
        expected = {201, 200} if at == winner else {422}
        assert response.status_code in expected, (at, winner, response.get_json())
        if response.status_code in (200, 201):
            assert response.get_json()["incident_id"] == at
    assert len(event_kinds(kind="need.posted")) == 1


def test_many_leaders_pressing_accept_at_once_never_fill_a_need_past_its_head_count(app, world, browser):
    organizations = [world.org_a1, world.org_a1b, *add_organizations(world.community_a1, 6)]
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, head_count=10, broadcast_k=8)
    offers = {a["organization"]["id"]: a["id"] for a in need["assignments"]}
    assert len(offers) == 8
    leaders = [browser(world.leader if org is world.org_a1 else leader_of(org)) for org in organizations]
    asked = [3, 3, 3, 2, 2, 2, 1, 1]
    calls = [
        (lambda b=b, o=offers[org.id], n=n: b.post(f"/api/assignments/{o}/accept", {"head_count": n}))
        for b, org, n in zip(leaders, organizations, asked, strict=True)
    ]
    responses = all_at_once(app, calls)

    won = {}
    for response, org, n in zip(responses, organizations, asked, strict=True):
        assert not isinstance(response, Exception), response
        if response.status_code == 200:
            won[offers[org.id]] = n
        else:
            assert response.status_code in (409, 422) and error_code(response) in CLEAR_REFUSALS, response.get_json()
    assert won and sum(won.values()) <= 10
    assert _accepted_in_database(need["id"]) == won
    after = need_row(need["id"])
    assert after.accepted == sum(won.values())
    if after.accepted == 10:
        assert after.status.value == "filled" and open_offers(need["id"]) == []
    accepted_events = event_kinds(need["id"], "offer.accepted")
    assert {e.assignment_id: e.data["head_count"] for e in accepted_events} == won


def test_rounds_of_simultaneous_accepts_through_the_service_keep_the_count_exact(app, world, browser):
    organizations = [world.org_a1, world.org_a1b, *add_organizations(world.community_a1, 4, capacity=40)]
    for organization in (world.org_a1, world.org_a1b):  # won accepts keep people out: room for every round
        next(s for s in organization.skills if s.skill.code == "logistics").capacity = 40
    db.session.commit()
    actors = {org.id: (world.leader if org is world.org_a1 else leader_of(org)).actor() for org in organizations}
    duty = browser(world.duty)
    incident = open_incident(duty)
    for round_no in range(4):
        body = need_body(world.cell_a1, head_count=5 + round_no, broadcast_k=6)
        need = post_need(duty, incident["id"], body).get_json()
        asked = random.choices(range(1, 5), k=len(need["assignments"]))
        calls = [
            (lambda a=actors[o["organization"]["id"]], i=o["id"], n=n: answers.accept(a, i, n).head_count)
            for o, n in zip(need["assignments"], asked, strict=True)
        ]
        results = all_at_once(app, calls)
        assert all(isinstance(r, int | Conflict | InvalidInput) for r in results), results
        won = [r for r in results if isinstance(r, int)]
        assert won and sum(won) <= need["head_count"]
        assert sorted(_accepted_in_database(need["id"]).values()) == sorted(won)
        assert need_row(need["id"]).accepted == sum(won)


def _set_deadline(assignment_id: int, when: datetime) -> None:
    db.session.execute(update(Assignment).where(Assignment.id == assignment_id).values(deadline=when))
    db.session.commit()


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def test_an_accept_racing_the_deadline_either_wins_or_the_offer_expires_never_both(app, world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    actors = {world.org_a1.id: world.leader.actor(), world.org_a1b.id: leader_of(world.org_a1b).actor()}
    for organization in (world.org_a1, world.org_a1b):  # every won round keeps 2 people out: room for all eight
        next(s for s in organization.skills if s.skill.code == "logistics").capacity = 40
    db.session.commit()
    outcomes = set()
    for _ in range(8):
        need = post_need(duty, incident["id"], need_body(world.cell_a1, broadcast_k=1)).get_json()
        offer, org_id = need["assignments"][0]["id"], need["assignments"][0]["organization"]["id"]
        deadline = datetime.now(UTC) + timedelta(milliseconds=60)
        _set_deadline(offer, deadline)
        jitter = random.uniform(-0.008, 0.004)

        def accept(offer=offer, actor=actors[org_id], moment=deadline + timedelta(seconds=jitter)):
            _sleep_until(moment)
            return answers.accept(actor, offer, 2).state.value

        def expire(offer=offer, moment=deadline + timedelta(milliseconds=1)):
            _sleep_until(moment)
            return answers.expire_offer(offer)

        accepted, expired = all_at_once(app, [accept, expire])
        assert accepted == "accepted" or (isinstance(accepted, Conflict) and accepted.errors[0].code == "offer.not_open")
        assert expired in (True, False)
        assert (accepted == "accepted") != expired, (accepted, expired)  # exactly one outcome wins
        final = states(need["id"])[org_id]
        assert final == ("accepted" if accepted == "accepted" else "expired")
        answered = [e.kind for e in event_kinds(need["id"]) if e.assignment_id == offer and e.kind != "offer.made"]
        assert answered == ["offer.accepted" if accepted == "accepted" else "offer.expired"]
        assert need_row(need["id"]).accepted == (2 if accepted == "accepted" else 0)
        outcomes.add(final)
    assert outcomes <= {"accepted", "expired"}  # which side wins depends on the clock; never both


def test_the_same_offer_accepted_twice_at_once_is_accepted_once(app, world, browser):
    need = posted_need(browser(world.duty), world.cell_a1)
    offer = need["assignments"][0]["id"]
    phones = [browser(world.leader), browser(world.leader)]
    responses = all_at_once(app, [lambda b=b: b.post(f"/api/assignments/{offer}/accept", {"head_count": 2}) for b in phones])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.get_json() for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert error_code(refused) == "offer.not_open"
    assert need_row(need["id"]).accepted == 2 and len(event_kinds(need["id"], "offer.accepted")) == 1


def test_a_fill_racing_the_sweeper_on_the_needs_other_offers_leaves_one_outcome_per_offer(app, world, browser):
    add_organizations(world.community_a1, 3)
    next(s for s in world.org_a1.skills if s.skill.code == "logistics").capacity = 6  # room for a fill every round
    db.session.commit()
    duty = browser(world.duty)
    incident = open_incident(duty)
    actor = world.leader.actor()
    for _ in range(3):
        need = post_need(duty, incident["id"], need_body(world.cell_a1, head_count=2, broadcast_k=3)).get_json()
        mine, *others = [a["id"] for a in need["assignments"]]
        make_overdue(*others)
        filled, swept = all_at_once(app, [lambda m=mine: answers.accept(actor, m, 2).state.value, answers.sweep_overdue])
        assert filled == "accepted" and isinstance(swept, int), (filled, swept)
        after = need_row(need["id"])
        assert after.status.value == "filled" and after.accepted == 2
        assert open_offers(need["id"]) == []  # no offer made to a need already filled
        for other in others:
            closing = [e.kind for e in event_kinds(need["id"]) if e.assignment_id == other and e.kind != "offer.made"]
            assert closing in (["offer.expired"], ["offer.withdrawn"]), closing


def test_needs_posted_while_the_incident_moves_to_recovery_are_either_posted_before_it_or_refused(app, world, browser):
    duty = browser(world.duty)
    for _ in range(3):
        incident = open_incident(duty)
        url = f"/api/incidents/{incident['id']}"
        body = need_body(world.cell_a1, head_count=1)  # read here: the test's objects belong to this thread's session
        posts = [lambda url=url, body=body: duty.post(f"{url}/needs", body) for _ in range(4)]
        recovery = [lambda url=url: duty.post(f"{url}/status", {"status": "recovery"})]
        *posted, moved = all_at_once(app, posts + recovery)
        assert moved.status_code == 200, moved.get_json()
        for response in posted:
            assert response.status_code == 201 or error_code(response) == "incident.not_active", response.get_json()
        moved_at = next(e.id for e in event_kinds(kind="incident.recovery") if e.incident_id == incident["id"])
        posted_at = [e.id for e in event_kinds(kind="need.posted") if e.incident_id == incident["id"]]
        assert len(posted_at) == sum(r.status_code == 201 for r in posted)
        assert all(event_id < moved_at for event_id in posted_at)  # no need slipped in after the incident moved on
