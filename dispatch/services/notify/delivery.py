"""Sending the outbox: every due row is claimed, checked, rendered, sent once, and what happened is recorded.

A row moves ``pending → sending → sent | failed | skipped``. Claiming is a guarded UPDATE (on PostgreSQL over rows
picked ``FOR UPDATE SKIP LOCKED``), so two workers (or a re-run job) never send one row twice and never wait for
each other. One kind of job sends: ``drain``, which claims due rows a few at a time until none is left. Asking for
a drain while one is already waiting adds nothing (the queue port drops it), so however often commits and sweeper
passes nudge it, the queue holds at most one waiting drain, and a worker that falls behind catches up in one go.

A claim's rows are rendered and their texts written in one statement, sent one after the other (or in one request
where the channel takes batches), and what they came to is recorded together: the sent rows in one round trip, their
events in the event log's one statement, committed with the next claim.

The text is written on the row before it goes out; a worker that dies between sending and recording leaves the row
``sending``. Once its claimer has stopped beating (liveness) or its lease has run out, the row is reconciled: if
the provider has a message with that text to that number since the claim, the row takes that message's id, else it
is sent again. Temporary failures (timeouts, 5xx) are retried with backoff; permanent ones (an invalid number) are
not; both failures and deliveries land in the event log, where the duty officer sees them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Update, and_, bindparam, func, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Assignment, Incident, Need, OutboxMessage, Skill, User
from dispatch.services import events, liveness
from dispatch.services.dispatch import offer_links
from dispatch.services.notify.drains import nudge, nudge_groups
from dispatch.telemetry.metrics import count_retry
from notifications import templates
from notifications.channels import BatchChannel, Channel, Outgoing, PermanentFailure, TemporaryFailure
from notifications.rate import NoRate
from notifications.segments import segments

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # a row claimed longer ago than this was abandoned, even by a process that never beat
BACKOFF_S = (5, 15, 60, 180, 600)
DELIVERY_ORDER = {"": 0, "accepted": 1, "queued": 1, "sending": 2, "initiated": 2, "sent": 3, "ringing": 3, "in-progress": 4}
FINAL_DELIVERY = {"delivered", "undelivered", "failed", "completed", "busy", "no-answer", "canceled", "read"}
GROUP_DRAIN_BUDGET_S = 3.0  # a drain of the duty groups' robots hands over this soon: robots are never waited on long
GROUP_GIVE_UP = timedelta(hours=12)  # a group notice is retried while it may still matter (a throttled robot: 10 min)
CLAIM = 10  # rows claimed at a time: few enough that several workers share a burst, many enough to save round trips
DRAIN_BUDGET_S = 20.0  # a drain hands over to a fresh one after this long, so no single job runs for minutes
STALLED_S = 3.0  # a message due this long is not being sent by the queue: the sweeper sends it (send_stalled)
STALLED_BUDGET_S = 1.0  # and sends for at most this long per pass, so deadlines keep being swept
NO_RATE = NoRate()
GROUP = "group"  # the duty groups' messages: sent by their own drain, on the slow lane
RECORD_WITHIN_S = 0.1  # a sent row's record waits for its claim's next sends this long at most (reports follow)
REPORT_WAIT_S = 2.0  # a delivery report for an id not yet recorded waits this long for the record, while rows are sent
SENT_ROWS = "dispatch.delivery.sent"  # the session's rows noted as sent, written when it commits


def channel_for_role(role: str) -> Channel:
    """The adapter configured for a role (``sms``, ``voice``, ``group``): see ``notifications.channels``."""
    return current_app.extensions["dispatch.channels"][role]


def channel_for(message: OutboxMessage) -> Channel:
    return channel_for_role(message.channel)


def rate_for_role(role: str):
    """The pace of the role's sender (messages per second); roles without a cap send as fast as they are claimed."""
    return current_app.extensions["dispatch.rates"].get(role) or NO_RATE


