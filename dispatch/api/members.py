"""/api/organizations/<id>/members, /api/members/<id> and a team's duty roster: volunteers of an organization."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint
from spectree import Response

from dispatch.api.phones import revealed
from dispatch.api.presenters import member_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.models import Member
from dispatch.schemas.common import ErrorOut, PhonesQuery
from dispatch.schemas.organizations import MemberDutyIn, MemberDutyOut, MemberIn, MemberOut, MemberPatch
from dispatch.services.registry import forgetting
from dispatch.services.registry import members as service

bp = Blueprint("api_members", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["members"]


def _today():
    return datetime.now(UTC).date()


@bp.get("/organizations/<int:organization_id>/members")
@spec.validate(query=PhonesQuery, resp=Response(HTTP_200=list[MemberOut], **ERRORS), tags=TAGS)
def list_members(organization_id: int, query: PhonesQuery):
    """The members of an organization in your jurisdiction."""
    actor = current_actor()
    found = service.list_members(actor, organization_id)
    reveal = revealed(query)
    return [member_out(m, actor, _today(), reveal) for m in found]


@bp.post("/organizations/<int:organization_id>/members")
@spec.validate(json=MemberIn, resp=Response(HTTP_201=MemberOut, HTTP_409=ErrorOut, **ERRORS), tags=TAGS)
def add_member(organization_id: int, json: MemberIn):
    """Add a member with skills and certificates."""
    actor = current_actor()
    return member_out(service.add_member(actor, organization_id, json), actor, _today()), 201


@bp.get("/organizations/<int:organization_id>/members/duty")
@spec.validate(resp=Response(HTTP_200=list[MemberDutyOut], **ERRORS), tags=TAGS)
def team_duty(organization_id: int):
    """Who of the organization's members is on duty (在岗) and who is off (休息), and until when."""
    now = datetime.now(UTC)
    return [duty_out(m, now) for m in service.team_duty(current_actor(), organization_id)]


@bp.post("/organizations/<int:organization_id>/members/duty")
@spec.validate(json=MemberDutyIn, resp=Response(HTTP_200=list[MemberDutyOut], **ERRORS), tags=TAGS)
def set_duty(organization_id: int, json: MemberDutyIn):
    """Stand members on or off duty, one or the whole team at once; off until a time, or until stood on again.
    Only members on duty count among the people the organization can send. Answers with the whole team."""
    now = datetime.now(UTC)
    return [duty_out(m, now) for m in service.set_duty(current_actor(), organization_id, json, now)]


def duty_out(member: Member, now: datetime) -> MemberDutyOut:
    on_duty = member.on_duty_at(now)
    return MemberDutyOut(
        id=member.id, name=member.name, on_duty=on_duty, off_until=None if on_duty else member.off_until,
        duty_changed_at=member.duty_changed_at,
    )  # fmt: skip


@bp.get("/members/<int:member_id>")
@spec.validate(query=PhonesQuery, resp=Response(HTTP_200=MemberOut, **ERRORS), tags=TAGS)
def get_member(member_id: int, query: PhonesQuery):
    """One member."""
    actor = current_actor()
    member = service.get_member(actor, member_id)
    return member_out(member, actor, _today(), revealed(query))


@bp.patch("/members/<int:member_id>")
@spec.validate(json=MemberPatch, resp=Response(HTTP_200=MemberOut, HTTP_409=ErrorOut, **ERRORS), tags=TAGS)
def update_member(member_id: int, json: MemberPatch):
    """Change a member's name, phone, skills or certificates."""
    actor = current_actor()
    return member_out(service.update_member(actor, member_id, json), actor, _today())


@bp.post("/members/<int:member_id>/forget")
@spec.validate(resp=Response(HTTP_200=MemberOut, HTTP_409=ErrorOut, **ERRORS), tags=TAGS)
def forget_member(member_id: int):
    """The member left or asked to be forgotten: their name and phone are removed for good; their certificates,
    training and past work still count. Recorded in the security audit (without the name)."""
    actor = current_actor()
    return member_out(forgetting.forget_member(actor, member_id), actor, _today())
