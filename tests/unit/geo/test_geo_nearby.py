"""A point is named as a local person would: community · grid cell, then the landmark or road it is near."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from geo.cells import Cell, GridIndex
from geo.gazetteer import Place
from geo.nearby import FAR_M, NEAR_M, PlaceNamer

# One degree of latitude is about 111 km; at 30.3° N one degree of longitude is about 96 km.
M_PER_DEG_LAT = 111_320.0
CELLS = GridIndex(
    [Cell(3, box(120.100, 30.280, 120.110, 30.290), community_id=12), Cell(4, box(120.110, 30.280, 120.120, 30.290))]
)
NAMES = [
    Place("第3网格", 120.105, 30.285, "grid_cell", 3),
    Place("翠苑一区", 120.105, 30.285, "community", 12, "Cuiyuan 1st"),
    Place("第4网格", 120.115, 30.285, "grid_cell", 4),
]
# 文一西路 runs east-west along 30.2850; 黄龙体育中心 is a point to the east.
WENYI = Place("文一西路", 120.100, 30.285, "road", 1, "Wenyi West Road", ((120.090, 30.285), (120.120, 30.285)))
HUANGLONG = Place("黄龙体育中心", 120.140, 30.270, "landmark", 2, "Huanglong Sports Centre")


def namer(*landmarks: Place) -> PlaceNamer:
    return PlaceNamer(CELLS, [*NAMES, *landmarks])


def test_a_point_near_a_road_is_named_by_its_community_cell_and_the_road():
    name = namer(WENYI, HUANGLONG).describe(120.104, 30.2855)
    assert name.zh == "翠苑一区 · 第3网格，文一西路附近"
    assert name.en == "Cuiyuan 1st · 第3网格, near Wenyi West Road"


def test_a_road_is_near_along_its_whole_line_not_only_at_its_point():
    # 1.4 km east of the road's named point, but 55 m from the line itself.
    assert namer(WENYI).describe(120.1145, 30.2855).zh == "第4网格，文一西路附近"


def test_the_nearest_of_a_landmark_and_a_road_wins():
    near_the_stadium = (120.1395, 30.2705)
    assert namer(WENYI, HUANGLONG).describe(*near_the_stadium).zh == "黄龙体育中心附近"


def test_farther_than_near_the_place_is_given_by_direction_and_distance():
    lat = 30.270 + 1_200 / M_PER_DEG_LAT  # 1.2 km due north of the stadium
    name = namer(HUANGLONG).describe(120.140, lat)
    assert name.zh == "黄龙体育中心北约1.2公里"
    assert name.en == "1.2 km N of Huanglong Sports Centre"


@pytest.mark.parametrize(
    ("d_lon", "d_lat", "zh", "en"),
    [
        (0.01, 0.01, "东北", "NE"),
        (0.01, 0, "东", "E"),
        (0, -0.01, "南", "S"),
        (-0.01, -0.01, "西南", "SW"),
        (-0.01, 0, "西", "W"),
    ],
)
def test_the_direction_is_from_the_landmark_to_the_point(d_lon, d_lat, zh, en):
    name = namer(HUANGLONG).describe(120.140 + d_lon, 30.270 + d_lat)
    assert name.zh.startswith(f"黄龙体育中心{zh}约") and f" km {en} of Huanglong" in name.en


def test_a_landmark_beyond_reach_says_nothing():
    lat = 30.270 + (FAR_M + 100) / M_PER_DEG_LAT
    assert namer(HUANGLONG).describe(120.140, lat).zh == ""


def test_just_within_near_is_near():
    lat = 30.270 + (NEAR_M - 5) / M_PER_DEG_LAT
    assert namer(HUANGLONG).describe(120.140, lat).zh == "黄龙体育中心附近"


def test_with_no_landmark_known_the_cell_alone_names_the_point():
    assert namer().describe(120.105, 30.288).zh == "翠苑一区 · 第3网格"


def test_outside_every_cell_and_landmark_nothing_is_known():
    name = namer().describe(121.0, 31.0)
    assert (name.zh, name.en) == ("", "")


def test_english_falls_back_to_chinese_names():
    place = Place("西溪湿地", 120.105, 30.289, "landmark", 5)
    assert namer(place).describe(120.105, 30.2885).en == "Cuiyuan 1st · 第3网格, near 西溪湿地"


def test_the_label_follows_the_reader():
    name = namer(WENYI).describe(120.104, 30.2855)
    assert name.label("zh") == name.zh and name.label("en") == name.en


@pytest.mark.parametrize(
    ("community", "cell", "named"),
    [
        ("翠苑一区社区", "翠苑一区社区第3网格", "翠苑一区 · 第3网格"),
        ("翠苑一区社区", "翠苑一区第3网格", "翠苑一区 · 第3网格"),
        ("村口村", "村口村第2网格", "村口村 · 第2网格"),
        ("翠苑一区社区", "文一西路网格", "翠苑一区 · 文一西路网格"),
        ("社区", "社区", "社区 · 社区"),  # nothing would be left: the names stay as they are
    ],
)
def test_the_area_is_said_as_briefly_as_people_say_it(community, cell, named):
    places = [Place(cell, 120.105, 30.285, "grid_cell", 3), Place(community, 120.105, 30.285, "community", 12)]
    assert PlaceNamer(CELLS, places).describe(120.105, 30.285).zh == named


def test_among_fifty_thousand_landmarks_the_near_one_is_found_at_once():
    import time

    far_away = [Place(f"远处{n}", 121.0 + n * 1e-5, 31.0, "landmark", 100 + n) for n in range(50_000)]
    many = namer(*far_away, WENYI)
    started = time.perf_counter()
    name = many.describe(120.104, 30.2855)
    assert name.zh == "翠苑一区 · 第3网格，文一西路附近"
    assert time.perf_counter() - started < 0.05  # only what lies within reach is measured
