"""When the database misbehaves: a transaction left open by a frozen process is ended by PostgreSQL, so its row locks
hold up the sweeper for seconds, not for as long as the process stays frozen; a database that is away, or a process
whose connections are all busy, gets a clear 503 with Retry-After, never a 500."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from dispatch import create_app
from dispatch.extensions import db
from dispatch.services.dispatch.answers import sweep_overdue
from tests import services
from tests.e2e.conftest import free_port
from tests.integration.conftest import FAST_HASH
from tests.integration.dispatch_helpers import make_overdue, posted_need, states

POSTGRES_SERVER = f"postgresql+psycopg://postgres@{services.PG_HOST}:{services.PG_PORT}/postgres"


def test_a_lock_held_by_a_frozen_transaction_is_released_and_the_sweep_goes_on(app, world, browser):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time, in one process here; PostgreSQL ends idle transactions")
    need = posted_need(browser(world.duty), world.cell_a1, policy="sequential")
    make_overdue(need["assignments"][0]["id"])
    frozen = db.engine.connect()  # a process of the app's, frozen in the middle of a transaction on the need
    frozen.begin()
    frozen.execute(text("UPDATE needs SET accepted = accepted WHERE id = :id"), {"id": need["id"]})

    swept: list[int] = []
    sweeper = threading.Thread(target=lambda: swept.append(_in_app_context(app, sweep_overdue)), daemon=True)
    sweeper.start()
    sweeper.join(30)

    assert swept == [1] and states(need["id"])[world.org_a1.id] == "expired"
    with pytest.raises(DBAPIError):  # PostgreSQL ended the frozen transaction and its session
        frozen.execute(text("SELECT 1"))
    frozen.close()


def _in_app_context(app, call):
    with app.app_context():
        try:
            return call()
        finally:
            db.session.remove()


def test_a_database_that_is_away_gets_503_with_retry_after_not_a_500():
    away = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    app = create_app(TESTING=True, PASSWORD_HASH_METHOD=FAST_HASH, SQLALCHEMY_DATABASE_URI=away, REDIS_URL=None)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    for language, words in (("zh", "数据库暂时不可用"), ("en", "database is briefly unavailable")):
        form = {"csrf_token": token, "username": "demo-duty", "password": "x"}
        response = client.post("/login", data=form, headers={"Accept-Language": language})
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert words in response.get_data(as_text=True)
    api = client.get("/api/skills", headers={"Accept": "application/json"})
    assert api.status_code in (401, 503)


@pytest.mark.postgres
def test_a_process_whose_connections_are_all_busy_answers_503_with_retry_after_not_a_500():
    """What a web process meets when a thousand phones of a killed one reconnect to it at once: its pool's connections
    all busy past the pool's timeout. The request did nothing and says so."""
    services.ensure_postgres()
    options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}  # whole seconds; the request never gets one
    app = create_app(
        TESTING=True, PASSWORD_HASH_METHOD=FAST_HASH, SQLALCHEMY_DATABASE_URI=POSTGRES_SERVER,
        SQLALCHEMY_ENGINE_OPTIONS=options, REDIS_URL=None,
    )  # fmt: skip
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    with app.app_context():
        held = db.engine.connect()  # the pool's only connection, busy elsewhere
        try:
            started = time.monotonic()
            form = {"csrf_token": token, "username": "demo-duty", "password": "x"}
            response = client.post("/login", data=form, headers={"Accept-Language": "en"})
            waited = time.monotonic() - started
        finally:
            held.close()
    assert waited >= 1  # it waited for the pool, so the answer is the pool's timeout's
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "database is briefly unavailable" in response.get_data(as_text=True)


def test_a_logged_in_request_whose_database_goes_away_answers_503_not_500(app, world, browser):
    """PostgreSQL shutting down while an officer's post is in flight: the post's query fails, the 503 is answered, and
    the request log must not go back to the database for the user's id (rolled back, the user is expired)."""
    officer = browser(world.duty)
    assert officer.get("/api/me").status_code == 200
    gone = threading.Event()

    def refuse(*_args) -> None:
        if gone.is_set():
            raise OperationalError("SELECT", {}, Exception("FATAL: the database system is shutting down"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    app.before_request_funcs.setdefault(None, []).append(gone.set)  # after the user is loaded: the view's queries fail
    try:
        response = officer.get("/api/incidents")
    finally:
        app.before_request_funcs[None].remove(gone.set)
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.get_json()["error"]["code"] == "database_unavailable"
