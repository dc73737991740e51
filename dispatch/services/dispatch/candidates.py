"""Who could answer a need: the database's facts about eligible organizations, as a table for the pure ranking.

Eligible: active, based in the incident's jurisdiction (its lead subdistrict, or the county once escalated),
with a base location, offering every skill the need asks for. ``free`` is the least, over the need's skills, of
the people it can send for that skill, minus the people it already has out on active assignments.

The people it can send for a skill: of the number it declared, those it lists as members with the skill count as
they stand, on duty (在岗) or off (休息), and those it does not list count as on duty; when it lists more than it
declared, the declared number caps those on duty. For a skill that needs a certificate, no more than its members on
duty holding one valid today. An organization that
lists members but has none on duty sends nobody: its leader has stood the whole team down. Members forgotten
(left) are not on the roster. A member off duty until a time is on duty again once that time has passed.

The facts come from one statement (organizations, their record, their capacity on duty and whether they serve the
need's cell): posting a need runs this, so every round trip counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import numpy as np
from sqlalchemy import Select, and_, bindparam, case, func, literal_column, or_, select

from dispatch.domain.assignments import ACTIVE_STATES, AssignmentState
from dispatch.domain.matching import CandidateTable, NeedSpec
from dispatch.domain.plans.standby import capped, left_of_answer
from dispatch.extensions import db
from dispatch.models import (
    Assignment,
    Certification,
    EarlyWarning,
    Member,
    Need,
    Organization,
    OrganizationSkill,
    Skill,
    StandbyPoll,
)  # fmt: skip
from dispatch.models.organizations import member_skills, organization_cells
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
NOT_IN_HISTORY = (AssignmentState.WITHDRAWN, AssignmentState.OFFERED)  # neither decided, answered nor out
DECIDED = (*ANSWERED, AssignmentState.DECLINED, AssignmentState.EXPIRED)
RECORD_DAYS = 365  # the reliability the reasons and the ranking use is the past year's
# Written into the statement rather than bound: every bound value is work on each run of the hot path.
ZERO, ONE = literal_column("0"), literal_column("1")


def candidates(need: Need, today: date) -> tuple[NeedSpec, CandidateTable]:
    """The need as the ranking sees it, and its candidates, from one read of the organizations' facts."""
    rows = _facts(need, today)
    serving = frozenset(row.org_id for row in rows if row.serves)
    return need_spec(need, serving), _table(rows)


def candidate_table(need: Need, today: date) -> CandidateTable:
    return _table(_facts(need, today))


def need_spec(need: Need, serving: frozenset[int]) -> NeedSpec:
    """The need as plain values; ``serving``: the candidates whose service area holds its cell."""
    community_id = need.cell.community_id if need.cell else None
    skills = tuple(skill.code for skill in need.skills)
    return NeedSpec(skills, need.still_needed, need.lon, need.lat, need.cell_id, community_id, need.radius_m, serving)


def free_people(need: Need, organization_id: int, today: date) -> int:
    """People the organization could send now for the need's skills: the same count the ranking used."""
    rows = _facts(need, today, organization_id)
    return rows[0].free if rows else 0


def _table(rows: list) -> CandidateTable:
    return CandidateTable(
        org_ids=np.array([row.org_id for row in rows], dtype=np.int64),
        lons=np.array([row.lon for row in rows], dtype=float),
        lats=np.array([row.lat for row in rows], dtype=float),
        community_ids=np.array([row.community_id for row in rows], dtype=np.int64),
        free=np.array([row.free for row in rows], dtype=np.int64),
        load=np.array([row.load for row in rows], dtype=np.int64),
        offered=np.array([row.offered for row in rows], dtype=np.int64),
        accepted=np.array([row.accepted for row in rows], dtype=np.int64),
        completed=np.array([row.completed for row in rows], dtype=np.int64),
        ready=np.array([-1 if row.ready is None else row.ready for row in rows], dtype=np.int64),
    )


