"""Standby (备勤): a warning in force asks the teams its covering plans designate how many people they could send;
leaders answer on the phone page or by SMS (``备勤 5``, or a bare ``5`` while asked); the answer caps what the team
is offered until the warning ends (``dispatch/services/dispatch/candidates.py``). The rules are in
``dispatch/domain/plans/standby.py``.

A team is asked once per warning (the unique poll row); asking again re-sends to those who have not answered. A team
is texted one question at a time: one that has a question of another warning open (asked, not answered) is not
texted again for a new warning, as its one answer counts for every question open (``answer_by_sms``); its new poll
is made all the same (readiness counts it, the phone page shows it) and logged as asked through that earlier text.
Asking again texts a team at most once in ``ASK_AGAIN_AFTER``, whichever of its warnings asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.incidents import IncidentLevel
from dispatch.domain.plans.coverage import covers
from dispatch.domain.plans.standby import (
    PollFacts,
    Readiness,
    TaskFacts,
    UnreadStandby,
    capped,
    most_ready,
    read_standby_reply,
    readiness,
    standby_question,
    warning_words,
)
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.messages import message
from dispatch.models import (
    Assignment,
    Community,
    EarlyWarning,
    Member,
    Organization,
    OrganizationSkill,
    Plan,
    Skill,
    StandbyPoll,
)
from dispatch.personal_data.keys import phone_hash
from dispatch.services import events
from dispatch.services.dispatch.candidates import ready_to_send
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.noted_events import NotedMessage
from dispatch.services.notify.delivery import leader_language
from dispatch.services.plans.library import document_of, latest_version, territory_of
from dispatch.services.plans.task_needs import task_needs
from dispatch.services.registry.geography import places
from dispatch.services.scoping import organization_clause

ASK_AGAIN_AFTER = timedelta(minutes=5)  # a team is texted the question at most once in this long


@dataclass(frozen=True)
class SmsAnswer:
    outcome: str  # standby.answered | standby.none (said 备勤 with no question open) | standby.unreadable | standby.over_team
    reply: str


def subdistricts_of(warning: EarlyWarning) -> set[int]:
    indexed = places().cells
    return {found.subdistrict_id for cell in warning.cells if (found := indexed.get(cell.id)) is not None}


def covering_plans(warning: EarlyWarning) -> list[Plan]:
    """The county's plans in force that cover the warning: its category, its level (or the least grave when the
    source said none), its subdistricts or the whole county."""
    level = warning.level or IncidentLevel.IV
    places_ = subdistricts_of(warning)
    plans = db.session.scalars(
        select(Plan).where(Plan.county_id == warning.county_id, Plan.active, Plan.category == warning.category)
    )
    return [p for p in plans if covers(p.min_level, level) and (p.subdistrict_id is None or p.subdistrict_id in places_)]


def ask(warning: EarlyWarning, actor_id: int | None, with_skills: bool = False) -> int:
    """Ask every team the covering plans designate and that was not asked for this warning (``with_skills``: and
    every active team in the warning's subdistricts offering a skill the plans' tasks need); returns how many.
    Written in the caller's transaction (the caller commits)."""
    if not warning.in_force(datetime.now(UTC)):
        return 0
    wanted, skills = [], set()
    for plan in covering_plans(warning):
        found, _errors = task_needs(document_of(latest_version(plan)), territory_of(plan))
        wanted += [org_id for task in found for org_id in task.designated]
        skills |= {code for task in found for code in task.need.skills}
    if with_skills and skills:
        wanted += _offering(skills, subdistricts_of(warning))
    asked = set(db.session.scalars(select(StandbyPoll.organization_id).where(StandbyPoll.warning_id == warning.id)))
    fresh = [org_id for org_id in dict.fromkeys(wanted) if org_id not in asked]
    teams = db.session.scalars(
        select(Organization).where(Organization.id.in_(fresh), Organization.active).options(joinedload(Organization.community))
    ).all()
    if not teams:
        return 0
    open_question = _open_questions([team.id for team in teams], warning.id)
    rows = [
        {"warning_id": warning.id, "organization_id": team.id, "shared_poll_id": open_question.get(team.id)} for team in teams
    ]
    made = db.session.execute(insert(StandbyPoll).returning(StandbyPoll.id, StandbyPoll.organization_id), rows).all()
    poll_of = {organization_id: poll_id for poll_id, organization_id in made}  # one statement for every team
    for team in teams:
        _send_question(warning, team, poll_of[team.id], actor_id, "standby.asked", open_question.get(team.id))
    return len(teams)