def enqueue_due(now: datetime | None = None) -> int:
    """The sweeper's step: take back rows abandoned mid-send, and ask for a drain when rows are due (the duty groups'
    drain when theirs are). Returns how many are due. Safe to run any time."""
    now = now or datetime.now(UTC)
    reconcile_abandoned(now)
    by_channel = dict(
        db.session.execute(
            select(OutboxMessage.channel, func.count())
            .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
            .group_by(OutboxMessage.channel)
        ).all()
    )
    db.session.commit()
    if any(count for channel, count in by_channel.items() if channel != GROUP):
        nudge()
    if by_channel.get(GROUP):
        nudge_groups()
    return sum(by_channel.values())


def send_stalled(now: datetime | None = None) -> dict[str, int]:
    """The sweeper's safety net: when a message has been due for ``STALLED_S`` the queue is not getting it out (Redis
    away, or the drain job taken by a worker that then froze), so the sweeper sends for a moment itself. Rows are
    claimed one by one, so the two never send one twice."""
    now = now or datetime.now(UTC)
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.due_at <= now, OutboxMessage.channel != GROUP
        )
    )
    if oldest is None or now - oldest < timedelta(seconds=STALLED_S):
        db.session.commit()
        return {}
    working = db.session.scalar(  # a drain claimed rows a moment ago: a backlog is being worked off, not stalled
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "sending", OutboxMessage.channel != GROUP)
        .where(OutboxMessage.claimed_at > now - timedelta(seconds=STALLED_S))
        .limit(1)
    )
    db.session.commit()
    if working is not None:
        return {}
    log.warning("outbox: a message has waited %.0f s for delivery; the sweeper sends", (now - oldest).total_seconds())
    return drain(budget_s=STALLED_BUDGET_S, batch=1)  # one at a time: the budget is checked after each message


def drain(budget_s: float = DRAIN_BUDGET_S, batch: int = CLAIM) -> dict[str, int]:
    """Job: send due rows to people until none is left (or the budget is spent: then a fresh drain carries on).

    What a claim's rows came to is committed with the next claim: one transaction fewer a claim, and a backlog being
    worked off always shows rows just claimed (what ``send_stalled`` looks for before stepping in)."""
    outcome: dict[str, int] = {}
    until = time.monotonic() + budget_s
    try:
        while claimed := claim_due(batch):
            _send_claimed(claimed, outcome, commit=False)
            if time.monotonic() > until:
                nudge()
                break
    finally:  # the last claim's outcomes, and those sent before an unexpected error
        events.commit()
    return outcome


def drain_groups(budget_s: float = GROUP_DRAIN_BUDGET_S) -> dict[str, int]:
    """Job, on the slow lane: send the duty groups' due messages for a moment, then hand over to a fresh drain. A
    robot that fails to answer is not asked again in this drain: its other messages wait for the next."""
    outcome: dict[str, int] = {}
    until, silent = time.monotonic() + budget_s, set()
    while claimed := claim_due(CLAIM, groups=True):
        if waiting := [message for message in claimed if message.recipient in silent]:
            for message in waiting:
                _retry_or_fail(message, "robot did not answer a moment ago")
            events.commit()
            outcome["waiting"] = outcome.get("waiting", 0) + len(waiting)
        for message in (m for m in claimed if m not in waiting):
            status = _send_claimed([message], outcome)
            if status == ["pending"]:
                silent.add(message.recipient)
        if time.monotonic() > until:
            nudge_groups()
            break
    return outcome


