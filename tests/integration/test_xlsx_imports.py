"""Importing an Excel workbook beside CSV: the same columns, all or nothing with every bad row listed by the row
number Excel shows, and a hostile or broken workbook refused with a clear 4xx that writes nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from functools import cache

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.xml import functions

from dispatch.services.imports import xlsx_rows
from tests.integration.test_scope import snapshot

HEADER = ["名称", "类型", "统一社会信用代码", "社区代码", "技能", "负责人", "负责人手机"]


def workbook_bytes(*sheets: tuple[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def organization_rows(community, bad_middle: bool = False) -> list[list]:
    # Phones typed as numbers, as Excel keeps them when the column is not formatted as text.
    rows = [[f"表格第{n}应急队", "备案", None, community.code, "rescue:5", "钱队长", 13900000000 + n] for n in range(1, 6)]
    if bad_middle:
        rows[2] = ["表格第3应急队", "登记", "91350100M000100Y44", community.code, "rescue:5", "钱队长", 13900000003]
    return [HEADER, *rows]


def upload(client, content: bytes, kind: str = "organizations", name: str = "名册.xlsx", api: bool = False):
    file = (io.BytesIO(content), name)
    if api:
        return client.send("POST", f"/api/imports/{kind}", None, data={"file": file}, content_type="multipart/form-data")
    return client.send("POST", "/imports", None, data={"kind": kind, "file": file}, content_type="multipart/form-data")


def test_a_workbook_of_organizations_imports_every_row(world, browser):
    client = browser(world.duty)
    response = upload(client, workbook_bytes(("Sheet1", organization_rows(world.community_a1))))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "导入成功" in response.get_data(as_text=True)
    listed = client.get("/organizations?q=表格第").get_data(as_text=True)
    assert "表格第1应急队" in listed and "表格第5应急队" in listed


def test_one_bad_row_in_the_middle_imports_nothing_and_names_the_row(world, browser):
    client = browser(world.duty)
    before = snapshot()
    response = upload(client, workbook_bytes(("Sheet1", organization_rows(world.community_a1, bad_middle=True))))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未导入任何数据" in page and '<td data-label="行">4</td>' in page and "统一社会信用代码校验位不正确" in page
    assert snapshot() == before


def test_the_registry_workbook_comes_back_in_through_the_import(world, browser):
    """Download the registry, keep one new member on its 成员 sheet, upload it whole: the 成员 sheet is read."""
    client = browser(world.duty)
    book = load_workbook(io.BytesIO(client.get("/registry.xlsx").data))
    members = book["成员"]
    members.delete_rows(2, members.max_row)
    members.append([world.org_a1.community.code, world.org_a1.name, "表格新队员", "13700006666", "rescue", ""])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, out.getvalue(), kind="members", api=True)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"]["members"] == 1


def test_the_api_names_the_bad_row_in_english(world, browser):
    content = workbook_bytes(("Sheet1", organization_rows(world.community_a1, bad_middle=True)))
    response = upload(browser(world.duty, language="en"), content, api=True)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "import_failed"
    assert [(e["row"], e["field"], e["message"]) for e in error["errors"]] == [
        (4, "credit_code", "the credit code's check character is wrong")
    ]


def with_sheet_xml(xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced (as a hand-made hostile file would be)."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(("Sheet1", [HEADER]))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item))
    return out.getvalue()


def sheet_xml(rows: bytes) -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows
        + b"</sheetData></worksheet>"
    )


def header_row() -> bytes:
    cells = b"".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'.encode() for i, name in enumerate(HEADER))
    return b'<row r="1">' + cells + b"</row>"


@cache
def zip_bomb() -> bytes:
    """Over 50 MB of empty rows that pack into a few hundred kilobytes."""
    return with_sheet_xml(sheet_xml(header_row() + b"<row/>" * 9_000_000))


def too_many_rows() -> bytes:
    """More rows than the limit (made 1,000 here; 100,000 for real) before any value is checked."""
    rows = b"".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>'.encode() for n in range(2, 1_010))
    return with_sheet_xml(sheet_xml(header_row() + rows))


def with_formula(community) -> bytes:
    rows = organization_rows(community)
    rows[3][0] = '=HYPERLINK("http://evil.example","点我")'
    return workbook_bytes(("Sheet1", rows))


def with_date_in_a_text_column(community) -> bytes:
    rows = organization_rows(community)
    rows[2][5] = datetime(2026, 3, 5)  # Excel turned "3-5" typed as a name into a date
    return workbook_bytes(("Sheet1", rows))


def entity_expansion() -> bytes:
    """The billion laughs: a sheet whose one cell names an entity that expands to gigabytes (parsed naively)."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode() for n in range(1, 10)
    )
    doctype = b"<!DOCTYPE worksheet [" + entities + b"]>"
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return with_sheet_xml(doctype + sheet_xml(header_row() + cell))


