"""``flask import-organizations``: the CSV Excel users in China write, all or nothing, every bad row named."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dispatch.domain.credit_code import ALPHABET
from dispatch.domain.registry import OrgStatus
from dispatch.extensions import db
from dispatch.models import Organization
from dispatch.schemas.rows import MEMBER_COLUMNS, ORGANIZATION_COLUMNS, MemberRow, OrganizationRow
from tests.factories import credit_code, make_cell, make_community, make_county, make_organization, make_subdistrict
from tests.integration.csv_files import ORGANIZATION_HEADER_ZH, error_lines, row_counts, run_cli, write_csv

NORTH, SOUTH = "330106001001", "330106001002"


@pytest.fixture
def places(app):
    """西湖区 with two communities and three cells around (120.10–120.13, 30.27–30.28), committed."""
    subdistrict = make_subdistrict(make_county(code="330106", name_zh="西湖区"), code="330106001")
    north, south = make_community(subdistrict, code=NORTH), make_community(subdistrict, code=SOUTH)
    make_cell(north, 120.10, 30.27, code="G001")
    make_cell(north, 120.11, 30.27, code="G002")
    make_cell(south, 120.12, 30.27, code="G003")
    db.session.commit()
    return {"north": north, "south": south}


def organization(**fields: str) -> list[str]:
    """One row under ORGANIZATION_HEADER_ZH; keywords override a column's value."""
    values = {
        "name": "北山街道应急救援队", "status": "登记", "credit_code": credit_code(1), "community_code": NORTH,
        "cell_codes": "G001;G002", "lon": "120.105", "lat": "30.275", "skills": "抢险救援:10;first_aid:4",
        "leader_name": "李建国", "leader_phone": "13812345678",
    }  # fmt: skip
    return list({**values, **fields}.values())


def wrong_check_digit(code: str) -> str:
    return code[:17] + ALPHABET[(ALPHABET.index(code[17]) + 1) % len(ALPHABET)]


def import_rows(app, tmp_path, rows, *options, header=ORGANIZATION_HEADER_ZH, encoding="utf-8"):
    path = write_csv(tmp_path / "organizations.csv", header, rows, encoding)
    return run_cli(app, "import-organizations", path, *options)


def stored(name: str) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.name == name))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_file_with_chinese_headers_imports_in_every_encoding_excel_writes(app, tmp_path, places, encoding):
    rows = [
        organization(),
        organization(name="葛岭社区邻里互助队", status="备案", credit_code="", cell_codes="G003", community_code=SOUTH,
                     skills="养老服务:6", leader_name="王秀英", leader_phone="139 0571 2345"),
        organization(name="宝石山太极队", status="指导", credit_code="", cell_codes="", lon="", lat="",
                     skills="patrol_security:3", leader_phone="+86 150 0000 1111"),
    ]  # fmt: skip

    result = import_rows(app, tmp_path, rows, encoding=encoding)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"organizations": 3}
    rescue = stored("北山街道应急救援队")
    assert (rescue.status, rescue.credit_code, rescue.community.code) == (OrgStatus.REGISTERED, credit_code(1), NORTH)
    assert [c.code for c in rescue.cells] == ["G001", "G002"]
    assert {s.skill.code: s.capacity for s in rescue.skills} == {"rescue": 10, "first_aid": 4}
    assert (rescue.leader_name, rescue.leader_phone) == ("李建国", "+8613812345678")
    assert (rescue.base_lon, rescue.base_lat) == pytest.approx((120.105, 30.275))
    neighbours = stored("葛岭社区邻里互助队")
    assert (neighbours.status, neighbours.credit_code, neighbours.leader_phone) == (OrgStatus.FILED, None, "+8613905712345")
    taichi = stored("宝石山太极队")
    assert (taichi.status, taichi.cells, taichi.base_lon) == (OrgStatus.GUIDED, [], None)


def test_a_gbk_file_with_one_bad_row_in_the_middle_imports_nothing_and_names_that_line(app, tmp_path, places):
    rows = [organization(name=f"北山应急分队{n}", credit_code=credit_code(n)) for n in range(1, 6)]
    rows[2][2] = wrong_check_digit(rows[2][2])
    before = row_counts()

    result = import_rows(app, tmp_path, rows, encoding="gbk")

    assert result.exit_code == 2
    assert "导入失败，未写入任何数据" in result.stderr
    assert error_lines(result.stderr) == ["第 4 行 credit_code: 统一社会信用代码校验位不正确"]
    assert row_counts() == before


def far_away_rows() -> list[list[str]]:
    return [organization(name="北山远方队", credit_code=credit_code(9), lon="116.40", lat="39.90")]


