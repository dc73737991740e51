"""Sessions: who is logged in, timeouts, and the decorators routes use.

Flask's signed cookie carries only the user id, two timestamps and the user's session epoch; the user and their
scope are read from the database on every request, so a suspended user is out at once.

The session epoch is a counter on the user, copied into the cookie at login. Raising it (a password change does) ends
every session whose cookie holds an older number; the session that raised it takes the new one (``follow_epoch``).
A cookie from before epochs existed counts as epoch 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request, session

from dispatch.domain.scope import Actor
from dispatch.extensions import db
from dispatch.models import User
from dispatch.services.identity import sessions


class LoginRequired(Exception):
    """No valid session: never logged in, logged out, or timed out (``expired``)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


def log_in(user: User, via: str = "password") -> None:
    """Start a fresh session (a new CSRF secret too), keeping only the language the visitor switched to. ``via``
    says how the person proved who they are: "password", or "code" (texted), which no password rule concerns."""
    language = session.get("lang")
    session.clear()
    now = int(time.time())
    session.update(user_id=user.id, login_at=now, seen_at=now, epoch=user.session_epoch, sid=sessions.start(user.id))
    session["via"] = via
    if language:
        session["lang"] = language
    session.permanent = True


def log_out() -> None:
    if session.get("user_id") is not None and session.get("sid"):
        sessions.end(session["user_id"], session["sid"])
    session.clear()


def follow_epoch(user: User) -> None:
    """Keep this session after the user's epoch was raised; their other sessions end, and leave the list too."""
    session["epoch"] = user.session_epoch
    sessions.end_all(user.id, keep=session.get("sid"))


SECOND_FACTOR_WAIT_S = 300  # between the password and the second factor


def hold_for_second_factor(user: User, target: str | None, via: str = "password") -> None:
    """The password was right; nobody is logged in until the second factor is too. The session holds only who
    is on their way in, since when, and where they were headed."""
    language = session.get("lang")
    session.clear()
    session["second_factor"] = {"user_id": user.id, "since": int(time.time()), "next": target or "", "via": via}
    if language:
        session["lang"] = language


def waiting_for_second_factor() -> tuple[User, str] | None:
    """Who passed the first factor and is due their second (and where they were headed), if anyone still is."""
    held = session.get("second_factor")
    if not held or time.time() - held.get("since", 0) > SECOND_FACTOR_WAIT_S:
        return None
    user = db.session.get(User, held["user_id"])
    if user is None or not user.active:
        return None
    return user, held.get("next", "")


# How often the cookie's last-seen time moves on: the idle timeout ends a session at most this much early, never late.
SEEN_EVERY_S = 60


def load_user() -> None:
    """Run before each request: set ``g.user`` and ``g.actor`` from a still-valid session."""
    g.user, g.actor, g.session_expired = None, None, False
    if request.endpoint == "static":  # stylesheets and icons need no user, so no query
        return
    user_id = session.get("user_id")
    if user_id is None:
        return
    if _timed_out():
        session.clear()
        g.session_expired = True
        return
    user, opened = sessions.user_and_session(user_id, session.get("sid"))
    if user is None or not user.active or session.get("epoch", 0) != user.session_epoch:
        session.clear()
        return
    if not sessions.still_open(opened):  # ended from another device, or by an administrator
        session.clear()
        g.session_expired = True
        return
    if (now := int(time.time())) - session.get("seen_at", 0) >= SEEN_EVERY_S:
        session["seen_at"] = now  # the cookie changes, so it is signed and sent again: not on every request
    g.user, g.actor = user, user.actor()


def _timed_out() -> bool:
    now = time.time()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    return now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > absolute


def current_actor() -> Actor:
    """The logged-in actor, or LoginRequired."""
    if g.get("actor") is None:
        raise LoginRequired(expired=g.get("session_expired", False))
    return g.actor


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_actor()
        return view(*args, **kwargs)

    return wrapper