class _Facts:
    """One organization's row: where it is, its record, what it could send now, whether it serves the need's cell."""

    __slots__ = ("accepted", "community_id", "completed", "free", "lat", "load", "lon", "offered", "org_id", "ready", "serves")

    def __init__(self, row) -> None:
        self.org_id, self.lon, self.lat, self.community_id = row[0], row[1], row[2], row[3]
        self.load, self.offered, self.accepted, self.completed = (int(v or 0) for v in row[4:8])
        self.ready = None if row[10] is None else int(row[10])  # its standby answer while a warning stands
        self.free = capped(max(0, int(row[8] or 0) - self.load), left_of_answer(self.ready, row[11]))
        self.serves = bool(row[9])


def _facts(need: Need, today: date, organization_id: int | None = None) -> list[_Facts]:
    """The facts of the need's eligible organizations (or of the one given), in one statement."""
    which = {"organization_id": organization_id} if organization_id is not None else _eligibility(need)
    params = {
        "skill_ids": sorted({s.id for s in need.skills}), "since": _year_before(today), "cell_id": need.cell_id,
        "today": today, "now": datetime.now(UTC), **which,
    }  # fmt: skip
    statement = _facts_statement(one_organization=organization_id is not None)
    rows = db.session.connection().execute(statement, params).all()  # rows, not objects: past the session's work
    return [_Facts(row) for row in rows]


def _eligibility(need: Need) -> dict[str, object]:
    """The parameters that say who may answer the need: its incident's jurisdiction, and how many skills it asks."""
    incident = need.incident
    county = incident.subdistrict.county_id if incident.escalated else None
    return {
        "lead_subdistrict": incident.subdistrict_id,
        "escalated_county": county,
        "skill_count": len({s.id for s in need.skills}),
    }


@cache
def _facts_statement(one_organization: bool) -> Select:
    """Built once per process and run with parameters: building and keying a statement this size costs more than
    running it."""
    skill_ids = bindparam("skill_ids", expanding=True)
    if one_organization:
        criteria = [Organization.id == bindparam("organization_id")]
    else:
        offering_all = (
            select(OrganizationSkill.organization_id)
            .where(OrganizationSkill.skill_id.in_(skill_ids))
            .group_by(OrganizationSkill.organization_id)
            .having(func.count(func.distinct(OrganizationSkill.skill_id)) == bindparam("skill_count"))
        )
        criteria = [
            Organization.active.is_(True),
            Organization.base_lon.is_not(None),
            Organization.community_id.in_(candidate_communities()),
            Organization.id.in_(offering_all),
        ]
    orgs = select(Organization.id, Organization.base_lon, Organization.base_lat, Organization.community_id)
    orgs = orgs.where(*criteria).cte("candidate_organizations")
    ids = select(orgs.c.id)
    history, capacity, standby = _history(ids, since=bindparam("since")), _capacity(ids, skill_ids), _standby(ids)
    taken = _taken_since_answer(standby)
    serving = select(organization_cells.c.organization_id).where(organization_cells.c.cell_id == bindparam("cell_id"))
    return (
        select(
            orgs, history.c.load, history.c.offered, history.c.accepted, history.c.completed, capacity.c.capacity,
            orgs.c.id.in_(serving), standby.c.ready, taken.c.people,
        )
        .outerjoin(history, history.c.org_id == orgs.c.id)
        .outerjoin(capacity, capacity.c.org_id == orgs.c.id)
        .outerjoin(standby, standby.c.org_id == orgs.c.id)
        .outerjoin(taken, taken.c.org_id == orgs.c.id)
    )  # fmt: skip