# One bad row per kind, as the second data row (line 3) after a good one; the English reason the user reads.
BAD_ROWS = {
    "a wrong check digit": (
        {"credit_code": wrong_check_digit(credit_code(2))},
        "credit_code: the credit code's check character is wrong",
    ),
    "a credit code of the wrong length": (
        {"credit_code": "91330106MA2"},
        "credit_code: the unified social credit code must be 18 characters",
    ),
    "registered without a credit code": ({"credit_code": ""}, "credit_code: a registered organization needs its credit code"),
    "an unknown status": ({"status": "注册"}, "status: the status must be 登记, 备案 or 指导 (registered, filed or guided)"),
    "a landline as leader phone": ({"leader_phone": "057187654321"}, "leader_phone: must be a mobile number"),
    "a phone number too short": ({"leader_phone": "1381234"}, "leader_phone: the phone number is not valid"),
    "an unknown skill": ({"skills": "抢险救援:10;飞行:2"}, "skills: unknown skill: 飞行"),
    "a skill without head count": ({"skills": "抢险救援"}, "skills: skills read code:capacity, separated by semicolons"),
    "a skill with zero head count": ({"skills": "rescue:0"}, "skills.0.capacity: must be at least 1"),
    "no skills": ({"skills": ""}, "skills: is required"),
    "an unknown community code": (
        {"community_code": "330106009009"},
        "community_code: no such community within your jurisdiction",
    ),
    "an unknown cell code": ({"cell_codes": "G001;G999"}, "cell_codes: no such grid cell within your jurisdiction: G999"),
    "the same name in the same community": (
        {"name": "北山街道应急救援队", "credit_code": credit_code(2)},
        "name: duplicates line 2: 北山街道应急救援队",
    ),
    "the same credit code": ({"credit_code": credit_code(1)}, f"credit_code: duplicates line 2: {credit_code(1)}"),
    "latitude and longitude swapped": ({"lon": "30.275", "lat": "120.105"}, "base_lon: longitude and latitude look swapped"),
    "a point far outside the county": (
        {"lon": "116.40", "lat": "39.90"},
        "base_lon: the point is far outside the county; check it",
    ),
    "a point outside China": ({"lon": "-0.12", "lat": "51.5"}, "base_lon: the point is not in China"),
    "a longitude without latitude": ({"lat": ""}, "base_lat: longitude and latitude go together"),
    "a longitude that is not a number": ({"lon": "东经120度"}, "base_lon: must be a number"),
    "a missing leader name": ({"leader_name": ""}, "leader_name: is required"),
}


