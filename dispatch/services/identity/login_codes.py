"""Logging in with a one-time code texted to the leader's phone (no password to remember at 3 a.m.).

Asking for a code never says whether the number belongs to anyone. A code is six digits, kept only as a keyed
hash, valid for ``CODE_TTL``, for ``MAX_ATTEMPTS`` tries, and once; a new one is texted at most every
``RESEND_AFTER``. The SMS goes through the outbox like every other message (the phone simulator shows it in the
embedded default).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from dispatch.domain.phone import to_e164
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import LoginCode, User
from dispatch.personal_data.keys import phone_hash
from dispatch.services import events
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.noted_events import NotedMessage
from notifications import templates

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)


def request_code(phone_text: str) -> None:
    """Text a code to the leader with this phone number, if there is one (said to nobody either way)."""
    user = _leader(_phone(phone_text))
    if user is None:
        return
    now = datetime.now(UTC)
    latest = _latest(user.id)
    if latest is not None and latest.created_at > now - RESEND_AFTER:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(LoginCode(user_id=user.id, code_hash=_hash(code), expires_at=now + CODE_TTL))
    minutes = int(CODE_TTL.total_seconds() // 60)
    text = templates.login_code(code, minutes, user.language)
    params = {"text": text, "kind": "login_code", "code": code, "minutes": minutes}  # a template channel fills these
    message = NotedMessage(
        channel="sms", organization_id=user.organization_id, recipient=user.phone, template="login_code", params=params
    )
    event = events.record("login.code_sent", organization_id=user.organization_id, actor_id=user.id)
    events.send(message, event)
    events.commit()


def verify(phone_text: str, code: str) -> User | None:
    """The leader whose latest code this is, or None (wrong, used, run out, or too many tries)."""
    user = _leader(_phone(phone_text))
    latest = _latest(user.id) if user is not None else None
    now = datetime.now(UTC)
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        return None
    counted = db.session.execute(
        update(LoginCode)
        .where(LoginCode.id == latest.id, LoginCode.attempts < MAX_ATTEMPTS)
        .values(attempts=LoginCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not counted or not hmac.compare_digest(_hash(code.strip()), latest.code_hash):
        return None
    used = db.session.execute(
        update(LoginCode)
        .where(LoginCode.id == latest.id, LoginCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return user if used else None


def leader_county(phone_text: str) -> int | None:
    """The county of the leader with this number, for the audit of a code login; None if nobody has it."""
    try:
        user = _leader(_phone(phone_text))
    except InvalidInput:
        return None
    return user.county_id if user is not None else None


def _phone(text: str) -> str:
    try:
        return to_e164(text)
    except ValueError as exc:
        raise InvalidInput([FieldError("phone", "phone.invalid")]) from exc


def _leader(phone: str) -> User | None:
    query = select(User).where(User.phone_hash == phone_hash(phone), User.role == Role.ORG_LEADER, User.active.is_(True))
    query = query.order_by(User.id)
    return db.session.scalars(query.limit(1)).first()


def _latest(user_id: int) -> LoginCode | None:
    query = select(LoginCode).where(LoginCode.user_id == user_id).order_by(LoginCode.id.desc()).limit(1)
    return db.session.scalars(query).first()


def _hash(code: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), code.encode(), hashlib.sha256).hexdigest()
