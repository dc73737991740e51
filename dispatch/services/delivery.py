"""Sending the outbox: every due row is claimed, checked, rendered, sent once, and what happened is recorded.

A row moves ``pending → sending → sent | failed | skipped``. Claiming is a guarded UPDATE, so two workers (or a
re-run job) never send one row twice. The text is written on the row before it goes out; a worker killed between
sending and recording leaves the row ``sending``, and once its lease has run out the row is reconciled: if the
provider has a message with that text to that number since the claim, the row takes that message's id, else it
is sent again. Temporary failures (timeouts, 5xx) are retried with backoff; permanent ones (an invalid number) are
not; both failures and deliveries land in the event log, where the duty officer sees them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Assignment, OutboxMessage, Skill, User
from dispatch.services import events
from notifications import templates
from notifications.channels import PermanentFailure, TemporaryFailure
from notifications.segments import segments

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # a row claimed longer ago than this was abandoned by a worker that died
BACKOFF_S = (5, 15, 60, 180, 600)
DELIVERY_ORDER = {"": 0, "accepted": 1, "queued": 1, "sending": 2, "initiated": 2, "sent": 3, "ringing": 3, "in-progress": 4}
FINAL_DELIVERY = {"delivered", "undelivered", "failed", "completed", "busy", "no-answer", "canceled", "read"}
JOB = "dispatch.services.delivery.deliver_many"
BATCH = 50  # rows per job: a queue round trip per message would cost more than sending it


def channel():
    return current_app.extensions["dispatch.channel"]


def enqueue_due(now: datetime | None = None, limit: int = 5000) -> int:
    """Hand every due row to a delivery job, after taking back rows abandoned mid-send. Safe to run any time."""
    now = now or datetime.now(UTC)
    reconcile_abandoned(now)
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    queue = current_app.extensions["dispatch.jobs"]
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        first_id, attempts = batch[0]
        queue.enqueue(JOB, [outbox_id for outbox_id, _ in batch], job_id=f"outbox-{first_id}-{attempts}-{len(batch)}")
    return len(due)


def deliver_many(outbox_ids: list[int]) -> dict[str, int]:
    """Deliver several rows in one job; each is claimed on its own, so a row another job has is left to it."""
    outcome: dict[str, int] = {}
    for outbox_id in outbox_ids:
        status = deliver(outbox_id)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def deliver(outbox_id: int) -> str:
    """Send one row if it is due and still wanted; returns the row's status afterwards. Safe to repeat."""
    now = datetime.now(UTC)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    message = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    if not claimed:
        return message.status if message else "missing"
    if reason := _no_longer_wanted(message, now):
        message.status, message.error = "skipped", reason
        db.session.commit()
        return message.status
    message.body = _render(message)
    message.segments = segments(message.body) if message.channel == "sms" else 0
    db.session.commit()  # the text is on record before it leaves, so an abandoned send can be reconciled
    return _send(message)


def _send(message: OutboxMessage) -> str:
    sending = channel()
    current_app.extensions["dispatch.sms_rate"].wait()
    try:
        if message.channel == "voice":
            sent = sending.call(message.recipient, _public(f"/twilio/voice/{message.id}"), _public("/twilio/status"))
        else:
            sent = sending.send_sms(message.recipient, message.body, _validity_s(message), _public("/twilio/status"))
    except TemporaryFailure as exc:
        _retry_or_fail(message, str(exc))
    except PermanentFailure as exc:
        _failed(message, str(exc))
    else:
        _sent(message, sending.name, sent.sid, sent.status)
    events.commit()
    return message.status


def _sent(message: OutboxMessage, provider: str, sid: str, delivery: str) -> None:
    message.status, message.provider, message.provider_sid = "sent", provider, sid
    message.delivery, message.sent_at, message.error = delivery, datetime.now(UTC), ""
    kind = "voice.called" if message.channel == "voice" else "sms.sent"
    _record(kind, message, segments=message.segments)


def _retry_or_fail(message: OutboxMessage, error: str) -> None:
    if message.attempts >= current_app.config["SMS_MAX_ATTEMPTS"]:
        _failed(message, error)
        return
    delay = BACKOFF_S[min(message.attempts, len(BACKOFF_S)) - 1]
    message.status, message.error = "pending", error[:200]
    message.due_at = datetime.now(UTC) + timedelta(seconds=delay)
    log.warning("outbox %s: %s; retry %d in %d s", message.id, error, message.attempts, delay)


