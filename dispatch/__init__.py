"""The Flask application: ``create_app`` wires configuration, extensions, ports and blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from dispatch.bodies import ChunkedBodies
from dispatch.config import INSTANCE_DIR, Config
from dispatch.extensions import babel, csrf, db, limiter, migrate, socketio
from dispatch.routing import RowIdConverter
from dispatch.telemetry import requests as requests_telemetry


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    """Build the app; ``overrides`` replace single settings (tests use them)."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), static_folder="../static", static_url_path="/static")
    config = config or Config()
    app.config.update(config.as_dict())
    app.config.update(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    app.url_map.converters["int"] = RowIdConverter  # before any route is added: routes bind their converters then
    app.wsgi_app = ChunkedBodies(app.wsgi_app, app.config)
    if app.config["TRUSTED_PROXIES"]:  # behind nginx: the client's address and scheme as the proxies saw them
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    _init_extensions(app)
    _init_ports(app)
    requests_telemetry.init_app(app)  # first of the request hooks: a request the others refuse is logged too
    _register_blueprints(app)
    _register_cli(app)
    if not app.config["ALLOW_DEMO_LOGINS"]:  # production: the published demo password must open nothing
        from dispatch.services.identity.passwords import refuse_demo_passwords

        refuse_demo_passwords(app)
    return app


def engine_options(config: dict) -> dict:
    """PostgreSQL: a connection is checked before use (the server may have ended it), and a transaction left idle
    longer than ``DB_IDLE_TRANSACTION_S`` is ended by the server, releasing its locks."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and config["DB_IDLE_TRANSACTION_S"] > 0:
        idle_ms = int(config["DB_IDLE_TRANSACTION_S"] * 1000)
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {"options": f"-c idle_in_transaction_session_timeout={idle_ms}"})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _cache_long_statements()
    return options


def _cache_long_statements() -> None:
    """psycopg keeps its translation of a statement's placeholders for statements up to 4 KB; the candidates'
    statement, run by every post of a need, is longer, and translating it again cost each post about 65 µs."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16_384)


def _init_extensions(app: Flask) -> None:
    from dispatch import models  # noqa: F401  (registers the tables)
    from dispatch.i18n import select_locale
    from notifications.socket_queue import BatchedRedisManager

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    queue = {}  # with Redis, emits reach clients of every web process through it, a post's several in one round trip
    if redis_url := app.config["REDIS_URL"]:
        queue["client_manager"] = BatchedRedisManager(redis_url, channel=app.config["SOCKETIO_CHANNEL"])
    socketio.init_app(app, async_mode=app.config["SOCKETIO_ASYNC_MODE"], **queue)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the page readers and the job thread work while a write is in progress."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _init_ports(app: Flask) -> None:
    from dispatch.jobs.queues import InlineQueue, RqQueue
    from dispatch.services.duty_groups.robots import GroupRobots
    from dispatch.services.registry.geography import PlaceCache
    from dispatch.services.registry.skills import SkillCache
    from notifications.publisher import SocketIOPublisher
    from notifications.rate import rate_for

    redis_url = app.config["REDIS_URL"]
    jobs = RqQueue(redis_url, app.config["RQ_QUEUE"]) if redis_url else InlineQueue(app)
    app.extensions["dispatch.jobs"] = jobs
    app.extensions["dispatch.places"] = PlaceCache()
    app.extensions["dispatch.skills"] = SkillCache()
    app.extensions["dispatch.publisher"] = SocketIOPublisher(socketio)
    app.extensions["dispatch.online_geocoder"] = _online_geocoder(app)
    channels = _message_channels(app)
    app.extensions["dispatch.channels"] = channels
    app.extensions["dispatch.rates"] = {
        role: rate_for(app.config["SMS_PER_SECOND"], channel.sender, redis_url) for role, channel in channels.items()
    }
    app.extensions.setdefault("dispatch.channels", {})["group"] = GroupRobots()  # paced by the merge rule, not a rate


def _message_channels(app: Flask):
    """Which adapter plays each role (SMS, voice), as the settings say; a wrong setting stops the start."""
    from dispatch.config import ConfigError
    from notifications.channels.configured import ChannelSettingError, configured_channels

    try:
        return configured_channels(app.config)
    except ChannelSettingError as exc:
        raise ConfigError(str(exc)) from exc


def _online_geocoder(app: Flask):
    """The online geocoder when configured; the gazetteer of our own places answers either way."""
    if not app.config["GEOCODER"]:
        return None
    from geo.geocoder import OnlineGeocoder

    settings = {"timeout_s": app.config["GEOCODER_TIMEOUT_S"]}
    return OnlineGeocoder.from_service(
        app.config["GEOCODER"], app.config["GEOCODER_OPTIONS"], app.config["GEOCODER_SYSTEM"], **settings
    )


def _register_blueprints(app: Flask) -> None:
    from dispatch import auth, sockets  # noqa: F401  (socket handlers register on import)
    from dispatch.api import (
        assignments,
        complaints,
        drills,
        evaluations,
        events,
        geo,
        imports,
        incidents,
        me,
        members,
        needs,
        openapi,
        organizations,
        places,
        plans,
        recovery,
        risks,
        skills,
        training,
        warnings,
    )
    from dispatch.api.errors import register_error_handlers
    from dispatch.web import (
        account,
        aliyun_hooks,
        health,
        live,
        login,
        metrics,
        overview,
        pages,
        password,
        phones,
        scorecards,
        second_factor,
        tap,
        twilio_hooks,
        uploads,
        workbooks,
    )
    from dispatch.web import audit as audit_pages
    from dispatch.web import complaints as complaint_pages
    from dispatch.web import drills as drill_pages
    from dispatch.web import duty_groups as duty_group_pages
    from dispatch.web import plans as plan_pages
    from dispatch.web import training as training_pages
    from dispatch.web.helpers import register_template_helpers
    from dispatch.web.request_text import refuse_unstorable_text
    from dispatch.web.response_headers import SocketAnswersWithHeaders, add_security_headers

    app.before_request(refuse_unstorable_text)
    app.before_request(auth.load_user)
    app.before_request(password.hold_until_changed)
    app.after_request(add_security_headers)
    app.wsgi_app = SocketAnswersWithHeaders(app.wsgi_app, app.config)  # outside Socket.IO's own middleware
    register_template_helpers(app)
    for module in (
        health,
        metrics,
        login,
        pages,
        overview,
        uploads,
        live,
        phones,
        tap,
        twilio_hooks,
        aliyun_hooks,
        organizations,
        places,
        members,
        skills,
        me,
        openapi,
        imports,
        geo,
        incidents,
        needs,
        assignments,
        events,
        training,
        complaints,
        risks,
        evaluations,
        scorecards,
        recovery,
        drills,
        plans,
        warnings,
        drill_pages,
        complaint_pages,
        training_pages,
        workbooks,
        audit_pages,
        password,
        second_factor,
        account,
        duty_group_pages,
        plan_pages,
    ):
        app.register_blueprint(module.bp)
    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from dispatch.cli import register_commands

    register_commands(app)
