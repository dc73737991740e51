"""Reading CSV records the csv module gives up on: each becomes a bad row on the line it starts on."""

from __future__ import annotations

import io

from dispatch.services.errors import FieldError
from dispatch.services.imports.csv_rows import parse_rows

COLUMNS = {"名称": "name", "备注": "note"}


def read(text: str) -> list:
    return list(parse_rows(io.StringIO(text, newline=""), COLUMNS, {"name"}))


def test_a_quoted_value_over_the_limit_spanning_lines_is_one_bad_row_and_reading_goes_on():
    rows = read('名称,备注\n一队,"' + "长" * 140_000 + '\n接着写",\n二队,好\n')

    assert rows == [(2, FieldError("note", "csv.field_too_long", {"limit": 131072}, 2)), (4, {"name": "二队", "note": "好"})]


def test_text_after_a_closing_quote_is_a_misplaced_quote_not_part_of_the_value():
    rows = read('名称,备注\n"一队"二组,好\n二队,\n')

    assert rows == [(2, FieldError("name", "csv.stray_quote", {}, 2)), (3, {"name": "二队", "note": ""})]


def test_an_unclosed_quote_is_named_where_it_opens_however_long_the_rest_of_the_file():
    rows = read('名称,备注\n一队,"没写完\n' + "二队,好\n" * 30_000)

    assert rows == [(2, FieldError("note", "csv.unclosed_quote", {}, 2))]
