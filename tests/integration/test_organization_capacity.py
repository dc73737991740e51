"""An organization's free people are one limit across all its needs: one leader accepting several needs at once, or
many organizations accepting many needs at once, never sends more people than an organization has free, nor more
than a need asks for. Runs on SQLite and on PostgreSQL (where the accepts really overlap)."""

from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy import select

from dispatch.domain.assignments import ACTIVE_STATES, AssignmentState
from dispatch.domain.incidents import NeedStatus
from dispatch.extensions import db
from dispatch.models import Assignment, Need
from dispatch.services.dispatch import answers
from dispatch.services.errors import InvalidInput
from tests.factories import make_incident, make_need, make_offer, make_organization
from tests.integration.dispatch_helpers import all_at_once, leader_of

CLEAR_REFUSALS = {"head_count.over_capacity", "head_count.too_many", "offer.not_open", "need.not_open"}


def _people_out() -> dict[int, int]:
    """Organization id → people on accepted or ongoing work, fresh from the database."""
    db.session.expire_all()
    out: dict[int, int] = defaultdict(int)
    for org_id, people in db.session.execute(
        select(Assignment.organization_id, Assignment.head_count).where(Assignment.state.in_(ACTIVE_STATES))
    ):
        out[org_id] += people
    return out


def _accepted_per_need() -> dict[int, tuple[int, int]]:
    """Need id → (people accepted on its offers, head count)."""
    db.session.expire_all()
    accepted: dict[int, int] = defaultdict(int)
    for need_id, people in db.session.execute(
        select(Assignment.need_id, Assignment.head_count).where(Assignment.state.in_(ACTIVE_STATES))
    ):
        accepted[need_id] += people
    return {need.id: (accepted[need.id], need.head_count) for need in db.session.scalars(select(Need))}


def _refusal_is_clear(result) -> bool:
    return isinstance(result, InvalidInput) and result.errors[0].code in CLEAR_REFUSALS


def test_one_leader_accepting_five_needs_at_once_never_sends_more_people_than_the_organization_has(app, world):
    incident = make_incident(world.sub_a1)
    organization = make_organization(world.community_a1, [world.cell_a1], skills={"logistics": 3})
    offers = [make_offer(make_need(incident, world.cell_a1, head_count=5), organization).id for _ in range(5)]
    actor = leader_of(organization).actor()
    for _round in range(3):
        for offer in offers:  # every round starts with all five offers open and nobody out
            db.session.get(Assignment, offer).state = AssignmentState.OFFERED
        db.session.commit()
        results = all_at_once(app, [lambda o=o: answers.accept(actor, o, 3).head_count for o in offers])

        assert all(r == 3 or _refusal_is_clear(r) for r in results), results
        assert results.count(3) == 1, results  # the first wins; every other need would overcommit the three people
        assert _people_out()[organization.id] == 3
        _take_back(offers)


def test_a_storm_of_accepts_by_many_organizations_on_many_needs_keeps_both_limits(app, world):
    rng = random.Random(12)
    incident = make_incident(world.sub_a1)
    organizations = [
        make_organization(world.community_a1, [world.cell_a1], skills={"logistics": rng.randint(2, 6)}) for _ in range(4)
    ]
    needs = [make_need(incident, world.cell_a1, head_count=rng.randint(3, 8)) for _ in range(4)]
    offers = [(make_offer(need, org).id, org) for need in needs for org in organizations]
    actors = {org.id: leader_of(org).actor() for org in organizations}
    free = {org.id: org.skills[0].capacity for org in organizations}
    asked = [rng.randint(1, free[org.id]) for _offer, org in offers]
    calls = [
        (lambda o=offer, a=actors[org.id], n=n: answers.accept(a, o, n).head_count)
        for (offer, org), n in zip(offers, asked, strict=True)
    ]
    rng.shuffle(calls)

    results = all_at_once(app, calls)

    assert all(isinstance(r, int) or _refusal_is_clear(r) for r in results), results
    out = _people_out()
    assert all(out[org_id] <= free[org_id] for org_id in free), (dict(out), free)
    assert all(accepted <= head_count for accepted, head_count in _accepted_per_need().values())
    assert sum(r for r in results if isinstance(r, int)) == sum(out.values())


def _take_back(offer_ids: list[int]) -> None:
    """Reset the offers and their needs, so the next round races from the same start."""
    for offer_id in offer_ids:
        offer = db.session.get(Assignment, offer_id)
        offer.state, offer.head_count = AssignmentState.OFFERED, 0
        offer.need.accepted, offer.need.status = 0, NeedStatus.OPEN
    db.session.commit()