def _send_claimed(claimed: list[OutboxMessage], outcome: dict[str, int], commit: bool = True) -> list[str]:
    """Send a claim's rows and record what happened to them together: committed here, or by the caller's next commit
    (before the next request when the provider is slow). A worker killed before that commit leaves the rows it sent
    ``sending`` with their texts on record: they are reconciled, never sent twice."""
    reading = _read_for(claimed)  # held to the end: recording the events reads the offers it loaded
    statuses, ready = _prepare(claimed, datetime.now(UTC), reading)
    noted = None  # when the oldest outcome not yet committed came back
    try:
        for together in _batches(ready):
            if noted is not None and time.monotonic() - noted > RECORD_WITHIN_S:
                events.commit()  # a slow provider: what went is recorded before the next request
                noted = None
            statuses += _send_batch(together) if len(together) > 1 else [_send(*together[0])]
            noted = noted or time.monotonic()
    finally:  # what was sent before an unexpected error is recorded all the same
        if commit:
            events.commit()
    for status in statuses:
        outcome[status] = outcome.get(status, 0) + 1
    return statuses


def _batches(ready: list[tuple[OutboxMessage, Outgoing]]) -> list[list[tuple[OutboxMessage, Outgoing]]]:
    """Rows that one request can carry together (same batch channel, same kind), the others one by one."""
    together: dict[tuple[str, str], list] = {}
    alone = []
    for message, outgoing in ready:
        if isinstance(channel_for(message), BatchChannel):
            together.setdefault((message.channel, outgoing.kind), []).append((message, outgoing))
        else:
            alone.append([(message, outgoing)])
    return [*together.values(), *alone]


def claim_due(limit: int, now: datetime | None = None, groups: bool = False) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for this process, oldest first; rows another worker is claiming are skipped.
    The duty groups' rows are claimed by their own drain (``groups``), the others by the drain of messages to people."""
    now = now or datetime.now(UTC)
    lane = OutboxMessage.channel == GROUP if groups else OutboxMessage.channel != GROUP
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now, lane)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # The pick is locked and limited once, before the claim: as a plain subquery of the UPDATE, PostgreSQL may run
    # the locking pick again for every row it compares, and the LIMIT would no longer hold. There a materialized CTE
    # does it in the claim's own statement; elsewhere the ids are picked first.
    if db.session.get_bind().dialect.name == "postgresql":
        picked = select(due.cte("picked").prefix_with("MATERIALIZED").c.id)
    elif not (picked := db.session.scalars(due).all()):
        db.session.commit()
        return []
    rows = db.session.scalars(  # the claimed rows come back whole: no second query to load them
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked), OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=now, claimed_by=liveness.process_id(), attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).all()
    db.session.commit()
    return sorted(rows, key=lambda row: (row.due_at, row.id))


