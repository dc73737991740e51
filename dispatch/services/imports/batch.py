"""The shape every import shares: validate each row, write in chunks while all is well, roll back on any error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from dispatch.extensions import db
from dispatch.services.errors import FieldError, InvalidInput, field_errors

CHUNK = 5_000
Progress = Callable[[int], None]


class ImportFailed(InvalidInput):
    """At least one row is bad: nothing was written; ``errors`` lists every bad row."""

    code = "import_failed"


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)


def validated(
    rows: Iterable[tuple[int, dict[str, str] | FieldError]], model: type[BaseModel], errors: list[FieldError]
) -> Iterator[tuple[int, Any]]:
    """Rows parsed by ``model``; a row that fails adds its errors (with the line number) and is skipped, as does a
    row the file's reader could not read (it comes as its FieldError)."""
    for line, raw in rows:
        if isinstance(raw, FieldError):
            errors.append(raw)
            continue
        try:
            yield line, model.model_validate(raw)
        except ValidationError as exc:
            errors.extend(field_errors(exc, row=line))


class ChunkWriter:
    """Buffers rows and flushes them through ``write`` in chunks, inside the caller's transaction.

    Once any error is known, writing stops (the transaction will be rolled back) but validation goes on,
    so the user gets every bad row in one report.
    """

    def __init__(self, write: Callable[[list[Any]], None], errors: list[FieldError], progress: Progress | None) -> None:
        self._write, self._errors, self._progress = write, errors, progress
        self._buffer: list[Any] = []

    def add(self, item: Any) -> None:
        if self._errors:
            self._buffer.clear()
            return
        self._buffer.append(item)
        if len(self._buffer) >= CHUNK:
            self.flush()

    def tick(self, rows: int = 1) -> None:
        if self._progress:
            self._progress(rows)

    def flush(self) -> None:
        if self._buffer and not self._errors:
            self._write(self._buffer)
        self._buffer = []


class UniqueKeys:
    """A key a file must not repeat, nor share with what is stored: the first line with it wins, later ones are named."""

    def __init__(self, field: str, stored: set) -> None:
        self.field, self.stored, self.seen = field, stored, {}

    def problem(self, key: Any, value: Any, line: int) -> FieldError | None:
        if key in self.stored:
            return FieldError(self.field, "duplicate", {"value": value}, line)
        if key in self.seen:
            return FieldError(self.field, "duplicate_in_file", {"value": value, "other_row": self.seen[key]}, line)
        self.seen[key] = line
        return None


def ticking(rows: Iterable[Any], writer: ChunkWriter) -> Iterator[Any]:
    """Pass rows through, advancing the progress bar for every row read, good or bad."""
    for item in rows:
        writer.tick()
        yield item


def finish(errors: list[FieldError]) -> None:
    """Commit, or roll back everything and raise ImportFailed with the rows sorted by line."""
    if errors:
        db.session.rollback()
        raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0, e.field)))
    db.session.commit()
