"""Reading CSV as Excel in China writes it: UTF-8 with or without BOM, or GB18030/GBK; Chinese or English headers."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from dispatch.services.errors import FieldError, InvalidInput

ENCODINGS = ("utf-8-sig", "gb18030")

# A row keyed by column, or what kept the csv module from reading it.
Row = dict[str, str] | FieldError


def decode(raw: bytes) -> str:
    """Text of a CSV file; GB18030 is a superset of GBK and GB2312, so one attempt covers all three."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput([FieldError("file", "csv.encoding")])


def file_encoding(path: Path) -> str:
    """The first encoding that reads the whole file, checked a chunk at a time so a large file is never held twice."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput([FieldError("file", "csv.encoding")])


def read_rows(path: Path, aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, Row]]:
    """The rows of a CSV file, streamed from disk; see ``parse_rows``."""
    encoding = file_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        yield from parse_rows(handle, aliases, required)


def rows_from_bytes(raw: bytes, aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, Row]]:
    """The rows of an uploaded CSV held in memory; see ``parse_rows``."""
    return parse_rows(io.StringIO(decode(raw), newline=""), aliases, required)


def parse_rows(text: Iterable[str], aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, Row]]:
    """Yield (line number, row keyed by canonical column name); the header is line 1.

    ``aliases`` maps every accepted header (Chinese, or the canonical English name itself) to its column.
    Columns with a blank header (Excel's trailing commas) are ignored. A record the csv module cannot read (a field
    over its size limit, an unclosed or misplaced quote) comes as a FieldError on the line it starts on, for the
    importer to list with the other bad rows; a header it cannot read is refused at once.
    """
    lines = _Lines(text)
    reader = csv.reader(lines, strict=True)  # strict: an unclosed quote is an error, not the rest of the file as a value
    header = canonical_header(_header(reader, lines), aliases)
    check_header(header, aliases, required)
    for line, values in _records(reader, lines, header):
        if isinstance(values, FieldError):
            yield line, values
        elif any(value.strip() for value in values):
            yield line, keyed_row(header, values)


def _header(reader: Iterator[list[str]], lines: _Lines) -> list[str]:
    try:
        return next(reader, [])
    except csv.Error:
        raise InvalidInput([_unreadable(lines, [])]) from None


def _records(reader: Iterator[list[str]], lines: _Lines, header: list[str]) -> Iterator[tuple[int, list[str] | FieldError]]:
    while True:
        lines.start_record()
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield lines.first, _unreadable(lines, header)
        else:
            yield lines.number, values


class _Lines:
    """The lines a csv reader is fed, counted, with those of the record being read kept to tell what went wrong."""

    def __init__(self, text: Iterable[str]) -> None:
        self._text = iter(text)
        self.number = 0
        self.first = 1
        self.record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self.number += 1
        self.record.append(line)
        return line

    def start_record(self) -> None:
        self.first, self.record = self.number + 1, []

    def close_quote(self) -> bool:
        """Skip to the end of the record the reader gave up in, inside a quoted value; False when the file ends first.

        The reader drops the rest of the line it failed on and would read the rest of the value as new records."""
        quotes = sum(line.count('"') for line in self.record)
        while quotes % 2:
            line = next(self._text, None)
            if line is None:
                return False
            self.number += 1
            quotes += line.count('"')
        return True


def _unreadable(lines: _Lines, header: list[str]) -> FieldError:
    """What stopped the csv module in the record ``lines`` holds: a field over its limit, or a quote."""
    record = "".join(lines.record)
    widths = _field_widths(record)
    limit = csv.field_size_limit()
    if not lines.close_quote():
        return FieldError(_column(header, len(widths) - 1), "csv.unclosed_quote", {}, lines.first)
    if max(widths) > limit:
        index = next(i for i, width in enumerate(widths) if width > limit)
        return FieldError(_column(header, index), "csv.field_too_long", {"limit": limit}, lines.first)
    return FieldError(_column(header, _misquoted(record)), "csv.stray_quote", {}, lines.first)


def _field_widths(record: str) -> list[int]:
    """The width of each field of a record as written, quotes and all: commas inside quotes do not end a field."""
    widths = [0]
    for index, part in enumerate(record.split('"')):
        if index % 2:
            widths[-1] += len(part) + 2
            continue
        first, *more = part.split(",")
        widths[-1] += len(first)
        widths.extend(len(rest) for rest in more)
    return widths


def _misquoted(record: str) -> int:
    """The field whose quoted value goes on after its closing quote (``"a"b``), else the first field."""
    fields, start = [], 0
    for width in _field_widths(record):
        fields.append(record[start : start + width].strip())
        start += width + 1
    return next((i for i, f in enumerate(fields) if f.startswith('"') and not f.endswith('"')), 0)


def _column(header: list[str], index: int) -> str:
    """A field by its column, as the row model names it; the header line's own fields are the header."""
    if not header:
        return "header"
    return header[index] if index < len(header) and header[index] else f"column {index + 1}"


def canonical_header(names: list[str], aliases: dict[str, str]) -> list[str]:
    """Each header as its column's canonical name (a Chinese alias or the English name, in any case)."""
    return [aliases.get(name.strip().lower(), name.strip().lower()) for name in names]


def keyed_row(header: list[str], values: list[str]) -> dict[str, str]:
    """One line's values by column; a value past the last column is kept under ``column N`` for the row model to refuse."""
    row = {name: value.strip() for name, value in zip(header, values, strict=False) if name}
    # A value past the last column (often a comma typed inside a name) must not vanish: the row model refuses it.
    overflow = enumerate(values[len(header) :], start=len(header) + 1)
    row.update({f"column {number}": value.strip() for number, value in overflow if value.strip()})
    return row


def check_header(header: list[str], aliases: dict[str, str], required: set[str], source: str = "csv") -> None:
    """Refuse a header once, at line 1, rather than every row for it: missing, unknown or repeated columns.

    ``source`` (``csv`` or ``xlsx``) names the kind of file in the message.
    """
    known = set(aliases.values()) | required
    named = [name for name in header if name]
    problems = {
        f"{source}.header_missing": [_label(name, aliases) for name in sorted(required - set(named))],
        f"{source}.header_unknown": [name for name in named if name not in known],
        f"{source}.header_duplicate": sorted({_label(name, aliases) for name in named if named.count(name) > 1}),
    }
    errors = [FieldError("header", code, {"columns": ", ".join(columns)}, 1) for code, columns in problems.items() if columns]
    if errors:
        raise InvalidInput(errors)


def _label(column: str, aliases: dict[str, str]) -> str:
    """A column as people with Chinese headers know it: ``负责人手机(leader_phone)``."""
    chinese = next((alias for alias, name in aliases.items() if name == column), None)
    return f"{chinese}({column})" if chinese else column


def count_rows(path: Path) -> int:
    """Data lines in the file, for a progress bar (counts newlines; quoted newlines make it an estimate)."""
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)
