"""Flask extensions, created here and bound to the app in ``create_app``.

Nothing here connects to a database or Redis at import time.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# A session lives for one request or job; keeping loaded values after commit saves reloading every object just to
# build the answer. Code that changed rows behind the ORM's back (guarded UPDATEs) refreshes what it reads.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
socketio = SocketIO()
babel = Babel()
csrf = CSRFProtect()
# Per client address (the proxy's X-Forwarded-For when TRUSTED_PROXIES is set): the API as a whole, the webhooks
# as a whole and the one-tap offer links (/t/) as a whole share one budget each; the login routes have their own
# (dispatch/web/login.py). One limit whose budget and scope follow the path: three limits, each parsing its
# budget and asking whether it applies, cost every request three times the work.
_AREAS = (("/api/", "api", "RATE_LIMIT_API"), ("/twilio/", "webhooks", "RATE_LIMIT_WEBHOOKS"),
          ("/aliyun/", "webhooks", "RATE_LIMIT_WEBHOOKS"), ("/t/", "links", "RATE_LIMIT_LINKS"))  # fmt: skip


def _area() -> tuple[str, str] | None:
    """The budget the request's path draws on: its scope and its setting; None outside them."""
    path = request.path
    for prefix, scope, setting in _AREAS:
        if path.startswith(prefix):
            return scope, setting
    return None


def _budget() -> str:
    area = _area()
    return current_app.config[area[1]] if area else ""  # no budget: no limit


def _scope(_endpoint: str) -> str:
    area = _area()
    return area[0] if area else "none"


limiter = Limiter(key_func=get_remote_address, application_limits=[ApplicationLimit(_budget, scope=_scope)])
