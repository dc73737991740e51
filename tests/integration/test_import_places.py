"""``flask import-places``: grid cells (and the places above them) from GeoJSON, all or nothing."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from sqlalchemy import select, text

from dispatch.extensions import db
from dispatch.messages import message
from dispatch.models import Community, County, GridCell, Subdistrict
from dispatch.services.imports import places
from tests.factories import square
from tests.integration.csv_files import error_lines, row_counts, run_cli, write_json

CUT_SHORT = message("geojson.cut_short", "en")


def cell(code: str, geometry: dict | None = None, community: str = "330106001001", **properties) -> dict:
    """One grid-cell feature in 西湖区 / 北山街道; ``properties`` override or (with None) drop a property."""
    values = {
        "county_code": "330106", "county_name": "西湖区", "county_name_en": "Xihu District",
        "subdistrict_code": "330106001", "subdistrict_name": "北山街道", "subdistrict_kind": "street",
        "community_code": community, "community_name": f"社区{community[-3:]}",
        "code": code, "name": f"网格{code}", "worker_name": "王网格", "worker_phone": "13812345678",
    }  # fmt: skip
    values = {key: value for key, value in {**values, **properties}.items() if value is not None}
    return {"type": "Feature", "properties": values, "geometry": geometry or square(120.10, 30.27)}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def three_cells() -> dict:
    return collection(
        cell("G001", square(120.10, 30.27)),
        cell("G002", square(120.11, 30.27)),
        cell("G003", square(120.12, 30.27), community="330106001002"),
    )


def import_file(app, tmp_path, data, *options):
    return run_cli(app, "import-places", write_json(tmp_path / "cells.geojson", data), *options)


def stored_cells() -> dict[str, GridCell]:
    return {c.code: c for c in db.session.scalars(select(GridCell))}


def test_import_creates_the_county_subdistrict_communities_and_cells(app, tmp_path):
    result = import_file(app, tmp_path, three_cells())

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "counties": 1, "subdistricts": 1, "communities": 2, "cells": 3, "cells_updated": 0, "repaired": 0,
    }  # fmt: skip
    assert db.session.scalar(select(County.name_zh)) == "西湖区"
    assert db.session.scalar(select(Subdistrict.name_zh)) == "北山街道"
    assert sorted(db.session.scalars(select(Community.code))) == ["330106001001", "330106001002"]
    cells = stored_cells()
    assert cells["G003"].community.code == "330106001002"
    assert cells["G001"].worker_phone == "+8613812345678"
    assert (cells["G002"].min_lon, cells["G002"].max_lat) == pytest.approx((120.11, 30.28))


def test_reimporting_a_corrected_file_updates_the_cells_instead_of_duplicating_them(app, tmp_path):
    import_file(app, tmp_path, three_cells())
    corrected = three_cells()
    corrected["features"][0] = cell("G001", square(120.20, 30.30), name="葛岭网格", worker_name="赵网格")

    result = import_file(app, tmp_path, corrected)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cells"] == 0 and json.loads(result.stdout)["cells_updated"] == 3
    db.session.expire_all()
    cells = stored_cells()
    assert len(cells) == 3
    assert (cells["G001"].name, cells["G001"].worker_name) == ("葛岭网格", "赵网格")
    assert (cells["G001"].min_lon, cells["G001"].min_lat) == pytest.approx((120.20, 30.30))


def test_a_clockwise_ring_is_accepted_and_counted_as_repaired(app, tmp_path):
    clockwise = square(120.10, 30.27)
    clockwise["coordinates"][0].reverse()

    result = import_file(app, tmp_path, collection(cell("G001", clockwise), cell("G002", square(120.11, 30.27))))

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["repaired"] == 1
    ring = json.loads(stored_cells()["G001"].geometry)["coordinates"][0]
    signed_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    assert signed_area > 0, "stored exterior rings are counter-clockwise (RFC 7946)"


def test_an_unclosed_ring_is_closed_and_counted_as_repaired(app, tmp_path):
    open_ring = square(120.10, 30.27)
    open_ring["coordinates"][0].pop()

    result = import_file(app, tmp_path, collection(cell("G001", open_ring)))

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["repaired"] == 1


def polygon(*points: tuple[float, float]) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in points]]}


# Each bad feature is the second of three; the first and third are good and must not be written either.
BAD_FEATURES = {
    "a point, not a polygon": (
        cell("G002", {"type": "Point", "coordinates": [120.1, 30.27]}),
        "geometry: must be a Polygon or MultiPolygon",
    ),
    "a ring that doubles back on itself (no area left after repair)": (
        cell("G002", polygon((120.10, 30.27), (120.11, 30.27), (120.12, 30.27), (120.11, 30.27), (120.10, 30.27))),
        "geometry: the polygon intersects itself and cannot be repaired",
    ),
    "a zero-area, line-like ring": (
        cell("G002", polygon((120.10, 30.27), (120.11, 30.27), (120.12, 30.27), (120.10, 30.27))),
        "geometry: the polygon intersects itself and cannot be repaired",
    ),
    "latitude and longitude swapped": (
        cell("G002", polygon((30.27, 120.10), (30.27, 120.11), (30.28, 120.11), (30.27, 120.10))),
        "geometry: longitude and latitude look swapped",
    ),
    "a ring of two points": (
        cell("G002", polygon((120.10, 30.27), (120.11, 30.27), (120.10, 30.27))),
        "geometry: the polygon has too few points",
    ),
    "the same cell code as feature 1": (cell("G001", square(120.11, 30.27)), "code: duplicates feature 1: G001"),
    "no community code": (cell("G002", community_code=None), "community_code: is required"),
    "a county code longer than its column": (cell("G002", county_code="3301060000001"), "county_code: is too long (at most 12)"),
    "a cell code longer than its column": (cell("G" * 33), "code: is too long (at most 32)"),
    "no properties at all": ({"type": "Feature", "geometry": square(120.11, 30.27)}, "county_code: is required"),
}


@pytest.mark.parametrize("bad", BAD_FEATURES.values(), ids=BAD_FEATURES.keys())
def test_a_bad_feature_fails_the_whole_file_naming_the_feature(app, tmp_path, bad):
    feature, reason = bad
    before = row_counts()

    result = import_file(app, tmp_path, collection(cell("G001"), feature, cell("G003")), "--lang", "en")

    assert result.exit_code == 2
    assert "Import failed; nothing was written" in result.stderr
    assert f"feature 2 {reason}" in error_lines(result.stderr)
    assert not any(line.startswith(("feature 1 ", "feature 3 ")) for line in error_lines(result.stderr))
    assert row_counts() == before


def test_every_bad_feature_is_listed_in_file_order_in_chinese_by_default(app, tmp_path):
    point = {"type": "Point", "coordinates": [120.1, 30.27]}
    features = [cell("G001"), cell("G002", point), cell("G003"), cell("G004", name=None), cell("G001", square(120.2, 30.3))]

    result = import_file(app, tmp_path, collection(*features))

    assert result.exit_code == 2
    assert "导入失败，未写入任何数据" in result.stderr
    assert error_lines(result.stderr) == [
        "第 2 个要素 geometry: 应为多边形（Polygon 或 MultiPolygon）",
        "第 4 个要素 name: 必填",
        "第 5 个要素 code: 与第 1 个要素重复：G001",
    ]
    assert row_counts()["grid_cells"] == 0


def test_a_corrected_file_with_one_bad_feature_leaves_the_stored_cells_as_they_were(app, tmp_path):
    import_file(app, tmp_path, three_cells())
    corrected = three_cells()
    corrected["features"][0] = cell("G001", square(120.20, 30.30))
    corrected["features"][2] = cell("G003", {"type": "LineString", "coordinates": [[120.1, 30.27], [120.2, 30.3]]})

    result = import_file(app, tmp_path, corrected)

    assert result.exit_code == 2
    db.session.expire_all()
    assert stored_cells()["G001"].min_lon == pytest.approx(120.10)


def test_malformed_json_is_refused_saying_where_in_words(app, tmp_path):
    path = tmp_path / "cells.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")

    result = run_cli(app, "import-places", path, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [f"file: {CUT_SHORT}"]
    assert row_counts()["grid_cells"] == 0


NOT_A_COLLECTION = "file: the file is not a GeoJSON FeatureCollection (with its features in a features list)"


@pytest.mark.parametrize(
    "document, reason",
    [
        ({"type": "FeatureCollection", "features": []}, "file: the file has no features"),
        ([1, 2, 3], NOT_A_COLLECTION),
        ({"type": "Topology"}, NOT_A_COLLECTION),
        ({"type": "FeatureCollection", "features": 5}, NOT_A_COLLECTION),
    ],
    ids=["no features", "a JSON list", "not GeoJSON", "features not a list"],
)
def test_json_that_is_not_a_feature_collection_is_refused(app, tmp_path, document, reason):
    result = import_file(app, tmp_path, document, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [reason]
    assert row_counts()["grid_cells"] == 0


def test_a_file_that_takes_long_to_check_is_imported_on_postgresql_despite_the_idle_transaction_limit(app, tmp_path, monkeypatch):
    """PostgreSQL ends a transaction idle past DB_IDLE_TRANSACTION_S (5 s); a province's 500,000 cells take more than
    a minute to check between the import's first read and its first insert."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's limit on idle transactions")
    db.session.execute(text("SET LOCAL idle_in_transaction_session_timeout = 100"))  # milliseconds, this transaction
    checked = places.check_polygons
    monkeypatch.setattr(places, "check_polygons", lambda data: (time.sleep(0.5), checked(data))[1])

    result = import_file(app, tmp_path, three_cells())

    assert result.exit_code == 0, result.stderr
    assert sorted(stored_cells()) == ["G001", "G002", "G003"]
