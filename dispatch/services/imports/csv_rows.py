"""Reading CSV as Excel in China writes it: UTF-8 with or without BOM, or GB18030/GBK; Chinese or English headers."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from dispatch.services.errors import FieldError, InvalidInput

ENCODINGS = ("utf-8-sig", "gb18030")


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


def read_rows(path: Path, aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file, streamed from disk; see ``parse_rows``."""
    encoding = file_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        yield from parse_rows(handle, aliases, required)


def rows_from_bytes(raw: bytes, aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an uploaded CSV held in memory; see ``parse_rows``."""
    return parse_rows(io.StringIO(decode(raw), newline=""), aliases, required)


def parse_rows(text: Iterable[str], aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row keyed by canonical column name); the header is line 1.

    ``aliases`` maps every accepted header (Chinese, or the canonical English name itself) to its column.
    Columns with a blank header (Excel's trailing commas) are ignored.
    """
    reader = csv.reader(text)
    header = canonical_header(next(reader, []), aliases)
    check_header(header, aliases, required)
    for values in reader:
        if any(value.strip() for value in values):
            yield reader.line_num, keyed_row(header, values)


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
