"""Reading an Excel workbook (.xlsx) as the same rows a CSV gives: row 1 names the columns (Chinese or English), each
row below is keyed by column, and its number is the row number Excel shows. The importers cannot tell the two apart.

Workbooks come from anyone, so the file is checked before openpyxl reads it (a zip, not too large once unpacked),
read in read-only mode (streamed, never held as objects), and what Excel typed for the user is turned back into text:
a number typed in a phone column becomes its digits. A formula is refused (its value is not in the file unless Excel
saved one, and a formula is no registry data), and so is a date: no column of an import is a date, so a date cell is
Excel having turned something typed (a code like "3-5") into one, and importing it would store the wrong text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from openpyxl import load_workbook

from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.imports.csv_rows import canonical_header, check_header, keyed_row

MB = 1024 * 1024
MAX_UNPACKED = 50 * MB  # a 2 MB upload of text unpacks to 10–20 MB; far more is a zip bomb
MAX_ENTRIES = 1_000
MAX_ROWS = 100_000
MAX_COLUMNS = 60  # read past the last named column too, so a value typed there is named, not lost
ZIP_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (OLE2 compound file)

Rows = list[tuple[int, dict[str, str]]]


def is_workbook(raw: bytes, filename: str) -> bool:
    """An Excel file by its name or its first bytes (a CSV never starts like a zip or an .xls)."""
    name = filename.lower()
    return name.endswith((".xlsx", ".xlsm", ".xls")) or raw.startswith((ZIP_MAGIC, OLD_EXCEL_MAGIC))


def rows_from_workbook(raw: bytes, aliases: dict[str, str], required: set[str], sheet_names: Sequence[str]) -> Rows:
    """The data rows of the workbook's one sheet (or the one named in ``sheet_names``), as ``(row number, row)``.

    Problems with the file itself (not a workbook, too large, which sheet, a formula) raise InvalidInput before any
    row reaches an importer; the rows' values are then checked by the importer as a CSV's are.
    """
    _check_archive(raw)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # a hostile or broken file fails inside openpyxl in many ways (zip, XML, keys)
        raise _unreadable() from exc
    try:
        return _read_sheet(_sheet(book, sheet_names), aliases, required)
    except InvalidInput:
        raise
    except Exception as exc:  # read-only mode parses the sheet's XML while iterating, so it can fail here too
        raise _unreadable() from exc
    finally:
        book.close()


def _unreadable() -> InvalidInput:
    return InvalidInput([FieldError("file", "xlsx.unreadable")])


def _check_archive(raw: bytes) -> None:
    if raw.startswith(OLD_EXCEL_MAGIC):
        raise InvalidInput([FieldError("file", "xlsx.old_format")])
    try:
        entries = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable() from exc
    if len(entries) > MAX_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        raise InvalidInput([FieldError("file", "xlsx.too_large", {"limit": MAX_UNPACKED // MB})])


def _sheet(book, names: Sequence[str]):
    sheets = book.worksheets
    if len(sheets) == 1:
        return sheets[0]
    wanted = {name.lower() for name in names}
    named = [sheet for sheet in sheets if sheet.title.strip().lower() in wanted]
    if len(named) == 1:
        return named[0]
    titles = "、".join(sheet.title for sheet in sheets)
    raise InvalidInput([FieldError("file", "xlsx.which_sheet", {"sheets": titles, "name": names[0]})])


def _read_sheet(sheet, aliases: dict[str, str], required: set[str]) -> Rows:
    lines = iter(sheet.iter_rows(max_col=MAX_COLUMNS))
    first = next(lines, None)
    names = _trimmed([_text(cell.value) for cell in first or ()])
    if not names:
        raise InvalidInput([FieldError("file", "xlsx.empty", {}, 1)])
    header = canonical_header(names, aliases)
    check_header(header, aliases, required, source="xlsx")
    rows, problems = [], []
    for number, cells in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise InvalidInput([FieldError("file", "xlsx.too_many_rows", {"limit": MAX_ROWS})])
        problems.extend(_cell_problems(cells, header, number))
        values = _trimmed([_text(cell.value) for cell in cells])
        if any(values):
            rows.append((number, keyed_row(header, values)))
    if problems:
        raise InvalidInput(problems)
    return rows


CELL_PROBLEMS = {"f": "xlsx.formula", "d": "xlsx.date"}  # openpyxl's data types: formula, date


def _cell_problems(cells: Iterable, header: list[str], number: int) -> list[FieldError]:
    return [
        FieldError(
            header[index] if index < len(header) else "file",
            CELL_PROBLEMS[cell.data_type],
            {"cell": cell.coordinate, "value": _text(cell.value)},
            number,
        )
        for index, cell in enumerate(cells)
        if getattr(cell, "data_type", None) in CELL_PROBLEMS
    ]


def _trimmed(values: list[str]) -> list[str]:
    while values and not values[-1]:
        values.pop()
    return values


def _text(value: object) -> str:
    """A cell as the text a CSV would hold: 13900001111 (a number) is "13900001111", a date is 2026-03-05."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
