"""Uploading the landmarks and roads of a county: all or nothing, every bad row listed, and from then on a need placed
by a map click is named by the nearest of them."""

from __future__ import annotations

import io

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Landmark
from tests.integration.dispatch_helpers import need_body, open_incident, post_need

HEADER = "名称,英文名称,类型,经度,纬度,走向\n"
ROAD = "文一西路,Wenyi West Road,道路,120.105,30.2755,120.095 30.2755; 120.125 30.2755\n"
STADIUM = "黄龙体育中心,Huanglong Sports Centre,地标,120.115,30.274,\n"  # in the duty officer's cell_a1b


def upload(client, text: str, encoding: str = "gb18030"):
    data = {"file": (io.BytesIO(text.encode(encoding)), "landmarks.csv")}
    return client.send("POST", "/api/imports/landmarks", None, data=data, content_type="multipart/form-data")


def stored() -> list[tuple]:
    rows = db.session.execute(select(Landmark.kind, Landmark.name_zh, Landmark.lon, Landmark.lat).order_by(Landmark.id))
    return [(kind.value, name, lon, lat) for kind, name, lon, lat in rows]


def test_landmarks_and_roads_from_excel_name_the_place_of_a_map_click(world, browser):
    client = browser(world.duty)
    response = upload(client, HEADER + ROAD + STADIUM)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == {"landmarks": 2, "landmarks_updated": 0}
    road = db.session.scalar(select(Landmark).where(Landmark.name_zh == "文一西路"))
    assert (road.county_id, road.name_en, road.line) == (
        world.county_a.id,
        "Wenyi West Road",
        [[120.095, 30.2755], [120.125, 30.2755]],
    )

    # 30 m north of the road, 1 km east of its middle: near the road along its course, not only at its named point.
    need = post_need(client, open_incident(client)["id"], need_body(world.cell_a1b, location={"lon": 120.115, "lat": 30.2758}))
    body = need.get_json()
    assert body["address"] == ""
    assert body["place_name"] == f"{world.community_a1.name_zh} · {world.cell_a1b.name}，文一西路附近"


def test_one_bad_row_in_the_middle_writes_nothing_and_every_bad_line_is_named(world, browser):
    client = browser(world.duty, language="en")
    bad_kind = "西溪湿地,,湿地,120.105,30.275,\n"
    swapped = "杭州植物园,,地标,30.275,120.105,\n"
    response = upload(client, HEADER + ROAD + bad_kind + STADIUM + swapped + ROAD)
    body = response.get_json()["error"]
    assert response.status_code == 422 and body["code"] == "import_failed"
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
        (3, "kind", "landmark_kind.unknown"),
        (5, "lon", "coordinates_swapped"),
        (6, "name", "duplicate_in_file"),
    ]
    assert body["errors"][0]["message"] == "the kind must be 地标 or 道路 (landmark or road)"
    assert stored() == []


def test_a_bad_road_course_and_a_point_far_outside_the_county_are_refused(world, browser):
    client = browser(world.duty)
    broken = "天目山路,,道路,120.105,30.275,120.10 30.27; oops\n"
    far = "灵隐寺,,地标,121.5,31.2,\n"
    body = upload(client, HEADER + broken + far).get_json()["error"]
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
        (2, "line", "landmark_line.invalid"),
        (3, "lon", "outside_county"),
    ]
    assert body["errors"][0]["message"] == "道路走向应为 2 到 200 个点，写作“经度 纬度; 经度 纬度”"
    assert stored() == []


def test_a_name_or_road_course_longer_than_the_csv_module_reads_is_a_bad_row(world, browser):
    client = browser(world.duty, language="en")
    long_name = "长" * 140_000 + ",,地标,120.115,30.274,\n"
    long_course = "天目山路,,道路,120.105,30.275," + "120.1 30.27; " * 90_000 + "\n"
    response = upload(client, HEADER + STADIUM + long_name + long_course, encoding="utf-8")
    body = response.get_json()["error"]
    assert response.status_code == 422 and body["code"] == "import_failed"
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
        (3, "name", "csv.field_too_long"),
        (4, "line", "csv.field_too_long"),
    ]
    assert stored() == []


def test_importing_a_corrected_file_moves_the_landmark(world, browser):
    client = browser(world.admin)
    assert upload(client, HEADER + STADIUM).status_code == 200
    moved = STADIUM.replace("120.115,30.274", "120.116,30.273")
    response = upload(client, HEADER + moved)
    assert response.get_json()["created"] == {"landmarks": 0, "landmarks_updated": 1}
    assert stored() == [("landmark", "黄龙体育中心", 120.116, 30.273)]


def test_a_duty_officer_names_only_places_of_their_own_subdistrict(world, browser):
    """Another subdistrict's texts and addresses are not the officer's to change: no new landmark in its cells, and
    no moving one that lies there (the county administrator may do both)."""
    in_a2 = "翠苑菜场,,地标,120.125,30.275,\n"  # cell_a2, of subdistrict A2
    body = upload(browser(world.duty, language="en"), HEADER + in_a2).get_json()["error"]
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [(2, "lon", "outside_subdistrict")]
    assert upload(browser(world.admin), HEADER + in_a2).status_code == 200
    moved_into_a1 = in_a2.replace("120.125,30.275", "120.105,30.275")
    body = upload(browser(world.duty), HEADER + moved_into_a1).get_json()["error"]
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [(2, "name", "landmark.not_yours")]
    assert stored() == [("landmark", "翠苑菜场", 120.125, 30.275)]


def test_an_organization_leader_or_grid_worker_may_not_import_landmarks_nor_may_a_stranger(world, browser, app):
    for user in (world.leader, world.grid):
        response = upload(browser(user), HEADER + STADIUM)
        assert response.status_code == 403
    with app.app_context():
        data = {"file": (io.BytesIO((HEADER + STADIUM).encode()), "landmarks.csv")}
        anonymous = app.test_client().post("/api/imports/landmarks", data=data, content_type="multipart/form-data")
    assert anonymous.status_code in (400, 401)  # no session: no CSRF token either
    assert stored() == []


def test_each_county_keeps_its_own_landmarks(world, browser):
    from dispatch.domain.scope import Role
    from tests.factories import make_user

    other_admin = make_user(Role.ADMIN, county_id=world.county_b.id)
    far_stadium = STADIUM.replace("120.115,30.274", "120.305,30.405")
    assert upload(browser(other_admin), HEADER + far_stadium).status_code == 200
    assert upload(browser(world.admin), HEADER + STADIUM).status_code == 200
    counties = db.session.execute(select(Landmark.county_id).order_by(Landmark.id)).scalars().all()
    assert counties == [world.county_b.id, world.county_a.id]


def test_the_upload_page_offers_landmarks_to_a_duty_officer_and_imports_them(world, browser):
    client = browser(world.duty)
    assert "地标和道路" in client.get("/imports").get_data(as_text=True)
    data = {"kind": "landmarks", "file": (io.BytesIO((HEADER + STADIUM).encode("utf-8-sig")), "l.csv")}
    response = client.send("POST", "/imports", None, data=data, content_type="multipart/form-data")
    assert response.status_code == 200 and [row[1] for row in stored()] == ["黄龙体育中心"]
    assert "地标和道路" not in browser(world.leader).get("/imports").get_data(as_text=True)