@pytest.mark.parametrize("bad", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_each_kind_of_bad_row_is_refused_with_its_line_field_and_reason(app, tmp_path, places, bad):
    fields, reason = bad
    good = organization()
    bad_row = organization(**{"name": "北山第二应急队", "credit_code": credit_code(2), **fields})
    before = row_counts()

    result = import_rows(app, tmp_path, [good, bad_row], "--lang", "en")

    assert result.exit_code == 2, result.stdout
    assert "Import failed; nothing was written" in result.stderr
    assert error_lines(result.stderr) == [f"line 3 {reason}"]
    assert row_counts() == before


def test_a_name_already_in_the_community_is_a_duplicate_but_elsewhere_it_is_not(app, tmp_path, places):
    make_organization(places["north"], name="北山街道应急救援队", credit_code=credit_code(7))
    db.session.commit()
    before = row_counts()

    result = import_rows(app, tmp_path, [organization(credit_code=credit_code(7))], "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "line 2 credit_code: duplicate: " + credit_code(7),
        "line 2 name: duplicate: 北山街道应急救援队",
    ]
    assert row_counts() == before
    elsewhere = import_rows(app, tmp_path, [organization(community_code=SOUTH, cell_codes="G003")])
    assert elsewhere.exit_code == 0, elsewhere.stderr


def test_every_bad_row_is_listed_sorted_by_line(app, tmp_path, places):
    rows = [
        organization(name="一队", credit_code=credit_code(11), leader_phone="12345"),
        organization(name="二队", credit_code=credit_code(12)),
        organization(name="三队", credit_code="", skills="抢险救援:10;潜水:3"),
        organization(name="四队", credit_code=credit_code(14)),
        organization(name="五队", credit_code=credit_code(15), cell_codes="G404", lon="30.275", lat="120.105"),
    ]

    result = import_rows(app, tmp_path, rows, "--lang", "en")

    assert result.exit_code == 2
    assert [line.split(" ")[1] for line in error_lines(result.stderr)] == ["2", "4", "4", "6", "6"]
    assert row_counts()["organizations"] == 0


def test_messages_are_in_chinese_by_default_and_english_on_request(app, tmp_path, places):
    rows = [organization(leader_phone="12345")]

    chinese = import_rows(app, tmp_path, rows)
    english = import_rows(app, tmp_path, rows, "--lang", "en")

    assert chinese.stderr.splitlines()[-2:] == ["导入失败，未写入任何数据。问题如下：", "  第 2 行 leader_phone: 电话号码无效"]
    assert english.stderr.splitlines()[-2:] == [
        "Import failed; nothing was written. The problems:",
        "  line 2 leader_phone: the phone number is not valid",
    ]


def test_a_value_longer_than_the_csv_module_reads_is_too_long_on_its_line_and_column(app, tmp_path, places):
    rows = [organization(), organization(name="二队", credit_code=credit_code(2), leader_name="长" * 200_000)]
    rows.append(organization(name="三队", credit_code=credit_code(3), leader_phone="12345"))

    chinese = import_rows(app, tmp_path, rows)
    english = import_rows(app, tmp_path, rows, "--lang", "en")

    assert chinese.exit_code == english.exit_code == 2
    assert error_lines(chinese.stderr) == [
        "第 3 行 leader_name: 太长（超过 131072 个字符）",
        "第 4 行 leader_phone: 电话号码无效",
    ]
    assert error_lines(english.stderr)[0] == "line 3 leader_name: is too long (over 131072 characters)"
    assert "Traceback" not in english.stderr + english.output
    assert row_counts()["organizations"] == 0


def test_an_unclosed_quote_is_named_on_the_line_it_opens(app, tmp_path, places):
    path = tmp_path / "organizations.csv"
    lines = [",".join(ORGANIZATION_HEADER_ZH), ",".join(organization()), ",".join(organization(name='"二队'))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_cli(app, "import-organizations", path, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "line 3 name: has an unclosed quote: the quoted value that starts on this line has no closing quote before the "
        "end of the file"
    ]
    assert row_counts()["organizations"] == 0


def test_a_missing_required_column_is_named_in_the_header_line(app, tmp_path, places):
    header = [column for column in ORGANIZATION_HEADER_ZH if column != "负责人手机"]
    rows = [organization()[:-1]]

    chinese = import_rows(app, tmp_path, rows, header=header)
    english = import_rows(app, tmp_path, rows, "--lang", "en", header=header)

    assert chinese.exit_code == english.exit_code == 2
    assert error_lines(chinese.stderr) == ["第 1 行 header: CSV 缺少列：负责人手机(leader_phone)"]
    assert error_lines(english.stderr) == ["line 1 header: the CSV lacks column(s): 负责人手机(leader_phone)"]
    assert row_counts()["organizations"] == 0


def test_an_unknown_column_is_named_once_in_the_header_line(app, tmp_path, places):
    rows = [[*organization(), "常驻宝石山"], [*organization(name="二队", credit_code=credit_code(2)), ""]]

    result = import_rows(app, tmp_path, rows, "--lang", "en", header=[*ORGANIZATION_HEADER_ZH, "备注"])

    assert result.exit_code == 2
    assert error_lines(result.stderr) == ["line 1 header: the CSV has column(s) the import does not know: 备注"]


def test_a_column_given_twice_is_named_in_the_header_line(app, tmp_path, places):
    header = [*ORGANIZATION_HEADER_ZH, "手机"]

    result = import_rows(app, tmp_path, [[*organization(), "13900000000"]], "--lang", "en", header=header)

    assert result.exit_code == 2
    assert error_lines(result.stderr) == ["line 1 header: the CSV has the same column twice: 负责人手机(leader_phone)"]


def test_a_value_past_the_last_column_is_refused_not_dropped(app, tmp_path, places):
    path = tmp_path / "organizations.csv"
    line = ",".join(organization()).replace("北山街道应急救援队", "北山街道,应急救援队")
    path.write_text(",".join(ORGANIZATION_HEADER_ZH) + "\n" + line + "\n", encoding="utf-8")

    result = run_cli(app, "import-organizations", path, "--lang", "en")

    assert result.exit_code == 2
    assert "line 2 column 11: is not a known field" in error_lines(result.stderr)


def test_blank_columns_excel_leaves_at_the_end_are_ignored(app, tmp_path, places):
    result = import_rows(app, tmp_path, [[*organization(), "", ""]], header=[*ORGANIZATION_HEADER_ZH, "", ""])

    assert result.exit_code == 0, result.stderr


def test_every_column_can_be_written_with_a_chinese_header():
    for model, aliases in ((OrganizationRow, ORGANIZATION_COLUMNS), (MemberRow, MEMBER_COLUMNS)):
        assert set(model.model_fields) == set(aliases.values())


def test_english_headers_and_codes_import_too(app, tmp_path, places):
    header = ["name", "status", "credit_code", "community_code", "cell_codes", "base_lon", "base_lat", "skills",
              "leader_name", "leader_phone"]  # fmt: skip

    result = import_rows(app, tmp_path, [organization(status="registered")], header=header)

    assert result.exit_code == 0, result.stderr
    assert stored("北山街道应急救援队").status is OrgStatus.REGISTERED


def test_a_file_that_is_neither_utf8_nor_gb18030_is_refused(app, tmp_path, places):
    path = tmp_path / "organizations.csv"
    path.write_bytes("名称,类型\n".encode("utf-16"))

    result = run_cli(app, "import-organizations", path, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == ["file: unknown encoding (UTF-8 and GB18030/GBK are read)"]
