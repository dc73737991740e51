from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.geojson import check_point, check_polygons, to_geojson

# A 0.01 degree square near West Lake, counter-clockwise and closed (RFC 7946).
SQUARE = [[120.10, 30.20], [120.11, 30.20], [120.11, 30.21], [120.10, 30.21], [120.10, 30.20]]
HOLE = [[120.103, 30.203], [120.103, 30.207], [120.107, 30.207], [120.107, 30.203], [120.103, 30.203]]


def tiny_area(ring) -> float:
    return Polygon(ring).area


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def feature(geometry, **properties):
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def only_error(data) -> tuple[int | None, str]:
    result = check_polygons(data)
    assert not result.features
    assert len(result.errors) == 1
    return result.errors[0].index, result.errors[0].code


def test_accepts_a_clean_polygon_without_repairs():
    result = check_polygons(feature(polygon(SQUARE), name="宝石社区"))
    assert result.ok
    [checked] = result.features
    assert checked.index == 0
    assert checked.repairs == []
    assert checked.properties == {"name": "宝石社区"}
    assert checked.geometry.equals(Polygon(SQUARE))


def test_accepts_polygon_with_hole_and_keeps_it():
    [checked] = check_polygons(polygon(SQUARE, HOLE)).features
    assert len(checked.geometry.interiors) == 1
    assert not checked.geometry.contains(shapely.Point(120.105, 30.205))
    assert checked.geometry.contains(shapely.Point(120.101, 30.201))


def test_accepts_multipolygon_from_json_text():
    far_square = [[x + 0.05, y] for x, y in SQUARE]
    text = json.dumps({"type": "MultiPolygon", "coordinates": [[SQUARE], [far_square]]})
    [checked] = check_polygons(text).features
    assert isinstance(checked.geometry, MultiPolygon)
    assert len(checked.geometry.geoms) == 2


def test_repairs_clockwise_rings():
    clockwise = list(reversed(SQUARE))
    [checked] = check_polygons(polygon(clockwise, HOLE)).features
    assert "reoriented" in checked.repairs
    assert checked.geometry.exterior.is_ccw
    assert not checked.geometry.interiors[0].is_ccw


def test_repairs_unclosed_ring():
    [checked] = check_polygons(polygon(SQUARE[:-1])).features
    assert checked.repairs == ["closed_ring"]
    assert checked.geometry.equals(Polygon(SQUARE))


def test_repairs_bowtie_into_multipolygon():
    bowtie = [[120.10, 30.20], [120.11, 30.21], [120.11, 30.20], [120.10, 30.21], [120.10, 30.20]]
    [checked] = check_polygons(polygon(bowtie)).features
    assert checked.repairs == ["made_valid"]
    assert isinstance(checked.geometry, MultiPolygon)
    assert checked.geometry.is_valid
    assert checked.geometry.area == pytest.approx(0.00005)


def test_collection_reports_each_feature_by_index():
    result = check_polygons(
        collection(
            feature(polygon(SQUARE)),
            feature({"type": "Point", "coordinates": [120.1, 30.2]}),
            feature(polygon([[lat, lon] for lon, lat in SQUARE])),
        )
    )
    assert [f.index for f in result.features] == [0]
    assert [(e.index, e.code) for e in result.errors] == [(1, "not_a_polygon"), (2, "coordinates_swapped")]
    assert not result.ok
    assert result.union().equals(Polygon(SQUARE))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"type": "Polygon", ', (None, "malformed_json")),
        ({"type": "Topology"}, (None, "not_geojson")),
        ([1, 2], (None, "not_geojson")),
        ({"type": "FeatureCollection"}, (None, "not_geojson")),
        (collection({"type": "Polygon"}), (0, "not_geojson")),
        (feature({"type": "LineString", "coordinates": [[120.1, 30.2], [120.2, 30.3]]}), (0, "not_a_polygon")),
        (feature(None), (0, "empty_geometry")),
        (polygon(), (0, "empty_geometry")),
        (collection(), (None, "empty_geometry")),
        (polygon([[120.10, 30.20], [120.11, 30.20], [120.10, 30.20]]), (0, "too_few_points")),
        (polygon([[120.10, 30.20], [120.10, 30.20], [120.11, 30.21]]), (0, "too_few_points")),
        (polygon([[120.1, 30.2], [120.2, 30.2], [120.3, 30.2], [120.1, 30.2]]), (0, "self_intersection_unrepairable")),
        (polygon([[200.0, 30.2], [200.1, 30.2], [200.1, 30.3], [200.0, 30.2]]), (0, "coordinates_out_of_range")),
        (polygon([[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]), (0, "outside_china")),
        (polygon([[30.20, 120.10], [30.20, 120.11], [30.21, 120.11], [30.20, 120.10]]), (0, "coordinates_swapped")),
        (polygon([["120.1", 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]), (0, "invalid_coordinates")),
        (polygon([[120.1], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]), (0, "invalid_coordinates")),
        ({"type": "Polygon", "coordinates": "nope"}, (0, "invalid_coordinates")),
    ],
)
def test_rejects_with_reason_code(data, expected):
    assert only_error(data) == expected


def test_error_detail_names_the_position():
    result = check_polygons(polygon([[30.20, 120.10], [30.20, 120.11], [30.21, 120.11], [30.20, 120.10]]))
    assert "30.2" in result.errors[0].detail and "swapped" in result.errors[0].detail


@pytest.mark.parametrize(
    ("point", "code"),
    [
        ((120.15, 30.25), None),
        ((30.25, 120.15), "coordinates_swapped"),
        ((39.9, 116.4), "coordinates_swapped"),
        ((2.35, 48.86), "outside_china"),
        ((121.56, 25.04), "outside_china"),
        ((250.0, 95.0), "coordinates_out_of_range"),
        ((float("nan"), 30.0), "invalid_coordinates"),
        ((True, 30.0), "invalid_coordinates"),
    ],
)
def test_check_point(point, code):
    assert check_point(*point) == code


def test_to_geojson_round_trips_through_check():
    clockwise = Polygon(list(reversed(SQUARE)), [HOLE])
    data = to_geojson(clockwise)
    assert data["type"] == "Polygon"
    [checked] = check_polygons(data).features
    assert checked.repairs == []
    assert checked.geometry.equals(clockwise)


def test_repairs_counter_clockwise_hole():
    [checked] = check_polygons(polygon(SQUARE, list(reversed(HOLE)))).features
    assert checked.repairs == ["reoriented"]
    assert not checked.geometry.interiors[0].is_ccw


def test_a_valid_but_nearly_collinear_ring_is_refused_as_empty():
    sliver = {"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.11, 30.21], [120.12, 30.22], [120.1, 30.2]]]}
    check = check_polygons(sliver)
    assert check.features == [] and [e.code for e in check.errors] == ["empty_geometry"]


def test_a_hole_outside_its_outer_ring_is_refused_rather_than_repaired_into_a_larger_cell():
    tiny = [[120.100, 30.200], [120.101, 30.200], [120.101, 30.201], [120.100, 30.201], [120.100, 30.200]]
    far_hole = [[120.10, 30.20], [120.2, 30.20], [120.2, 30.3], [120.10, 30.20]]
    assert only_error(polygon(tiny, far_hole)) == (0, "self_intersection_unrepairable")
    inner_hole = [[120.1002, 30.2002], [120.1002, 30.2008], [120.1008, 30.2008], [120.1002, 30.2002]]
    [checked] = check_polygons(polygon(tiny, inner_hole)).features
    assert checked.geometry.area < tiny_area(tiny)  # a hole inside is kept as a hole
