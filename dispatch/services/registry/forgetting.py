"""Forgetting a member who leaves, or asks to be forgotten (PIPL Art. 47): their name and phone go for good; the row
stays, nameless, so their certificates, training and past work still count in the organization's evaluation.

The audit keeps that it happened, who did it and which row, never the name or the number.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Member
from dispatch.services import audit
from dispatch.services.errors import Conflict, FieldError
from dispatch.services.registry.members import get_member

FORGOTTEN_NAME = "（已删除）"  # what lists show in place of the name; "(removed)" in English pages


def forget_member(actor: Actor, member_id: int) -> Member:
    """Remove the member's name and phone; 409 if they were forgotten already."""
    require(actor, Action.EDIT, Resource.MEMBER)
    member = get_member(actor, member_id)
    if member.forgotten_at is not None:
        raise Conflict([FieldError("member", "member.forgotten", {})])
    member.name, member.phone, member.forgotten_at = FORGOTTEN_NAME, None, datetime.now(UTC)
    db.session.commit()
    audit.record("member.forgotten", object_type="member", object_id=member.id,
                 detail={"organization_id": member.organization_id})  # fmt: skip
    return member
