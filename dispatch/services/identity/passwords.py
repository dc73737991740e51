"""Passwords: the rules as configured, changing one, when a person must change theirs, and the demo's password.

A change keeps the replaced hash in ``password_history`` (a new password may not be any of the last
``PASSWORD_HISTORY``, the current one included) and raises the user's session epoch, which ends every other session
of theirs (dispatch/auth.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, inspect, select
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch.config import ConfigError
from dispatch.domain import password_policy
from dispatch.domain.password_policy import ChangeDue, PasswordRules
from dispatch.extensions import db
from dispatch.models import PasswordHistory, User
from dispatch.services import audit
from dispatch.services.errors import FieldError, InvalidInput

log = logging.getLogger(__name__)


def rules() -> PasswordRules:
    """The rules the settings ask for (PASSWORD_MIN_LENGTH, PASSWORD_MIN_CLASSES, PASSWORD_HISTORY, PASSWORD_MAX_AGE_DAYS)."""
    config = current_app.config
    days = config["PASSWORD_MAX_AGE_DAYS"]
    return PasswordRules(
        min_length=config["PASSWORD_MIN_LENGTH"],
        min_classes=config["PASSWORD_MIN_CLASSES"],
        history=config["PASSWORD_HISTORY"],
        max_age=timedelta(days=days) if days > 0 else None,
    )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def policy_errors(password: str, username: str, field: str = "password") -> list[FieldError]:
    """Every rule the password breaks, as errors on ``field``."""
    return [
        FieldError(field, reason.code, reason.params) for reason in password_policy.reasons_against(password, username, rules())
    ]


def change_due(user: User) -> ChangeDue | None:
    """Whether the user must change their password before anything else, and why."""
    return password_policy.change_due(user.must_change_password, user.password_changed_at, datetime.now(UTC), rules())


def change_password(user: User, current: str, new: str, repeated: str) -> None:
    """Change the user's password and end their other sessions (the caller keeps its own: ``auth.follow_epoch``).

    A wrong current password changes nothing and is audited as a failed change."""
    if not check_password_hash(user.password_hash, current):
        audit.record("password.changed", "failed", object_type="user", object_id=user.id, actor=user)
        raise InvalidInput([FieldError("current_password", "password.wrong_current")])
    errors = policy_errors(new, user.username, "new_password")
    if new != repeated:
        errors.append(FieldError("new_password_again", "password.mismatch"))
    if not errors and _used_before(user, new):
        errors.append(FieldError("new_password", "password.reused", {"count": rules().history}))
    if errors:
        raise InvalidInput(errors)
    forced = change_due(user)
    _replace(user, new)
    db.session.commit()
    detail = {"forced": forced.value} if forced else {}
    audit.record("password.changed", "ok", object_type="user", object_id=user.id, actor=user, detail=detail)


def _used_before(user: User, password: str) -> bool:
    """Whether the password is the current one or one of the earlier ones the history still holds."""
    return any(check_password_hash(hashed, password) for hashed in [user.password_hash, *_earlier_hashes(user)])


def _earlier_hashes(user: User) -> list[str]:
    query = select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
    newest_first = query.order_by(PasswordHistory.replaced_at.desc(), PasswordHistory.id.desc())
    return list(db.session.scalars(newest_first.limit(rules().history - 1)))


def _replace(user: User, password: str) -> None:
    """The new hash in, the old one into the history (only as many kept as can still be refused), sessions ended."""
    db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    db.session.flush()
    kept = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id)
    kept = kept.order_by(PasswordHistory.replaced_at.desc(), PasswordHistory.id.desc()).limit(rules().history - 1)
    db.session.execute(
        delete(PasswordHistory).where(PasswordHistory.user_id == user.id, PasswordHistory.id.not_in(kept.scalar_subquery()))
    )
    user.password_hash = hash_password(password)
    user.password_changed_at = datetime.now(UTC)
    user.must_change_password = False
    user.session_epoch = (user.session_epoch or 0) + 1


def demo_logins_with_demo_password() -> list[str]:
    """The demo accounts (``demo-*``) whose password is still the published demo password."""
    from dispatch.demo.seed import DEMO_PASSWORD

    if not inspect(db.engine).has_table("users"):  # a database not migrated yet holds no accounts
        return []
    users = db.session.scalars(select(User).where(User.username.like("demo-%")).order_by(User.id))
    return [user.username for user in users if check_password_hash(user.password_hash, DEMO_PASSWORD)]


def refuse_demo_passwords(app: Flask) -> None:
    """Production start-up: a demo account with the demo password is a door anyone can open; refuse to run with it.

    ``ALLOW_DEMO_LOGINS=1`` is the explicit way round it (test harnesses and benchmarks of the demo district)."""
    with app.app_context():
        names = demo_logins_with_demo_password()
        db.session.remove()
    if names:
        problem = (
            f"demo accounts still have the demo password: {', '.join(names)}; change their passwords or remove them, "
            "or set ALLOW_DEMO_LOGINS=1 for a demonstration (演示账号仍使用公开的演示密码，生产模式拒绝启动)"
        )
        log.error(problem)
        raise ConfigError(problem)
