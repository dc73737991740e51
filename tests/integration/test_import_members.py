"""``flask import-members``: volunteers of organizations already in the registry, with skills and certificates."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Member
from dispatch.personal_data.keys import phone_hash
from tests.factories import make_community, make_county, make_member, make_organization, make_subdistrict, mobile
from tests.integration.csv_files import MEMBER_HEADER_ZH, error_lines, row_counts, run_cli, write_csv

NORTH, SOUTH = "330106001001", "330106001002"
RESCUE, NEIGHBOURS = "北山街道应急救援队", "葛岭社区邻里互助队"


@pytest.fixture
def organizations(app):
    """Two organizations, one in each community of 北山街道, committed."""
    subdistrict = make_subdistrict(make_county(code="330106"), code="330106001")
    north, south = make_community(subdistrict, code=NORTH), make_community(subdistrict, code=SOUTH)
    rescue = make_organization(north, name=RESCUE)
    neighbours = make_organization(south, name=NEIGHBOURS)
    db.session.commit()
    return {"rescue": rescue, "neighbours": neighbours}


def member(**fields: str) -> list[str]:
    """One row under MEMBER_HEADER_ZH."""
    values = {
        "community_code": NORTH, "organization": RESCUE, "name": "张志愿", "phone": "13812345678",
        "skills": "抢险救援;first_aid", "certificates": "first_aid:2027-05-01:杭州市红十字会",
    }  # fmt: skip
    return list({**values, **fields}.values())


def import_rows(app, tmp_path, rows, *options, encoding="utf-8-sig"):
    return run_cli(app, "import-members", write_csv(tmp_path / "members.csv", MEMBER_HEADER_ZH, rows, encoding), *options)


def stored(phone: str) -> list[Member]:
    return list(db.session.scalars(select(Member).where(Member.phone_hash == phone_hash(phone)).order_by(Member.id)))


def test_members_import_with_their_skills_and_certificates(app, tmp_path, organizations):
    rows = [
        member(),
        member(name="李红", phone="139 0000 1111", skills="应急救护、心理疏导",
               certificates="first_aid:2026-12-31;psychological_support:2028-01-15:浙江省心理卫生协会"),
        member(community_code=SOUTH, organization=NEIGHBOURS, name="王大爷", phone="15000002222", skills="", certificates=""),
    ]  # fmt: skip

    result = import_rows(app, tmp_path, rows, encoding="gbk")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"members": 3, "certifications": 3}
    (zhang,) = stored("+8613812345678")
    assert (zhang.name, zhang.organization.name) == ("张志愿", RESCUE)
    assert [s.code for s in zhang.skills] == ["rescue", "first_aid"]
    assert [(c.skill.code, c.expires_on, c.issuer) for c in zhang.certifications] == [
        ("first_aid", date(2027, 5, 1), "杭州市红十字会")
    ]
    (li,) = stored("+8613900001111")
    assert {c.skill.code: c.issuer for c in li.certifications} == {"first_aid": "", "psychological_support": "浙江省心理卫生协会"}
    (wang,) = stored("+8615000002222")
    assert (wang.organization.name, wang.skills, wang.certifications) == (NEIGHBOURS, [], [])


def test_one_person_may_volunteer_for_two_organizations(app, tmp_path, organizations):
    rows = [member(), member(community_code=SOUTH, organization=NEIGHBOURS)]

    result = import_rows(app, tmp_path, rows)

    assert result.exit_code == 0, result.stderr
    assert {m.organization.name for m in stored("+8613812345678")} == {RESCUE, NEIGHBOURS}


def test_a_renewed_certificate_keeps_both_dates(app, tmp_path, organizations):
    rows = [member(certificates="first_aid:2025-05-01:杭州市红十字会;first_aid:2028-05-01:杭州市红十字会")]

    result = import_rows(app, tmp_path, rows)

    assert result.exit_code == 0, result.stderr
    (zhang,) = stored("+8613812345678")
    assert [c.expires_on for c in zhang.certifications] == [date(2025, 5, 1), date(2028, 5, 1)]


BAD_ROWS = {
    "an unknown organization": ({"organization": "北山街道救援队"}, "organization_name: no such organization: 北山街道救援队"),
    "an organization named under another community": (
        {"community_code": SOUTH},
        f"organization_name: no such organization: {RESCUE}",
    ),
    "the same phone twice in one organization": ({"name": "张志愿2"}, "phone: duplicates line 2: +8613812345678"),
    "an invalid phone": ({"phone": "1381234567"}, "phone: the phone number is not valid"),
    "an unknown skill": ({"phone": "13900000000", "skills": "抢险救援;驾驶"}, "skills: unknown skill: 驾驶"),
    "a certificate without expiry": (
        {"phone": "13900000000", "certificates": "first_aid"},
        "certifications: a certificate reads skill:expires[:issuer]",
    ),
    "a certificate with an impossible date": (
        {"phone": "13900000000", "certificates": "first_aid:2027-13-01:杭州市红十字会"},
        "certifications: must be a date (YYYY-MM-DD)",
    ),
    "a certificate with a Chinese date": (
        {"phone": "13900000000", "certificates": "first_aid:2027年5月1日"},
        "certifications: must be a date (YYYY-MM-DD)",
    ),
    "a certificate for an unknown skill": (
        {"phone": "13900000000", "certificates": "diving:2027-05-01"},
        "certifications: unknown skill: diving",
    ),
    "an issuer longer than 100 characters": (
        {"phone": "13900000000", "certificates": "first_aid:2027-05-01:" + "红" * 101},
        "certifications: is too long (at most 100)",
    ),
    "a name longer than 50 characters": ({"phone": "13900000000", "name": "张" * 51}, "name: is too long (at most 50)"),
    "no name": ({"phone": "13900000000", "name": ""}, "name: is required"),
}


@pytest.mark.parametrize("bad", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_each_kind_of_bad_row_fails_the_whole_file(app, tmp_path, organizations, bad):
    fields, reason = bad
    before = row_counts()

    result = import_rows(app, tmp_path, [member(), member(**fields), member(phone="15000003333")], "--lang", "en")

    assert result.exit_code == 2, result.stdout
    assert "Import failed; nothing was written" in result.stderr
    assert error_lines(result.stderr) == [f"line 3 {reason}"]
    assert row_counts() == before


def test_a_name_longer_than_the_csv_module_reads_is_refused_on_its_line(app, tmp_path, organizations):
    rows = [member(), member(phone="13900000000", name="张" * 140_000)]

    result = import_rows(app, tmp_path, rows, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == ["line 3 name: is too long (over 131072 characters)"]
    assert row_counts()["members"] == 0


def test_a_phone_already_in_the_organization_is_a_duplicate(app, tmp_path, organizations):
    make_member(organizations["rescue"], phone="+8613812345678")
    db.session.commit()
    before = row_counts()

    result = import_rows(app, tmp_path, [member(phone="15000003333"), member()])

    assert result.exit_code == 2
    assert error_lines(result.stderr) == ["第 3 行 phone: 重复：+8613812345678"]
    assert row_counts() == before


def test_every_bad_row_is_listed_and_nothing_is_written(app, tmp_path, organizations):
    rows = [member(phone=mobile(n)) for n in range(10)]
    rows[3] = member(phone="12")
    rows[7] = member(phone=mobile(70), organization="无名队", certificates="first_aid:明年")

    result = import_rows(app, tmp_path, rows, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "line 5 phone: the phone number is not valid",
        "line 9 certifications: must be a date (YYYY-MM-DD)",
    ]
    assert row_counts()["members"] == 0
