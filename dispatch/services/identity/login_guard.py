"""Wrong passwords and codes lock a login name (``dispatch.domain.lockout``); an administrator can lift the lock.

The lock is kept on the name as typed (folded to lower case), whether or not an account has it, so the answer
never tells which names exist. A code login's name is a keyed hash of the phone number, never the number.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, func, select, text

from dispatch.domain.lockout import LockoutPolicy, is_locked
from dispatch.domain.scope import Actor, Role
from dispatch.extensions import db
from dispatch.models import LoginFailure, User

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


@contextmanager
def one_at_a_time(login_name: str) -> Iterator[None]:
    """Tries of one login name are judged one after another, each seeing the failures before it: a burst of guesses
    sent at once gets no more passwords checked than one sent in a row.

    PostgreSQL: a transaction-scoped advisory lock on the name, across every web process; it is released by the
    commit that records the outcome (a failure, a lock, a success), at the latest when the block ends. SQLite (the
    embedded default, one process): a lock per name in the process."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": f"login {login_name}"})
        try:
            yield
        finally:
            db.session.rollback()  # every outcome is committed by now; this only ends the transaction and its lock
        return
    with _PROCESS_LOCKS_GUARD:
        lock = _PROCESS_LOCKS.setdefault(login_name, threading.Lock())
    with lock:
        yield


def policy() -> LockoutPolicy:
    config = current_app.config
    return LockoutPolicy(config["LOGIN_LOCK_ATTEMPTS"], config["LOGIN_LOCK_WINDOW"], config["LOGIN_LOCK_PERIOD"])


def name_for_password(username: str) -> str:
    return username.strip().lower()[:80]


def name_for_code(phone_e164: str) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), phone_e164.encode(), hashlib.sha256).hexdigest()
    return f"phone:{digest[:40]}"


def county_of(login_name: str) -> int | None:
    """The county of the account with this name, if one has it: its administrators see what happens to it."""
    return db.session.scalar(select(User.county_id).where(func.lower(User.username) == login_name).limit(1))


def locked_until(login_name: str) -> datetime | None:
    """The end of the lock on this name now in force, or None."""
    now = datetime.now(UTC)
    rules = policy()
    failures = db.session.scalars(
        select(LoginFailure.at).where(LoginFailure.login_name == login_name, LoginFailure.at > now - rules.memory)
    ).all()
    return is_locked(failures, rules, now)


def note_failure(login_name: str) -> datetime | None:
    """Count a wrong password or code; the lock it brings about, if it is the one too many."""
    now = datetime.now(UTC)
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.login_name == login_name, LoginFailure.at <= now - policy().memory)
    )
    db.session.add(LoginFailure(login_name=login_name, at=now))
    db.session.commit()
    return locked_until(login_name)


def clear(login_name: str) -> None:
    """A successful login, or an administrator's unlock: the failures so far no longer count."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.login_name == login_name))
    db.session.commit()


@dataclass(frozen=True)
class Lock:
    user: User
    until: datetime


def locks_for(actor: Actor) -> list[Lock]:
    """Accounts in the administrator's county locked right now (names no account has are nobody's to unlock)."""
    if actor.role is not Role.ADMIN:
        return []
    candidates = db.session.scalars(
        select(User)
        .where(func.lower(User.username).in_(select(LoginFailure.login_name).distinct()), User.county_id == actor.county_id)
        .order_by(User.username)
    ).all()
    locks = [Lock(user, until) for user in candidates if (until := locked_until(name_for_password(user.username)))]
    return locks


def lift(actor: Actor, user_id: int) -> User | None:
    """Lift the lock on an account of the administrator's county; the account, or None if it is not theirs."""
    user = db.session.get(User, user_id)
    if actor.role is not Role.ADMIN or user is None or user.county_id != actor.county_id:
        return None
    clear(name_for_password(user.username))
    if user.phone:
        clear(name_for_code(user.phone))
    return user
