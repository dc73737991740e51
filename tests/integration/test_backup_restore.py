"""Backups: `flask backup DIR` copies a database with real dispatch traffic and what opens it; `flask restore`
puts it into a new, empty database where the event log, offers, outbox and scorecards are the same rows and the
app runs. A database that is not empty, a folder that cannot be written and a damaged dump are refused in words,
changing nothing. Both columns: PostgreSQL (pg_dump, pg_restore) and SQLite (the online backup API)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from dispatch import create_app
from dispatch.extensions import db
from dispatch.personal_data.cipher import new_key
from dispatch.services.audit import verify
from tests import services
from tests.factories import World
from tests.integration.conftest import FAST_HASH, Browser
from tests.integration.test_evaluations import YEAR, a_season_of_work

COMPARED = ("events", "assignments", "outbox", "evaluations", "evaluation_rows")
KEYS = ("SECRET_KEY", "PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY")


def app_on(url: str, instance: Path, redis_url: str | None, **keys: str):
    made = create_app(
        TESTING=True, PASSWORD_HASH_METHOD=FAST_HASH, SERVER_NAME=None, SQLALCHEMY_DATABASE_URI=url, REDIS_URL=redis_url, **keys
    )
    made.instance_path = str(instance)
    return made


@pytest.fixture
def empty_url(app, tmp_path):
    """A new, empty database of the app's kind."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        url = services.create_database()
        yield url
        services.drop_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


@pytest.fixture
def new_app(app, empty_url, tmp_path):
    """An app on the empty database, with an instance folder of its own for the keys a restore puts back."""
    made = app_on(empty_url, tmp_path / "new-instance", app.config["REDIS_URL"])
    yield made
    with made.app_context():
        db.engine.dispose()


def cli(app, *args: str):
    # The test's own session ends its transaction first: PostgreSQL ends one left idle for DB_IDLE_TRANSACTION_S.
    db.session.commit()
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def rows_of(app, table: str) -> list[tuple]:
    """Every row as stored (sealed values still sealed), in key order."""
    with app.app_context():
        rows = [tuple(row) for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]
        db.session.remove()
        return rows


def back_up(app, directory: Path, *options: str) -> Path:
    directory.mkdir()
    result = cli(app, "backup", str(directory), *options)
    assert result.exit_code == 0, result.output
    (folder,) = [path for path in directory.iterdir() if path.name.startswith("dispatch-")]
    return folder