def external_entity() -> bytes:
    """A sheet that asks the parser to read a file of the server's into a cell."""
    doctype = b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    return with_sheet_xml(doctype + sheet_xml(header_row() + cell))


def truncated(community) -> bytes:
    return workbook_bytes(("Sheet1", organization_rows(community)))[:3000]


HOSTILE = {
    "not a zip": (lambda c: "名称,类型\n".encode() * 50, "xlsx.unreadable", "无法读取该 Excel 文件"),
    "an old .xls": (lambda c: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "xlsx.old_format", "旧版 .xls"),
    "a zip that is no workbook": (lambda c: _plain_zip(), "xlsx.unreadable", "无法读取该 Excel 文件"),
    "a cut-off workbook": (truncated, "xlsx.unreadable", "无法读取该 Excel 文件"),
    "a sheet that unpacks to too much": (lambda c: zip_bomb(), "xlsx.too_large", "解压后太大"),
    "too many rows": (lambda c: too_many_rows(), "xlsx.too_many_rows", "行数太多（最多 1000 行）"),
    # openpyxl parses with defusedxml (pinned): an entity declared in a sheet is refused, never expanded or fetched.
    "entities that expand to gigabytes": (lambda c: entity_expansion(), "xlsx.unreadable", "无法读取该 Excel 文件"),
    "an entity that reads a server file": (lambda c: external_entity(), "xlsx.unreadable", "无法读取该 Excel 文件"),
    "a formula": (with_formula, "xlsx.formula", "单元格 A4 是公式"),
    "a date in a text column": (with_date_in_a_text_column, "xlsx.date", "单元格 F3 被 Excel 当成了日期（2026-03-05）"),
    "an empty sheet": (lambda c: workbook_bytes(("Sheet1", [])), "xlsx.empty", "工作表是空的"),
    "several sheets, none named": (
        lambda c: workbook_bytes(("Sheet1", organization_rows(c)), ("Sheet2", [HEADER])),
        "xlsx.which_sheet",
        "工作簿有多张工作表（Sheet1、Sheet2）",
    ),
    "a header it does not know": (
        lambda c: workbook_bytes(("Sheet1", [["名称", "颜色"]])),
        "xlsx.header_unknown",
        "无法识别的列：颜色",
    ),
}


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_a_hostile_or_broken_workbook_is_refused_clearly_and_writes_nothing(case, world, browser, monkeypatch):
    monkeypatch.setattr(xlsx_rows, "MAX_ROWS", 1_000)
    build, code, words = HOSTILE[case]
    client = browser(world.duty)
    before = snapshot()
    api = upload(client, build(world.community_a1), api=True)
    assert api.status_code == 422, api.get_data(as_text=True)[:300]
    assert code in {e["code"] for e in api.get_json()["error"]["errors"]}
    page = upload(client, build(world.community_a1))
    assert page.status_code == 422 and words in page.get_data(as_text=True)
    assert snapshot() == before


def test_several_sheets_are_fine_when_one_is_named_for_what_it_holds(world, browser):
    content = workbook_bytes(("说明", [["请在“组织”表中填写"]]), ("组织", organization_rows(world.community_a1)))
    response = upload(browser(world.duty), content, api=True)
    assert response.status_code == 200 and response.get_json()["created"]["organizations"] == 5


def test_a_value_typed_past_the_last_column_is_named_not_lost(world, browser):
    rows = organization_rows(world.community_a1)
    rows[2] = [*rows[2], None, "多出来的备注"]
    response = upload(browser(world.duty), workbook_bytes(("Sheet1", rows)), api=True)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.get_json()["error"]["errors"]] == [(3, "column 9")]


def test_openpyxl_reads_workbooks_through_defusedxml():
    """Never the standard library's XML parser directly: openpyxl picks defusedxml when it is installed."""
    assert openpyxl.DEFUSEDXML is True
    assert functions.fromstring.__module__.startswith("defusedxml") and functions.iterparse.__module__.startswith("defusedxml")
