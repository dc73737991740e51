"""The sealed columns, walked batch by batch: the key rotation command and the migration that first sealed them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from dispatch.personal_data.cipher import Keyring, is_sealed, key_id_of
from dispatch.personal_data.keys import e164_or_as_given


@dataclass(frozen=True)
class SealedColumn:
    """A column of personal data sealed at rest, and the column holding its lookup hash (if it is looked up)."""

    table: str
    column: str
    hash_column: str | None = None
    key: str = "id"  # the table's primary key, walked in order

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


SEALED_COLUMNS = (
    SealedColumn("organizations", "leader_phone", "leader_phone_hash"),
    SealedColumn("members", "phone", "phone_hash"),
    SealedColumn("users", "phone", "phone_hash"),
    SealedColumn("grid_cells", "worker_phone", "worker_phone_hash"),
    SealedColumn("outbox", "recipient"),
    SealedColumn("inbound_messages", "sender", "sender_hash"),
    # Not personal information but a credential: a staff member's second-factor secret (dispatch/models/two_factor.py).
    SealedColumn("two_factor", "secret", key="user_id"),
    # Duty group robots' credentials (dispatch/models/duty_groups.py) and the phones their messages @-mention.
    SealedColumn("duty_groups", "token"),
    SealedColumn("duty_groups", "secret"),
    SealedColumn("duty_groups", "mention_phones"),
)

# What to write for a stored value (column name → value), or None to leave the row as it is.
Change = Callable[[str], dict[str, str] | None]


def rewrite(
    connection: Connection, sealed: SealedColumn, change: Change, batch_size: int, after_batch: Callable[[int], None]
) -> int:
    """Walk the column's values in id order, ``batch_size`` rows at a time, writing what ``change`` gives.

    ``after_batch`` gets the number of rows walked so far (the rotation commits and reports there), so a walk
    cut short loses at most one batch and, started again, skips what is already done."""
    table, column, key = sealed.table, sealed.column, sealed.key
    select = text(f"SELECT {key}, {column} FROM {table} WHERE {key} > :after AND {column} IS NOT NULL ORDER BY {key} LIMIT :n")
    last_id, walked, changed = 0, 0, 0
    while rows := connection.execute(select, {"after": last_id, "n": batch_size}).all():
        updates = [{"row_id": row_id, "was": stored, **new} for row_id, stored in rows if (new := change(stored)) is not None]
        if updates:
            # Guarded on the value read: one the app changed meanwhile is its own, newer, and is left alone.
            assignments = ", ".join(f"{name} = :{name}" for name in updates[0] if name not in ("row_id", "was"))
            statement = f"UPDATE {table} SET {assignments} WHERE {key} = :row_id AND {column} = :was"
            connection.execute(text(statement), updates)
        last_id, walked, changed = rows[-1][0], walked + len(rows), changed + len(updates)
        after_batch(walked)
    return changed


def count(connection: Connection, sealed: SealedColumn) -> int:
    query = text(f"SELECT count(*) FROM {sealed.table} WHERE {sealed.column} IS NOT NULL")
    return connection.execute(query).scalar_one()


def sealing(ring: Keyring, sealed: SealedColumn) -> Change:
    """Seal a clear value (one sealed already is kept) and hash it: the migration from clear phones."""

    def change(stored: str) -> dict[str, str]:
        plain = ring.open(stored, sealed.name) if is_sealed(stored) else stored
        new = {sealed.column: stored if is_sealed(stored) else ring.seal(plain, sealed.name)}
        return new | _hash(ring, sealed, plain)

    return change


def resealing(ring: Keyring, sealed: SealedColumn, everything: bool = False) -> Change:
    """Seal again under the newest key a value sealed under an older one (``everything``: every value, and its
    hash again, after the hash key changed)."""

    def change(stored: str) -> dict[str, str] | None:
        if not everything and key_id_of(stored) == ring.current:
            return None
        plain = ring.open(stored, sealed.name)
        new = {sealed.column: ring.seal(plain, sealed.name)}
        return new | (_hash(ring, sealed, plain) if everything else {})

    return change


def opening(ring: Keyring, sealed: SealedColumn) -> Change:
    """The clear value again: the migration's downgrade."""
    return lambda stored: {sealed.column: ring.open(stored, sealed.name)} if is_sealed(stored) else None


def _hash(ring: Keyring, sealed: SealedColumn, plain: str) -> dict[str, str]:
    return {sealed.hash_column: ring.lookup_hash(e164_or_as_given(plain))} if sealed.hash_column else {}


def key_ids(connection: Connection, columns: Iterable[SealedColumn] = SEALED_COLUMNS) -> dict[str, dict[int, int]]:
    """How many values of each column are sealed under each key id (what the rotation test and command report)."""
    found: dict[str, dict[int, int]] = {}
    for sealed in columns:
        values = connection.execute(text(f"SELECT {sealed.column} FROM {sealed.table} WHERE {sealed.column} IS NOT NULL"))
        for (stored,) in values:
            ids = found.setdefault(sealed.name, {})
            ids[key_id_of(stored)] = ids.get(key_id_of(stored), 0) + 1
    return found