def _open_questions(organization_ids: list[int], warning_id: int) -> dict[int, int]:
    """The teams among these with a standby question of another warning in force open (asked, not answered): the
    poll whose SMS asked it, by team."""
    now = datetime.now(UTC)
    rows = db.session.execute(
        select(StandbyPoll.organization_id, StandbyPoll.id, StandbyPoll.shared_poll_id)
        .join(EarlyWarning, EarlyWarning.id == StandbyPoll.warning_id)
        .where(
            StandbyPoll.organization_id.in_(organization_ids), StandbyPoll.warning_id != warning_id,
            StandbyPoll.answered_at.is_(None), EarlyWarning.lifted_at.is_(None), EarlyWarning.effective_at <= now,
            EarlyWarning.expires_at > now,
        )
        .order_by(StandbyPoll.id)
    )  # fmt: skip
    found: dict[int, int] = {}
    for organization_id, poll_id, shared_poll_id in rows:
        found.setdefault(organization_id, shared_poll_id or poll_id)
    return found


def _offering(skills: set[str], subdistrict_ids: set[int]) -> list[int]:
    """Active teams of these subdistricts that offer any of these skills, by id."""
    query = (
        select(Organization.id)
        .join(Community, Community.id == Organization.community_id)
        .join(OrganizationSkill, OrganizationSkill.organization_id == Organization.id)
        .join(Skill, Skill.id == OrganizationSkill.skill_id)
        .where(Organization.active, Community.subdistrict_id.in_(subdistrict_ids), Skill.code.in_(skills))
        .distinct()
        .order_by(Organization.id)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class AskedAgain:
    asked: int  # teams texted the question again
    throttled: int  # teams that have not answered but were texted within ``ASK_AGAIN_AFTER``: not texted now


def ask_again(actor: Actor, warning_id: int) -> AskedAgain:
    """Text the question again to every team that has not answered and was not texted within ``ASK_AGAIN_AFTER``
    (for any warning). Two officers pressing at the same instant text a team once: each request claims its polls
    with one guarded UPDATE, behind a lock on the teams' rows on PostgreSQL (on SQLite the UPDATE holds the one
    write lock), so the second finds them asked a moment ago."""
    require(actor, Action.EDIT, Resource.WARNING)
    warning = find_warning(actor, warning_id)
    require_owned(actor, warning)
    now = datetime.now(UTC)
    if not warning.in_force(now):
        raise Conflict([FieldError("warning", "warning.over")])
    silent = _unanswered(warning.id)
    db.session.execute(
        select(Organization.id).where(Organization.id.in_(silent)).order_by(Organization.id).with_for_update(key_share=True)
    )
    claimed = db.session.execute(
        update(StandbyPoll)
        .where(StandbyPoll.warning_id == warning.id, StandbyPoll.answered_at.is_(None), _quiet_since(now - ASK_AGAIN_AFTER))
        .values(asked_again_at=now)
        .returning(StandbyPoll.id, StandbyPoll.organization_id)
        .execution_options(synchronize_session=False)
    ).all()
    teams = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_([t for _, t in claimed])))}
    for poll_id, organization_id in sorted(claimed, key=lambda row: row[1]):  # the teams read in one statement
        _send_question(warning, teams[organization_id], poll_id, actor.user_id, "standby.asked_again")
    events.commit()
    return AskedAgain(len(claimed), len(silent) - len(claimed))


def _unanswered(warning_id: int) -> list[int]:
    """The teams that have not answered this warning's question, by id."""
    query = select(StandbyPoll.organization_id).where(StandbyPoll.warning_id == warning_id, StandbyPoll.answered_at.is_(None))
    return list(db.session.scalars(query.order_by(StandbyPoll.organization_id)))


def _quiet_since(lately: datetime):
    """A poll asked before ``lately`` and not asked again since, whose team no other poll texted since either (a
    poll's asking texts the team unless it went through an earlier poll's SMS; its asking again always does)."""
    other = aliased(StandbyPoll)
    texted = (
        select(other.id)
        .where(
            other.organization_id == StandbyPoll.organization_id,
            or_(other.asked_again_at > lately, and_(other.shared_poll_id.is_(None), other.asked_at > lately)),
        )
        .exists()
    )
    return and_(
        StandbyPoll.asked_at <= lately,
        or_(StandbyPoll.asked_again_at.is_(None), StandbyPoll.asked_again_at <= lately),
        ~texted,
    )


