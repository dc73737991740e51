"""Back up the database and what the instance needs to open it; restore a backup into an empty database.

PostgreSQL (production) is dumped with pg_dump in custom format and restored with pg_restore in one transaction;
the SQLite embedded default is copied with SQLite's online backup API. Each backup is a folder with a manifest:
what was dumped and when, the schema's Alembic revision, row counts of the main tables, the dump's sha256, and
where each key the data needs is kept (dispatch/services/backups/keys.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from dispatch.services.backups import postgres, sqlite
from dispatch.services.backups.errors import BackupError, BackupRefused, CorruptBackup, ToolFailed
from dispatch.services.backups.keys import Key, operator_keeps, restore_instance_keys, save_keys
from dispatch.services.backups.layout import (
    FORMAT,
    SECRETS_FILE,
    FoundBackup,
    backup_name,
    check_dump,
    find_backup,
    new_backup_folder,
    sha256_of,
    write_manifest,
)
from dispatch.services.backups.opening import starting_keyring, unopened_columns

__all__ = ["BackupDone", "BackupError", "RestoreDone", "backup", "restore"]

# Counted into the manifest: what a restore can be checked against at a glance.
MAIN_TABLES = (
    "incidents", "needs", "assignments", "events", "outbox", "inbound_messages", "evaluations", "evaluation_rows",
    "organizations", "members", "grid_cells", "users", "audit_records",
)  # fmt: skip


@dataclass(frozen=True)
class BackupDone:
    folder: Path
    manifest: dict[str, Any]

    @property
    def operator_keeps(self) -> list[str]:
        return list(self.manifest["operator_must_keep"])


@dataclass(frozen=True)
class RestoreDone:
    dump: Path
    manifest: dict[str, Any] | None
    keys_restored: list[str]
    keys_overridden: list[str]  # restored to the instance folder, but the environment sets another value
    unopened: list[str] | None  # sealed columns the starting keys do not open; None: no keys to try

    @property
    def operator_keeps(self) -> list[str]:
        return list(self.manifest["operator_must_keep"]) if self.manifest else []

    @property
    def secrets_file(self) -> Path | None:
        path = self.dump.parent / SECRETS_FILE
        return path if self.manifest and path.is_file() else None


def backup(url: str, directory: Path, keys: list[Key], with_secrets: bool = False) -> BackupDone:
    """Write a backup of the database at ``url`` into a new folder in ``directory``, with the instance's key files
    (and, with ``with_secrets``, the keys the environment gave, into a file readable by its owner only)."""
    now = datetime.now(UTC).replace(microsecond=0)
    name = backup_name(now)
    with _said_in_words(), new_backup_folder(directory, name) as folder:
        facts = _dump_postgres(url, folder, name) if _dialect(url) == "postgresql" else _copy_sqlite(url, folder, name)
        described = save_keys(keys, folder, with_secrets)
        keeps = operator_keeps(described)
        manifest = {"format": FORMAT, "created_at": now.isoformat().replace("+00:00", "Z"), **facts, "keys": described}
        manifest |= {"operator_must_keep": keeps, "note": _note(keeps)}
        write_manifest(folder, manifest)
    return BackupDone(directory / name, manifest)


def restore(url: str, source: Path, instance_dir: Path, environ: Mapping[str, str]) -> RestoreDone:
    """Restore the backup at ``source`` (its folder or its dump file) into the database at ``url``, which must be
    empty; the instance's key files in the backup go back into ``instance_dir``, and the keys the instance will
    start with are tried on the restored data. Refuses, changing nothing, when
    the database holds anything or the backup is damaged or of the other database kind."""
    with _said_in_words():
        found = find_backup(source)
        check_dump(found)
        kind = _dialect(url)
        if _kind_of(found) != kind:
            raise BackupRefused(
                f"这份备份来自 {_kind_of(found)}，而当前配置的数据库是 {kind}",
                f"This backup is of {_kind_of(found)}; the configured database is {kind}",
            )
        if kind == "postgresql":
            _restore_postgres(url, found)
        else:
            _restore_sqlite(url, found)
        restored, overridden = restore_instance_keys(found.folder, instance_dir, environ) if found.manifest else ([], [])
        ring = starting_keyring(instance_dir, environ)
        unopened = unopened_columns(url, ring) if ring else None
    return RestoreDone(found.dump, found.manifest, restored, overridden, unopened)


def _dump_postgres(url: str, folder: Path, name: str) -> dict[str, Any]:
    server = postgres.Server.from_url(url)
    major, version = postgres.server_version(server)
    pg_dump, tool_version = postgres.tool("pg_dump", major)
    target = folder / f"{name}.dump"
    with postgres.snapshot(server) as (conn, snapshot_id):  # the counts are of the very rows pg_dump writes
        counts, revision = postgres.row_counts(conn, MAIN_TABLES), postgres.revisions(conn)
        postgres.dump(server, pg_dump, snapshot_id, target)
    database = {"kind": "postgresql", "name": server.name, "server_version": version}
    return _facts(database, target, f"pg_dump --format=custom ({tool_version})", revision, counts)


def _copy_sqlite(url: str, folder: Path, name: str) -> dict[str, Any]:
    source = sqlite.database_path(url)
    if not source.is_file():
        raise BackupRefused(f"没有可备份的数据库：{source}", f"There is no database to back up at {source}")
    target = folder / f"{name}.sqlite3"
    sqlite.copy(source, target)
    sqlite.as_one_file(target)
    database = {"kind": "sqlite", "path": str(source), "sqlite_version": sqlite3.sqlite_version}
    counts, revision = sqlite.row_counts(target, MAIN_TABLES), sqlite.revisions(target)
    return _facts(database, target, "SQLite online backup API", revision, counts)


def _facts(database: dict, dump: Path, method: str, revision: list[str], counts: dict[str, int]) -> dict[str, Any]:
    dump.chmod(0o600)  # sealed phones still sit beside password hashes and the event log
    about_dump = {"file": dump.name, "method": method, "bytes": dump.stat().st_size, "sha256": sha256_of(dump)}
    return {"database": database, "dump": about_dump, "alembic_revision": revision, "row_counts": counts}


def _note(keeps: list[str]) -> dict[str, str]:
    if not keeps:
        return {
            "zh": "打开数据所需的密钥都在本备份中：请像保管密码一样保管本备份。",
            "en": "The keys the data needs are in this backup: guard it like a password.",
        }
    names = ", ".join(keeps)
    return {
        "zh": f"{names} 来自环境变量，未写入本备份：运维人员须另行妥善保管；没有它们，恢复后的数据无法打开。",
        "en": f"{names} came from the environment and are not in this backup: the operator must keep them safe "
        "elsewhere; without them the restored data cannot be opened.",
    }


def _restore_postgres(url: str, found: FoundBackup) -> None:
    server = postgres.Server.from_url(url)
    major, _ = postgres.server_version(server)
    pg_restore, _ = postgres.tool("pg_restore", major)
    postgres.check_archive(found.dump, pg_restore, server)
    _refuse_unless_empty(postgres.tables_in(server), server.name)
    postgres.restore(server, pg_restore, found.dump)


def _restore_sqlite(url: str, found: FoundBackup) -> None:
    target = sqlite.database_path(url)
    sqlite.check_file(found.dump)
    _refuse_unless_empty(sqlite.tables_in(target), str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    sqlite.copy(found.dump, target)


def _refuse_unless_empty(tables: list[str], where: str) -> None:
    if tables:
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise BackupRefused(
            f"目标数据库 {where} 不是空的（有 {len(tables)} 个表或序列：{shown}），未做任何修改。请新建一个空数据库再恢复。",
            f"The target database {where} is not empty ({len(tables)} tables or sequences: {shown}); nothing was "
            "changed. Create a new, empty database and restore into it.",
        )


def _kind_of(found: FoundBackup) -> str:
    if found.manifest:
        return str(found.manifest["database"]["kind"])
    with found.dump.open("rb") as file:
        head = file.read(len(sqlite.HEADER))
    if head.startswith(postgres.DUMP_MAGIC):
        return "postgresql"
    if head == sqlite.HEADER:
        return "sqlite"
    raise CorruptBackup(
        f"不是本系统的备份（既不是 pg_dump 自定义格式，也不是 SQLite 数据库）：{found.dump}",
        f"Not a backup of this system (neither a pg_dump custom archive nor a SQLite database): {found.dump}",
    )


def _dialect(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in {"postgresql", "sqlite"}:
        raise BackupRefused(f"不支持备份此类数据库：{name}", f"Backups of {name} databases are not supported")
    return name


@contextmanager
def _said_in_words() -> Iterator[None]:
    """A database that cannot be reached, or a file that cannot be written, said in words rather than a traceback."""
    try:
        yield
    except psycopg.Error as error:
        raise ToolFailed(f"数据库出错：{error}", f"The database failed: {error}") from error
    except sqlite3.Error as error:
        raise ToolFailed(f"SQLite 出错：{error}", f"SQLite failed: {error}") from error
    except OSError as error:
        raise ToolFailed(f"文件读写失败：{error}", f"Reading or writing a file failed: {error}") from error
