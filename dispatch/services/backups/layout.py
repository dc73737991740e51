"""Where a backup's files go: one folder a backup, ``dispatch-<UTC time>/``, holding the dump, its manifest and,
when the instance keeps them in files, the instance's keys. A backup is written under a ``.partial`` name and
renamed when complete, so a folder with the final name is always whole."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatch.services.backups.errors import BackupRefused, CorruptBackup

MANIFEST = "manifest.json"
INSTANCE_KEYS = "instance"  # the instance folder's key files, as they were
SECRETS_FILE = "secrets.env"  # only with --with-secrets: the keys the environment gave
FORMAT = "dispatch-backup/1"
STAMP = "%Y%m%dT%H%M%SZ"
DUMP_SUFFIXES = (".dump", ".sqlite3")


def backup_name(now: datetime) -> str:
    return f"dispatch-{now.strftime(STAMP)}"


@contextmanager
def new_backup_folder(directory: Path, name: str) -> Iterator[Path]:
    """A folder to write the backup in; renamed to ``name`` when the block ends well, removed when it fails."""
    if not directory.is_dir():
        raise BackupRefused(
            f"备份目录不存在或不是目录：{directory}", f"The backup directory does not exist or is not a directory: {directory}"
        )
    if (directory / name).exists():
        raise BackupRefused(
            f"已有同名备份：{directory / name}，请稍后再试",
            f"A backup named {directory / name} exists already; try again in a moment",
        )
    partial = directory / f"{name}.partial"
    try:
        partial.mkdir(mode=0o700)
    except OSError as exc:
        raise BackupRefused(
            f"无法在备份目录中写入：{directory}（{exc.strerror}）",
            f"Cannot write in the backup directory {directory} ({exc.strerror})",
        ) from exc
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(directory / name)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class FoundBackup:
    """What ``restore`` was pointed at: the dump, its manifest when there is one, and the folder they are in."""

    dump: Path
    manifest: dict[str, Any] | None

    @property
    def folder(self) -> Path:
        return self.dump.parent


def find_backup(source: Path) -> FoundBackup:
    """The backup a path names: a backup folder, or a dump file (with its manifest when it lies beside it)."""
    if source.is_dir():
        return _in_folder(source)
    if not source.is_file():
        raise BackupRefused(f"找不到备份：{source}", f"No backup at {source}")
    manifest = _manifest_beside(source)
    return FoundBackup(source, manifest if manifest and manifest["dump"]["file"] == source.name else None)


def _in_folder(folder: Path) -> FoundBackup:
    manifest = _manifest_beside(folder / MANIFEST)
    if manifest is not None:
        return FoundBackup(folder / manifest["dump"]["file"], manifest)
    dumps = [path for path in sorted(folder.iterdir()) if path.suffix in DUMP_SUFFIXES]
    if len(dumps) == 1:
        return FoundBackup(dumps[0], None)
    backups = sorted(path.name for path in folder.glob("dispatch-*") if path.is_dir() and (path / MANIFEST).exists())
    if backups:
        raise BackupRefused(
            f"{folder} 中有 {len(backups)} 份备份，请指明其中一份（最新的是 {backups[-1]}）",
            f"{folder} holds {len(backups)} backups; name one of them (the newest is {backups[-1]})",
        )
    raise BackupRefused(f"{folder} 中没有备份", f"{folder} holds no backup")


def _manifest_beside(path: Path) -> dict[str, Any] | None:
    manifest_path = path if path.name == MANIFEST else path.parent / MANIFEST
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or not isinstance(manifest["dump"]["file"], str):
            raise ValueError(f"not a {FORMAT} manifest")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CorruptBackup(
            f"备份清单无法读取：{manifest_path}（{exc}）", f"The backup manifest cannot be read: {manifest_path} ({exc})"
        ) from exc
    if Path(manifest["dump"]["file"]).name != manifest["dump"]["file"]:
        raise CorruptBackup(
            f"备份清单指向别处的文件：{manifest_path}", f"The backup manifest names a file elsewhere: {manifest_path}"
        )
    return manifest


def check_dump(found: FoundBackup) -> None:
    """The dump exists and, when a manifest records it, has the size and sha256 the manifest says."""
    if not found.dump.is_file():
        raise CorruptBackup(f"备份缺少数据文件：{found.dump}", f"The backup lacks its data file: {found.dump}")
    if found.manifest and sha256_of(found.dump) != found.manifest["dump"]["sha256"]:
        raise CorruptBackup(
            f"数据文件与备份清单不符（sha256 不同），文件已损坏或被改动：{found.dump}",
            f"The data file does not match the manifest (another sha256): it is damaged or was changed: {found.dump}",
        )
