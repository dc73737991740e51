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
# (dispatch/web/login.py).
limiter = Limiter(
    key_func=get_remote_address,
    application_limits=[
        ApplicationLimit(lambda: current_app.config["RATE_LIMIT_API"], scope="api", exempt_when=lambda: not _under("/api/")),
        ApplicationLimit(
            lambda: current_app.config["RATE_LIMIT_WEBHOOKS"],
            scope="webhooks",
            exempt_when=lambda: not _under("/twilio/", "/aliyun/"),
        ),
        ApplicationLimit(lambda: current_app.config["RATE_LIMIT_LINKS"], scope="links", exempt_when=lambda: not _under("/t/")),
    ],
)


def _under(*prefixes: str) -> bool:
    return request.path.startswith(prefixes)
