"""Integration fixtures: every test here runs twice, on the embedded column (SQLite, inline jobs) and on the
production column (a real PostgreSQL and Redis, RQ). The schema comes from the Alembic migrations."""

from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from dispatch import create_app
from dispatch.extensions import db, limiter
from dispatch.models.audit import install_guards, remove_guards, start_head
from dispatch.services.registry.skills import seed_skills
from notifications.channels.aliyun_templates import SUGGESTED_TEXTS
from notifications.channels.twilio import twilio_channels
from tests import services
from tests.factories import World, build_world
from tests.fake_aliyun_sms import FakeAliyunSms
from tests.fake_twilio import FakeTwilio
from tests.integration.aliyun_helpers import CODES, PUSH_TOKEN, SIGN, aliyun_channel
from tests.integration.sms_helpers import PUBLIC_URL, SENDER

FAST_HASH = "pbkdf2:sha256:1000"  # scrypt costs ~85 ms a user; the tests create hundreds


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    if request.param == "sqlite":
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite3", "REDIS_URL": None}
        return
    services.ensure_postgres()
    services.ensure_redis()
    url = services.create_database()
    yield {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": services.redis_url()}
    services.drop_database(url)


@pytest.fixture(scope="session")
def session_app(backend):
    app = create_app(TESTING=True, PASSWORD_HASH_METHOD=FAST_HASH, SERVER_NAME=None, **backend)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(session_app):
    """The app with an empty database (skills seeded), inside an app context."""
    with session_app.app_context():
        _finish_jobs_left_running(session_app.extensions["dispatch.jobs"])
        _empty_database()
        _empty_redis(session_app.config["REDIS_URL"])
        session_app.extensions["dispatch.places"].invalidate()  # the cells it indexed were just deleted
        limiter.reset()  # each test starts with every client address's budget whole
        seed_skills()
        yield session_app
        db.session.remove()


def _finish_jobs_left_running(jobs) -> None:
    """An earlier test's inline job (SQLite's column) may still be sending its SMS: let it end before the wipe, or
    its late event lands in this test's empty database."""
    if hasattr(jobs, "join"):
        jobs.join()


def _empty_redis(url: str | None) -> None:
    """No job, waiting key or counter left by an earlier test (the session's own Redis db number)."""
    if url:
        from redis import Redis

        Redis.from_url(url).flushdb()


def _empty_database() -> None:
    # The event counter keeps its one row (made by the migration); event ids simply go on rising across tests.
    # The audit trail refuses to be emptied: its guards are lifted for the wipe, and the chain starts again.
    tables = [table.name for table in reversed(db.metadata.sorted_tables) if table.name != "event_counter"]
    connection = db.session.connection()
    remove_guards(connection)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    start_head(connection)
    install_guards(connection)
    db.session.commit()


@pytest.fixture
def world(app) -> World:
    return build_world()


class Browser:
    """A test client logged in through the real login form, sending the CSRF token on writes."""

    def __init__(self, app, language: str = "zh") -> None:
        self.app = app
        self.client = app.test_client()
        self.headers = {"Accept-Language": language}
        self._token: str | None = None

    def open(self, url: str, **kwargs):
        """One request in an app context of its own, as in production: the test's own context (and its
        ``g`` and database session) would otherwise be shared with the request."""
        with self.app.app_context():
            response = self.client.open(url, **kwargs)
        db.session.expire_all()
        return response

    def login(self, username: str, password: str):
        page = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        form = {"csrf_token": token, "username": username, "password": password}
        return self.open("/login", method="POST", data=form, headers=self.headers)

    def token(self) -> str:
        if self._token is None:
            self._token = self.get("/api/csrf").get_json()["csrf_token"]
        return self._token

    def get(self, url: str, **kwargs):
        return self.open(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def send(self, method: str, url: str, body=None, **kwargs):
        headers = {**self.headers, "X-CSRFToken": self.token(), **kwargs.pop("headers", {})}
        return self.open(url, method=method, json=body, headers=headers, **kwargs)

    def post(self, url: str, body=None, **kwargs):
        return self.send("POST", url, body, **kwargs)

    def patch(self, url: str, body=None, **kwargs):
        return self.send("PATCH", url, body, **kwargs)


@pytest.fixture
def browser(app):
    """Make a Browser; ``browser(user)`` logs that user in."""

    def make(user=None, language: str = "zh") -> Browser:
        b = Browser(app, language)
        if user is not None:
            assert b.login(user.username, World.PASSWORD).status_code == 302
        return b

    return make


@pytest.fixture
def twilio(app):
    """The app sending through the real twilio client to a fake Twilio on 127.0.0.1."""
    settings = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "PUBLIC_URL", "SMS_MAX_ATTEMPTS")
    saved_config, saved_channels = {k: app.config[k] for k in settings}, app.extensions["dispatch.channels"]
    with FakeTwilio() as fake:
        app.config.update(TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=fake.auth_token, TWILIO_FROM=SENDER)
        app.config["PUBLIC_URL"] = PUBLIC_URL
        app.extensions["dispatch.channels"] = twilio_channels(fake.account_sid, fake.auth_token, SENDER, fake.url, timeout_s=3)
        yield fake
    app.config.update(saved_config)
    app.extensions["dispatch.channels"] = saved_channels


@pytest.fixture
def aliyun(app):
    """The app texting through the real Aliyun SDK to a fake Aliyun on 127.0.0.1, its pushes behind PUSH_TOKEN."""
    saved_channels, saved_token = app.extensions["dispatch.channels"], app.config["ALIYUN_PUSH_TOKEN"]
    saved_url = app.config["PUBLIC_URL"]
    with FakeAliyunSms(sign_name=SIGN, templates={CODES[kind]: text for kind, text in SUGGESTED_TEXTS.items()}) as fake:
        app.extensions["dispatch.channels"] = {**saved_channels, "sms": aliyun_channel(fake)}
        app.config.update(ALIYUN_PUSH_TOKEN=PUSH_TOKEN, PUBLIC_URL=PUBLIC_URL)
        yield fake
    app.extensions["dispatch.channels"] = saved_channels
    app.config.update(ALIYUN_PUSH_TOKEN=saved_token, PUBLIC_URL=saved_url, ALIYUN_PUSH_FROM=())
