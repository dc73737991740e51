"""Answers that come back from phones: an SMS reply ("1 A7KM 5", "拒绝 A7KM 原因") or a key pressed during a call.

The sender is known by the phone number the message came from: the leader of the organization whose offer carries
the code. Every inbound message is kept once per provider id, so a replayed webhook gets the same answer and
changes nothing; the answer itself goes through the same accept and decline as the leader's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.scope import Actor, Role
from dispatch.extensions import db
from dispatch.models import Assignment, InboundMessage, Organization, OutboxMessage, User
from dispatch.services import answers
from dispatch.services.candidates import free_people
from dispatch.services.delivery import leader_language
from dispatch.services.errors import Conflict, InvalidInput
from notifications import templates
from notifications.replies import ReplyError, parse_reply


@dataclass(frozen=True)
class Answered:
    outcome: str  # accepted | declined | not_found | closed | too_many | over_capacity | reply.<parse error>
    reply: str  # what to tell the phone


def handle_sms(sid: str, sender: str, body: str) -> Answered:
    """An SMS reply from ``sender`` (E.164). Returns what to text back."""
    if (earlier := _earlier(sid)) is not None:
        return earlier
    parsed = parse_reply(body)
    language = _language_of(sender)
    if isinstance(parsed, ReplyError):
        answered = Answered(parsed.code.value, templates.reply_help(language))
        return _keep(sid, "sms", sender, body, answered, None)
    assignment = _offer_for(sender, parsed.code)
    if assignment is None:
        answered = Answered("not_found", templates.reply_ack("not_found", parsed.code, language))
        return _keep(sid, "sms", sender, body, answered, None)
    if parsed.action == "accept":
        answered = _accept(assignment, parsed.head_count, language)
    else:
        answered = _decline(assignment, parsed.reason or "短信拒绝", language)
    return _keep(sid, "sms", sender, body, answered, assignment.id)


def handle_key(call_sid: str, outbox_id: int, digits: str) -> Answered:
    """A key pressed during an offer's voice call: 1 accepts (with as many people as can go), 2 declines."""
    message = db.session.get(OutboxMessage, outbox_id)
    key = f"{call_sid}:{outbox_id}"
    if (earlier := _earlier(key)) is not None:
        return earlier
    language = leader_language(message.organization_id if message else None)
    assignment = db.session.get(Assignment, message.assignment_id) if message and message.assignment_id else None
    if assignment is None or digits not in ("1", "2"):
        return Answered("reply.no_action", templates.reply_help(language))
    code = assignment.short_code
    if assignment.state is not AssignmentState.OFFERED:
        answered = Answered("closed", templates.reply_ack("closed", code, language))
    elif digits == "1":
        answered = _accept(assignment, None, language)
    else:
        answered = _decline(assignment, "电话拒绝", language)
    return _keep(key, "voice", message.recipient, digits, answered, assignment.id)


def _accept(assignment: Assignment, head_count: int | None, language: str) -> Answered:
    code, need = assignment.short_code, assignment.need
    if head_count is None:  # "1 A7KM" with no count: as many as the need lacks and the organization has free
        head_count = max(1, min(need.still_needed, free_people(need, assignment.organization_id, datetime.now(UTC).date())))
    try:
        answers.accept(_leader(assignment), assignment.id, head_count)
    except InvalidInput as refused:
        error = refused.errors[0]
        kind = "over_capacity" if error.code == "head_count.over_capacity" else "too_many"
        return Answered(kind, templates.reply_ack(kind, code, language, **error.params))
    except Conflict:
        return Answered("closed", templates.reply_ack("closed", code, language))
    return Answered("accepted", templates.reply_ack("accepted", code, language, head_count=head_count))


def _decline(assignment: Assignment, reason: str, language: str) -> Answered:
    code = assignment.short_code
    try:
        answers.decline(_leader(assignment), assignment.id, reason[:200])
    except Conflict:
        return Answered("closed", templates.reply_ack("closed", code, language))
    return Answered("declined", templates.reply_ack("declined", code, language))


def _leader(assignment: Assignment) -> Actor:
    """The organization's leader as the answering actor (their login when they have one)."""
    user_id = db.session.scalar(
        select(User.id).where(User.organization_id == assignment.organization_id, User.role == Role.ORG_LEADER).limit(1)
    )
    return Actor(user_id=user_id, role=Role.ORG_LEADER, organization_id=assignment.organization_id)


def _offer_for(sender: str, code: str) -> Assignment | None:
    """The offer with this code to an organization this phone leads: the open one if any, else the latest."""
    query = (
        select(Assignment)
        .join(Organization, Organization.id == Assignment.organization_id)
        .where(Organization.leader_phone == sender, Assignment.short_code == code)
        .order_by((Assignment.state == AssignmentState.OFFERED).desc(), Assignment.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _language_of(sender: str) -> str:
    organization_id = db.session.scalar(select(Organization.id).where(Organization.leader_phone == sender).limit(1))
    return leader_language(organization_id)


def _earlier(sid: str) -> Answered | None:
    found = db.session.scalar(select(InboundMessage).where(InboundMessage.sid == sid))
    return Answered(found.outcome, found.reply) if found is not None else None


def _keep(sid: str, channel: str, sender: str, body: str, answered: Answered, assignment_id: int | None) -> Answered:
    db.session.add(
        InboundMessage(
            sid=sid, channel=channel, sender=sender, body=body[:2000], outcome=answered.outcome, reply=answered.reply,
            assignment_id=assignment_id,
        )
    )  # fmt: skip
    try:
        db.session.commit()
    except IntegrityError:  # the same webhook twice at once: the first one's answer stands
        db.session.rollback()
        return _earlier(sid) or answered
    return answered
