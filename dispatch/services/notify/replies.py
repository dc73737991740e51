"""Answers that come back from phones: an SMS reply ("1 A7KM 5", "拒绝 A7KM 原因", or a standby answer "备勤 5") or a
key pressed during a call.

The sender is known by the phone number the message came from: the leader of the organization whose offer carries
the code. Every inbound message is kept once per provider id, so a replayed webhook gets the same answer and
changes nothing; the answer itself goes through the same accept and decline as the leader's page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from dispatch.domain.assignments import ACTIVE_STATES, AssignmentState
from dispatch.extensions import db
from dispatch.models import Assignment, InboundMessage, Organization, OutboxMessage
from dispatch.personal_data.keys import phone_hash
from dispatch.services.dispatch import answers
from dispatch.services.dispatch.candidates import free_people
from dispatch.services.errors import Conflict, FieldError, InvalidInput
from dispatch.services.notify.delivery import leader_language
from dispatch.services.plans import standby
from notifications import templates
from notifications.replies import MAX_HEAD_COUNT, ReplyError, ReplyErrorCode, parse_reply


@dataclass(frozen=True)
class Answered:
    outcome: str  # accepted | declined | not_found | closed | too_many | over_capacity | no_one_free | reply.<parse error>
    reply: str  # what to tell the phone


# A delivery that finds its message being answered by another (a replay at the same instant) waits for that answer;
# a claim this old was left by a process that died while answering, and is taken over.
CLAIM_STALE_S = 10
CONFIRMATIONS_PER_HOUR = 20  # answers texted back to one organization's leader; past that, replies are still handled
REFUSALS = {"head_count.too_many": "too_many", "head_count.over_capacity": "over_capacity"}
ANSWERED_BEFORE = {
    **dict.fromkeys((*ACTIVE_STATES, AssignmentState.COMPLETED), "already_accepted"),
    AssignmentState.DECLINED: "already_declined",
}


def handle_sms(sid: str, sender: str, body: str, text_back: bool = False) -> Answered:
    """An SMS reply from ``sender`` (E.164). Returns what to text back; the same for every delivery of ``sid``.

    A provider that answers in its webhook's response (Twilio) sends the answer itself; with ``text_back`` the
    answer goes out as a confirmation SMS through the outbox instead (Aliyun), written with the answer, so a
    replayed push neither answers nor texts twice."""
    then = _confirmation_to(sender, body) if text_back else None
    return _answer_once(sid, "sms", sender, body, lambda: _answer_sms(sender, body), then)


def _confirmation_to(sender: str, body: str) -> Callable[[Answered, int | None], None]:
    def text_back(answered: Answered, assignment_id: int | None) -> None:
        organization_id = db.session.scalar(
            select(Organization.id).where(Organization.leader_phone_hash == phone_hash(sender)).limit(1)
        )
        if organization_id is None or _confirmed_lately(organization_id) >= CONFIRMATIONS_PER_HOUR:
            return  # a number that leads nothing, or an auto-responder answering our answers: no paid SMS back
        parsed = parse_reply(body)
        code = parsed.code if not isinstance(parsed, ReplyError) else (parsed.offer_code or "")
        assignment = db.session.get(Assignment, assignment_id) if assignment_id else None
        result = templates.reply_result(
            answered.outcome, code, head_count=assignment.head_count if assignment else None, most=MAX_HEAD_COUNT
        )
        params = {"text": answered.reply, "kind": "confirmation", "code": code, "result": result}
        db.session.add(
            OutboxMessage(
                channel="sms", organization_id=organization_id, assignment_id=assignment_id, recipient=sender,
                template="confirmation", params=params,
            )
        )  # fmt: skip

    return text_back


def _confirmed_lately(organization_id: int) -> int:
    since = datetime.now(UTC) - timedelta(hours=1)
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.organization_id == organization_id,
            OutboxMessage.template == "confirmation",
            OutboxMessage.created_at >= since,
        )
    )
    return db.session.scalar(query) or 0


def handle_key(call_sid: str, outbox_id: int, digits: str) -> Answered:
    """A key pressed during an offer's voice call: 1 accepts (with as many people as can go), 2 declines."""
    message = db.session.get(OutboxMessage, outbox_id)
    language = leader_language(message.organization_id if message else None)
    assignment = db.session.get(Assignment, message.assignment_id) if message and message.assignment_id else None
    if assignment is None or digits not in ("1", "2"):
        return Answered("reply.no_action", templates.reply_help(language))
    key = f"{call_sid}:{outbox_id}"
    return _answer_once(key, "voice", message.recipient, digits, lambda: _answer_key(assignment.id, digits, language))


def _answer_sms(sender: str, body: str) -> tuple[Answered, int | None]:
    if (on_standby := standby.answer_by_sms(sender, body)) is not None:  # "备勤 5", or "5" while asked
        return Answered(on_standby.outcome, on_standby.reply), None
    parsed = parse_reply(body)
    language = _language_of(sender)
    if isinstance(parsed, ReplyError):
        return _unreadable(parsed, language), None
    assignment = _offer_for(sender, parsed.code)
    if assignment is None:
        return Answered("not_found", templates.reply_ack("not_found", parsed.code, language)), None
    if parsed.action == "accept":
        return _accept(assignment, parsed.head_count, language), assignment.id
    return _decline(assignment, parsed.reason or "短信拒绝", language), assignment.id


