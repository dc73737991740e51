"""CAP 1.2 warnings read from their XML: what an alert says, where it applies, and every problem when it is wrong."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import shapely

from dispatch.domain.plans.cap import (
    MAX_BYTES,
    CapAlert,
    InvalidAlert,
    MsgType,
    Status,
    area_shapes,
    read_alert,
)
from geo.distance import geodesic_m

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
CAP_12 = "urn:oasis:names:tc:emergency:cap:1.2"
BEIJING = timezone(timedelta(hours=8))
XIHU_RING = "30.20,120.05 30.20,120.20 30.32,120.20 30.32,120.08 30.26,120.05 30.20,120.05"
FIRST_REFERENCE = "33010041600000,33010041600000_20260914103000_0,2026-09-14T10:30:00+08:00"
FIRST = ("33010041600000", "33010041600000_20260914103000_0", datetime(2026, 9, 14, 10, 30, tzinfo=BEIJING))
UPDATE = ("33010041600000", "33010041600000_20260914160000_0", datetime(2026, 9, 14, 16, 0, tzinfo=BEIJING))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def elements(fields: dict[str, str | None]) -> str:
    """CAP elements in the order given; a field set to None is left out."""
    return "".join(f"<{name}>{value}</{name}>" for name, value in fields.items() if value is not None)


def make_area(description: str | None = "杭州市西湖区", polygons=(XIHU_RING,), circles=(), geocodes=()) -> str:
    shapes = "".join(f"<polygon>{ring}</polygon>" for ring in polygons) + "".join(f"<circle>{c}</circle>" for c in circles)
    codes = "".join(f"<geocode><valueName>{name}</valueName><value>{value}</value></geocode>" for name, value in geocodes)
    return f"<area>{elements({'areaDesc': description})}{shapes}{codes}</area>"


def make_info(areas=None, **fields: str | None) -> str:
    defaults = {
        "language": "zh-CN",
        "category": "Met",
        "event": "台风",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "expires": "2026-09-15T10:30:00+08:00",
        "headline": "杭州市气象台发布台风橙色预警",
    }
    return f"<info>{elements(defaults | fields)}{''.join(areas if areas is not None else [make_area()])}</info>"


def make_alert(infos=None, namespace: str = CAP_12, **fields: str | None) -> bytes:
    defaults = {
        "identifier": "33010041600000_20260914103000_0",
        "sender": "33010041600000",
        "sent": "2026-09-14T10:30:00+08:00",
        "status": "Actual",
        "msgType": "Alert",
        "scope": "Public",
    }
    body = elements(defaults | fields) + "".join(infos if infos is not None else [make_info()])
    return f'<?xml version="1.0" encoding="UTF-8"?><alert xmlns="{namespace}">{body}</alert>'.encode()


def problems(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(InvalidAlert) as caught:
        read_alert(data)
    return [(problem.field, problem.code) for problem in caught.value.problems]


def only_problem(data: bytes):
    with pytest.raises(InvalidAlert) as caught:
        read_alert(data)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def test_the_orange_typhoon_warning_for_xihu_reads_as_the_observatory_wrote_it():
    alert = read_alert(fixture("typhoon-xihu-orange.xml"))

    assert (alert.sender, alert.identifier, alert.sent) == FIRST
    assert alert.sent == datetime(2026, 9, 14, 2, 30, tzinfo=UTC)
    assert alert.sent.utcoffset() == timedelta(hours=8)
    assert (alert.status, alert.msg_type, alert.scope, alert.references) == (Status.ACTUAL, MsgType.ALERT, "Public", ())
    info = alert.info
    assert info.language == "zh-CN" and info.headline == "杭州市气象台发布台风橙色预警[Ⅱ级/严重]"
    assert (info.event, info.categories, info.event_codes) == ("台风", ("Met",), (("预警事件类型", "11B01"),))
    assert (info.urgency, info.severity, info.certainty) == ("Expected", "Severe", "Likely")
    assert info.onset == datetime(2026, 9, 14, 18, 0, tzinfo=BEIJING)
    assert info.expires - info.effective == timedelta(days=1)
    assert info.sender_name == "杭州市气象台" and info.instruction.startswith("停止室内外大型集会")
    assert info.parameters == (("台风编号", "2614"),)
    assert [(area.description, area.geocodes) for area in info.areas] == [("杭州市西湖区", (("行政区划代码", "330106"),))]


def test_the_chinese_info_block_is_the_one_acted_on_wherever_it_stands():
    english, chinese = make_info(language="en-US", event="Typhoon"), make_info(language="zh-CN", event="台风")
    assert read_alert(make_alert(infos=[english, chinese])).info.event == "台风"
    assert read_alert(make_alert(infos=[chinese, english])).info.event == "台风"
    assert read_alert(make_alert(infos=[english, make_info(language="fr-FR", event="Typhon")])).info.event == "Typhoon"
    assert read_alert(make_alert(infos=[make_info(language=None)])).info.language == "en-US"  # CAP's default


def test_polygons_are_kept_as_lon_lat_although_cap_writes_lat_lon():
    area = read_alert(fixture("typhoon-xihu-orange.xml")).info.areas[0]

    assert area.polygons[0][:2] == ((120.05, 30.20), (120.20, 30.20))
    (shape,) = area_shapes(area)
    assert shape.bounds == (120.05, 30.20, 120.20, 30.32)
    assert shape.contains(shapely.Point(120.13, 30.26))  # 西溪街道
    assert not shape.contains(shapely.Point(30.26, 120.13))


def test_a_ring_written_lon_lat_is_refused_rather_than_put_in_the_indian_ocean():
    swapped = "120.05,30.20 120.20,30.20 120.20,30.32 120.05,30.20"
    problem = only_problem(make_alert(infos=[make_info(areas=[make_area(polygons=[swapped])])]))

    assert (problem.field, problem.code) == ("info[1].area[1].polygon[1]", "cap.bad_polygon")
    assert problem.params["reason"] == "out_of_range"


@pytest.mark.parametrize(
    ("ring", "reason"),
    [
        ("30.20,120.05 30.20,120.20 30.20,120.05", "too_few_points"),
        ("30.20,120.05 30.20,120.20 30.32,120.20 30.32,120.05", "not_closed"),
        ("30.20,120.05 30.20,东经120.2 30.32,120.20 30.20,120.05", "not_numbers"),
        ("30.20,120.05 30.20 30.32,120.20 30.20,120.05", "not_numbers"),
        ("30.20,120.05 30.20,nan 30.32,120.20 30.20,120.05", "not_numbers"),
        ("30.20,120.05 95.0,120.20 30.32,120.20 30.20,120.05", "out_of_range"),
        ("30.20,120.05 30.32,120.20 30.20,120.20 30.32,120.05 30.20,120.05", "crosses_itself"),
    ],
)
def test_a_polygon_that_is_no_closed_ring_on_the_earth_is_refused(ring: str, reason: str):
    problem = only_problem(make_alert(infos=[make_info(areas=[make_area(polygons=[XIHU_RING, ring])])]))

    assert (problem.field, problem.code, problem.params["reason"]) == ("info[1].area[1].polygon[2]", "cap.bad_polygon", reason)


def test_a_circle_is_kept_as_its_centre_and_radius_and_drawn_on_the_ground():
    area = read_alert(make_alert(infos=[make_info(areas=[make_area(polygons=[], circles=["30.26,120.13 10"])])])).info.areas[0]

    assert area.circles == (((120.13, 30.26), 10.0),)
    (circle,) = area_shapes(area)
    ring = list(circle.exterior.coords)
    distances = [geodesic_m(120.13, 30.26, lon, lat) for lon, lat in ring]
    assert all(abs(d - 10_000) < 50 for d in distances)  # within 0.5 % on the ground, east-west as north-south
    assert circle.contains(shapely.Point(120.13, 30.26))
    assert not circle.contains(shapely.Point(120.13 + 0.095 / math.cos(math.radians(30.26)), 30.26))  # about 10.6 km east


def test_a_circle_of_radius_zero_is_its_centre():
    area = read_alert(make_alert(infos=[make_info(areas=[make_area(polygons=[], circles=["30.26,120.13 0"])])])).info.areas[0]

    assert area_shapes(area) == [shapely.Point(120.13, 30.26)]


@pytest.mark.parametrize(
    "circle", ["30.26,120.13", "30.26,120.13 -1", "30.26,120.13 十", "120.13,30.26 5", "30.26,120.13 600", "30.26 10"]
)
def test_a_circle_without_a_centre_on_the_earth_and_a_sane_radius_is_refused(circle: str):
    problem = only_problem(make_alert(infos=[make_info(areas=[make_area(circles=[circle])])]))

    assert (problem.field, problem.code) == ("info[1].area[1].circle[1]", "cap.bad_circle")


def test_a_warning_with_only_a_place_description_and_geocodes_is_read_without_shapes():
    area = read_alert(fixture("rainstorm-areadesc.xml")).info.areas[0]

    assert area.description == "西湖区西溪街道、北山街道"
    assert (area.polygons, area.circles) == ((), ())
    assert [value for _, value in area.geocodes] == ["330106004000", "330106001000"]
    assert area_shapes(area) == []


def test_an_update_names_the_warning_it_replaces():
    alert = read_alert(fixture("typhoon-xihu-update.xml"))

    assert (alert.msg_type, alert.references) == (MsgType.UPDATE, (FIRST,))
    assert alert.info.severity == "Extreme"


def test_a_cancel_names_every_warning_it_withdraws_and_needs_no_area():
    alert = read_alert(fixture("typhoon-xihu-cancel.xml"))

    assert (alert.msg_type, alert.references) == (MsgType.CANCEL, (FIRST, UPDATE))
    assert alert.info.areas == ()


def test_a_cancel_may_come_without_any_info():
    alert = read_alert(make_alert(infos=[], msgType="Cancel", references=FIRST_REFERENCE))

    assert isinstance(alert, CapAlert) and alert.infos == () and alert.info is None


@pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
def test_an_update_or_cancel_that_names_no_warning_is_refused(msg_type: str):
    problem = only_problem(make_alert(msgType=msg_type))

    assert (problem.field, problem.code, problem.params) == ("references", "cap.cancel_without_reference", {"msg_type": msg_type})


@pytest.mark.parametrize(
    "triple",
    ["33010041600000,33010041600000_20260914103000_0", "33010041600000,,2026-09-14T10:30:00+08:00", "a,b,2026-09-14T10:30:00"],
)
def test_a_reference_that_is_not_sender_identifier_and_sent_is_refused(triple: str):
    assert problems(make_alert(msgType="Update", references=f"{FIRST_REFERENCE} {triple}")) == [
        ("references[2]", "cap.bad_reference")
    ]


def test_an_alert_without_info_is_refused():
    assert problems(make_alert(infos=[])) == [("info", "cap.no_info")]


def test_an_alert_that_says_nowhere_is_refused_unless_it_cancels():
    assert problems(fixture("no-area.xml")) == [("info[1].area", "cap.no_area")]
    cancel = make_alert(infos=[make_info(areas=[])], msgType="Cancel", references=FIRST_REFERENCE)
    assert read_alert(cancel).info.areas == ()


def test_every_missing_element_is_reported_not_only_the_first():
    data = make_alert(
        infos=[make_info(event=None, certainty="", areas=[make_area(description=None)]), make_info(category=None)],
        identifier=None,
        scope=None,
    )

    assert problems(data) == [
        ("identifier", "cap.missing"),
        ("scope", "cap.missing"),
        ("info[1].event", "cap.missing"),
        ("info[1].certainty", "cap.missing"),
        ("info[1].area[1].areaDesc", "cap.missing"),
        ("info[2].category", "cap.missing"),
    ]


def test_times_without_their_utc_offset_or_unreadable_are_refused():
    data = make_alert(infos=[make_info(expires="明天上午")], sent="2026-09-14T10:30:00")

    assert problems(data) == [("sent", "cap.bad_time"), ("info[1].expires", "cap.bad_time")]


def test_values_outside_caps_lists_are_refused():
    data = make_alert(infos=[make_info(category="Weather")], msgType="Ack", status="Real")

    assert problems(data) == [("status", "cap.bad_value"), ("msgType", "cap.bad_value"), ("info[1].category", "cap.bad_value")]


@pytest.mark.parametrize("encoding", ["GB18030", "GBK", "gb2312"])
def test_a_warning_in_a_chinese_encoding_reads_the_same_as_in_utf_8(encoding: str):
    text = fixture("rainstorm-areadesc.xml").decode()

    alert = read_alert(text.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding))
    assert alert == read_alert(fixture("rainstorm-areadesc.xml"))


def test_an_encoding_that_cannot_be_read_is_named():
    problem = only_problem(b'<?xml version="1.0" encoding="Big5"?><alert/>')
    assert (problem.code, problem.params) == ("cap.encoding", {"encoding": "Big5"})


def test_bytes_that_are_not_in_their_declared_encoding_are_refused_with_where():
    problem = only_problem(b'<?xml version="1.0" encoding="GBK"?>\n<alert>\n  <x>\x81 </x></alert>')
    assert (problem.code, problem.params) == ("cap.not_xml", {"line": 3, "column": 6})


def test_a_cap_1_1_alert_is_read_too():
    assert read_alert(make_alert(namespace="urn:oasis:names:tc:emergency:cap:1.1")).info.event == "台风"


def test_an_entity_bomb_is_refused_quickly_without_expanding():
    started = time.perf_counter()
    assert problems(fixture("billion-laughs.xml")) == [("alert", "cap.entities")]
    assert time.perf_counter() - started < 0.5


def test_an_external_entity_is_refused_and_nothing_is_read_from_disk():
    problem = only_problem(fixture("external-entity.xml"))

    assert (problem.code, problem.params) == ("cap.entities", {})


def test_any_document_type_declaration_is_refused_since_cap_has_none():
    data = make_alert().replace(b"<alert", b"<!DOCTYPE alert><alert")

    assert problems(data) == [("alert", "cap.entities")]


def test_broken_xml_is_refused_with_where_it_breaks():
    problem = only_problem(fixture("malformed.xml"))

    assert (problem.code, problem.params) == ("cap.not_xml", {"line": 17, "column": 1})
    assert problems(b"") == [("alert", "cap.not_xml")]


@pytest.mark.parametrize(
    "data",
    [
        fixture("not-cap.xml"),
        make_alert(namespace="urn:example:alerts"),
        make_alert().replace(f' xmlns="{CAP_12}"'.encode(), b""),
    ],
)
def test_xml_that_is_not_a_cap_alert_is_refused(data: bytes):
    assert problems(data) == [("alert", "cap.not_cap")]


def test_anything_over_a_megabyte_is_refused_before_it_is_parsed():
    padded = make_alert().replace(b"<alert", b"<!--" + b"x" * MAX_BYTES + b"--><alert")
    broken = b"<" * (MAX_BYTES + 1)

    assert only_problem(padded).params == {"limit": MAX_BYTES}
    assert problems(broken) == [("alert", "cap.too_large")]
    assert read_alert(make_alert()).identifier  # the same alert, small, is fine


def test_text_made_of_invisible_characters_says_nothing():
    blank = "\u200b\u2060\ufeff\u3000 "
    alert = read_alert(make_alert(infos=[make_info(headline=blank, senderName=f"{blank}杭州市气象台{blank}")]))
    assert (alert.info.headline, alert.info.sender_name) == ("", "杭州市气象台")
    assert problems(make_alert(identifier=blank)) == [("identifier", "cap.missing")]


def test_an_identifier_or_sender_longer_than_200_characters_is_refused():
    found = only_problem(make_alert(identifier="X" * 5000))
    assert (found.field, found.code, found.params["most"], found.params["length"]) == ("identifier", "cap.too_long", 200, 5000)
    assert problems(make_alert(sender="S" * 201)) == [("sender", "cap.too_long")]
    assert read_alert(make_alert(identifier="X" * 200)).identifier == "X" * 200
