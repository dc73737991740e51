"""The demo district's landmarks and roads are real names of 西湖区 placed inside the district's subdistricts."""

from __future__ import annotations

from shapely.geometry import Point, box
from shapely.ops import unary_union

from dispatch.demo.district import build_demo_district
from dispatch.demo.landmarks import LANDMARKS, landmark_rows
from geo.nearby import LandmarkKind

BOXES = {s.name_zh: box(s.bbox.west, s.bbox.south, s.bbox.east, s.bbox.north) for s in build_demo_district().subdistricts}
DISTRICT = unary_union(list(BOXES.values()))


def test_the_famous_places_and_main_roads_are_there():
    names = {m.name_zh for m in LANDMARKS}
    assert {"黄龙体育中心", "浙江大学玉泉校区", "西溪湿地", "杭州植物园", "西湖文化广场"} <= names
    assert {"文一西路", "文三路", "天目山路", "教工路", "学院路", "古墩路"} <= names
    assert {m.kind for m in LANDMARKS} == set(LandmarkKind)


def test_each_landmark_lies_in_its_subdistrict_and_each_road_inside_the_district():
    for landmark in LANDMARKS:
        assert BOXES[landmark.subdistrict_zh].covers(Point(landmark.point)), landmark.name_zh
        assert all(DISTRICT.covers(Point(vertex)) for vertex in landmark.course), landmark.name_zh


def test_names_are_unique_and_every_one_has_english():
    assert len({(m.kind, m.name_zh) for m in LANDMARKS}) == len(LANDMARKS)
    assert all(m.name_en for m in LANDMARKS)


def test_a_road_row_carries_its_course_and_a_landmark_row_none():
    rows = {row["name"]: row for row in landmark_rows()}
    assert rows["文一西路"]["kind"] == "road" and rows["文一西路"]["line"].count(";") == 2
    assert rows["西溪湿地"] == {
        "name": "西溪湿地", "name_en": "Xixi Wetland", "kind": "landmark", "lon": "120.065", "lat": "30.272", "line": "",
    }  # fmt: skip
