"""Training (培训): record a session and who attended; attending may earn a certificate; warn leaders before
certificates run out (matching stops counting a member for a certified skill the day after).

Attendance is written to the event log (``training.attended`` with the hours), which is where evaluations
count training hours from.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.domain.training import certificate_expiry, expiring_window
from dispatch.extensions import db
from dispatch.models import (
    Certification,
    Event,
    Member,
    Organization,
    Subdistrict,
    TrainingAttendance,
    TrainingSession,
)
from dispatch.schemas.training import TrainingIn, TrainingQuery
from dispatch.services import events
from dispatch.services.errors import FieldError, InvalidInput, NotFound, invalid
from dispatch.services.noted_events import NotedMessage
from dispatch.services.notify.delivery import leader_language
from dispatch.services.paging import page_of
from dispatch.services.registry.organizations import get_organization
from dispatch.services.registry.places import subdistrict_in_scope
from dispatch.services.registry.skills import skills_by_code
from dispatch.services.scoping import organization_clause, subdistrict_clause
from notifications import templates

REMINDER_EVERY = timedelta(hours=20)  # at most one reminder a day, whoever asks and however often


def _session_clause(actor: Actor):
    return TrainingSession.subdistrict_id.in_(select(Subdistrict.id).where(subdistrict_clause(actor)))


def list_sessions(actor: Actor, query: TrainingQuery) -> tuple[list[TrainingSession], int]:
    require(actor, Action.READ, Resource.TRAINING)
    return page_of(TrainingSession, [_session_clause(actor)], TrainingSession.held_on.desc(), query, _loaded())


def get_session(actor: Actor, session_id: int) -> TrainingSession:
    require(actor, Action.READ, Resource.TRAINING)
    query = select(TrainingSession).where(TrainingSession.id == session_id, _session_clause(actor)).options(*_loaded())
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    return found


def _loaded() -> tuple:
    attendances = selectinload(TrainingSession.attendances)
    return (
        attendances.selectinload(TrainingAttendance.member),
        attendances.selectinload(TrainingAttendance.organization),
        attendances.selectinload(TrainingAttendance.certification),
    )


def create_session(actor: Actor, data: TrainingIn) -> TrainingSession:
    """Record a session held by a department of the officer's subdistrict (an admin names one of the county's)."""
    require(actor, Action.CREATE, Resource.TRAINING)
    errors: list[FieldError] = []
    subdistrict = subdistrict_in_scope(actor, data.subdistrict_id, errors)
    skill = skills_by_code().get(data.skill) if data.skill else None
    if data.skill and skill is None:
        errors.append(FieldError("skill", "skill.unknown", {"code": data.skill}))
    if errors:
        raise InvalidInput(errors)
    session = TrainingSession(
        subdistrict=subdistrict, title=data.title, organizer=data.organizer, held_on=data.held_on, hours=data.hours,
        skill=skill, certificate_months=data.certificate_months, created_by=actor.user_id,
    )  # fmt: skip
    db.session.add(session)
    db.session.commit()
    return get_session(actor, session.id)


def add_attendees(actor: Actor, session_id: int, member_ids: list[int]) -> TrainingSession:
    """Record who attended; each earns the session's certificate, if it gives one. Members already recorded are
    left as they are, so sending the list again changes nothing. A member out of reach refuses the whole list."""
    require(actor, Action.EDIT, Resource.TRAINING)
    session = get_session(actor, session_id)
    wanted = list(dict.fromkeys(member_ids))
    members = {
        member.id: member
        for member in db.session.scalars(
            select(Member).join(Organization).where(Member.id.in_(wanted), organization_clause(actor))
        )
    }
    missing = [member_id for member_id in wanted if member_id not in members]
    if missing:
        raise invalid("member_ids", "member.unknown", ids=", ".join(map(str, missing)))
    already = {attendance.member_id for attendance in session.attendances}
    for member_id in (m for m in wanted if m not in already):
        _attend(session, members[member_id], actor.user_id)
    events.commit()
    db.session.expire(session)
    return get_session(actor, session_id)


def _attend(session: TrainingSession, member: Member, actor_id: int) -> None:
    certification = None
    if session.certificate_months is not None:
        certification = Certification(
            member=member, skill=session.skill, issuer=session.organizer, issued_on=session.held_on,
            expires_on=certificate_expiry(session.held_on, session.certificate_months),
        )  # fmt: skip
        db.session.add(certification)
    db.session.add(
        TrainingAttendance(session=session, member=member, organization_id=member.organization_id, certification=certification)
    )
    events.record(
        "training.attended", organization_id=member.organization_id, actor_id=actor_id,
        session_id=session.id, member_id=member.id, hours=session.hours,
    )  # fmt: skip


def expiring(actor: Actor, days: int) -> list[tuple[Organization, list[Certification]]]:
    """Certificates running out within ``days`` (still valid today), by organization, soonest first."""
    require(actor, Action.READ, Resource.MEMBER)
    first, last = expiring_window(datetime.now(UTC).date(), days)
    query = (
        select(Certification)
        .join(Member)
        .join(Organization)
        .where(organization_clause(actor), Certification.expires_on.between(first, last))
        .options(selectinload(Certification.member).selectinload(Member.organization), selectinload(Certification.skill))
        .order_by(Organization.id, Certification.expires_on, Certification.id)
    )
    grouped: dict[int, tuple[Organization, list[Certification]]] = {}
    for certification in db.session.scalars(query):
        organization = certification.member.organization
        grouped.setdefault(organization.id, (organization, []))[1].append(certification)
    return list(grouped.values())


def remind(actor: Actor, organization_id: int, days: int = 30) -> tuple[Organization, int, bool]:
    """Text the leader which certificates run out soon: (organization, how many, whether an SMS went now)."""
    require(actor, Action.EDIT, Resource.TRAINING)
    organization = get_organization(actor, organization_id)
    return organization, *_remind(organization, days, actor.user_id)


def remind_all(days: int = 30) -> int:
    """The daily run (CLI): remind every organization with certificates running out. Returns how many were texted."""
    first, last = expiring_window(datetime.now(UTC).date(), days)
    ids = db.session.scalars(
        select(Member.organization_id).join(Certification).where(Certification.expires_on.between(first, last)).distinct()
    ).all()
    return sum(_remind(db.session.get(Organization, org_id), days, None)[1] for org_id in ids)


def _remind(organization: Organization, days: int, actor_id: int | None) -> tuple[int, bool]:
    first, last = expiring_window(datetime.now(UTC).date(), days)
    soon = db.session.scalars(
        select(Certification)
        .join(Member)
        .where(Member.organization_id == organization.id, Certification.expires_on.between(first, last))
        .options(selectinload(Certification.skill))
        .order_by(Certification.expires_on, Certification.id)
    ).all()
    if not soon or _reminded_lately(organization.id):
        db.session.commit()
        return len(soon), False
    language = leader_language(organization.id)
    skill, first_date = soon[0].skill.label(language), soon[0].expires_on.isoformat()
    text = templates.certificates_expiring(len(soon), days, skill, first_date, language)
    params = {  # the text, and what a template channel fills its approved template with
        "text": text,
        "kind": "certificate_reminder",
        "count": len(soon),
        "days": days,
        "skill": soon[0].skill.label("zh"),
        "date": first_date,
    }
    message = NotedMessage(
        channel="sms", organization_id=organization.id, recipient=organization.leader_phone, template="certificates_expiring",
        params=params,
    )  # fmt: skip
    event = events.record("certificates.reminded", organization_id=organization.id, actor_id=actor_id, certificates=len(soon))
    events.send(message, event)
    events.commit()
    return len(soon), True


def _reminded_lately(organization_id: int) -> bool:
    since = datetime.now(UTC) - REMINDER_EVERY
    query = select(Event.id).where(
        Event.organization_id == organization_id, Event.kind == "certificates.reminded", Event.at >= since
    )
    return db.session.scalar(query.limit(1)) is not None
