from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import cache

import pytest
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from dispatch.demo.district import DemoDistrict, build_demo_district
from dispatch.domain.credit_code import is_valid_credit_code
from dispatch.domain.phone import to_e164
from dispatch.domain.skills import SKILL_CODES

REFERENCE_DATE = date(2026, 11, 27)
REAL_SUBDISTRICTS = {
    "北山街道", "西溪街道", "灵隐街道", "翠苑街道", "文新街道", "古荡街道",
    "西湖街道", "转塘街道", "留下街道", "蒋村街道", "三墩镇", "双浦镇",
}  # fmt: skip


@cache
def district() -> DemoDistrict:
    return build_demo_district()


def as_box(bbox) -> Polygon:
    return box(bbox.west, bbox.south, bbox.east, bbox.north)


def assert_no_overlap(shapes: list[Polygon]) -> None:
    union = unary_union(shapes)
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-9)


def all_phones(d: DemoDistrict) -> list[str]:
    return [c.grid_worker_mobile for c in d.cells] + [o.leader_mobile for o in d.organizations] + [m.mobile for m in d.members]


def test_same_seed_builds_the_same_district_and_another_seed_does_not():
    assert build_demo_district() == build_demo_district()
    assert build_demo_district(7) != build_demo_district()


def test_counts_are_in_the_expected_ranges():
    d = district()
    assert len(d.subdistricts) == 12
    assert 250 <= len(d.cells) <= 400
    assert 250 <= len(d.organizations) <= 400
    assert 2000 <= len(d.members) <= 8000
    per_subdistrict = Counter(c.subdistrict_code for c in d.communities)
    assert all(3 <= n <= 6 for n in per_subdistrict.values())


def test_county_and_real_subdistricts():
    d = district()
    assert (d.county.code, d.county.name_zh) == ("330106", "西湖区")
    assert {s.name_zh for s in d.subdistricts} == REAL_SUBDISTRICTS
    kinds = {s.name_zh: s.kind for s in d.subdistricts}
    assert kinds["三墩镇"] == kinds["双浦镇"] == "township"
    assert kinds["翠苑街道"] == "street"
    assert {s.name_en for s in d.subdistricts} >= {"Beishan Subdistrict", "Sandun Town"}


def test_landmarks_fall_in_their_subdistricts():
    by_name = {s.name_zh: as_box(s.bbox) for s in district().subdistricts}
    assert by_name["西湖街道"].contains(Point(120.14, 30.25))
    assert by_name["蒋村街道"].contains(Point(120.07, 30.27))
    assert by_name["转塘街道"].contains(Point(120.10, 30.17))
    assert by_name["三墩镇"].contains(Point(120.10, 30.33))
    assert by_name["双浦镇"].contains(Point(120.05, 30.13))


def test_codes_are_unique():
    d = district()
    for codes in (
        [s.code for s in d.subdistricts],
        [c.code for c in d.communities],
        [c.code for c in d.cells],
    ):
        assert len(codes) == len(set(codes))
    assert len({o.name for o in d.organizations}) == len(d.organizations)


def test_subdistricts_and_communities_tile_without_overlap():
    d = district()
    assert_no_overlap([as_box(s.bbox) for s in d.subdistricts])
    assert_no_overlap([as_box(c.bbox) for c in d.communities])
    parents = {s.code: as_box(s.bbox) for s in d.subdistricts}
    for community in d.communities:
        assert parents[community.subdistrict_code].covers(as_box(community.bbox))


def test_cells_are_closed_ccw_inside_their_community_and_disjoint():
    d = district()
    communities = {c.code: as_box(c.bbox) for c in d.communities}
    shapes = []
    for cell in d.cells:
        (ring,) = cell.polygon
        assert ring[0] == ring[-1] and len(ring) >= 4
        shape = Polygon(ring)
        assert shape.is_valid and shape.exterior.is_ccw
        assert communities[cell.community_code].covers(shape)
        assert cell.name_zh.endswith("网格")
        shapes.append(shape)
    assert_no_overlap(shapes)