def _unreadable(error: ReplyError, language: str) -> Answered:
    """A head count that is no count gets the range a count must be in; any other misreading, the forms a reply takes."""
    if error.code is ReplyErrorCode.BAD_HEAD_COUNT and error.offer_code:
        return Answered(error.code.value, templates.reply_ack("bad_head_count", error.offer_code, language, most=MAX_HEAD_COUNT))
    return Answered(error.code.value, templates.reply_help(language))


def _answer_key(assignment_id: int, digits: str, language: str) -> tuple[Answered, int | None]:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment.state is not AssignmentState.OFFERED:
        return _not_open(assignment_id, language), assignment_id
    if digits == "1":
        return _accept(assignment, None, language), assignment_id
    return _decline(assignment, "电话拒绝", language), assignment_id


def _accept(assignment: Assignment, head_count: int | None, language: str) -> Answered:
    code, need = assignment.short_code, assignment.need
    if head_count is None:  # "1 A7KM" with no count: as many as the need lacks and the organization has free
        head_count = max(1, min(need.still_needed, free_people(need, assignment.organization_id, datetime.now(UTC).date())))
    try:
        answers.accept(answers.leader_actor(assignment), assignment.id, head_count)
    except Conflict:  # answered already (by SMS or on the phone page), ran out or withdrawn, or the need closed
        return _not_open(assignment.id, language)
    except InvalidInput as refused:
        return _refusal(refused.errors[0], code, language)
    return Answered("accepted", templates.reply_ack("accepted", code, language, head_count=head_count))


def _refusal(error: FieldError, code: str, language: str) -> Answered:
    """What to say to an accept the offer could not take: how many people it can take instead."""
    kind = REFUSALS.get(error.code)
    if kind is None:
        return Answered(error.code, templates.reply_help(language))
    if kind == "over_capacity" and int(error.params.get("free", 0)) <= 0:
        kind = "no_one_free"
    return Answered(kind, templates.reply_ack(kind, code, language, **error.params))


def _decline(assignment: Assignment, reason: str, language: str) -> Answered:
    code = assignment.short_code
    try:
        answers.decline(answers.leader_actor(assignment), assignment.id, reason[:200])
    except Conflict:
        return _not_open(assignment.id, language)
    return Answered("declined", templates.reply_ack("declined", code, language))


def _not_open(assignment_id: int, language: str) -> Answered:
    """Why an answer changes nothing now, said as it is: the organization answered this offer already (and is
    committed, if it accepted), or the offer is closed."""
    assignment = db.session.get(Assignment, assignment_id, populate_existing=True)
    kind = ANSWERED_BEFORE.get(assignment.state, "closed")
    return Answered(kind, templates.reply_ack(kind, assignment.short_code, language, head_count=assignment.head_count))


def _offer_for(sender: str, code: str) -> Assignment | None:
    """The offer with this code to an organization this phone leads: the open one if any, else the latest."""
    query = (
        select(Assignment)
        .join(Organization, Organization.id == Assignment.organization_id)
        .where(Organization.leader_phone_hash == phone_hash(sender), Assignment.short_code == code)
        .order_by((Assignment.state == AssignmentState.OFFERED).desc(), Assignment.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _language_of(sender: str) -> str:
    query = select(Organization.id).where(Organization.leader_phone_hash == phone_hash(sender)).limit(1)
    organization_id = db.session.scalar(query)
    return leader_language(organization_id)


def _answer_once(
    key: str,
    channel: str,
    sender: str,
    body: str,
    answer: Callable[[], tuple[Answered, int | None]],
    then: Callable[[Answered, int | None], None] | None = None,
) -> Answered:
    """Answer a message once per provider id: the first delivery claims the id and answers; a replay, also one
    arriving at the same instant, gets that answer and changes nothing."""
    while True:
        if (earlier := _answered(key)) is not None:
            return earlier
        if _claim(key, channel, sender, body):
            break
        time.sleep(0.1)  # another delivery of this message is answering it: wait for its answer
    try:
        answered, assignment_id = answer()
    except BaseException:
        _release(key)  # the next delivery answers it afresh
        raise
    if then is not None:  # in the transaction that records the answer: once, with it
        then(answered, assignment_id)
    db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.sid == key)
        .values(outcome=answered.outcome, reply=answered.reply, assignment_id=assignment_id)
    )
    db.session.commit()
    return answered


def _claim(key: str, channel: str, sender: str, body: str) -> bool:
    """Take the message to answer: a new row, or one whose answerer died (claimed long ago and never answered)."""
    if db.session.scalar(select(InboundMessage.id).where(InboundMessage.sid == key)) is None:
        db.session.add(InboundMessage(sid=key, channel=channel, sender=sender, body=body[:2000], outcome=""))
        try:
            db.session.commit()
            return True
        except IntegrityError:  # claimed by a delivery of the same message an instant before
            db.session.rollback()
            return False
    stale = datetime.now(UTC) - timedelta(seconds=CLAIM_STALE_S)
    taken = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.sid == key, InboundMessage.outcome == "", InboundMessage.received_at < stale)
        .values(received_at=datetime.now(UTC))
    ).rowcount
    db.session.commit()
    return taken == 1


def _answered(key: str) -> Answered | None:
    found = db.session.execute(select(InboundMessage.outcome, InboundMessage.reply).where(InboundMessage.sid == key)).first()
    db.session.commit()
    return Answered(found.outcome, found.reply) if found is not None and found.outcome else None


def _release(key: str) -> None:
    db.session.rollback()
    db.session.execute(delete(InboundMessage).where(InboundMessage.sid == key, InboundMessage.outcome == ""))
    db.session.commit()