def deliver(outbox_id: int) -> str:
    """Send one row if it is due and still wanted; returns the row's status afterwards. Safe to repeat."""
    now = datetime.now(UTC)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
        .values(status="sending", claimed_at=now, claimed_by=liveness.process_id(), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    message = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    if not claimed:
        return message.status if message else "missing"
    return _deliver_claimed(message, now, _read_for([message]))


@dataclass(frozen=True)
class Reading:
    """What rendering a batch of claimed rows needs, read once for all of them (their offers, with the need,
    incident and subdistrict the event log names, are loaded into the session on the way)."""

    offers: dict[int, Assignment]  # held here: the session's identity map keeps only what something else holds
    languages: dict[int, str]  # organization id → its leader's language
    labels: dict[str, dict[str, str]]  # skill code → {"zh": …, "en": …}


def _read_for(messages: list[OutboxMessage]) -> Reading:
    """Only what the rows name is asked for: a claim of notices and login codes reads nothing."""
    wanted = {m.assignment_id for m in messages if m.assignment_id}
    codes = {code for m in messages for code in m.params.get("skills", [])}
    organizations = {m.organization_id for m in messages if m.organization_id}
    return Reading(_offers(wanted), leader_languages(organizations) if organizations else {}, _labels(codes))


def _offers(ids: set[int]) -> dict[int, Assignment]:
    if not ids:
        return {}
    offers = db.session.scalars(
        select(Assignment)
        .where(Assignment.id.in_(ids))
        .options(joinedload(Assignment.need).joinedload(Need.incident).joinedload(Incident.subdistrict))
        .execution_options(populate_existing=True)
    ).unique()
    return {offer.id: offer for offer in offers}


def _labels(codes: set[str]) -> dict[str, dict[str, str]]:
    if not codes:
        return {}
    labels = db.session.execute(select(Skill.code, Skill.label_zh, Skill.label_en).where(Skill.code.in_(codes)))
    return {code: {"zh": zh, "en": en} for code, zh, en in labels}


def _deliver_claimed(message: OutboxMessage, now: datetime, reading: Reading) -> str:
    """A row this process claimed: skip it if no longer wanted, else render it, put the text on record, send it."""
    statuses, ready = _prepare([message], now, reading)
    if statuses:
        return statuses[0]
    status = _send(*ready[0])
    events.commit()
    return status


def _prepare(
    claimed: list[OutboxMessage], now: datetime, reading: Reading
) -> tuple[list[str], list[tuple[OutboxMessage, Outgoing]]]:
    """The rows rendered and their texts on record (in one round trip), ready to send; and the statuses of those
    not to be sent."""
    statuses, rendered = [], []
    for message in claimed:
        if status := _not_to_send(message, reading, now):
            statuses.append(status)
        else:
            rendered.append((message, *_render(message, reading)))
    mine = _still_mine([(message, body) for message, _kind, body, _params in rendered])
    ready = []
    for message, kind, body, params in rendered:
        if message.id not in mine:  # taken back while this process was frozen: the claim is someone else's now
            statuses.append("taken back")
            continue
        set_committed_value(message, "body", body)
        set_committed_value(message, "segments", _segments(message, body))
        outgoing = _outgoing(message, kind, params)
        if status := _sent_unheard(message, outgoing):
            statuses.append(status)
        else:
            ready.append((message, outgoing))
    return statuses, ready


def _not_to_send(message: OutboxMessage, reading: Reading, now: datetime) -> str:
    """The row's status when it is not to be sent after all (recorded), "" when it is."""
    if reason := _no_longer_wanted(message, reading.offers.get(message.assignment_id), now):
        message.status, message.error = "skipped", reason
        db.session.commit()
        return message.status
    if message.channel not in current_app.extensions["dispatch.channels"]:  # written before the settings changed
        _failed(message, f"no channel is configured for {message.channel}")
        events.commit()
        return message.status
    return ""


def _sent_unheard(message: OutboxMessage, outgoing: Outgoing) -> str:
    """The row's status when an earlier try turns out to have gone (recorded), or could not be asked about; "" when
    it is to be sent."""
    if message.attempts > 1:  # an earlier try may have gone out unheard (a timeout): the provider is asked first
        try:
            sid = channel_for(message).already_sent(outgoing, message.created_at - timedelta(minutes=1))
        except (TemporaryFailure, PermanentFailure) as exc:
            _retry_or_fail(message, f"cannot ask the provider whether an earlier try went: {exc}")
            events.commit()
            return message.status
        if sid:
            _sent(message, channel_for(message).name, sid, "queued")
            events.commit()
            return message.status
    return ""


def _outgoing(message: OutboxMessage, kind: str, params: dict) -> Outgoing:
    script = _public(f"/twilio/voice/{message.id}") if message.channel == "voice" else None
    return Outgoing(
        outbox_id=message.id, kind=kind, to=message.recipient, text=message.body, params=params,
        validity_s=_validity_s(message), status_url=_public("/twilio/status"), script_url=script,
    )  # fmt: skip


def _segments(message: OutboxMessage, body: str) -> int:
    """How many SMS parts the text takes (what the provider bills); 0 for a call or a robot message."""
    return segments(body) if message.channel == "sms" else 0


def _still_mine(texts: list[tuple[OutboxMessage, str]]) -> set[int]:
    """Put each text on record before it leaves (so an abandoned send can be reconciled), where the claim is still
    ours: the ids of those rows. One statement for them all; the rows are asked again only if one was taken back."""
    if not texts:
        return set()
    table, me = OutboxMessage.__table__, liveness.process_id()
    ours = (table.c.id == bindparam("row_id"), table.c.status == "sending", table.c.claimed_at == bindparam("claimed"))
    record = update(table).where(*ours, table.c.claimed_by == me).values(body=bindparam("text"), segments=bindparam("parts"))
    rows = [{"row_id": m.id, "claimed": m.claimed_at, "text": body, "parts": _segments(m, body)} for m, body in texts]
    written = db.session.connection().execute(record, rows).rowcount
    db.session.commit()
    if written == len(texts):
        return {message.id for message, _ in texts}
    claims = [and_(OutboxMessage.id == m.id, OutboxMessage.claimed_at == m.claimed_at) for m, _ in texts]
    still = select(OutboxMessage.id).where(or_(*claims), OutboxMessage.status == "sending", OutboxMessage.claimed_by == me)
    return set(db.session.scalars(still))


def _send(message: OutboxMessage, outgoing: Outgoing) -> str:
    """Send one row and note its outcome; the caller commits."""
    sending = channel_for(message)
    rate_for_role(message.channel).wait()
    try:
        sent = sending.send(outgoing)
    except TemporaryFailure as exc:
        _retry_or_fail(message, str(exc))
    except PermanentFailure as exc:
        _failed(message, str(exc))
    else:
        _sent(message, sending.name, sent.sid, sent.status)
    return message.status


def _send_batch(batch: list[tuple[OutboxMessage, Outgoing]]) -> list[str]:
    """Rows of one kind for one batch channel, sent in one request; each row's own outcome noted as if alone (the
    caller commits)."""
    sending = channel_for(batch[0][0])
    rate = rate_for_role(batch[0][0].channel)
    for _ in batch:
        rate.wait()
    try:
        outcomes = sending.send_batch([outgoing for _, outgoing in batch])
    except (TemporaryFailure, PermanentFailure) as exc:  # the request as a whole: every row shares its fate
        outcomes = [exc] * len(batch)
    for (message, _), outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, TemporaryFailure):
            _retry_or_fail(message, str(outcome))
        elif isinstance(outcome, PermanentFailure):
            _failed(message, str(outcome))
        else:
            _sent(message, sending.name, outcome.sid, outcome.status)
    return [message.status for message, _ in batch]


