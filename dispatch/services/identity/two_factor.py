"""Enrolling, checking and resetting a person's second factor (``dispatch.domain.two_factor``).

A secret becomes the person's only once they have typed a code their app made from it; until then it rides in
their (signed) session. Recovery codes are shown once and kept as keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, select, update

from dispatch.domain.two_factor import (
    SecondFactor,
    accepted_step,
    new_recovery_codes,
    normal_recovery_code,
    second_factor,
)
from dispatch.extensions import db
from dispatch.models import RecoveryCode, TwoFactor, User


def required() -> bool:
    return bool(current_app.config["TWO_FACTOR_REQUIRED"])


def enrolled(user: User) -> bool:
    return db.session.get(TwoFactor, user.id) is not None


def what_next(user: User) -> SecondFactor:
    return second_factor(user.role, required(), enrolled(user))


def confirm_enrolment(user: User, secret: str, code: str) -> list[str] | None:
    """Make ``secret`` the person's second factor if ``code`` comes from it; their new recovery codes, or None."""
    step = accepted_step(secret, code, time.time(), None)
    if step is None:
        return None
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.add(TwoFactor(user_id=user.id, secret=secret, last_step=step))
    codes = _replace_recovery_codes(user)
    db.session.commit()
    return codes


def check(user: User, code: str) -> str | None:
    """How the person proved the second factor ("code" or "recovery_code"), or None if they did not.

    A code is good once: the step it belongs to is claimed with a guarded UPDATE, so two requests with the same
    code cannot both pass."""
    factor = db.session.get(TwoFactor, user.id)
    if factor is None:
        return None
    step = accepted_step(factor.secret, code, time.time(), factor.last_step)
    if step is not None:
        claimed = db.session.execute(
            update(TwoFactor)
            .where(TwoFactor.user_id == user.id, (TwoFactor.last_step.is_(None)) | (TwoFactor.last_step < step))
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        return "code" if claimed else None
    recovery = normal_recovery_code(code)
    if not recovery:
        return None
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(recovery), RecoveryCode.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return "recovery_code" if used else None


def recovery_codes_left(user: User) -> int:
    query = select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return len(db.session.scalars(query).all())


def new_codes(user: User) -> list[str]:
    """A fresh set of recovery codes (the old ones stop working)."""
    codes = _replace_recovery_codes(user)
    db.session.commit()
    return codes


def reset(user: User) -> None:
    """Forget the second factor (a lost phone): the person enrols again at their next login."""
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return codes


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"recovery code\n" + code.encode(), hashlib.sha256).hexdigest()
