"""CAP 1.2 warnings (预警): one alert read from its XML bytes, and the shapes of its areas.

The national early-warning centre (国家预警信息发布中心) and the meteorological services publish warnings as
OASIS Common Alerting Protocol messages (the Chinese profile is GB/T 35965.1-2018). ``read_alert`` reads one
``<alert>`` in the CAP 1.2 namespace (1.1 is accepted too: its elements are the ones read here) and says what it
is, or raises ``InvalidAlert`` with every problem found and where, as ``info[1].area[1].polygon[1]`` (1-based, as
a person counts), each with a message code (``cap.*``).

The bytes come from outside, so they are read defensively: over ``MAX_BYTES`` they are refused unread, and
``defusedxml`` refuses any DTD (a CAP message has none), so entity bombs and external entities never expand.

CAP writes points as ``lat,lon``; everything here is (lon, lat), like the rest of the project.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree
import shapely
from shapely.geometry.base import BaseGeometry

from dispatch.domain.numbers import finite_number
from dispatch.domain.yaml_documents import visible_text
from geo.distance import EARTH_MEAN_RADIUS_M

MAX_BYTES = 1024 * 1024
MAX_NAME = 200  # an identifier or sender (a feed's run to 60 or so); the record keeps 200 characters
MAX_CIRCLE_KM = 500  # far past any warning a street office acts on; keeps the flat-earth circle honest
CIRCLE_VERTICES = 64
NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other")
_DECLARATION = re.compile(rb"\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DECLARATION_TEXT = re.compile(r"\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_INFO_REQUIRED = ("event", "urgency", "severity", "certainty")
_INFO_TEXTS = ("senderName", "headline", "description", "instruction")
_METRES_PER_DEGREE = math.pi * EARTH_MEAN_RADIUS_M / 180.0


class MsgType(str, Enum):
    ALERT = "Alert"
    UPDATE = "Update"  # replaces the alerts it references
    CANCEL = "Cancel"  # withdraws the alerts it references


class Status(str, Enum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"  # a drill's warning: acted on by the drill's participants only
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an alert: where (``info[1].area[1].polygon[1]``), a message code and its parameters."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class InvalidAlert(Exception):
    """The bytes are not an alert we can act on; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the alert")
        self.problems = problems


Point = tuple[float, float]  # (lon, lat)


@dataclass(frozen=True)
class CapArea:
    description: str
    polygons: tuple[tuple[Point, ...], ...]  # closed rings of (lon, lat)
    circles: tuple[tuple[Point, float], ...]  # ((lon, lat), radius in km)
    geocodes: tuple[tuple[str, str], ...]  # (valueName, value)


@dataclass(frozen=True)
class CapInfo:
    language: str
    event: str
    event_codes: tuple[tuple[str, str], ...]
    categories: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    effective: datetime | None
    onset: datetime | None
    expires: datetime | None
    sender_name: str
    headline: str
    description: str
    instruction: str
    parameters: tuple[tuple[str, str], ...]
    areas: tuple[CapArea, ...]


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    scope: str
    references: tuple[tuple[str, str, datetime], ...]  # (sender, identifier, sent) of the alerts it updates or cancels
    infos: tuple[CapInfo, ...]

    @property
    def info(self) -> CapInfo | None:
        """The info block to act on: the first in Chinese, else the first (a Cancel may have none)."""
        chinese = [info for info in self.infos if info.language.lower().startswith("zh")]
        return (chinese or list(self.infos) or [None])[0]


def read_alert(data: bytes) -> CapAlert:
    """The alert in CAP XML bytes, or InvalidAlert with every problem found."""
    if len(data) > MAX_BYTES:
        raise InvalidAlert([Problem("alert", "cap.too_large", {"limit": MAX_BYTES})])
    root = _root(data)
    reader = _Reader(root.tag.partition("}")[0].lstrip("{"))
    alert = reader.alert(root)
    if reader.problems or alert is None:
        raise InvalidAlert(reader.problems)
    return alert


def area_shapes(area: CapArea) -> list[BaseGeometry]:
    """The area's polygons and circles as shapely geometries in (lon, lat) degrees.

    A circle becomes a polygon of ``CIRCLE_VERTICES`` points on the ground, placed with a local equirectangular
    approximation around its centre (metres per degree of the mean-radius sphere, longitude scaled by the cosine
    of latitude): at city scale its radius is off by well under 1 %. A circle of radius 0 is its centre, a point.
    """
    polygons = [shapely.Polygon(ring) for ring in area.polygons]
    return polygons + [_circle(centre, radius_km) for centre, radius_km in area.circles]