def _sent(message: OutboxMessage, provider: str, sid: str, delivery: str) -> None:
    """Note the row as sent; the commit writes it, with the other rows sent in its transaction (``_write_sent``)."""
    sent = {"provider": provider, "provider_sid": sid, "delivery": delivery, "sent_at": datetime.now(UTC)}
    for key, value in {"status": "sent", "error": "", **sent}.items():
        set_committed_value(message, key, value)
    db.session.info.setdefault(SENT_ROWS, []).append({"row_id": message.id, **{f"new_{k}": v for k, v in sent.items()}})
    kind = "voice.called" if message.channel == "voice" else f"{message.channel}.sent"
    _record(kind, message, segments=message.segments)


@sa_event.listens_for(Session, "before_commit")
def _write_sent(session: Session) -> None:
    """Every commit writes the rows noted as sent, all in one round trip: a claim's rows are recorded together."""
    if rows := session.info.pop(SENT_ROWS, None):
        session.connection().execute(_mark_sent(), rows)


@sa_event.listens_for(Session, "after_rollback")
def _forget_sent(session: Session) -> None:
    session.info.pop(SENT_ROWS, None)


@cache
def _mark_sent() -> Update:
    table = OutboxMessage.__table__
    sent = {name: bindparam(f"new_{name}") for name in ("provider", "provider_sid", "delivery", "sent_at")}
    return update(table).where(table.c.id == bindparam("row_id")).values(status="sent", error="", **sent)


