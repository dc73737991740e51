"""The keys the data needs that are not in the database, and where each came from.

The embedded default keeps them in files in the instance folder: those are copied with the database (readable by
their owner only). Production takes them from the environment: the backup names them and says the operator keeps
them, and writes their values only when asked (``--with-secrets``), into one file readable by its owner only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from dispatch.services.backups.layout import INSTANCE_KEYS, SECRETS_FILE

# Phones are sealed under PERSONAL_DATA_KEYS and found by PERSONAL_DATA_HASH_KEY; the audit trail's seal and the
# one-tap links' signature derive from SECRET_KEY unless AUDIT_KEY and OFFER_LINK_KEY are set.
REQUIRED = ("SECRET_KEY", "PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY")
OPTIONAL = ("AUDIT_KEY", "OFFER_LINK_KEY")


class KeySource(str, Enum):
    INSTANCE_FILE = "instance_file"
    ENVIRONMENT = "environment"
    SETTINGS = "settings"  # given to the app some other way (create_app's overrides)


@dataclass(frozen=True)
class Key:
    setting: str
    value: str
    source: KeySource

    @property
    def file_name(self) -> str:
        return self.setting.lower()  # the name dispatch/config.py gives its instance file


def keys_in_use(config: Mapping[str, object], instance_dir: Path, environ: Mapping[str, str]) -> list[Key]:
    """Each key the running configuration holds, with where its value came from."""
    found = []
    for setting in REQUIRED + OPTIONAL:
        value = config.get(setting)
        if isinstance(value, str) and value:
            found.append(Key(setting, value, _source(setting, value, instance_dir, environ)))
    return found


def _source(setting: str, value: str, instance_dir: Path, environ: Mapping[str, str]) -> KeySource:
    if environ.get(setting) == value:
        return KeySource.ENVIRONMENT
    path = instance_dir / setting.lower()
    if path.is_file() and path.read_text().strip() == value:
        return KeySource.INSTANCE_FILE
    return KeySource.SETTINGS


def write_private(path: Path, text: str) -> None:
    """A new file readable and writable by its owner only, from its first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def save_keys(keys: list[Key], folder: Path, with_secrets: bool) -> list[dict[str, object]]:
    """Copy the instance's key files into the backup (and, when asked, the others' values into secrets.env);
    what the manifest says of each key."""
    described = []
    instance_files = [key for key in keys if key.source is KeySource.INSTANCE_FILE]
    if instance_files:
        (folder / INSTANCE_KEYS).mkdir(mode=0o700)
    for key in instance_files:
        write_private(folder / INSTANCE_KEYS / key.file_name, key.value + "\n")
    kept_elsewhere = [key for key in keys if key.source is not KeySource.INSTANCE_FILE]
    if with_secrets and kept_elsewhere:
        write_private(folder / SECRETS_FILE, "".join(f"{key.setting}={key.value}\n" for key in kept_elsewhere))
    for key in keys:
        if key.source is KeySource.INSTANCE_FILE:
            where = f"{INSTANCE_KEYS}/{key.file_name}"
        else:
            where = SECRETS_FILE if with_secrets else None
        described.append({"setting": key.setting, "source": key.source.value, "in_backup": where})
    return described


def operator_keeps(described: list[dict[str, object]]) -> list[str]:
    """The settings whose values are not in the backup: the operator must keep them, or the data will not open."""
    return [str(key["setting"]) for key in described if key["in_backup"] is None]


def restore_instance_keys(backup_folder: Path, instance_dir: Path, environ: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Put the backup's instance key files into the instance folder (an older, different file is kept aside as
    ``<name>.before-restore-<time>``); the settings restored, and those the environment overrides."""
    source = backup_folder / INSTANCE_KEYS
    if not source.is_dir():
        return [], []
    instance_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    restored, overridden = [], []
    for path in sorted(source.iterdir()):
        value = path.read_text().strip()
        target = instance_dir / path.name
        if target.exists() and target.read_text().strip() != value:
            target.rename(instance_dir / f"{path.name}.before-restore-{stamp}")
        if not target.exists():
            write_private(target, value)
        restored.append(path.name.upper())
        if environ.get(path.name.upper(), value) != value:
            overridden.append(path.name.upper())
    return restored, overridden
