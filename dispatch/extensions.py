"""Flask extensions, created here and bound to the app in ``create_app``.

Nothing here connects to a database or Redis at import time.
"""

from __future__ import annotations

from flask_babel import Babel
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
