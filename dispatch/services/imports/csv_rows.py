"""Reading CSV as Excel in China writes it: UTF-8 with or without BOM, or GB18030/GBK; Chinese or English headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
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


def read_rows(path: Path, aliases: dict[str, str], required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row keyed by canonical column name); the header is line 1."""
    reader = csv.reader(io.StringIO(decode(path.read_bytes()), newline=""))
    header = [aliases.get(name.strip().lower(), name.strip().lower()) for name in next(reader, [])]
    missing = sorted(required - set(header))
    if missing:
        raise InvalidInput([FieldError("header", "csv.header_missing", {"columns": ", ".join(missing)}, 1)])
    for values in reader:
        if any(value.strip() for value in values):
            yield reader.line_num, {name: value.strip() for name, value in zip(header, values, strict=False)}


def count_rows(path: Path) -> int:
    """Data lines in the file, for a progress bar (counts newlines; quoted newlines make it an estimate)."""
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


def split_list(text: str | None) -> list[str]:
    """Split ``a;b``, ``a；b``, ``a、b`` or ``a|b`` into trimmed parts."""
    if not text:
        return []
    for separator in ("；", "、", "|"):
        text = text.replace(separator, ";")
    return [part.strip() for part in text.split(";") if part.strip()]