def _standby(ids):
    """Per organization: the fewest people it said it has ready (备勤), among its answers to warnings in force now,
    and when it first answered one of them."""
    now = bindparam("now", type_=Member.off_until.type)
    return (
        select(
            StandbyPoll.organization_id.label("org_id"), func.min(StandbyPoll.ready).label("ready"),
            func.min(StandbyPoll.answered_at).label("answered_at"),
        )
        .join(EarlyWarning, EarlyWarning.id == StandbyPoll.warning_id)
        .where(
            StandbyPoll.organization_id.in_(ids), StandbyPoll.ready.is_not(None), EarlyWarning.lifted_at.is_(None),
            EarlyWarning.effective_at <= now, EarlyWarning.expires_at > now,
        )
        .group_by(StandbyPoll.organization_id)
        .subquery()
    )  # fmt: skip


def _taken_since_answer(standby):
    """Per organization that answered standby: the people on its accepted, en-route or on-site work accepted since
    it first answered (work it had before it answered is not what the answer counted)."""
    return (
        select(Assignment.organization_id.label("org_id"), func.sum(Assignment.head_count).label("people"))
        .join(standby, standby.c.org_id == Assignment.organization_id)
        .where(Assignment.state.in_(ACTIVE_STATES), Assignment.answered_at >= standby.c.answered_at)
        .group_by(Assignment.organization_id)
        .subquery()
    )


def _capacity(ids, skill_ids):
    """The people each organization can send now for all of the need's skills (see the module's docstring)."""
    per_skill = _per_skill(ids, skill_ids)
    people, certified = per_skill.c.people, per_skill.c.certified
    capacity = case((per_skill.c.org_id.in_(_stood_down(ids)), ZERO), (certified < people, certified), else_=people)
    return select(per_skill.c.org_id, capacity.label("capacity")).subquery()


def _per_skill(ids, skill_ids):
    """Per organization, the least over the need's skills of the people on duty, and of the members on duty holding
    a valid certificate (over the skills that need one; NULL when none does)."""
    listed, held, people, certified = _skill_staffing(ids, skill_ids)
    org, skill = OrganizationSkill.organization_id, OrganizationSkill.skill_id
    return (
        select(org.label("org_id"), func.min(people).label("people"), func.min(certified).label("certified"))
        .join(Skill, Skill.id == skill)
        .outerjoin(listed, and_(listed.c.org_id == org, listed.c.skill_id == skill))
        .outerjoin(held, and_(held.c.org_id == org, held.c.skill_id == skill))
        .where(org.in_(ids), skill.in_(skill_ids))
        .group_by(org)
        .subquery()
    )


def _skill_staffing(ids, skill_ids):
    """For each organization's skill (of ``skill_ids``, or all): who is listed and on duty, who holds a certificate,
    and as SQL over those, the people on duty it can send, and the certificate holders among them (NULL for a skill
    that needs none)."""
    on_duty = _on_duty_now()
    listed, held = _listed(ids, skill_ids, on_duty), _certified(ids, skill_ids, on_duty)
    declared = OrganizationSkill.capacity
    members, on = func.coalesce(listed.c.members, ZERO), func.coalesce(listed.c.on_duty, ZERO)
    # The declared people it does not list count as on duty; those it lists, as they stand; never more than declared.
    people = case((declared > members, declared - members + on), (on < declared, on), else_=declared)
    certified = case((Skill.needs_certification, func.coalesce(held.c.people, ZERO)))
    return listed, held, people, certified


def ready_to_send(ids) -> Select:
    """Per organization (of the ``ids`` statement), for the county overview: the people on duty it can send for its
    best-staffed skill, counted as the ranking counts them (certificates, and none when its leader stood the team
    down), the fewest it said it has ready among warnings in force (NULL when not asked or not answered), and the
    people it has accepted work for since it answered. Binds ``now`` and ``today``."""
    listed, held, people, certified = _skill_staffing(ids, None)
    sendable = case((certified < people, certified), else_=people)
    org, skill = OrganizationSkill.organization_id, OrganizationSkill.skill_id
    best = (
        select(org.label("org_id"), func.max(sendable).label("people"))
        .join(Skill, Skill.id == skill)
        .outerjoin(listed, and_(listed.c.org_id == org, listed.c.skill_id == skill))
        .outerjoin(held, and_(held.c.org_id == org, held.c.skill_id == skill))
        .where(org.in_(ids))
        .group_by(org)
        .subquery()
    )
    standby = _standby(ids)
    taken = _taken_since_answer(standby)
    people_now = case((best.c.org_id.in_(_stood_down(ids)), ZERO), else_=best.c.people)
    return (
        select(best.c.org_id, people_now.label("people"), standby.c.ready, taken.c.people.label("taken"))
        .outerjoin(standby, standby.c.org_id == best.c.org_id)
        .outerjoin(taken, taken.c.org_id == best.c.org_id)
    )