def test_every_phone_is_e164_and_distinct():
    phones = all_phones(district())
    assert all(to_e164(p) == p for p in phones)
    assert len(phones) == len(set(phones))


def test_credit_codes_are_valid_and_required_for_registered():
    orgs = district().organizations
    codes = [o.credit_code for o in orgs if o.credit_code]
    assert all(is_valid_credit_code(code) for code in codes)
    assert len(codes) == len(set(codes))
    assert all(o.credit_code for o in orgs if o.status == "registered")
    assert not any(o.credit_code for o in orgs if o.status == "guided")


def test_status_shares_and_managing_level():
    orgs = district().organizations
    shares = Counter(o.status for o in orgs)
    assert 0.2 < shares["registered"] / len(orgs) < 0.4
    assert 0.35 < shares["filed"] / len(orgs) < 0.55
    assert 0.15 < shares["guided"] / len(orgs) < 0.35
    managed = {"registered": "county", "filed": "subdistrict", "guided": "community"}
    assert all(o.managed_by == managed[o.status] for o in orgs)
    assert 0 < sum(not o.active for o in orgs) < 0.08 * len(orgs)


def test_organizations_serve_existing_cells_from_a_base_at_home():
    d = district()
    cells = {c.code for c in d.cells}
    homes = {c.code: c.bbox for c in d.communities}
    for org in d.organizations:
        assert 1 <= len(org.served_cell_codes) <= 7
        assert set(org.served_cell_codes) <= cells
        assert any(code.startswith(org.community_code) for code in org.served_cell_codes)
        assert homes[org.community_code].contains(org.base_lon, org.base_lat)
        assert date(2005, 1, 1) <= org.founded_on <= date(2024, 12, 31)


def test_skills_come_from_the_taxonomy_with_sensible_capacity():
    d = district()
    for org in d.organizations:
        assert 1 <= len(org.skills) <= 4
        assert set(org.skill_codes) <= SKILL_CODES
        assert all(2 <= s.capacity <= 40 for s in org.skills)


def test_skills_follow_the_organization_name():
    for org in district().organizations:
        if org.name.endswith("调解工作室"):
            assert "mediation" in org.skill_codes
        if org.name.endswith("老年协会"):
            assert "elderly_care" in org.skill_codes
        if org.name.endswith("救援队"):
            assert "rescue" in org.skill_codes


def test_members_hold_a_subset_of_their_organization_skills():
    d = district()
    orgs = {o.name: o for o in d.organizations}
    sizes = Counter(m.organization_name for m in d.members)
    assert all(4 <= sizes[name] <= 25 for name in orgs)
    for member in d.members:
        skills = set(member.skills)
        assert skills and skills <= set(orgs[member.organization_name].skill_codes)
        assert {c.skill_code for c in member.certifications} <= skills


def test_certificates_are_mostly_current_with_some_expired_and_some_expiring():
    certs = [c for m in district().members for c in m.certifications]
    soon = REFERENCE_DATE + timedelta(days=30)
    expired = [c for c in certs if c.expires_on < REFERENCE_DATE]
    expiring = [c for c in certs if REFERENCE_DATE <= c.expires_on <= soon]
    assert len(certs) > 200
    assert 0 < len(expired) < len(certs) / 4
    assert 0 < len(expiring) < len(certs) / 4
    assert all(c.issued_on < c.expires_on and c.issued_on <= REFERENCE_DATE for c in certs)
    assert all(c.issuer for c in certs)


def test_people_have_chinese_names():
    d = district()
    people = [m.name for m in d.members] + [o.leader_name for o in d.organizations]
    assert all(2 <= len(name) <= 3 for name in people)
    assert all("\u4e00" <= ch <= "\u9fff" for name in people for ch in name)
