"""Offering a need's work: rank the candidates, offer it to the next ones, and say so when no one is left.

Broadcast keeps up to K offers out at once; sequential keeps one. Called after a need is posted and whenever an
offer closes without filling the need (declined, expired, aborted, cancelled). Runs inside the caller's
transaction; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.failover import planned_steps
from dispatch.domain.incidents import DispatchPolicy, NeedStatus
from dispatch.domain.matching import RankedCandidate, rank_candidates
from dispatch.domain.plans.designated import designated_first, then_ranked
from dispatch.extensions import db
from dispatch.models import Assignment, Need, NeedDesignation, Organization
from dispatch.services import events
from dispatch.services.dispatch.candidates import candidates
from dispatch.services.noted_events import NotedMessage

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: easy to read aloud and type on a keypad
CODE_LENGTH = 4
# Every offer runs these: built once, run with parameters. Of each organization only what an offer needs (where to
# text, what the officer's board shows); with it, whether an open offer already uses one of the drawn codes.
_TAKEN = exists().where(
    Assignment.short_code.in_(bindparam("codes", expanding=True)), Assignment.state == AssignmentState.OFFERED
)
ORGANIZATIONS_AND_TAKEN = (
    select(Organization, _TAKEN)
    .options(load_only(Organization.name, Organization.base_lon, Organization.base_lat, Organization.leader_phone))
    .where(Organization.id.in_(bindparam("org_ids", expanding=True)))
)
INSERT_OFFERS = insert(Assignment).returning(Assignment, sort_by_parameter_order=True)


def ranked(need: Need, k: int = 50) -> list[RankedCandidate]:
    """The best candidates for the need now, best first, each with its score parts and reasons."""
    now = datetime.now(UTC)
    return rank_candidates(*candidates(need, now.date()), k=k)


def offer_more(need: Need, actor_id: int | None = None) -> list[Assignment]:
    """Top up the need's open offers to what its policy allows; mark it unfilled when no candidate is left."""
    if need.status is not NeedStatus.OPEN or need.still_needed <= 0:
        return []
    wanted = (need.broadcast_k if need.policy is DispatchPolicy.BROADCAST else 1) - _open_offers(need)
    if wanted <= 0:
        return []
    already = {a.organization_id for a in need.assignments}
    fresh = _next_candidates(need, wanted, already, _designated(need, already))
    made = make_offers(need, fresh, first_rank=len(already) + 1, actor_id=actor_id)
    if not made and _open_offers(need) == 0:
        _unfilled(need, actor_id)
    return made


def first_asked(need: Need, designated: tuple[int, ...], k: int) -> list[RankedCandidate]:
    """Who a need would be offered to first, up to ``k``: these designated organizations that could answer, in
    order, then the ranking's best (the preview of a plan's task)."""
    return _next_candidates(need, k, set(), list(designated))


def _next_candidates(need: Need, wanted: int, already: set[int], designated: list[int]) -> list[RankedCandidate]:
    """Who to ask next: the designated organizations not yet asked, in the plan's order, then the ranking's best of
    the rest."""
    spec, table = candidates(need, datetime.now(UTC).date())
    best = [c for c in rank_candidates(spec, table, k=wanted + len(already) + len(designated)) if c.org_id not in already]
    if not designated:
        return best[:wanted]
    return then_ranked(designated_first(designated, spec, table), best, wanted)


def _designated(need: Need, already: set[int]) -> list[int]:
    """The organizations designated for the need (only a need a plan posted has any), not yet asked, in order."""
    if need.plan_version_id is None:
        return []
    query = select(NeedDesignation.organization_id).where(NeedDesignation.need_id == need.id)
    return [org_id for org_id in db.session.scalars(query.order_by(NeedDesignation.position)) if org_id not in already]


def make_offer(need: Need, candidate: RankedCandidate, rank: int, actor_id: int | None = None) -> Assignment:
    return make_offers(need, [candidate], first_rank=rank, actor_id=actor_id)[0]