def _on_duty_now():
    """A member on duty at ``now``, as SQL: ``Member.on_duty_at``. NULL, not false, for one off with no time set:
    counted and filtered on, never negated."""
    return or_(Member.on_duty, Member.off_until <= bindparam("now", type_=Member.off_until.type))


def _roster(ids):
    return and_(Member.organization_id.in_(ids), Member.forgotten_at.is_(None))


def _listed(ids, skill_ids, on_duty):
    """Per organization and skill: the members listing the skill, and how many of them are on duty."""
    return (
        select(
            Member.organization_id.label("org_id"), member_skills.c.skill_id,
            func.count().label("members"), func.count(case((on_duty, ONE))).label("on_duty"),
        )
        .join(member_skills, member_skills.c.member_id == Member.id)
        .where(_roster(ids), *_of_skills(member_skills.c.skill_id, skill_ids))
        .group_by(Member.organization_id, member_skills.c.skill_id)
        .subquery()
    )  # fmt: skip


def _certified(ids, skill_ids, on_duty):
    """Per organization and skill: its members on duty holding a certificate for it valid today."""
    return (
        select(Member.organization_id.label("org_id"), Certification.skill_id, func.count(func.distinct(Member.id)).label("people"))
        .join(Certification, Certification.member_id == Member.id)
        .where(
            Member.organization_id.in_(ids), *_of_skills(Certification.skill_id, skill_ids),
            Certification.expires_on >= bindparam("today", type_=Certification.expires_on.type), on_duty,
        )
        .group_by(Member.organization_id, Certification.skill_id)
        .subquery()
    )  # fmt: skip


def _of_skills(column, skill_ids) -> list:
    """The condition keeping rows of these skills; none when ``skill_ids`` is None (every skill)."""
    return [] if skill_ids is None else [column.in_(skill_ids)]


def _stood_down(ids):
    """The organizations that list members and have none of them on duty: their leader stood the team down."""
    on_duty = func.count(case((_on_duty_now(), ONE)))
    return select(Member.organization_id).where(_roster(ids)).group_by(Member.organization_id).having(on_duty == ZERO)


def _year_before(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=RECORD_DAYS), time(), tzinfo=UTC)


def _history(ids, since):
    """(people out now, offers decided, offers accepted, assignments completed) per organization; the last three
    count the offers made since ``since``. Offers still waiting count towards none of them, so their rows are not
    read: a team with many unanswered offers (a long night of a typhoon) costs every need no more."""
    recent = Assignment.offered_at >= since
    return (
        select(
            Assignment.organization_id.label("org_id"),
            func.sum(case((Assignment.state.in_(ACTIVE_STATES), Assignment.head_count), else_=0)).label("load"),
            func.sum(case((and_(recent, Assignment.state.in_(DECIDED)), 1), else_=0)).label("offered"),
            func.sum(case((and_(recent, Assignment.state.in_(ANSWERED)), 1), else_=0)).label("accepted"),
            func.sum(case((and_(recent, Assignment.state == AssignmentState.COMPLETED), 1), else_=0)).label("completed"),
        )
        .where(Assignment.organization_id.in_(ids), Assignment.state.not_in(NOT_IN_HISTORY))
        .group_by(Assignment.organization_id)
        .subquery()
    )
