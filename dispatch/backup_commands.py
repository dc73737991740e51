"""``flask backup DIR`` and ``flask restore BACKUP``: the operator's copy of the database and of what opens it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from dispatch.extensions import db
from dispatch.services.backups import BackupError, backup, restore
from dispatch.services.backups.keys import keys_in_use


def database_url() -> str:
    """The configured database as the app opens it (a relative SQLite path made absolute, as Flask-SQLAlchemy does)."""
    return db.engine.url.render_as_string(hide_password=False)


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--with-secrets",
    is_flag=True,
    help="also write the keys the environment gives (SECRET_KEY, PERSONAL_DATA_*) into secrets.env, mode 0600",
)
@with_appcontext
def backup_command(directory: Path, with_secrets: bool) -> None:
    """Back up the database (pg_dump -Fc, or SQLite's online backup) into a new dispatch-<time>/ folder in DIRECTORY,
    with a manifest and the instance's key files."""
    instance = Path(current_app.instance_path)
    keys = keys_in_use(current_app.config, instance, os.environ)
    try:
        done = backup(database_url(), directory, keys, with_secrets)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = done.manifest
    click.echo(f"备份完成 Backup written: {done.folder}")
    click.echo(f"  {manifest['dump']['file']}  {manifest['dump']['bytes']} bytes  sha256 {manifest['dump']['sha256']}")
    click.echo(f"  行数 Rows: {json.dumps(manifest['row_counts'])}")
    for key in manifest["keys"]:
        if key["in_backup"]:
            click.echo(f"  {key['setting']}: 已存入 kept in {key['in_backup']} (0600)")
    if done.operator_keeps:
        click.echo(f"注意：{manifest['note']['zh']}", err=True)
        click.echo(f"Note: {manifest['note']['en']}", err=True)


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore a backup (its dispatch-<time>/ folder or its dump file) into the configured database, which must be
    empty; then run `flask --app wsgi setup` to apply any newer migrations."""
    try:
        done = restore(database_url(), source, Path(current_app.instance_path), os.environ)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"恢复完成 Restored: {done.dump}")
    for setting in done.keys_restored:
        click.echo(f"  {setting}: 已放回实例目录 put back into the instance folder ({current_app.instance_path})")
    for setting in done.keys_overridden:
        click.echo(
            f"注意：环境变量 {setting} 与备份中的不同，以环境变量为准 / the environment's {setting} differs from the backup's and wins",
            err=True,
        )
    _say_what_keys_to_set(done)
    _say_whether_the_keys_open_it(done.unopened)
    _say_what_to_run_next(done.manifest)
    if done.unopened:  # the copy is whole, but the service would not run on it as configured: a script must notice
        raise SystemExit(3)


def _say_what_keys_to_set(done) -> None:
    if not done.operator_keeps:
        return
    names = ", ".join(done.operator_keeps)
    where = f"（见 see {done.secrets_file}）" if done.secrets_file else ""
    click.echo(f"注意：本实例须使用与备份时相同的 {names}{where}，否则数据无法打开。", err=True)
    click.echo(f"Note: this instance must run with the same {names} as the backed-up one, or the data will not open.", err=True)


def _say_whether_the_keys_open_it(unopened: list[str] | None) -> None:
    if unopened is None:
        click.echo("未能核对密钥：PERSONAL_DATA_KEYS 或 PERSONAL_DATA_HASH_KEY 未设置。", err=True)
        click.echo("The keys could not be checked: PERSONAL_DATA_KEYS or PERSONAL_DATA_HASH_KEY is not set.", err=True)
    elif unopened:
        names = ", ".join(unopened)
        click.echo(f"警告：本实例启动时的密钥打不开恢复的数据（{names}）。请换成备份时的密钥再启动。", err=True)
        click.echo(
            f"Warning: the keys this instance starts with do not open the restored data ({names}). Set the backed-up keys before starting it.",
            err=True,
        )
    else:
        click.echo(
            "本实例的个人信息密钥能打开恢复的数据。The personal-data keys this instance starts with open the restored data."
        )
        click.echo(
            "审计记录的封印用 AUDIT_KEY(未设时由 SECRET_KEY 派生)：请用 flask --app wsgi audit verify 核对。"
            " The audit seals use AUDIT_KEY (derived from SECRET_KEY when unset): check them with flask --app wsgi audit verify."
        )


def _say_what_to_run_next(manifest: dict | None) -> None:
    heads = set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    if manifest and set(manifest["alembic_revision"]) == heads:
        click.echo("数据库结构与本版代码一致。The schema matches this code's migrations.")
    else:
        click.echo("本版代码可能有更新的迁移。This code may have newer migrations than the backup.")
    click.echo("下一步 Next: flask --app wsgi setup  （应用迁移，不动已有数据 applies migrations, keeps the data）")
