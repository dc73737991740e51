"""What a county administrator does for the people of their county: see who has a second factor and sessions
open, end all of someone's sessions (a lost phone, a person who left), reset their second factor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import TwoFactor, User, UserSession
from dispatch.services.errors import NotFound
from dispatch.services.identity import sessions, two_factor


@dataclass(frozen=True)
class Account:
    user: User
    second_factor: bool
    open_sessions: int


def county_accounts(actor: Actor) -> list[Account]:
    require(actor, Action.EDIT, Resource.ACCOUNT)
    users = db.session.scalars(select(User).where(User.county_id == actor.county_id).order_by(User.role, User.username)).all()
    enrolled = set(db.session.scalars(select(TwoFactor.user_id).where(TwoFactor.user_id.in_([u.id for u in users]))))
    counts = dict(
        db.session.execute(
            select(UserSession.user_id, func.count())
            .where(UserSession.user_id.in_([u.id for u in users]), UserSession.ended_at.is_(None))
            .group_by(UserSession.user_id)
        ).all()
    )
    return [Account(user, user.id in enrolled, counts.get(user.id, 0)) for user in users]


def account_of(actor: Actor, user_id: int) -> User:
    """A user of the administrator's county, or NotFound."""
    require(actor, Action.EDIT, Resource.ACCOUNT)
    user = db.session.get(User, user_id)
    if user is None or user.county_id != actor.county_id:
        raise NotFound("user")
    return user


def end_all_sessions(actor: Actor, user_id: int) -> tuple[User, int]:
    """Every session of the user ends now, wherever it is (the cookie's epoch and its row both stop it)."""
    user = account_of(actor, user_id)
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.commit()
    return user, sessions.end_all(user.id)


def reset_second_factor(actor: Actor, user_id: int) -> User:
    user = account_of(actor, user_id)
    two_factor.reset(user)
    return user
