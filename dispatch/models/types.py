"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from dispatch.personal_data.keys import keyring


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on PostgreSQL and SQLite alike.

    SQLite has no time zones, so values are stored as naive UTC and made aware on the way out;
    a naive value on the way in is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Personal data sealed with SM4-GCM on the way in and opened on the way out (dispatch/personal_data/).

    ``column`` (``table.column``) is bound into each ciphertext, so a value copied into another column does not open.
    Ciphertexts are random, so comparing the column with a value would silently match nothing: it refuses instead,
    and lookups compare the keyed hash kept beside it (``phone_hash``).
    """

    impl = Text
    cache_ok = True

    class Comparator(TypeDecorator.Comparator):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op not in (operators.is_, operators.is_not):
                raise TypeError(f"{self.expr} is encrypted: compare its keyed hash column instead")
            return super().operate(op, *other, **kwargs)

    comparator_factory = Comparator

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else keyring().seal(value, self.column)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else keyring().open(value, self.column)