def _circle(centre: Point, radius_km: float) -> BaseGeometry:
    lon, lat = centre
    if radius_km == 0:
        return shapely.Point(lon, lat)
    radius_deg = radius_km * 1000.0 / _METRES_PER_DEGREE
    scale = math.cos(math.radians(lat))
    angles = [2.0 * math.pi * k / CIRCLE_VERTICES for k in range(CIRCLE_VERTICES)]
    return shapely.Polygon([(lon + radius_deg * math.sin(a) / scale, lat + radius_deg * math.cos(a)) for a in angles])


def _root(data: bytes) -> Element:
    try:
        root = defusedxml.ElementTree.fromstring(_as_utf8(data), forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise InvalidAlert([Problem("alert", "cap.entities")]) from None
    except ParseError as exc:
        line, column = exc.position
        raise InvalidAlert([Problem("alert", "cap.not_xml", {"line": line, "column": column + 1})]) from None
    except UnicodeDecodeError as exc:
        line, column = data.count(b"\n", 0, exc.start) + 1, exc.start - data.rfind(b"\n", 0, exc.start)
        raise InvalidAlert([Problem("alert", "cap.not_xml", {"line": line, "column": column})]) from None
    except (ValueError, LookupError):  # expat refuses multi-byte encodings it does not know (Big5 …), and made-up names
        raise InvalidAlert([Problem("alert", "cap.encoding", {"encoding": _declared(data) or "?"})]) from None
    namespace, _, name = root.tag.rpartition("}")
    if name != "alert" or namespace.lstrip("{") not in NAMESPACES:
        raise InvalidAlert([Problem("alert", "cap.not_cap", {"root": root.tag})])
    return root


def _declared(data: bytes) -> str | None:
    match = _DECLARATION.match(data)
    return match.group(1).decode("ascii") if match else None


def _as_utf8(data: bytes) -> bytes:
    """The bytes as expat can read them: it knows UTF-8, UTF-16 and Latin-1 but no Chinese encoding, so a feed
    declared GB2312, GBK or GB18030 (the last a superset of the others) is decoded here and declared UTF-8."""
    if (_declared(data) or "").lower() not in ("gb2312", "gbk", "gb18030"):
        return data
    text = data.decode("gb18030")
    return _DECLARATION_TEXT.sub(lambda match: match.group(0).replace(match.group(1), "UTF-8"), text, count=1).encode()


def parse_time(text: str) -> datetime | None:
    """A CAP date-time (``2026-07-28T10:30:00+08:00``) as an aware datetime; None without its offset or unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class _Reader:
    """Walks the alert's elements, collecting problems as it goes; every lookup is in the root's namespace."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.problems: list[Problem] = []

    def problem(self, where: str, code: str, **params: Any) -> None:
        self.problems.append(Problem(where, code, params))

    def children(self, element: Element, name: str) -> list[Element]:
        return element.findall(f"{{{self.ns}}}{name}")

    def text(self, element: Element, name: str, where: str = "", required: bool = False) -> str:
        child = element.find(f"{{{self.ns}}}{name}")
        value = visible_text(child.text or "") if child is not None else ""  # zero-width spaces alone say nothing
        if required and not value:
            self.problem(f"{where}{name}", "cap.missing", element=name)
        return value

    def time(self, element: Element, name: str, where: str = "", required: bool = False) -> datetime | None:
        text = self.text(element, name, where, required)
        moment = parse_time(text) if text else None
        if text and moment is None:
            self.problem(f"{where}{name}", "cap.bad_time", value=text)
        return moment

    def choice(self, element: Element, name: str, enum: type[Enum]) -> Any:
        text = self.text(element, name, required=True)
        try:
            return enum(text) if text else None
        except ValueError:
            self.problem(name, "cap.bad_value", element=name, value=text, allowed=", ".join(m.value for m in enum))
            return None

    def pairs(self, element: Element, name: str) -> tuple[tuple[str, str], ...]:
        """The (valueName, value) pairs of the repeated ``name`` elements (eventCode, parameter, geocode)."""
        return tuple((self.text(child, "valueName"), self.text(child, "value")) for child in self.children(element, name))

    def alert(self, root: Element) -> CapAlert | None:
        identifier, sender = self.text(root, "identifier", required=True), self.text(root, "sender", required=True)
        for name, value in (("identifier", identifier), ("sender", sender)):
            if len(value) > MAX_NAME:
                self.problem(name, "cap.too_long", element=name, most=MAX_NAME, length=len(value))
        sent = self.time(root, "sent", required=True)
        status, msg_type = self.choice(root, "status", Status), self.choice(root, "msgType", MsgType)
        scope = self.text(root, "scope", required=True)
        references = self.references(root, msg_type)
        infos = tuple(self.info(element, f"info[{n}].") for n, element in enumerate(self.children(root, "info"), 1))
        if not infos and msg_type is not MsgType.CANCEL:
            self.problem("info", "cap.no_info")
        alert = CapAlert(identifier, sender, sent, status, msg_type, scope, references, infos)
        self.check_area(alert)
        return None if self.problems else alert

    def references(self, root: Element, msg_type: MsgType | None) -> tuple[tuple[str, str, datetime], ...]:
        text = self.text(root, "references")
        if not text and msg_type in (MsgType.UPDATE, MsgType.CANCEL):
            self.problem("references", "cap.cancel_without_reference", msg_type=msg_type.value)
        found = []
        for number, triple in enumerate(text.split(), 1):
            parts = triple.split(",")
            sent = parse_time(parts[2]) if len(parts) == 3 else None
            if sent is None or not parts[0] or not parts[1]:
                self.problem(f"references[{number}]", "cap.bad_reference", value=triple)
            else:
                found.append((parts[0], parts[1], sent))
        return tuple(found)

    def info(self, element: Element, where: str) -> CapInfo:
        categories = tuple(self.category(child, f"{where}category") for child in self.children(element, "category"))
        if not categories:
            self.problem(f"{where}category", "cap.missing", element="category")
        event, urgency, severity, certainty = (self.text(element, name, where, required=True) for name in _INFO_REQUIRED)
        times = [self.time(element, name, where) for name in ("effective", "onset", "expires")]
        sender_name, headline, description, instruction = (self.text(element, name) for name in _INFO_TEXTS)
        areas = tuple(self.area(area, f"{where}area[{n}].") for n, area in enumerate(self.children(element, "area"), 1))
        language = self.text(element, "language") or "en-US"  # CAP's default
        return CapInfo(
            language,
            event,
            self.pairs(element, "eventCode"),
            categories,
            urgency,
            severity,
            certainty,
            *times,
            sender_name,
            headline,
            description,
            instruction,
            self.pairs(element, "parameter"),
            areas,
        )

    def category(self, element: Element, where: str) -> str:
        value = (element.text or "").strip()
        if value not in CATEGORIES:
            self.problem(where, "cap.bad_value", element="category", value=value, allowed=", ".join(CATEGORIES))
        return value

    def check_area(self, alert: CapAlert) -> None:
        """The info acted on must say where, unless the alert only withdraws others."""
        info = alert.info
        if info is not None and not info.areas and alert.msg_type is not MsgType.CANCEL:
            self.problem(f"info[{alert.infos.index(info) + 1}].area", "cap.no_area")

    def area(self, element: Element, where: str) -> CapArea:
        polygons = [self.polygon(child, f"{where}polygon[{n}]") for n, child in enumerate(self.children(element, "polygon"), 1)]
        circles = [self.circle(child, f"{where}circle[{n}]") for n, child in enumerate(self.children(element, "circle"), 1)]
        return CapArea(
            self.text(element, "areaDesc", where, required=True),
            tuple(ring for ring in polygons if ring is not None),
            tuple(circle for circle in circles if circle is not None),
            self.pairs(element, "geocode"),
        )

    def polygon(self, element: Element, where: str) -> tuple[Point, ...] | None:
        points = [_point(pair) for pair in (element.text or "").split()]
        reason = _ring_problem(points)
        if reason is not None:
            self.problem(where, "cap.bad_polygon", reason=reason, points=len(points))
            return None
        return tuple(points)

    def circle(self, element: Element, where: str) -> tuple[Point, float] | None:
        centre, radius = _circle_parts(element.text or "")
        if centre is None or radius is None or not 0.0 <= radius <= MAX_CIRCLE_KM:
            self.problem(where, "cap.bad_circle", value=(element.text or "").strip(), max_km=MAX_CIRCLE_KM)
            return None
        return centre, radius


def _point(pair: str) -> Point | None:
    """(lon, lat) from CAP's ``lat,lon``; None when it is not two numbers."""
    parts = pair.split(",")
    numbers = [finite_number(part) for part in parts] if len(parts) == 2 else [None]
    if None in numbers:
        return None
    lat, lon = numbers
    return lon, lat


def _on_earth(point: Point) -> bool:
    lon, lat = point
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def _ring_problem(points: list[Point | None]) -> str | None:
    """Why the points are not a usable ring (a word for the logs; the message states the rule), or None."""
    if None in points:
        return "not_numbers"
    if not all(_on_earth(point) for point in points):
        return "out_of_range"  # often a ring written lon,lat: Hangzhou's 120 is no latitude
    if len(points) < 4:
        return "too_few_points"
    if points[0] != points[-1]:
        return "not_closed"
    if not shapely.Polygon(points).is_valid:
        return "crosses_itself"
    return None


def _circle_parts(text: str) -> tuple[Point | None, float | None]:
    """The centre and radius (km) of CAP's ``lat,lon radius``; None for either that is unreadable or off the Earth."""
    parts = text.split()
    if len(parts) != 2:
        return None, None
    centre = _point(parts[0])
    return (centre if centre is not None and _on_earth(centre) else None), finite_number(parts[1])