def _retry_or_fail(message: OutboxMessage, error: str) -> None:
    """Try again later, with backoff; give up after ``SMS_MAX_ATTEMPTS`` (a message to a duty group: once it is
    ``GROUP_GIVE_UP`` old, since a throttled robot refuses everything for minutes and a notice must not be lost)."""
    if message.channel == GROUP:
        given_up = message.created_at < datetime.now(UTC) - GROUP_GIVE_UP
    else:
        given_up = message.attempts >= current_app.config["SMS_MAX_ATTEMPTS"]
    if given_up:
        _failed(message, error)
        return
    delay = BACKOFF_S[min(message.attempts, len(BACKOFF_S)) - 1]
    count_retry(message.channel)
    message.status, message.error = "pending", error[:200]
    message.due_at = datetime.now(UTC) + timedelta(seconds=delay)
    log.warning("outbox %s: %s; retry %d in %d s", message.id, error, message.attempts, delay)


def _failed(message: OutboxMessage, error: str) -> None:
    message.status, message.error = "failed", error[:200]
    _record(f"{message.channel}.failed", message, error=message.error)


def _record(kind: str, message: OutboxMessage, **data) -> None:
    assignment = db.session.get(Assignment, message.assignment_id) if message.assignment_id else None
    organization_id = None if assignment else message.organization_id
    subdistrict_id = message.params.get("subdistrict_id") if message.channel == GROUP else None  # its duty office hears
    events.record(
        kind, assignment=assignment, outbox_id=message.id, organization_id=organization_id, subdistrict_id=subdistrict_id, **data
    )


def _no_longer_wanted(message: OutboxMessage, assignment: Assignment | None, now: datetime) -> str:
    """Why an offer's failover step need not go out any more ("" when it must)."""
    if message.template != "offer" or assignment is None:
        return ""
    if assignment.state is not AssignmentState.OFFERED:
        return f"offer {assignment.state.value}"
    if assignment.deadline <= now:
        return "offer expired"
    if message.channel == "sms" and assignment.seen_at is not None:
        return "seen on the phone"
    return ""


def _render(message: OutboxMessage, reading: Reading) -> tuple[str, str, dict]:
    """(kind, text, template parameters): the text free-text channels send and the record keeps, and the parameters a
    template channel fills its approved template with."""
    if message.template != "offer":
        return message.params.get("kind", message.template), message.params.get("text", ""), message.params
    language = reading.languages.get(message.organization_id, "zh")
    codes = message.params.get("skills", [])
    labels = {code: reading.labels.get(code, {}).get(language, code) for code in codes}
    params = {**message.params, "skill_labels": labels}
    if message.assignment_id:  # a template channel's filed link ends in the token; a free-text one carries the link
        params["token"] = offer_links.tap_token(message.assignment_id)
        if links_in(message.channel):
            params["link"] = offer_links.tap_link(message.assignment_id)
    kind = offer_kind(message.params)
    if message.channel == "voice":
        return kind, templates.voice_offer(params, language), params
    return kind, templates.offer_sms(params, language), params


def offer_kind(params: dict) -> str:
    """Which approved message an offer step is: the reminder (a second SMS), a drill's offer, or the offer."""
    if params.get("reminder"):
        return "reminder"
    return "drill_offer" if params.get("drill") else "offer"


def links_in(role: str) -> bool:
    """Whether messages of this role carry the offer's one-tap link (``OFFER_LINKS``: per channel, since a domestic
    SMS may only link to a domain filed with its template, and Twilio's China route carries no links)."""
    return channel_for_role(role).name in current_app.config["OFFER_LINKS"]


def leader_language(organization_id: int | None) -> str:
    """The language the organization's leader reads (their login's), Chinese when unknown."""
    return leader_languages({organization_id}).get(organization_id, "zh") if organization_id else "zh"


