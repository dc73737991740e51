"""Whether the keys this instance will start with open the restored data: one sealed value of each sealed column
opened, and its lookup hash computed again. A restore with the wrong keys succeeds as a copy and fails as a service
(no phone opens, no reply is matched to its leader); this says so before anyone starts the app."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dispatch.personal_data.cipher import Keyring, KeySettingError, UnreadableValue, parse_key, parse_keys
from dispatch.personal_data.columns import SEALED_COLUMNS, SealedColumn
from dispatch.personal_data.keys import e164_or_as_given


def starting_keyring(instance_dir: Path, environ: Mapping[str, str]) -> Keyring | None:
    """The personal-data keys as dispatch/config.py will read them (the environment first, then the instance's
    files), or None when they are not all there to read."""
    values = [
        environ.get(name) or _instance_file(instance_dir, name) for name in ("PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY")
    ]
    if not all(values):
        return None
    try:
        return Keyring(parse_keys(values[0]), parse_key(values[1]))
    except KeySettingError:
        return None


def unopened_columns(url: str, ring: Keyring) -> list[str]:
    """The sealed columns (``table.column``) whose first value ``ring`` cannot open, or whose hash it gets wrong."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [sealed.name for sealed in SEALED_COLUMNS if not _opens(connection, sealed, ring)]
    finally:
        engine.dispose()


def _opens(connection, sealed: SealedColumn, ring: Keyring) -> bool:
    hashed = sealed.hash_column or "NULL"
    query = (
        f"SELECT {sealed.column}, {hashed} FROM {sealed.table} WHERE {sealed.column} IS NOT NULL ORDER BY {sealed.key} LIMIT 1"
    )
    row = connection.execute(text(query)).first()
    if row is None:
        return True  # nothing sealed here to open
    try:
        plain = ring.open(row[0], sealed.name)
    except (InvalidTag, UnreadableValue, ValueError):
        return False
    return row[1] is None or ring.lookup_hash(e164_or_as_given(plain)) == row[1]


def _instance_file(instance_dir: Path, setting: str) -> str | None:
    path = instance_dir / setting.lower()
    return path.read_text().strip() if path.is_file() else None
