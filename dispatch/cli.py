"""``flask --app wsgi <command>``: setup, imports, exports, users, demo and synthetic data, the worker."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from dispatch.account_commands import reset_two_factor_command
from dispatch.audit_commands import audit
from dispatch.backup_commands import backup_command, restore_command
from dispatch.domain.scope import Role
from dispatch.messages import message
from dispatch.personal_data.commands import personal_data
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.imports.csv_rows import count_rows, read_rows
from dispatch.services.registry.skills import seed_skills

LANGUAGE_OPTION = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="language of messages")


def fail(error: InvalidInput, lang: str, unit: str = "line") -> None:
    """Print every problem (where, field, reason) and exit 2; the database is unchanged.

    ``unit`` says what a row number counts: CSV lines, or GeoJSON features, which have no line of their own.
    """
    click.echo(message(error.code, lang), err=True)
    for e in error.errors:
        where = f"{message(f'where.{unit}', lang, row=e.row)} " if e.row else ""
        click.echo(f"  {where}{e.field}: {message(e.code, lang, **e.params)}", err=True)
    sys.exit(2)


def readable_file(path: Path, lang: str, unit: str = "line") -> None:
    """Refuse (as ``fail`` does) a path that is missing or no regular file: a directory cannot be read, and a device
    or a pipe (/dev/zero, /dev/urandom) never ends."""
    if not path.exists():
        fail(InvalidInput([FieldError("file", "file.missing", {"path": str(path)})]), lang, unit)
    if not path.is_file():
        fail(InvalidInput([FieldError("file", "file.not_regular", {"path": str(path)})]), lang, unit)


def _with_progress(total: int, label: str, run):
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        return run(bar.update)


@click.command("setup")
@click.option(
    "--demo/--no-demo",
    default=None,
    help="seed the demo district when the database is empty (default: only in the embedded mode)",
)
@with_appcontext
def setup_command(demo: bool | None) -> None:
    """Create or migrate the database, seed skills and (embedded, by default) the demo district; print demo logins."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
    seed_skills()
    if demo is None:
        demo = current_app.config["REDIS_URL"] is None and current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if demo:
        _print_logins()


def _print_logins() -> None:
    from dispatch.demo.seed import DEMO_PASSWORD, seed_demo

    logins = seed_demo()
    click.echo(f"\n演示账号 Demo logins (password 密码: {DEMO_PASSWORD})")
    for login in logins:
        click.echo(f"  {login.username:<12} {login.role.value:<13} {login.scope}")
    url = current_app.config["PUBLIC_URL"]
    click.echo(f"\n打开 Open {url}")
    click.echo(f"  值班员看板 Duty officer's board: {url}/board · 负责人手机页 Leader's phone page: {url}/m")
    click.echo("  负责人也可用短信验证码登录（/login/code）；不配置 Twilio 时短信显示在组织页的“手机模拟器”里")
    click.echo("  Leaders can also log in with a texted code (/login/code); without Twilio, SMS show on the phone simulator")
    click.echo(f"  网格员 Grid worker: {url}/grid · 风险收件箱 Risk inbox: {url}/risks · 评价 Scorecards: {url}/evaluations")
    click.echo(f"  公开评价（无需登录） Published scorecards, no login: {url}/scorecards\n")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Seed the demo district (杭州市西湖区) if the database is empty, and print the demo logins."""
    seed_skills()
    _print_logins()


@click.command("import-places")
@click.argument("path", type=click.Path(path_type=Path))
@LANGUAGE_OPTION
@with_appcontext
def import_places_command(path: Path, lang: str) -> None:
    """Import grid cells (and their county, subdistrict, community) from a GeoJSON FeatureCollection."""
    from dispatch.services.imports.geojson_file import GeoJsonFile
    from dispatch.services.imports.places import import_place_parts

    readable_file(path, lang, unit="feature")
    _one_long_transaction()
    try:
        source = GeoJsonFile(path)
        report = _with_progress(source.count, "网格 cells", lambda tick: import_place_parts(source.parts(), tick))
    except InvalidInput as error:
        fail(error, lang, unit="feature")
    click.echo(json.dumps(report.created, ensure_ascii=False))


def _one_long_transaction() -> None:
    """An import is one transaction that may spend a long time in Python between two statements (a province's
    GeoJSON is read through once, to count its features, before the first insert; its CSV files are validated as
    they are read): PostgreSQL's limit on idle transactions (``DB_IDLE_TRANSACTION_S``, meant for web processes and
    workers) would end it, so this command's transaction has none."""
    from sqlalchemy import text

    from dispatch.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))  # until its commit


