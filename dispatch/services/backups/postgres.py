"""PostgreSQL: pg_dump in custom format from one snapshot (the row counts are read in that same snapshot), and
pg_restore in one transaction into an empty database. The tools must be of the server's major version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from dispatch.services.backups.errors import BackupRefused, CorruptBackup, ToolFailed

DUMP_MAGIC = b"PGDMP"  # the first bytes of a custom-format archive
TIMEOUT_S = 6 * 3600


@dataclass(frozen=True)
class Server:
    """How the tools reach the database: a libpq URL without the password, which travels in PGPASSWORD."""

    dsn: str
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> Server:
        parsed = make_url(url)
        dsn = parsed._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
        return cls(dsn, parsed.password)

    @property
    def name(self) -> str:
        return make_url(self.dsn).database or ""

    def connect(self, **options) -> psycopg.Connection:
        return psycopg.connect(self.dsn, password=self.password, **options)

    def environ(self) -> dict[str, str]:
        return {**os.environ, **({"PGPASSWORD": self.password} if self.password else {})}


def server_version(server: Server) -> tuple[int, str]:
    """The server's major version and its full version text."""
    with server.connect(autocommit=True) as conn:
        number = int(conn.execute("SHOW server_version_num").fetchone()[0])
        text = conn.execute("SHOW server_version").fetchone()[0]
    return number // 10000, text


def tool(name: str, major: int) -> tuple[str, str]:
    """The path of ``pg_dump`` or ``pg_restore`` of the server's major version, and its ``--version`` line."""
    for candidate in (f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            version = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
            found = re.search(r"\) (\d+)", version)
            if found and int(found.group(1)) == major:
                return candidate, version
    raise BackupRefused(
        f"找不到 PostgreSQL {major} 的 {name}：请安装 postgresql-client-{major}（apt-get install postgresql-client-{major}）",
        f"No {name} of PostgreSQL {major} was found: install postgresql-client-{major} (apt-get install postgresql-client-{major})",
    )


@contextmanager
def snapshot(server: Server) -> Iterator[tuple[psycopg.Connection, str]]:
    """A read-only repeatable-read transaction and the id of its exported snapshot, held open while pg_dump runs."""
    with server.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")  # it waits idle while pg_dump works
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        yield conn, snapshot_id
        conn.rollback()


def row_counts(conn: psycopg.Connection, tables: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    for table in tables:
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None:
            counts[table] = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    return counts


def revisions(conn: psycopg.Connection) -> list[str]:
    if conn.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is None:
        return []
    return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version ORDER BY 1")]


def dump(server: Server, pg_dump: str, snapshot_id: str, target: Path) -> None:
    command = [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}", f"--dbname={server.dsn}"]
    _run(command, server, "pg_dump")


def tables_in(server: Server) -> list[str]:
    """The tables, views and sequences in the database's own schemas: none, in an empty database."""
    query = """
        SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
        ORDER BY 1"""
    with server.connect(autocommit=True) as conn:
        return [row[0] for row in conn.execute(query)]


def check_archive(path: Path, pg_restore: str, server: Server) -> None:
    """pg_restore can read the archive's table of contents; a file that is not one is refused before any write."""
    with path.open("rb") as file:
        if file.read(len(DUMP_MAGIC)) != DUMP_MAGIC:
            raise CorruptBackup(
                f"不是 pg_dump 自定义格式（-Fc）的备份文件：{path}", f"Not a pg_dump custom-format (-Fc) archive: {path}"
            )
    try:
        _run([pg_restore, "--list", str(path)], server, "pg_restore --list")
    except ToolFailed as exc:
        raise CorruptBackup(f"备份文件已损坏：{path}\n{exc.zh}", f"The backup file is damaged: {path}\n{exc.en}") from exc


def restore(server: Server, pg_restore: str, path: Path) -> None:
    """All of the archive in one transaction, stopping at the first error (which then leaves the database empty)."""
    command = [
        pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
        f"--dbname={server.dsn}", str(path),
    ]  # fmt: skip
    _run(command, server, "pg_restore")


def _run(command: list[str], server: Server, what: str) -> None:
    try:
        done = subprocess.run(command, env=server.environ(), capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ToolFailed(f"{what} 超时（{TIMEOUT_S} 秒）", f"{what} timed out ({TIMEOUT_S} s)") from exc
    if done.returncode != 0:
        words = done.stderr.strip()[-2000:] or f"exit status {done.returncode}"
        raise ToolFailed(f"{what} 失败：{words}", f"{what} failed: {words}")
