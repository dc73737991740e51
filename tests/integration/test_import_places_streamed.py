"""``flask import-places`` on a file read in parts (a province's cells are never held whole): the same outcome."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.messages import message
from dispatch.models import GridCell
from dispatch.services.imports import geojson_file
from dispatch.services.imports.geojson_file import GeoJsonFile
from tests.factories import square
from tests.integration.csv_files import error_lines, row_counts, run_cli, write_json
from tests.integration.test_import_places import cell, collection

POINT = {"type": "Point", "coordinates": [120.1, 30.27]}


@pytest.fixture(autouse=True)
def parts_of_two(monkeypatch):
    """Parts of two features, so seven features make four parts."""
    monkeypatch.setattr(geojson_file, "PART", 2)


CUT_SHORT = message("geojson.cut_short", "en")


def seven_cells() -> list[dict]:
    return [cell(f"G00{i}", square(120.10 + i * 0.01, 30.27)) for i in range(1, 8)]


def cell_count() -> int:
    return db.session.scalar(select(func.count()).select_from(GridCell))


def test_a_file_of_several_parts_is_imported_whole(app, tmp_path):
    path = write_json(tmp_path / "cells.geojson", collection(*seven_cells()))

    result = run_cli(app, "import-places", path)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cells"] == 7
    assert cell_count() == 7
    assert len(list(GeoJsonFile(path).parts())) == 4


def test_bad_features_in_later_parts_are_named_by_their_place_in_the_file_and_nothing_is_written(app, tmp_path):
    features = seven_cells()
    features[3] = cell("G004", POINT)
    features[6] = cell("G001", square(120.3, 30.3))

    result = run_cli(app, "import-places", write_json(tmp_path / "cells.geojson", collection(*features)), "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "feature 4 geometry: must be a Polygon or MultiPolygon",
        "feature 7 code: duplicates feature 1: G001",
    ]
    assert row_counts()["grid_cells"] == 0


def test_the_type_may_follow_the_features(app, tmp_path):
    path = tmp_path / "cells.geojson"
    path.write_text(json.dumps({"features": seven_cells(), "type": "FeatureCollection"}), encoding="utf-8")

    result = run_cli(app, "import-places", path)

    assert result.exit_code == 0, result.stderr
    assert cell_count() == 7


def test_a_file_with_a_utf8_byte_order_mark_is_imported(app, tmp_path):
    path = tmp_path / "cells.geojson"
    path.write_text(json.dumps(collection(*seven_cells()), ensure_ascii=False), encoding="utf-8-sig")

    result = run_cli(app, "import-places", path)

    assert result.exit_code == 0, result.stderr
    assert cell_count() == 7


def test_json_the_stream_refuses_but_python_reads_is_checked_as_before(app, tmp_path):
    """NaN is not JSON, but Python's parser reads it: the feature is refused for its coordinates, not the file."""
    nan_square = square(120.11, 30.27)
    nan_square["coordinates"][0][1] = [float("nan"), 30.27]
    path = write_json(tmp_path / "cells.geojson", collection(cell("G001"), cell("G002", nan_square)))

    result = run_cli(app, "import-places", path, "--lang", "en")

    assert result.exit_code == 2
    assert [line.split(" geometry:")[0] for line in error_lines(result.stderr)] == ["feature 2"]
    assert row_counts()["grid_cells"] == 0


def test_a_feature_collection_cut_short_is_refused_before_anything_is_written(app, tmp_path):
    path = tmp_path / "cells.geojson"
    path.write_text(json.dumps(collection(*seven_cells()))[:-300], encoding="utf-8")

    result = run_cli(app, "import-places", path, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [f"file: {CUT_SHORT}"]
    assert row_counts()["grid_cells"] == 0


NOT_GEOJSON = "geometry: not a GeoJSON feature or geometry"
NOT_A_COLLECTION = "file: the file is not a GeoJSON FeatureCollection (with its features in a features list)"


@pytest.mark.parametrize(
    "text, reasons",
    [
        ("null", [NOT_A_COLLECTION]),
        ("{}", [NOT_A_COLLECTION]),
        ('{"type": "FeatureCollection", "features": [1]}', [f"feature 1 {NOT_GEOJSON}"]),
    ],
    ids=["null", "an empty object", "a feature that is a number"],
)
def test_json_that_holds_no_feature_is_refused(app, tmp_path, text, reasons):
    path = tmp_path / "cells.geojson"
    path.write_text(text, encoding="utf-8")

    result = run_cli(app, "import-places", path, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == reasons
