"""Members (volunteers) of an organization, their skills and certificates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Certification, Member, Organization, Skill
from dispatch.personal_data.keys import phone_hash
from dispatch.schemas.organizations import CertificationIn, MemberDutyIn, MemberIn, MemberPatch
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound, invalid
from dispatch.services.registry.organizations import get_organization
from dispatch.services.registry.skills import skills_by_code
from dispatch.services.scoping import organization_clause


def list_members(actor: Actor, organization_id: int) -> list[Member]:
    require(actor, Action.READ, Resource.MEMBER)
    get_organization(actor, organization_id)
    query = (
        select(Member)
        .where(Member.organization_id == organization_id)
        .options(selectinload(Member.skills), selectinload(Member.certifications).selectinload(Certification.skill))
        .order_by(Member.id)
    )
    return list(db.session.scalars(query))


def get_member(actor: Actor, member_id: int) -> Member:
    require(actor, Action.READ, Resource.MEMBER)
    query = select(Member).join(Organization).where(Member.id == member_id, organization_clause(actor))
    member = db.session.scalar(query)
    if member is None:
        raise NotFound()
    return member


def add_member(actor: Actor, organization_id: int, data: MemberIn) -> Member:
    require(actor, Action.CREATE, Resource.MEMBER)
    organization = get_organization(actor, organization_id)
    member = Member(organization=organization)
    with db.session.no_autoflush:  # the checks query the database; a half-built member must not be flushed
        _apply(member, data.model_dump())
    db.session.add(member)
    db.session.commit()
    return member


def update_member(actor: Actor, member_id: int, patch: MemberPatch) -> Member:
    require(actor, Action.EDIT, Resource.MEMBER)
    member = get_member(actor, member_id)
    if member.forgotten_at is not None:  # a new name or phone would be someone new: they are added as a member
        raise Conflict([FieldError("member", "member.forgotten", {})])
    _apply(member, patch.model_dump(exclude_unset=True))
    db.session.commit()
    return member


def team_duty(actor: Actor, organization_id: int) -> list[Member]:
    """The organization's members who can be sent (not forgotten), for the leader to stand on or off duty."""
    require(actor, Action.READ, Resource.MEMBER)
    get_organization(actor, organization_id)
    query = select(Member).where(Member.organization_id == organization_id, Member.forgotten_at.is_(None))
    return list(db.session.scalars(query.order_by(Member.id)))


def set_duty(actor: Actor, organization_id: int, data: MemberDutyIn, now: datetime) -> list[Member]:
    """Stand members of the organization on or off duty (off until ``data.until``, or until stood on again); the
    team as it is then. A member not of the organization, or forgotten, refuses the whole list."""
    require(actor, Action.EDIT, Resource.MEMBER)
    team = {member.id: member for member in team_duty(actor, organization_id)}
    wanted = list(dict.fromkeys(data.member_ids))
    if missing := [member_id for member_id in wanted if member_id not in team]:
        raise invalid("member_ids", "member.unknown", ids=", ".join(map(str, missing)))
    if data.until is not None and data.until <= now:
        raise invalid("until", "duty.until_past", until=data.until.isoformat(timespec="minutes"))
    for member_id in wanted:
        _stand(team[member_id], data, actor.user_id, now)
    db.session.commit()
    return list(team.values())


def _stand(member: Member, data: MemberDutyIn, user_id: int, now: datetime) -> None:
    member.on_duty, member.off_until = data.on_duty, None if data.on_duty else data.until
    member.duty_changed_by, member.duty_changed_at = user_id, now


def _apply(member: Member, changes: dict) -> None:
    known = skills_by_code()
    errors = [FieldError("skills", "skill.unknown", {"code": c}) for c in changes.get("skills") or [] if c not in known]
    certificates = [CertificationIn.model_validate(raw) for raw in changes.get("certifications") or []]
    errors += [FieldError("certifications", "skill.unknown", {"code": c.skill}) for c in certificates if c.skill not in known]
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    _check_phone_unique(member, changes.get("phone", member.phone))
    _assign(member, changes, known, certificates)


def _check_phone_unique(member: Member, phone: str) -> None:
    query = select(Member.id).where(Member.organization_id == member.organization.id, Member.phone_hash == phone_hash(phone))
    if member.id:
        query = query.where(Member.id != member.id)
    if db.session.scalar(query):
        db.session.rollback()
        raise Conflict([FieldError("phone", "duplicate", {"value": phone})])


def _assign(member: Member, changes: dict, known: dict[str, Skill], certificates: list[CertificationIn]) -> None:
    for field in ("name", "phone"):
        if field in changes:
            setattr(member, field, changes[field])
    if changes.get("skills") is not None:
        member.skills = [known[code] for code in dict.fromkeys(changes["skills"])]
    if changes.get("certifications") is not None:
        member.certifications = [
            Certification(skill=known[c.skill], issuer=c.issuer, issued_on=c.issued_on, expires_on=c.expires_on)
            for c in certificates
        ]
