"""The sessions each person has open: one row per login, its random id in the signed cookie. A person sees theirs
and ends any; an administrator ends all of someone's; a password change ends all but the one that made it.

A row is written at login and touched at most once a minute (``TOUCH_EVERY``), so keeping it costs a read per
request, not a write.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from flask import current_app, has_request_context, request
from sqlalchemy import and_, bindparam, select, update

from dispatch.extensions import db
from dispatch.models import User, UserSession

TOUCH_EVERY = timedelta(minutes=1)
# Every request runs it: built once, run with parameters; of the session, only what deciding needs (no object).
USER_AND_SESSION = (
    select(User, UserSession.id, UserSession.ended_at, UserSession.seen_at)
    .outerjoin(UserSession, and_(UserSession.id == bindparam("session_id"), UserSession.user_id == User.id))
    .where(User.id == bindparam("user_id"))
)


def start(user_id: int) -> str:
    """A new session row; its id goes in the cookie."""
    session_id = secrets.token_urlsafe(32)
    address = (request.remote_addr or "")[:64] if has_request_context() else ""
    agent = request.headers.get("User-Agent", "")[:200] if has_request_context() else ""
    db.session.add(UserSession(id=session_id, user_id=user_id, address=address, user_agent=agent))
    db.session.commit()
    return session_id


class OpenedSession(NamedTuple):
    id: str
    ended_at: datetime | None
    seen_at: datetime


def user_and_session(user_id: int, session_id: str | None) -> tuple[User | None, OpenedSession | None]:
    """The person a cookie names and the cookie's session if it is theirs, read in one query (every request asks)."""
    row = db.session.execute(USER_AND_SESSION, {"user_id": user_id, "session_id": session_id or ""}).first()
    if row is None:
        return None, None
    return row[0], OpenedSession(*row[1:]) if row[1] is not None else None


def still_open(row: OpenedSession | None) -> bool:
    """Whether the cookie's session (its row, the person's own) has not been ended; touches it now and then."""
    if row is None or row.ended_at is not None:
        return False
    now = datetime.now(UTC)
    if now - row.seen_at > TOUCH_EVERY:
        db.session.execute(
            update(UserSession).where(UserSession.id == row.id).values(seen_at=now)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        db.session.commit()
    return True


def open_sessions(user_id: int) -> list[UserSession]:
    """The person's sessions not ended and not past the absolute limit, newest first."""
    oldest = datetime.now(UTC) - current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    query = select(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.created_at > oldest
    )
    return list(db.session.scalars(query.order_by(UserSession.created_at.desc())))


def end(user_id: int, session_id: str) -> bool:
    """End one of the person's sessions; False if it is not theirs or already ended."""
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(ended)


def end_all(user_id: int, keep: str | None = None) -> int:
    """End every session of the person (but ``keep``); how many were ended."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep:
        query = query.where(UserSession.id != keep)
    ended = db.session.execute(query.values(ended_at=datetime.now(UTC)).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return ended
