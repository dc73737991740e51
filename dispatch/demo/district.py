"""A deterministic demo district: 杭州市西湖区 with its real streets and towns.

Subdistrict names are real; their codes follow the shape of the statistical division codes but are
not guaranteed to be the official ones. Boxes are placed roughly where each area lies and tile a
region without overlapping; shapes are not realistic. Community names are real where known,
otherwise plausible. Everything else (organizations, people, phone numbers) is invented.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dispatch.demo import names
from dispatch.domain.credit_code import make_credit_code
from dispatch.domain.skills import SKILL_SEEDS

REFERENCE_DATE = date(2026, 11, 27)
CERTIFIED_SKILLS = frozenset(s.code for s in SKILL_SEEDS if s.needs_certification)
CELL_GRIDS = ((2, 2), (2, 3), (3, 2), (1, 3))


@dataclass(frozen=True)
class BBox:
    """A WGS-84 bounding box in degrees."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def ring(self) -> tuple[tuple[float, float], ...]:
        """The closed, counter-clockwise exterior ring as (lon, lat) pairs."""
        w, s, e, n = self.west, self.south, self.east, self.north
        return ((w, s), (e, s), (e, n), (w, n), (w, s))


@dataclass(frozen=True)
class County:
    """The county-level district (县/区) the demo covers."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Subdistrict:
    """A street (街道, kind ``street``) or town (镇, kind ``township``)."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    bbox: BBox


@dataclass(frozen=True)
class Community:
    """A community (社区) or village (村) inside one subdistrict."""

    code: str
    name_zh: str
    subdistrict_code: str
    bbox: BBox


@dataclass(frozen=True)
class GridCell:
    """A grid cell (网格); ``polygon`` holds GeoJSON Polygon coordinates."""

    code: str
    name_zh: str
    community_code: str
    polygon: tuple[tuple[tuple[float, float], ...], ...]
    grid_worker_name: str
    grid_worker_mobile: str


@dataclass(frozen=True)
class OrgSkill:
    """A skill an organization offers and how many people it can send for it."""

    skill_code: str
    capacity: int


@dataclass(frozen=True)
class Organization:
    """A community social organization (社区社会组织) and where it serves."""

    name: str
    status: str
    managed_by: str
    credit_code: str | None
    community_code: str
    served_cell_codes: tuple[str, ...]
    base_lon: float
    base_lat: float
    skills: tuple[OrgSkill, ...]
    leader_name: str
    leader_mobile: str
    active: bool
    founded_on: date

    @property
    def skill_codes(self) -> tuple[str, ...]:
        return tuple(skill.skill_code for skill in self.skills)


@dataclass(frozen=True)
class Certificate:
    """A volunteer's certificate for a skill that needs one."""

    skill_code: str
    issuer: str
    issued_on: date
    expires_on: date


@dataclass(frozen=True)
class Member:
    """A volunteer of one organization."""

    name: str
    mobile: str
    organization_name: str
    skills: tuple[str, ...]
    certifications: tuple[Certificate, ...]


@dataclass(frozen=True)
class DemoDistrict:
    """The whole demo data set, ready to be loaded into a database."""

    county: County
    subdistricts: tuple[Subdistrict, ...]
    communities: tuple[Community, ...]
    cells: tuple[GridCell, ...]
    organizations: tuple[Organization, ...]
    members: tuple[Member, ...]


COUNTY = County(code="330106", name_zh="西湖区", name_en="Xihu District")


