"""Where is this? The grid cell of a point in any of the three coordinate systems, and addresses by our place names."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.services.registry import geography
from geo.coords import from_wgs84
from tests.factories import make_cell, square
from tests.integration.test_scope import middle_of


def test_a_point_in_gcj02_or_bd09_finds_the_same_cell_as_in_wgs84(world, browser):
    client = browser(world.duty)
    lon, lat = middle_of(world.cell_a1)
    for system in ("wgs84", "gcj02", "bd09"):
        x, y = from_wgs84(lon, lat, system)
        answer = client.get(f"/api/geo/cell?lon={x}&lat={y}&system={system}").get_json()
        assert answer["cell"]["id"] == world.cell_a1.id, system
        assert answer["point"] == pytest.approx({"lon": lon, "lat": lat}, abs=1e-7)


def test_a_point_outside_every_cell_gets_the_nearest_cells_with_metres(world, browser):
    answer = browser(world.duty).get("/api/geo/cell?lon=120.125&lat=30.265").get_json()
    assert answer["cell"] is None
    assert [n["cell"]["id"] for n in answer["nearest"]][:2] == [world.cell_a1b.id, world.cell_a1.id]
    assert 400 < answer["nearest"][0]["metres"] < 1200


def test_swapped_coordinates_are_refused(world, browser):
    response = browser(world.duty).get("/api/geo/cell?lon=30.27&lat=80.1")
    assert response.status_code == 422 and response.get_json()["error"]["errors"][0]["code"] == "coordinates_swapped"


def test_a_cell_added_through_the_api_is_found_at_once(world, browser):
    client = browser(world.duty)
    assert client.get("/api/geo/cell?lon=120.135&lat=30.285").get_json()["cell"] is None
    body = {"code": "NEW-1", "name": "新建网格", "community_id": world.community_a1.id, "geometry": square(120.13, 30.28)}
    assert client.post("/api/cells", body).status_code == 201
    assert client.get("/api/geo/cell?lon=120.135&lat=30.285").get_json()["cell"]["code"] == "NEW-1"


def test_a_cell_written_by_another_process_is_found_after_the_check_interval(world, browser, monkeypatch):
    client = browser(world.duty)
    client.get("/api/geo/cell?lon=120.135&lat=30.285")  # this process builds its index now
    make_cell(world.community_a1, 120.13, 30.28, code="OTHER-PROC")  # written without telling this process
    db.session.commit()
    monkeypatch.setattr(geography, "CHECK_SECONDS", 0.0)
    assert client.get("/api/geo/cell?lon=120.135&lat=30.285").get_json()["cell"]["code"] == "OTHER-PROC"


def test_an_address_is_found_by_community_name_and_an_unknown_place_is_not(world, browser):
    client = browser(world.duty)
    found = client.get(f"/api/geo/geocode?q={world.community_a1.name_zh}").get_json()
    assert found["found"] and found["source"] == "gazetteer" and found["located"]["community"]["id"] == world.community_a1.id
    missing = client.get("/api/geo/geocode?q=不存在的地方").get_json()
    assert missing["found"] is False and missing["located"] is None and missing["message"].startswith("找不到该地址")


def test_an_empty_address_is_refused(world, browser):
    response = browser(world.duty).get("/api/geo/geocode?q=")
    assert response.status_code == 422 and response.get_json()["error"]["errors"][0]["field"] == "q"


def test_a_cell_may_not_be_drawn_over_another_cell_or_outside_the_county(world, browser):
    duty = browser(world.duty)
    over_own = duty.patch(f"/api/cells/{world.cell_a1.id}", {"geometry": square(120.11, 30.27)})
    assert over_own.status_code == 422 and over_own.get_json()["error"]["errors"][0]["code"] == "cell.overlaps"
    far = duty.patch(f"/api/cells/{world.cell_a1.id}", {"geometry": square(116.4, 39.9)})
    assert far.status_code == 422 and far.get_json()["error"]["errors"][0]["code"] == "outside_county"


def test_overlapping_cells_never_hide_a_callers_own_cell(world, browser):
    # Imported data may overlap (the import takes what the GIS gives): a neighbour's smaller id must not win for you.
    own = make_cell(world.community_a2, 120.30, 30.40, code="A-OVER")  # the same square as county B's cell_b1
    db.session.commit()
    geography.cells_changed()
    answer = browser(world.admin).get("/api/geo/cell?lon=120.305&lat=30.405").get_json()
    assert world.cell_b1.id < own.id and answer["cell"]["id"] == own.id
