"""Reports as Excel workbooks (openpyxl): a header row in the reader's language, column widths that fit, dates as dates.

A report describes its sheets as plain ``Sheet`` values (columns and rows); ``workbook`` turns them into the bytes
of an ``.xlsx``. Sheets are written in openpyxl's write-only mode, so a large registry streams row by row.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from itertools import chain, islice
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# What the people reading the report read on their clocks; Excel has no time zones, so times are written as local.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTH_SAMPLE = 200  # rows looked at to size the columns
MIN_WIDTH, MAX_WIDTH = 8, 60


class Kind(str, Enum):
    TEXT = "text"
    NUMBER = "number"
    SHARE = "share"  # 0.75 shown as 75%
    DATE = "date"
    DATETIME = "datetime"


FORMATS = {Kind.SHARE: "0%", Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm:ss"}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    kind: Kind = Kind.TEXT

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass
class Sheet:
    """One worksheet: a title (at most 31 characters, Excel's limit), its columns and its rows of plain values."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]] = field(default_factory=list)


def workbook(sheets: Sequence[Sheet], language: str) -> bytes:
    """The ``.xlsx`` bytes of ``sheets``, with headers in ``language`` (``zh`` or ``en``)."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book, sheet, language)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(book: Workbook, sheet: Sheet, language: str) -> None:
    worksheet = book.create_sheet(sheet.title[:31])
    rows = iter(sheet.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    headers = [column.label(language) for column in sheet.columns]
    for index, width in enumerate(_widths(headers, sample), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    worksheet.append([_header_cell(worksheet, text) for text in headers])
    for row in chain(sample, rows):
        worksheet.append([_cell(worksheet, column, value) for column, value in zip(sheet.columns, row, strict=True)])


def _header_cell(worksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=text)
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def _cell(worksheet, column: Column, value: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=_excel_value(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text typed as a formula (a name like "=HYPERLINK(...)") stays text, never runs
    if (number_format := _format(column, value)) is not None:
        cell.number_format = number_format
    return cell


def _format(column: Column, value: object) -> str | None:
    """Dates and times show as such wherever they stand (a summary's value column holds both kinds)."""
    if isinstance(value, datetime):
        return FORMATS[Kind.DATETIME]
    if isinstance(value, date):
        return FORMATS[Kind.DATE]
    if column.kind is Kind.SHARE and isinstance(value, int | float):
        return FORMATS[Kind.SHARE]
    return None


def _excel_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_ZONE).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Enum):
        return value.value
    return value


def _widths(headers: list[str], sample: list[Sequence[object]]) -> Iterator[float]:
    for index, header in enumerate(headers):
        longest = max((_display_width(_shown(row[index])) for row in sample), default=0)
        yield min(MAX_WIDTH, max(MIN_WIDTH, _display_width(header), longest) + 2)


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "2026-01-01 00:00:00"
    if isinstance(value, date):
        return "2026-01-01"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _display_width(text: str) -> int:
    """Characters as Excel lays them out: a Chinese character is about two Latin ones wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