def _import_csv(path: Path, lang: str, kind: str, label: str) -> None:
    """Run one of the CSV importers with a progress bar; every bad row is printed and nothing is written."""
    from dispatch.services.imports.uploads import KINDS

    columns, required, run = KINDS[kind]
    readable_file(path, lang)
    _one_long_transaction()
    try:
        rows = read_rows(path, columns, required)
        report = _with_progress(count_rows(path), label, lambda tick: run(rows, tick))
    except InvalidInput as error:
        fail(error, lang)
    click.echo(json.dumps(report.created, ensure_ascii=False))


@click.command("import-organizations")
@click.argument("path", type=click.Path(path_type=Path))
@LANGUAGE_OPTION
@with_appcontext
def import_organizations_command(path: Path, lang: str) -> None:
    """Import organizations from CSV (UTF-8 or GB18030/GBK; Chinese or English headers)."""
    _import_csv(path, lang, "organizations", "组织 organizations")


@click.command("import-members")
@click.argument("path", type=click.Path(path_type=Path))
@LANGUAGE_OPTION
@with_appcontext
def import_members_command(path: Path, lang: str) -> None:
    """Import members from CSV; their organizations must already be imported."""
    _import_csv(path, lang, "members", "成员 members")


@click.command("export-registry")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_registry_command(directory: Path) -> None:
    """Write organizations.csv, members.csv and cells.geojson, in the columns the importers read."""
    from dispatch.services.records.exports import export_registry

    click.echo(json.dumps(export_registry(directory)))


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
@click.option("--county", "county_id", type=int)
@click.option("--subdistrict", "subdistrict_id", type=int)
@click.option("--organization", "organization_id", type=int)
@click.option("--cell", "cell_ids", type=int, multiple=True)
@LANGUAGE_OPTION
@with_appcontext
def create_user_command(username: str, role: str, password: str, display_name: str, lang: str, **scope) -> None:
    """Create a user with a role and its jurisdiction (county, subdistrict, organization or cells); the password must
    pass the rules (PASSWORD_MIN_LENGTH, PASSWORD_MIN_CLASSES) and is changed by its owner at the first login."""
    from dispatch.services.identity.users import create_user

    try:
        user = create_user(
            username, password, Role(role), display_name=display_name, cell_ids=list(scope.pop("cell_ids")), **scope
        )
    except InvalidInput as error:
        fail(error, lang)
    click.echo(f"created {user.username} ({user.role.value})")


@click.command("generate-synthetic")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True)
@click.option("--cells", default=100_000, show_default=True)
@click.option("--organizations", default=100_000, show_default=True)
@click.option("--members", default=1_000_000, show_default=True)
def generate_synthetic_command(directory: Path, seed: int, cells: int, organizations: int, members: int) -> None:
    """Write a deterministic province-scale dataset (cells.geojson, organizations.csv, members.csv) for benchmarks."""
    from dispatch.services.registry.synthetic import generate

    counts = generate(
        directory, seed, cells, organizations, members, progress=lambda step: click.echo(f"writing {step}…", err=True)
    )
    click.echo(json.dumps(counts))


@click.command("remind-certificates")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365))
@with_appcontext
def remind_certificates_command(days: int) -> None:
    """Text every leader whose members' certificates run out within DAYS (once a day; run it from cron)."""
    from dispatch.services.records.training import remind_all

    click.echo(json.dumps({"reminded": remind_all(days)}))