def answer(actor: Actor, poll_id: int, ready: int, via: str = "phone") -> StandbyPoll:
    """A team's ready head count, by its leader (or an officer taking it by phone), while the warning stands."""
    require(actor, Action.ANSWER, Resource.ASSIGNMENT)
    poll = db.session.scalar(
        select(StandbyPoll)
        .join(Organization, Organization.id == StandbyPoll.organization_id)
        .where(StandbyPoll.id == poll_id, organization_clause(actor))
    )
    if poll is None:
        raise NotFound()
    most = most_ready_of(poll.organization_id)
    if ready < 0:
        raise InvalidInput([FieldError("ready", "standby.bad_ready", {"most": most})])
    if ready > most:
        raise InvalidInput([FieldError("ready", "standby.over_team", {"most": most})])
    return _answered(poll, ready, actor.user_id, via if actor.role is Role.ORG_LEADER else "officer")


def most_ready_of(organization_id: int) -> int:
    """The most people the team can say it has ready: the most it declared for any skill, or the members it lists
    (those not forgotten) when they are more."""
    capacities = db.session.scalars(
        select(OrganizationSkill.capacity).where(OrganizationSkill.organization_id == organization_id)
    )
    listed = select(func.count()).where(Member.organization_id == organization_id, Member.forgotten_at.is_(None))
    return most_ready(list(capacities), db.session.scalar(listed) or 0)


def answer_by_sms(sender: str, text: str) -> SmsAnswer | None:
    """A leader's SMS read as a standby answer, or None when it is none (the offer replies then read it). A reply
    that says 备勤 but gives no count that can be read, or one larger than the team could send, gets the form and the
    team's limit back; so does a bare number-like text (``-3``, ``2.5``) while a question is open and no offer is."""
    reply = read_standby_reply(text)
    if reply is None:
        return None
    teams = select(Organization.id).where(Organization.leader_phone_hash == phone_hash(sender))
    polls = open_polls_of(teams)
    if not polls:
        return SmsAnswer("standby.none", "目前没有需要回复的备勤询问。") if reply.prefixed else None
    most = min(most_ready_of(team) for team in {poll.organization_id for poll in polls})
    refused = "standby.unreadable" if isinstance(reply, UnreadStandby) else "standby.over_team" if reply.ready > most else None
    if refused is not None:
        if not reply.prefixed and _offer_open(teams):
            return None  # a bare number-like reply while an offer is open: the offer's to read
        return SmsAnswer(refused, message(f"{refused}.sms", leader_language(polls[0].organization_id), most=most))
    for poll in polls:  # every warning standing asked the team: one count, the one it just gave
        _answered(poll, reply.ready, None, "sms")
    poll = polls[0]
    words = warning_words(poll.warning.kind, poll.warning.colour)
    return SmsAnswer("standby.answered", f"已收到：{words}备勤可出动 {reply.ready} 人。")


def _offer_open(teams) -> bool:
    query = select(Assignment.id).where(Assignment.organization_id.in_(teams), Assignment.state == AssignmentState.OFFERED)
    return db.session.scalar(query.limit(1)) is not None


def open_polls(actor: Actor) -> list[StandbyPoll]:
    """The standby questions of the actor's teams while their warnings stand, the latest first."""
    require(actor, Action.READ, Resource.ASSIGNMENT)
    return open_polls_of(select(Organization.id).where(organization_clause(actor)))


def open_polls_of(organization_ids) -> list[StandbyPoll]:
    now = datetime.now(UTC)
    query = (
        select(StandbyPoll)
        .join(EarlyWarning, EarlyWarning.id == StandbyPoll.warning_id)
        .where(
            StandbyPoll.organization_id.in_(organization_ids), EarlyWarning.lifted_at.is_(None),
            EarlyWarning.effective_at <= now, EarlyWarning.expires_at > now,
        )
        .order_by(EarlyWarning.effective_at.desc(), StandbyPoll.id.desc())
    )  # fmt: skip
    return list(db.session.scalars(query))


