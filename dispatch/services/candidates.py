"""Who could answer a need: the database's facts about eligible organizations, as a table for the pure ranking.

Eligible: active, based in the incident's jurisdiction (its lead subdistrict, or the county once escalated),
with a base location, offering every skill the need asks for. ``free`` is the least, over the need's skills, of
the people it can send for that skill (for a skill that needs a certificate: members holding one valid today),
minus the people it already has out on active assignments.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import and_, case, func, select

from dispatch.domain.assignments import ACTIVE_STATES, AssignmentState
from dispatch.domain.matching import CandidateTable, NeedSpec
from dispatch.extensions import db
from dispatch.models import Assignment, Certification, Member, Need, Organization, OrganizationSkill
from dispatch.models.organizations import organization_cells
from dispatch.services.scoping import candidate_communities

ANSWERED = (
    AssignmentState.ACCEPTED,
    AssignmentState.EN_ROUTE,
    AssignmentState.ON_SITE,
    AssignmentState.COMPLETED,
    AssignmentState.ABORTED,
)
# Offers that say something about an organization: answered, or left to expire. One still waiting (such as the
# offer just made), one withdrawn because others filled the need and work the officer called off say nothing of it.
DECIDED = (*ANSWERED, AssignmentState.DECLINED, AssignmentState.EXPIRED)
RECORD_DAYS = 365  # the reliability the reasons and the ranking use is the past year's


def need_spec(need: Need) -> NeedSpec:
    serving = db.session.scalars(select(organization_cells.c.organization_id).where(organization_cells.c.cell_id == need.cell_id))
    community_id = need.cell.community_id if need.cell else None
    skills = tuple(skill.code for skill in need.skills)
    return NeedSpec(skills, need.still_needed, need.lon, need.lat, need.cell_id, community_id, need.radius_m, frozenset(serving))


def candidate_table(need: Need, today: date) -> CandidateTable:
    skill_ids = [skill.id for skill in need.skills]
    rows = db.session.execute(
        select(Organization.id, Organization.base_lon, Organization.base_lat, Organization.community_id).where(
            Organization.active.is_(True),
            Organization.base_lon.is_not(None),
            Organization.community_id.in_(candidate_communities(need.incident)),
            *[Organization.skills.any(OrganizationSkill.skill_id == skill_id) for skill_id in skill_ids],
        )
    ).all()
    ids = [row[0] for row in rows]
    stats = _history(ids, since=_year_before(today))
    free = _free(ids, need, today, load={org_id: stats[org_id][0] for org_id in ids})
    return CandidateTable(
        org_ids=np.array(ids, dtype=np.int64),
        lons=np.array([row[1] for row in rows], dtype=float),
        lats=np.array([row[2] for row in rows], dtype=float),
        community_ids=np.array([row[3] for row in rows], dtype=np.int64),
        free=np.array([free[i] for i in ids], dtype=np.int64),
        load=np.array([stats[i][0] for i in ids], dtype=np.int64),
        offered=np.array([stats[i][1] for i in ids], dtype=np.int64),
        accepted=np.array([stats[i][2] for i in ids], dtype=np.int64),
        completed=np.array([stats[i][3] for i in ids], dtype=np.int64),
    )


def free_people(need: Need, organization_id: int, today: date) -> int:
    """People the organization could send now for the need's skills: the same count the ranking used."""
    load = {organization_id: _history([organization_id], since=_year_before(today))[organization_id][0]}
    return _free([organization_id], need, today, load)[organization_id]


def _free(ids: list[int], need: Need, today: date, load: dict[int, int]) -> dict[int, int]:
    """People each organization could send now for all of the need's skills."""
    per_skill: dict[int, dict[int, int]] = defaultdict(dict)
    capacities = select(OrganizationSkill.organization_id, OrganizationSkill.skill_id, OrganizationSkill.capacity)
    for org_id, skill_id, capacity in db.session.execute(
        capacities.where(OrganizationSkill.organization_id.in_(ids), OrganizationSkill.skill_id.in_([s.id for s in need.skills]))
    ):
        per_skill[org_id][skill_id] = capacity
    for skill in (s for s in need.skills if s.needs_certification):
        certified = _certified(ids, skill.id, today)
        for org_id in ids:
            per_skill[org_id][skill.id] = min(per_skill[org_id].get(skill.id, 0), certified.get(org_id, 0))
    return {org_id: max(0, min(per_skill[org_id].values(), default=0) - load.get(org_id, 0)) for org_id in ids}


def _certified(ids: list[int], skill_id: int, today: date) -> dict[int, int]:
    query = (
        select(Member.organization_id, func.count(func.distinct(Member.id)))
        .join(Certification)
        .where(Member.organization_id.in_(ids), Certification.skill_id == skill_id, Certification.expires_on >= today)
        .group_by(Member.organization_id)
    )
    return dict(db.session.execute(query).all())


def _year_before(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=RECORD_DAYS), time(), tzinfo=UTC)


def _history(ids: list[int], since: datetime) -> dict[int, tuple[int, int, int, int]]:
    """(people out now, offers decided, offers accepted, assignments completed) per organization; the last three
    count the offers made since ``since``."""
    recent = Assignment.offered_at >= since
    query = (
        select(
            Assignment.organization_id,
            func.sum(case((Assignment.state.in_(ACTIVE_STATES), Assignment.head_count), else_=0)),
            func.sum(case((and_(recent, Assignment.state.in_(DECIDED)), 1), else_=0)),
            func.sum(case((and_(recent, Assignment.state.in_(ANSWERED)), 1), else_=0)),
            func.sum(case((and_(recent, Assignment.state == AssignmentState.COMPLETED), 1), else_=0)),
        )
        .where(Assignment.organization_id.in_(ids), Assignment.state != AssignmentState.WITHDRAWN)
        .group_by(Assignment.organization_id)
    )
    found = {row[0]: tuple(int(v or 0) for v in row[1:]) for row in db.session.execute(query)}
    return defaultdict(lambda: (0, 0, 0, 0), found)