class _Draw:
    """The random source plus the uniqueness bookkeeping shared by all generators."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def unique(self, make: Callable[[], str]) -> str:
        value = make()
        while value in self.used:
            value = make()
        self.used.add(value)
        return value

    def mobile(self) -> str:
        rng = self.rng
        return self.unique(lambda: f"+86{rng.choice(names.MOBILE_PREFIXES)}{rng.randrange(10**8):08d}")

    def person_name(self) -> str:
        weights = range(len(names.SURNAMES), 0, -1)
        surname = self.rng.choices(names.SURNAMES, weights=weights)[0]
        size = 2 if self.rng.random() < 0.7 else 1
        return surname + "".join(self.rng.choices(names.GIVEN_CHARS, k=size))

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, (last - first).days))


def build_demo_district(seed: int = 2020) -> DemoDistrict:
    """Build the demo district; the same seed always gives the same data."""
    draw = _Draw(seed)
    subdistricts = tuple(_subdistrict(row) for row in names.SUBDISTRICT_ROWS)
    communities = tuple(c for row in names.SUBDISTRICT_ROWS for c in _communities(row))
    cells_by_community = {c.code: _cells(draw, c) for c in communities}
    organizations = _organizations(draw, subdistricts, communities, cells_by_community)
    members = tuple(m for org in organizations for m in _members(draw, org))
    cells = tuple(cell for cells in cells_by_community.values() for cell in cells)
    return DemoDistrict(COUNTY, subdistricts, communities, cells, organizations, members)


# Geography --------------------


def _subdistrict(row: tuple) -> Subdistrict:
    code, name_zh, pinyin, box, _ = row
    kind = "township" if name_zh.endswith("镇") else "street"
    name_en = f"{pinyin} {'Town' if kind == 'township' else 'Subdistrict'}"
    return Subdistrict(code, name_zh, name_en, kind, BBox(*box))


def _communities(row: tuple) -> list[Community]:
    code, _, _, box, community_names = row
    boxes = _split_box(BBox(*box), len(community_names))
    return [
        Community(_community_code(code, name, i), name, code, sub_box)
        for i, (name, sub_box) in enumerate(zip(community_names, boxes, strict=True), start=1)
    ]


def _community_code(subdistrict_code: str, name: str, index: int) -> str:
    # Statistical codes number residents' committees from 001 and villages from 200.
    return f"{subdistrict_code}{index + 200 if name.endswith('村') else index:03d}"


def _edges(low: float, high: float, parts: int) -> list[float]:
    return [round(low + (high - low) * i / parts, 6) for i in range(parts + 1)]


def _grid(box: BBox, rows: int, cols: int) -> list[BBox]:
    lats, lons = _edges(box.south, box.north, rows), _edges(box.west, box.east, cols)
    return [BBox(lons[c], lats[r], lons[c + 1], lats[r + 1]) for r in range(rows) for c in range(cols)]


def _split_box(box: BBox, parts: int) -> list[BBox]:
    """Tile a box with `parts` rectangles: one row, or two rows when there are four or more."""
    if parts < 4:
        return _grid(box, 1, parts)
    lats = _edges(box.south, box.north, 2)
    upper = parts // 2
    lower = BBox(box.west, lats[0], box.east, lats[1])
    top = BBox(box.west, lats[1], box.east, lats[2])
    return _grid(lower, 1, parts - upper) + _grid(top, 1, upper)


def _cells(draw: _Draw, community: Community) -> list[GridCell]:
    rows, cols = draw.rng.choice(CELL_GRIDS)
    return [
        GridCell(
            code=f"{community.code}-{number:02d}",
            name_zh=f"{community.name_zh}第{number}网格",
            community_code=community.code,
            polygon=(box.ring(),),
            grid_worker_name=draw.person_name(),
            grid_worker_mobile=draw.mobile(),
        )
        for number, box in enumerate(_grid(community.bbox, rows, cols), start=1)
    ]


def _point_in(draw: _Draw, box: BBox) -> tuple[float, float]:
    margin_lon, margin_lat = (box.east - box.west) / 10, (box.north - box.south) / 10
    lon = draw.rng.uniform(box.west + margin_lon, box.east - margin_lon)
    lat = draw.rng.uniform(box.south + margin_lat, box.north - margin_lat)
    return round(lon, 6), round(lat, 6)


# Organizations ----------------


def _organizations(
    draw: _Draw,
    subdistricts: tuple[Subdistrict, ...],
    communities: tuple[Community, ...],
    cells: dict[str, list[GridCell]],
) -> tuple[Organization, ...]:
    by_code = {s.code: s for s in subdistricts}
    orgs = []
    for index, community in enumerate(communities):
        neighbour = _neighbour(communities, index)
        for _ in range(draw.rng.randint(3, 7)):
            subdistrict = by_code[community.subdistrict_code]
            served = _served_cells(draw, cells[community.code], cells[neighbour.code])
            orgs.append(_organization(draw, subdistrict, community, served))
    return tuple(orgs)


def _neighbour(communities: tuple[Community, ...], index: int) -> Community:
    """The next community of the same subdistrict (or the previous one for the last)."""
    here, after = communities[index], communities[(index + 1) % len(communities)]
    return after if after.subdistrict_code == here.subdistrict_code else communities[index - 1]


def _served_cells(draw: _Draw, home: list[GridCell], next_door: list[GridCell]) -> tuple[str, ...]:
    count = draw.rng.randint(1, min(6, len(home)))
    chosen = [cell.code for cell in draw.rng.sample(home, count)]
    if draw.rng.random() < 0.15:
        chosen.append(draw.rng.choice(next_door).code)
    return tuple(sorted(chosen))


def _organization(draw: _Draw, subdistrict: Subdistrict, community: Community, served: tuple[str, ...]) -> Organization:
    name, profile = _org_identity(draw, subdistrict, community)
    status, managed_by, credit_code = _registration(draw)
    lon, lat = _point_in(draw, community.bbox)
    return Organization(
        name=name,
        status=status,
        managed_by=managed_by,
        credit_code=credit_code,
        community_code=community.code,
        served_cell_codes=served,
        base_lon=lon,
        base_lat=lat,
        skills=_org_skills(draw, profile),
        leader_name=draw.person_name(),
        leader_mobile=draw.mobile(),
        active=draw.rng.random() >= 0.03,
        founded_on=draw.day_between(date(2005, 1, 1), date(2024, 12, 31)),
    )


def _org_identity(draw: _Draw, subdistrict: Subdistrict, community: Community) -> tuple[str, tuple[str, ...]]:
    """A name not used yet and the skills its kind suggests.

    Terminates: each community has more kinds than organizations, and its own name is unique.
    """
    places = (community.name_zh, community.name_zh, subdistrict.name_zh)
    places += names.LANDMARKS[subdistrict.name_zh]
    while True:
        suffix, profile = draw.rng.choice(names.ORG_KINDS)
        name = draw.rng.choice(places) + suffix
        if name not in draw.used:
            draw.used.add(name)
            return name, profile


def _registration(draw: _Draw) -> tuple[str, str, str | None]:
    """Status (登记 / 备案 / 指导), who manages the organization, and its credit code if any."""
    roll = draw.rng.random()
    if roll < 0.30:
        return "registered", "county", _credit_code(draw)
    if roll < 0.75:
        code = _credit_code(draw) if draw.rng.random() < 0.15 else None
        return "filed", "subdistrict", code
    return "guided", "community", None


def _credit_code(draw: _Draw) -> str:
    kind = draw.rng.choice("19")
    return draw.unique(lambda: make_credit_code("5", kind, COUNTY.code, _organization_serial(draw)))


def _organization_serial(draw: _Draw) -> str:
    """A 9-character organization code: the MJ prefix of social organizations plus GB 11714 check."""
    body = "MJ" + f"{draw.rng.randrange(10**6):06d}"
    total = sum(int(ch, 36) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _org_skills(draw: _Draw, profile: tuple[str, ...]) -> tuple[OrgSkill, ...]:
    count = draw.rng.randint(1, min(4, len(profile)))
    chosen = (profile[0], *draw.rng.sample(profile[1:], count - 1))
    return tuple(OrgSkill(code, draw.rng.randint(2, 40)) for code in chosen)


# Members ----------------------


def _members(draw: _Draw, org: Organization) -> list[Member]:
    return [_member(draw, org) for _ in range(draw.rng.randint(4, 25))]


def _member(draw: _Draw, org: Organization) -> Member:
    skills = org.skill_codes
    chosen = tuple(draw.rng.sample(skills, draw.rng.randint(1, len(skills))))
    certificates = tuple(_certificate(draw, code) for code in chosen if code in CERTIFIED_SKILLS and draw.rng.random() < 0.6)
    return Member(draw.person_name(), draw.mobile(), org.name, chosen, certificates)


def _certificate(draw: _Draw, skill_code: str) -> Certificate:
    issuer, years = draw.rng.choice(names.CERTIFICATE_ISSUERS[skill_code])
    expires_on = REFERENCE_DATE + timedelta(days=_days_to_expiry(draw, years))
    issued_on = expires_on - timedelta(days=365 * years)
    return Certificate(skill_code, issuer, issued_on, expires_on)


def _days_to_expiry(draw: _Draw, years: int) -> int:
    """Mostly valid for a while yet; about one in eight expired, one in ten due within 30 days."""
    roll = draw.rng.random()
    if roll < 0.12:
        return -draw.rng.randint(1, 720)
    if roll < 0.22:
        return draw.rng.randint(0, 30)
    return draw.rng.randint(31, 365 * years - 1)