def readiness_of(actor: Actor, warning_id: int) -> tuple[EarlyWarning, list[Readiness], list[StandbyPoll]]:
    """Per subdistrict and skill: teams asked and answered and people ready, against the covering plans' need. A team
    counts no more people ready than it has on duty now (for its best-staffed skill, as the ranking counts them),
    whatever it said."""
    warning = find_warning(actor, warning_id)
    polls = list(db.session.scalars(select(StandbyPoll).where(StandbyPoll.warning_id == warning.id).order_by(StandbyPoll.id)))
    asked = [p.organization_id for p in polls]
    organizations = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(asked)))}
    on_duty = _on_duty(asked)
    indexed = places().cells
    poll_facts = [
        PollFacts(o.community.subdistrict_id, tuple(s.skill.code for s in o.skills), _ready_now(p.ready, on_duty.get(o.id, 0)))
        for p in polls
        if (o := organizations.get(p.organization_id)) is not None
    ]
    task_facts = []
    for plan in covering_plans(warning):
        found, _errors = task_needs(document_of(latest_version(plan)), territory_of(plan))
        for task in found:
            point = task.need.location
            where = plan.subdistrict_id or (indexed.subdistrict_of(point.lon, point.lat) if point else None)
            if where is not None:
                task_facts.append(TaskFacts(where, tuple(task.need.skills), task.need.head_count))
    return warning, readiness(poll_facts, task_facts), polls


def _on_duty(organization_ids: list[int]) -> dict[int, int]:
    """The people each team could send now for its best-staffed skill (dispatch/services/dispatch/candidates.py)."""
    if not organization_ids:
        return {}
    now = datetime.now(UTC)
    ids = select(Organization.id).where(Organization.id.in_(organization_ids))
    rows = db.session.execute(ready_to_send(ids), {"now": now, "today": now.date()}).mappings()
    return {row["org_id"]: int(row["people"] or 0) for row in rows}


def _ready_now(said: int | None, on_duty: int) -> int | None:
    return None if said is None else capped(on_duty, said)


class WarningNotYours(Forbidden):
    """A subdistrict's officer acts only on warnings over their own subdistrict; the county's are the county's."""

    code = "warning.not_yours"


def visible_to(actor: Actor, warning: EarlyWarning) -> bool:
    """The county's administrators see every warning of the county; a subdistrict's officers those over it."""
    if warning.county_id != actor.county_id:
        return False
    return actor.role is not Role.DUTY_OFFICER or actor.subdistrict_id in subdistricts_of(warning)


def require_owned(actor: Actor, warning: EarlyWarning) -> None:
    """Lifting, asking again, updating: a subdistrict's officer only for a warning over their subdistrict alone."""
    if actor.role is Role.DUTY_OFFICER and subdistricts_of(warning) != {actor.subdistrict_id}:
        raise WarningNotYours()


def find_warning(actor: Actor, warning_id: int) -> EarlyWarning:
    require(actor, Action.READ, Resource.WARNING)
    warning = db.session.get(EarlyWarning, warning_id)
    if warning is None or not visible_to(actor, warning):
        raise NotFound()
    return warning


def _answered(poll: StandbyPoll, ready: int, actor_id: int | None, via: str) -> StandbyPoll:
    if not poll.warning.in_force(datetime.now(UTC)):
        raise Conflict([FieldError("ready", "standby.ended")])
    poll.ready, poll.answered_at, poll.answered_via = ready, datetime.now(UTC), via
    events.record(
        "standby.answered", organization_id=poll.organization_id, subdistrict_id=_subdistrict_of(poll.organization_id),
        actor_id=actor_id, warning_id=poll.warning_id, ready=ready, via=via,
    )  # fmt: skip
    events.commit()
    return poll


def _send_question(
    warning: EarlyWarning, organization: Organization, poll_id: int, actor_id: int | None, kind: str, shared: int | None = None
) -> None:
    """Log the question (the team's phone page hears it) and text it, unless an earlier poll's SMS (``shared``) asked
    it already."""
    shared_data = {"shared_poll_id": shared} if shared is not None else {}
    event = events.record(
        kind, organization_id=organization.id, subdistrict_id=organization.community.subdistrict_id, actor_id=actor_id,
        warning_id=warning.id, poll_id=poll_id, **shared_data,
    )  # fmt: skip
    if shared is not None:
        return
    words = warning_words(warning.kind, warning.colour)
    params = {"text": standby_question(warning.kind, warning.colour), "kind": "standby_poll", "warning": words}
    message = NotedMessage(
        channel="sms", organization_id=organization.id, recipient=organization.leader_phone, template="standby", params=params
    )
    events.send(message, event)


def _subdistrict_of(organization_id: int) -> int | None:
    organization = db.session.get(Organization, organization_id)
    return organization.community.subdistrict_id if organization else None
