"""SQLite, the embedded default: copies made with SQLite's online backup API, page by page under SQLite's own
locks, so a running app (its WAL included) can be backed up and nothing half-written is copied."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from dispatch.services.backups.errors import BackupRefused, CorruptBackup

HEADER = b"SQLite format 3\x00"


def database_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupRefused(f"无法备份此 SQLite 数据库：{url}", f"This SQLite database cannot be backed up: {url}")
    return Path(path)


def copy(source: Path, target: Path) -> None:
    """``source`` into ``target`` with the backup API; ``target`` ends as a whole database or not at all."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def as_one_file(path: Path) -> None:
    """The copy without a write-ahead log beside it: one file to checksum, move and copy off the server."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")


def tables_in(path: Path) -> list[str]:
    """The tables of the database at ``path``: none when it does not exist yet."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def check_file(path: Path) -> None:
    """A SQLite database whose pages all hold together; anything else is refused before any write."""
    with path.open("rb") as file:
        if file.read(len(HEADER)) != HEADER:
            raise CorruptBackup(f"不是 SQLite 数据库文件：{path}", f"Not a SQLite database file: {path}")
    try:
        with closing(sqlite3.connect(path)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        raise CorruptBackup(f"备份文件已损坏：{path}（{verdict}）", f"The backup file is damaged: {path} ({verdict})")


def row_counts(path: Path, tables: tuple[str, ...]) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables if table in present}


def revisions(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
            return []
        return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version ORDER BY 1")]
