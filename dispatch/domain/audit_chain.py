"""The audit trail as a chain: each record is sealed with a keyed hash of its content and of the seal before it.

Whoever can write to the database but does not hold the key cannot edit, remove or slip in a record without the
chain showing where: an edited record's seal no longer matches its content, a removed one leaves a gap in the
numbers and a record whose ``previous`` is not its predecessor's seal, an inserted one has no seal the key makes.
Records older than the retention period leave the table for an archive file; the seal of the last archived record
(the anchor) is where the chain in the table starts again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64  # the ``previous`` of the very first record

# What a seal covers, in this order; ``id`` is the record's place in the chain.
SEALED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "county_id",
    "address",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "result",
    "detail",
)


def canonical(content: Mapping[str, object]) -> bytes:
    """The sealed fields as one unambiguous byte string (sorted JSON; times and other values as text)."""
    return json.dumps(
        {name: content.get(name) for name in SEALED_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def seal(content: Mapping[str, object], previous: str, key: bytes) -> str:
    """The keyed hash (HMAC-SHA-256) of a record's content chained to the seal before it."""
    return hmac.new(key, previous.encode() + b"\n" + canonical(content), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first record where the chain does not hold, and what is wrong there."""

    record_id: int
    reason: str  # "edited", "removed", "inserted"

    def describe(self) -> str:
        return {
            "edited": f"record {self.record_id}: its content does not match its seal (edited)",
            "removed": f"record {self.record_id}: missing from the chain (removed)",
            "inserted": f"record {self.record_id}: not appended through the chain (inserted or moved)",
        }[self.reason]


def first_break(
    records: Iterable[Mapping[str, object]], key: bytes, last_id: int, anchor: tuple[int, str] = (0, GENESIS)
) -> Break | None:
    """Walk the records in id order from the anchor (the last archived id and its seal) to ``last_id``, the last
    number the chain handed out; None if the chain holds.

    Each record is a mapping of the sealed fields plus ``previous`` and ``seal``."""
    expected_id, expected_previous = anchor[0] + 1, anchor[1]
    for record in records:
        record_id = int(record["id"])
        if record_id > last_id or record_id < expected_id:
            return Break(record_id, "inserted")
        if record_id > expected_id:
            return Break(expected_id, "removed")
        if record["seal"] != seal(record, str(record["previous"]), key):
            return Break(record_id, "edited")
        if record["previous"] != expected_previous:
            return Break(record_id, "inserted")
        expected_id, expected_previous = record_id + 1, str(record["seal"])
    if expected_id <= last_id:
        return Break(expected_id, "removed")
    return None