def make_offers(need: Need, candidates: list[RankedCandidate], first_rank: int, actor_id: int | None = None) -> list[Assignment]:
    """Offer the need to these organizations at once: one flush, one code check, one organization lookup."""
    if not candidates:
        return []
    now = datetime.now(UTC)
    organizations, codes = _organizations_and_codes([c.org_id for c in candidates])
    rows = [
        {
            "need_id": need.id, "organization_id": c.org_id, "state": AssignmentState.OFFERED, "short_code": code,
            "rank": rank, "score": c.score, "reason_zh": c.reason_zh[:200], "reason_en": c.reason_en[:200],
            "offered_at": now, "deadline": now + timedelta(seconds=need.offer_timeout_s),
        }
        for rank, (c, code) in enumerate(zip(candidates, codes, strict=True), start=first_rank)
    ]  # fmt: skip
    # Inserted in one statement that returns the rows as objects, past the unit of work's bookkeeping; what they
    # relate to is set as loaded (the need holds its offers, each offer its need and organization: no reload later).
    made = list(db.session.scalars(INSERT_OFFERS, rows))
    set_committed_value(need, "assignments", [*need.assignments, *made])
    for assignment, candidate in zip(made, candidates, strict=True):
        set_committed_value(assignment, "need", need)
        set_committed_value(assignment, "organization", organizations[assignment.organization_id])
        event = events.record(
            "offer.made",
            assignment=assignment,
            actor_id=actor_id,
            code=assignment.short_code,
            rank=assignment.rank,
            reason=candidate.reason_zh,
            reason_en=candidate.reason_en,  # the timeline shows the reader's language
        )
        _notify(assignment, organizations[assignment.organization_id], event)
    return made


def _notify(assignment: Assignment, organization: Organization, event) -> None:
    """The offer's SMS and voice steps, written to the outbox with the event (the socket push is the event's nudge).
    Each step is due when the failover of the incident's level says; it is skipped if the offer is answered first."""
    need = assignment.need
    params = {
        "code": assignment.short_code, "skills": [s.code for s in need.skills], "head_count": need.still_needed,
        "place": need.place_name, "place_en": need.place_name_en, "description": need.description,
        "deadline": assignment.deadline.isoformat(), "drill": need.incident.drill,
    }  # fmt: skip
    failover = current_app.config["FAILOVER"][need.incident.level.value]
    reachable = current_app.extensions["dispatch.channels"]  # a role no channel plays (voice without Twilio) is left out
    for step in planned_steps(failover, assignment.offered_at, assignment.deadline):
        if step.channel not in reachable:
            continue
        message = NotedMessage(
            channel=step.channel,
            organization_id=organization.id,
            assignment_id=assignment.id,
            recipient=organization.leader_phone,
            template="offer",
            params={**params, "reminder": True} if step.reminder else params,
            due_at=step.due_at,
        )
        events.send(message, event)


def _open_offers(need: Need) -> int:
    return sum(1 for a in need.assignments if a.state is AssignmentState.OFFERED)


def _unfilled(need: Need, actor_id: int | None) -> None:
    """No one left to ask: tell the duty officer, with what they can do next."""
    need.status = NeedStatus.UNFILLED
    options = (["widen_radius"] if need.radius_m is not None else []) + (
        ["escalate_to_county"] if not need.incident.escalated else []
    )
    events.record("need.unfilled", need=need, actor_id=actor_id, still_needed=need.still_needed, options=options)


def _organizations_and_codes(org_ids: list[int]) -> tuple[dict[int, Organization], list[str]]:
    """The organizations to offer to, and a code for each offer that no open offer is using (so a leader answering
    by SMS cannot answer the wrong offer), read in one statement.

    The codes are drawn in one batch and checked in the same query; a clash (rare: 22⁴ codes) draws again.
    """
    while True:
        codes = list(dict.fromkeys("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in org_ids))
        rows = db.session.execute(ORGANIZATIONS_AND_TAKEN, {"org_ids": org_ids, "codes": codes}).all()
        if len(codes) == len(org_ids) and not (rows and rows[0][1]):
            return {organization.id: organization for organization, _taken in rows}, codes