def leader_languages(organization_ids: set[int]) -> dict[int, str]:
    """Each organization's leader's language (the first active leader login's); Chinese when unknown."""
    found = db.session.execute(
        select(User.organization_id, User.language)
        .where(User.organization_id.in_(organization_ids), User.role == Role.ORG_LEADER, User.active.is_(True))
        .order_by(User.id.desc())  # the first login wins: written last
    ).all()
    languages = {org_id: templates.language_of(language) for org_id, language in found}
    return {org_id: languages.get(org_id, "zh") for org_id in organization_ids}


def _validity_s(message: OutboxMessage) -> int | None:
    """An offer's SMS must not arrive after the offer has run out: Twilio drops it once this many seconds pass."""
    deadline = message.params.get("deadline")
    if message.template != "offer" or not deadline:
        return None
    return max(1, int((datetime.fromisoformat(deadline) - datetime.now(UTC)).total_seconds()))


def _public(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def reconcile_abandoned(now: datetime) -> int:
    """Rows left ``sending`` by a worker that died: adopt the provider's message if it went, else send again.

    A row is abandoned once its claimer has stopped beating (killed or frozen: seconds), or, whoever claimed it, once
    it has been sending for longer than ``LEASE``."""
    abandoned = or_(OutboxMessage.claimed_at < now - LEASE, OutboxMessage.claimed_by.in_(liveness.dead_processes(now)))
    stuck = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sending", abandoned)).all()
    db.session.commit()  # no transaction waits on the provider's answer
    for message in stuck:
        try:
            sid = _sent_before(message)
        except (TemporaryFailure, PermanentFailure) as exc:
            log.warning("outbox %s: cannot ask the provider yet (%s)", message.id, exc)
            continue
        claimed = update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.status == "sending")
        if sid:
            won = db.session.execute(
                claimed.values(
                    status="sent", provider=channel_for(message).name, provider_sid=sid, delivery="queued", sent_at=now
                )
            ).rowcount
            if won:
                db.session.refresh(message)
                _record(f"{message.channel}.sent", message, segments=message.segments, reconciled=True)
        else:
            db.session.execute(claimed.values(status="pending", due_at=now))
        events.commit()
    return len(stuck)


def _sent_before(message: OutboxMessage) -> str | None:
    """The provider's id of an abandoned row's message if it went out (asked by its text, or by the outbox id the
    provider keeps with it), else None. A row abandoned before its text was on record never went out."""
    if not message.body or message.channel not in current_app.extensions["dispatch.channels"]:
        return None  # never went out, or no channel to ask (sent again, it fails with the reason)
    kind = offer_kind(message.params) if message.template == "offer" else message.params.get("kind", message.template)
    outgoing = Outgoing(outbox_id=message.id, kind=kind, to=message.recipient, text=message.body, params=message.params)
    return channel_for(message).already_sent(outgoing, message.claimed_at - timedelta(minutes=1))


def record_status(sid: str, status: str, error_code: str = "") -> bool:
    """A provider's delivery report: moves the row's delivery state forward only (reports arrive out of order and
    twice). True when it changed something."""
    message = _sent_as(sid)
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


def _sent_as(sid: str) -> OutboxMessage | None:
    """The row the provider's id names. A report can overtake the record of its message (a claim's outcomes are
    committed together, ``RECORD_WITHIN_S`` and one request after the send at most): while rows are being sent, an
    unknown id is looked for again for up to ``REPORT_WAIT_S``."""
    until = time.monotonic() + REPORT_WAIT_S
    while (message := db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == sid))) is None:
        sending = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "sending").limit(1))
        db.session.rollback()  # the next look sees what was committed meanwhile (SQLite reads from a snapshot)
        if sending is None or time.monotonic() > until:
            return None
        time.sleep(0.05)
    return message


def _is_forward(current: str, new: str) -> bool:
    if current in FINAL_DELIVERY:
        return False
    return new in FINAL_DELIVERY or DELIVERY_ORDER.get(new, -1) > DELIVERY_ORDER.get(current, 0)