@click.command("start-drill")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--user", "username", required=True, help="the duty officer or admin who runs the drill")
@click.option("--manual", is_flag=True, help="step through by hand (POST /api/drills/<id>/step) instead of on the clock")
@click.option("--subdistrict", "subdistrict_id", type=int, help="the drilling subdistrict (an admin must name one)")
@LANGUAGE_OPTION
@with_appcontext
def start_drill_command(path: Path, username: str, manual: bool, subdistrict_id: int | None, lang: str) -> None:
    """Start a drill from a YAML scenario (docs/drills/); a bad file is reported line by line and changes nothing."""
    from sqlalchemy import select

    from dispatch.domain.drills import DrillMode
    from dispatch.domain.scope import Forbidden
    from dispatch.extensions import db
    from dispatch.models import User
    from dispatch.services.records import drills

    readable_file(path, lang)
    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise click.UsageError(f"no active user {username}")
    mode = DrillMode.MANUAL if manual else DrillMode.AUTO
    try:
        run = drills.start(user.actor(), path.read_text(encoding="utf-8-sig"), mode, subdistrict_id)
    except UnicodeDecodeError as exc:
        raise click.UsageError(f"{path} is not UTF-8 text") from exc
    except Forbidden as exc:
        raise click.UsageError(message("forbidden", lang)) from exc
    except InvalidInput as error:
        fail(error, lang)
    fields = {"drill": run.id, "incident": run.incident_id, "mode": run.mode.value, "steps_done": run.steps_done}
    click.echo(json.dumps(fields | {"status": run.status.value}))


@click.command("import-warning")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--user", "username", required=True, help="the administrator or duty officer it is read in as (their county)")
@LANGUAGE_OPTION
@with_appcontext
def import_warning_command(path: Path, username: str, lang: str) -> None:
    """Read one CAP 1.2 warning (an Alert, an Update or a Cancel) into the user's county; a bad file changes nothing."""
    from sqlalchemy import select

    from dispatch.domain.scope import Forbidden
    from dispatch.extensions import db
    from dispatch.models import Subdistrict, User
    from dispatch.services.plans import cap_warnings

    readable_file(path, lang)
    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise click.UsageError(f"no active user {username}")
    try:
        found = cap_warnings.import_cap(user.actor(), path.read_bytes())
    except Forbidden as exc:
        raise click.UsageError(message("forbidden", lang)) from exc
    except InvalidInput as error:
        fail(error, lang)
    warning = found.warning
    fields = {"warning": warning.id, "outcome": found.outcome, "kind": warning.kind, "colour": warning.colour}
    fields |= {"cells": len(warning.cells), "expires_at": warning.expires_at.isoformat()}
    if found.left_out:  # a subdistrict's officer read their own part: the rest is for the county's administrators
        fields["left_out_subdistricts"] = list(found.left_out)
        names = [db.session.get(Subdistrict, subdistrict_id).label(lang) for subdistrict_id in found.left_out]
        click.echo(message("warning.left_out", lang, subdistricts="、".join(names)), err=True)
    click.echo(json.dumps(fields))


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run an RQ worker for the queue in REDIS_URL (production), with its heartbeat and sweep loop; the app is
    loaded once, not per job."""
    from redis import Redis
    from redis.exceptions import RedisError as RedisDown

    from dispatch import logs
    from dispatch.jobs.heartbeat import Background
    from dispatch.jobs.queues import queue_names
    from dispatch.jobs.worker import app_worker
    from dispatch.telemetry.metrics import forget_dead_processes

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.UsageError("REDIS_URL is not set: the embedded default runs jobs in the web process")
    logs.configure(json_lines=True)
    forget_dead_processes()  # a worker killed before this one leaves gauges of its own behind
    app = current_app._get_current_object()
    background = Background(app, "worker").start()  # deadlines are swept from the database, Redis or not
    try:
        while True:  # Redis away (a restart): wait for it and work on; the jobs' records are in the database
            worker = app_worker(app, queue_names(current_app.config["RQ_QUEUE"]), Redis.from_url(url))
            try:
                worker.work()
            except RedisDown as exc:
                click.echo(f"Redis unreachable ({exc})", err=True)
            if worker.stopped:  # SIGTERM or SIGINT: a warm shutdown
                return
            click.echo("the worker stopped without being asked (Redis away?); starting again in 2 s", err=True)
            time.sleep(2)
    finally:
        background.stop()


def register_commands(app: Flask) -> None:
    for command in (
        setup_command,
        seed_demo_command,
        import_places_command,
        import_organizations_command,
        import_members_command,
        export_registry_command,
        create_user_command,
        generate_synthetic_command,
        remind_certificates_command,
        start_drill_command,
        import_warning_command,
        worker_command,
        audit,
        personal_data,
        reset_two_factor_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