def _failed(message: OutboxMessage, error: str) -> None:
    message.status, message.error = "failed", error[:200]
    _record(f"{message.channel}.failed", message, error=message.error)


def _record(kind: str, message: OutboxMessage, **data) -> None:
    assignment = db.session.get(Assignment, message.assignment_id) if message.assignment_id else None
    organization_id = None if assignment else message.organization_id
    events.record(kind, assignment=assignment, outbox_id=message.id, organization_id=organization_id, **data)


def _no_longer_wanted(message: OutboxMessage, now: datetime) -> str:
    """Why an offer's failover step need not go out any more ("" when it must)."""
    if message.template != "offer" or message.assignment_id is None:
        return ""
    assignment = db.session.get(Assignment, message.assignment_id)
    if assignment.state is not AssignmentState.OFFERED:
        return f"offer {assignment.state.value}"
    if assignment.deadline <= now:
        return "offer expired"
    if message.channel == "sms" and assignment.seen_at is not None:
        return "seen on the phone"
    return ""


def _render(message: OutboxMessage) -> str:
    if message.template != "offer":
        return message.params.get("text", "")
    language = leader_language(message.organization_id)
    codes = message.params.get("skills", [])
    label = Skill.label_en if language == "en" else Skill.label_zh
    labels = dict(db.session.execute(select(Skill.code, label).where(Skill.code.in_(codes))).all())
    params = {**message.params, "skill_labels": {code: labels.get(code, code) for code in codes}}
    if message.channel == "voice":
        return templates.voice_offer(params, language)
    return templates.offer_sms(params, language)


def leader_language(organization_id: int | None) -> str:
    """The language the organization's leader reads (their login's), Chinese when unknown."""
    if organization_id is None:
        return "zh"
    found = db.session.scalar(
        select(User.language)
        .where(User.organization_id == organization_id, User.role == Role.ORG_LEADER, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    return templates.language_of(found)


def _validity_s(message: OutboxMessage) -> int | None:
    """An offer's SMS must not arrive after the offer has run out: Twilio drops it once this many seconds pass."""
    deadline = message.params.get("deadline")
    if message.template != "offer" or not deadline:
        return None
    return max(1, int((datetime.fromisoformat(deadline) - datetime.now(UTC)).total_seconds()))


def _public(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def reconcile_abandoned(now: datetime) -> int:
    """Rows left ``sending`` by a worker that died: adopt the provider's message if it went, else send again."""
    stuck = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - LEASE)
    ).all()
    for message in stuck:
        sid = None
        if message.channel == "sms" and message.body:
            try:
                sid = channel().already_sent(message.recipient, message.body, message.claimed_at - timedelta(minutes=1))
            except (TemporaryFailure, PermanentFailure) as exc:
                log.warning("outbox %s: cannot ask the provider yet (%s)", message.id, exc)
                continue
        claimed = update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.status == "sending")
        if sid:
            won = db.session.execute(
                claimed.values(status="sent", provider=channel().name, provider_sid=sid, delivery="queued", sent_at=now)
            ).rowcount
            if won:
                db.session.refresh(message)
                _record("sms.sent", message, segments=message.segments, reconciled=True)
        else:
            db.session.execute(claimed.values(status="pending", due_at=now))
        events.commit()
    return len(stuck)


def record_status(sid: str, status: str, error_code: str = "") -> bool:
    """A provider's delivery report: moves the row's delivery state forward only (reports arrive out of order and
    twice). True when it changed something."""
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == sid))
    if message is None or not _is_forward(message.delivery, status):
        return False
    won = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.delivery == message.delivery)
        .values(delivery=status, error=(f"{status} {error_code}".strip() if error_code else message.error)[:200])
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        db.session.rollback()
        return False
    db.session.refresh(message)
    if status in FINAL_DELIVERY:
        _record(f"{message.channel}.{status.replace('-', '_')}", message, error_code=error_code)
    events.commit()
    return True


def _is_forward(current: str, new: str) -> bool:
    if current in FINAL_DELIVERY:
        return False
    return new in FINAL_DELIVERY or DELIVERY_ORDER.get(new, -1) > DELIVERY_ORDER.get(current, 0)