def real_traffic(world, browser) -> dict:
    needs = a_season_of_work(world, browser)
    assert browser(world.duty).post("/api/evaluations/publish", {"period": YEAR}).status_code == 200
    return needs


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_restored_backup_holds_the_same_records_and_the_app_runs_on_it(app, world, browser, new_app, empty_url, tmp_path):
    needs = real_traffic(world, browser)
    before = {table: rows_of(app, table) for table in COMPARED}
    assert all(before.values()), {table: len(rows) for table, rows in before.items()}

    folder = back_up(app, tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["row_counts"]["events"] == len(before["events"]) and manifest["row_counts"]["outbox"] == len(before["outbox"])
    assert manifest["alembic_revision"] and len(manifest["dump"]["sha256"]) == 64

    restored = cli(new_app, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert "flask --app wsgi setup" in restored.output and "open the restored data" in restored.output
    assert {table: rows_of(new_app, table) for table in COMPARED} == before

    # The keys come back from the backup (the instance's files, owner-only), and open the restored data.
    instance = Path(new_app.instance_path)
    keys = {name: (instance / name.lower()).read_text().strip() for name in KEYS}
    assert keys == {name: app.config[name] for name in KEYS}
    assert all(mode(instance / name.lower()) == 0o600 for name in KEYS)
    opened = app_on(empty_url, instance, app.config["REDIS_URL"], **keys)
    health = opened.test_client().get("/healthz").get_json()
    assert health["database"]["ok"]
    duty = Browser(opened)
    assert duty.login(world.duty.username, World.PASSWORD).status_code == 302
    need = duty.get(f"/api/needs/{needs['real']}")
    assert need.status_code == 200 and need.get_json()["head_count"] == 3
    with opened.app_context():
        assert verify() is None  # the audit chain, sealed with a key from SECRET_KEY, still holds
        db.engine.dispose()


def test_restoring_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(app, world, browser, tmp_path):
    real_traffic(world, browser)
    folder = back_up(app, tmp_path / "backups")
    browser(world.duty).post("/api/evaluations/publish", {"period": YEAR})  # one more event after the backup
    before = {table: rows_of(app, table) for table in COMPARED}

    refused = cli(app, "restore", str(folder))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "不是空的" in refused.output and "is not empty" in refused.output and "nothing was changed" in refused.output
    assert {table: rows_of(app, table) for table in COMPARED} == before


def test_a_backup_folder_that_is_missing_or_cannot_be_written_is_said_in_words(app, world, tmp_path):
    missing = cli(app, "backup", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "备份目录不存在" in missing.output and "does not exist" in missing.output
    assert not (tmp_path / "nowhere").exists()

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    unwritable = Path("/sys") if os.geteuid() == 0 else locked  # root writes through modes; /sys refuses even root
    refused = cli(app, "backup", str(unwritable))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "无法在备份目录中写入" in refused.output and "Cannot write in the backup directory" in refused.output


def test_a_damaged_dump_is_refused_and_the_new_database_stays_empty(app, world, browser, new_app, tmp_path):
    real_traffic(world, browser)
    folder = back_up(app, tmp_path / "backups")
    (dump,) = [path for path in folder.iterdir() if path.suffix in {".dump", ".sqlite3"}]
    damaged = dump.read_bytes()
    dump.write_bytes(damaged[: len(damaged) // 2])  # a copy cut off half way

    with_manifest = cli(new_app, "restore", str(folder))
    assert with_manifest.exit_code == 1 and "sha256" in with_manifest.output and "damaged" in with_manifest.output

    alone = tmp_path / "alone" / dump.name
    alone.parent.mkdir()
    alone.write_bytes(dump.read_bytes())
    without_manifest = cli(new_app, "restore", str(alone))
    assert without_manifest.exit_code == 1 and "Traceback" not in without_manifest.output
    assert "损坏" in without_manifest.output or "失败" in without_manifest.output

    garbage = tmp_path / "garbage.dump"
    garbage.write_text("not a dump")
    refused = cli(new_app, "restore", str(garbage))
    assert refused.exit_code == 1 and "Not a backup of this system" in refused.output

    with new_app.app_context():
        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()


def test_keys_from_the_environment_stay_out_of_the_backup_unless_asked_for(app, world, tmp_path, monkeypatch):
    for name in KEYS:  # production: the environment gives the keys
        monkeypatch.setenv(name, app.config[name])

    (tmp_path / "plain").mkdir()
    result = cli(app, "backup", str(tmp_path / "plain"))
    assert result.exit_code == 0 and "must keep them" in result.output and "运维人员须另行妥善保管" in result.output
    (folder,) = (tmp_path / "plain").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["operator_must_keep"] == list(KEYS) and "must keep them" in manifest["note"]["en"]
    written = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    assert not any(app.config[name].encode() in written for name in KEYS)
    assert not (folder / "secrets.env").exists() and not (folder / "instance").exists()

    folder = back_up(app, tmp_path / "asked", "--with-secrets")
    secrets = folder / "secrets.env"
    assert mode(secrets) == 0o600
    assert secrets.read_text().splitlines() == [f"{name}={app.config[name]}" for name in KEYS]
    assert json.loads((folder / "manifest.json").read_text())["operator_must_keep"] == []


def test_a_backup_taken_while_a_write_is_under_way_holds_what_was_committed(app, world, new_app, tmp_path):
    committed = rows_of(app, "skills")
    with db.engine.connect() as writer:  # another process of the running app, half way through a transaction
        writer.execute(
            text("INSERT INTO skills (code, label_zh, label_en, needs_certification) VALUES ('drone', '无人机', 'Drone', false)")
        )
        folder = back_up(app, tmp_path / "backups")
        writer.commit()
    assert len(rows_of(app, "skills")) == len(committed) + 1

    assert cli(new_app, "restore", str(folder)).exit_code == 0
    assert rows_of(new_app, "skills") == committed


def test_a_restore_says_when_the_keys_the_instance_starts_with_do_not_open_the_data(
    app, world, browser, new_app, tmp_path, monkeypatch
):
    real_traffic(world, browser)
    folder = back_up(app, tmp_path / "backups")
    monkeypatch.setenv("PERSONAL_DATA_KEYS", f"1:{new_key()}")  # another server's key, set in its environment

    restored = cli(new_app, "restore", str(folder))
    assert restored.exit_code == 3, restored.output  # the copy is whole, but a script must see it will not open
    assert "do not open the restored data" in restored.output and "打不开恢复的数据" in restored.output
    assert "organizations.leader_phone" in restored.output and "outbox.recipient" in restored.output
