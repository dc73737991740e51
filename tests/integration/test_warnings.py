"""Early warnings (预警) read from CAP files (tests/fixtures/cap/, written for these tests) or entered by an officer:
the area becomes the county's grid cells, an Update changes the warning and a Cancel lifts it, the same file read
twice changes nothing, and a bad or hostile file is refused whole with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import EarlyWarning, Event, WarningAlert
from tests.factories import make_user
from tests.integration.csv_files import run_cli

CAP = Path(__file__).resolve().parents[1] / "fixtures" / "cap"


def cap(name: str, **replace: str) -> str:
    text = (CAP / name).read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def read_in(client, text: str):
    return client.post("/api/warnings/cap", {"cap": text})


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (EarlyWarning, WarningAlert, Event))


def test_a_typhoon_warning_covers_the_countys_cells_inside_its_polygon(world, browser):
    answer = read_in(browser(world.admin), cap("typhoon-xihu-orange.xml"))
    assert answer.status_code == 200, answer.get_json()
    found = answer.get_json()
    assert found["outcome"] == "issued"
    warning = found["warning"]
    assert (warning["kind"], warning["colour"], warning["level"], warning["source"]) == ("typhoon", "orange", "II", "cap")
    assert warning["headline"].startswith("杭州市气象台发布台风橙色预警")
    assert {c["id"] for c in warning["cells"]} == {world.cell_a1.id, world.cell_a1b.id, world.cell_a2.id}  # not B's


def test_the_same_alert_read_twice_changes_nothing(world, browser):
    admin = browser(world.admin)
    read_in(admin, cap("typhoon-xihu-orange.xml"))
    before = counts()
    again = read_in(admin, cap("typhoon-xihu-orange.xml")).get_json()
    assert again["outcome"] == "unchanged"
    assert counts() == before


def test_an_update_changes_the_warning_and_a_cancel_lifts_it(world, browser):
    admin = browser(world.admin)
    first = read_in(admin, cap("typhoon-xihu-orange.xml")).get_json()["warning"]
    updated = read_in(admin, cap("typhoon-xihu-update.xml")).get_json()
    assert updated["outcome"] == "updated"
    assert (updated["warning"]["id"], updated["warning"]["colour"], updated["warning"]["level"]) == (first["id"], "red", "I")
    cancelled = read_in(admin, cap("typhoon-xihu-cancel.xml")).get_json()
    assert cancelled["outcome"] == "cancelled"
    assert cancelled["warning"]["lifted_at"] is not None and not cancelled["warning"]["in_force"]
    assert counts()[:2] == (1, 3)


def test_an_update_of_an_alert_never_read_is_refused(world, browser):
    answer = read_in(browser(world.admin), cap("typhoon-xihu-update.xml"))
    assert answer.status_code == 422
    assert [e["code"] for e in answer.get_json()["error"]["errors"]] == ["warning.unknown_reference"]
    assert counts() == (0, 0, 0)


def test_an_area_given_by_name_covers_the_places_it_names(world, browser):
    world.sub_a1.name_zh, world.sub_a2.name_zh = "测试街道1", "测试街道12"  # the first is in the second: no match
    db.session.commit()
    text = cap("rainstorm-areadesc.xml", **{"西湖区西溪街道、北山街道": "某区测试街道1"})
    warning = read_in(browser(world.admin), text).get_json()["warning"]
    assert (warning["kind"], warning["colour"]) == ("rainstorm", "yellow")
    assert {c["id"] for c in warning["cells"]} == {world.cell_a1.id, world.cell_a1b.id}


def test_an_area_outside_the_county_is_refused(world, browser):
    far = cap("typhoon-xihu-orange.xml").replace("30.20,120.05 30.20,120.20 30.32,120.20 30.32,120.08 30.26,120.05 30.20,120.05",
                                                 "40.0,116.0 40.0,116.1 40.1,116.1 40.0,116.0")  # fmt: skip
    answer = read_in(browser(world.admin), far)
    assert answer.status_code == 422
    assert [e["code"] for e in answer.get_json()["error"]["errors"]] == ["warning.shapes_outside_county"]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("billion-laughs.xml", "cap.entities"), ("external-entity.xml", "cap.entities"), ("malformed.xml", "cap.not_xml"),
        ("no-area.xml", "cap.no_area"), ("not-cap.xml", "cap.not_cap"),
    ],
)  # fmt: skip
def test_a_bad_or_hostile_file_is_refused_and_changes_nothing(name, code, world, browser):
    answer = read_in(browser(world.admin), cap(name))
    assert answer.status_code == 422
    assert code in {e["code"] for e in answer.get_json()["error"]["errors"]}
    assert counts() == (0, 0, 0)


def test_an_officer_enters_a_warning_and_lifts_it(world, browser):
    duty = browser(world.duty)
    body = {
        "kind": "rainstorm",
        "colour": "orange",
        "headline": "暴雨橙色预警（电台通报）",
        "hours": 6,
        "subdistrict_ids": [world.sub_a1.id],
    }
    made = duty.post("/api/warnings", body)
    assert made.status_code == 201, made.get_json()
    warning = made.get_json()
    assert (warning["level"], warning["in_force"]) == ("II", True)
    assert {c["id"] for c in warning["cells"]} == {world.cell_a1.id, world.cell_a1b.id}
    lifted = duty.post(f"/api/warnings/{warning['id']}/lift").get_json()
    assert not lifted["in_force"]
    assert [w["id"] for w in duty.get("/api/warnings").get_json()["items"]] == [warning["id"]]  # ended, still listed


def test_a_warning_is_the_countys_alone(world, browser):
    read_in(browser(world.admin), cap("typhoon-xihu-orange.xml"))
    (warning,) = db.session.scalars(select(EarlyWarning)).all()
    other_county = browser(make_user(Role.ADMIN, county_id=world.county_b.id))
    assert other_county.get(f"/api/warnings/{warning.id}").status_code == 404
    assert other_county.get("/api/warnings").get_json()["items"] == []
    for user in (world.leader, world.grid):
        assert browser(user).get("/api/warnings").status_code == 403


def test_the_command_line_reads_a_warning_as_a_user(app, world):
    result = run_cli(app, "import-warning", CAP / "typhoon-xihu-orange.xml", "--user", world.admin.username)
    assert result.exit_code == 0, result.stderr
    assert '"outcome": "issued"' in result.stdout
    bad = run_cli(app, "import-warning", CAP / "billion-laughs.xml", "--user", world.admin.username)
    assert bad.exit_code == 2 and "DTD" in bad.stderr
    assert counts()[:2] == (1, 1)


def test_a_subdistricts_officer_sees_the_warnings_over_it_and_acts_only_on_its_own(world, browser):
    county_wide = browser(world.admin).post("/api/warnings", {"kind": "gale", "colour": "blue", "headline": "大风"}).get_json()
    a2_officer = browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    own = a2_officer.post("/api/warnings", {"kind": "gale", "colour": "blue", "headline": "北山大风"}).get_json()
    duty = browser(world.duty)
    assert duty.get(f"/api/warnings/{own['id']}").status_code == 404  # A2's alone: not over A1
    assert [w["id"] for w in duty.get("/api/warnings").get_json()["items"]] == [county_wide["id"]]
    refused = duty.post(f"/api/warnings/{county_wide['id']}/lift")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "warning.not_yours"
    assert a2_officer.post(f"/api/warnings/{own['id']}/lift").status_code == 200


def test_a_test_or_exercise_alert_is_not_read_in(world, browser):
    for status in ("Test", "Exercise", "Draft", "System"):
        answer = read_in(
            browser(world.admin), cap("typhoon-xihu-orange.xml", **{"<status>Actual</status>": f"<status>{status}</status>"})
        )
        assert answer.status_code == 422
        assert [e["code"] for e in answer.get_json()["error"]["errors"]] == ["warning.not_actual"]
    assert counts() == (0, 0, 0)


def test_an_alert_whose_validity_makes_no_sense_is_refused(world, browser):
    backwards = cap(
        "typhoon-xihu-orange.xml",
        **{"<expires>2026-09-15T10:30:00+08:00</expires>": "<expires>2026-09-13T10:30:00+08:00</expires>"},
    )
    forever = cap(
        "typhoon-xihu-orange.xml",
        **{"<expires>2026-09-15T10:30:00+08:00</expires>": "<expires>9999-12-31T00:00:00+08:00</expires>"},
    )
    for text in (backwards, forever):
        answer = read_in(browser(world.admin), text)
        assert [e["code"] for e in answer.get_json()["error"]["errors"]] == ["warning.bad_validity"]
    assert counts() == (0, 0, 0)


def test_an_update_after_the_cancel_is_refused(world, browser):
    admin = browser(world.admin)
    read_in(admin, cap("typhoon-xihu-orange.xml"))
    read_in(admin, cap("typhoon-xihu-cancel.xml"))
    late = read_in(admin, cap("typhoon-xihu-update.xml"))
    assert [e["code"] for e in late.get_json()["error"]["errors"]] == ["warning.cancelled_before"]


def test_a_county_named_in_front_of_a_place_narrows_nothing_and_alone_is_the_whole_county(world, browser):
    world.county_a.name_zh, world.sub_a1.name_zh = "西湖区", "西溪街道"  # names as a feed writes them
    db.session.commit()
    county, place = world.county_a.name_zh, world.sub_a1.name_zh
    admin = browser(world.admin)
    text = cap("rainstorm-areadesc.xml", **{"西湖区西溪街道、北山街道": f"某市{county}{place}"})
    assert {c["id"] for c in read_in(admin, text).get_json()["warning"]["cells"]} == {world.cell_a1.id, world.cell_a1b.id}
    whole = cap("rainstorm-areadesc.xml", **{"西湖区西溪街道、北山街道": county, "_0</identifier>": "_1</identifier>"})
    assert len(read_in(admin, whole).get_json()["warning"]["cells"]) == 3


def test_a_made_up_encoding_is_named_not_a_server_error(world, browser):
    answer = read_in(browser(world.admin), cap("typhoon-xihu-orange.xml", **{'encoding="UTF-8"': 'encoding="x-nonsense"'}))
    assert answer.status_code == 422
    assert [e["code"] for e in answer.get_json()["error"]["errors"]] == ["cap.encoding"]


INVISIBLE = "\u200b\u200c\u2060\ufeff \u3000\t"  # zero-width spaces, joiners, a BOM, spaces: nothing shows


def test_a_headline_of_invisible_characters_is_refused_as_empty(world, browser):
    body = {"kind": "rainstorm", "colour": "orange", "headline": INVISIBLE, "hours": 6}
    answer = browser(world.admin).post("/api/warnings", body)
    assert answer.status_code == 422
    (error,) = answer.get_json()["error"]["errors"]
    assert (error["field"], error["code"]) == ("headline", "text.blank")
    assert "零宽空格" in error["message"]
    kept = browser(world.admin).post("/api/warnings", {**body, "headline": f"\u200b暴雨橙色预警{INVISIBLE}"})
    assert kept.status_code == 201 and kept.get_json()["headline"] == "暴雨橙色预警"
    assert counts()[0] == 1


def test_a_cap_headline_of_invisible_characters_reads_as_the_warnings_kind_and_colour(world, browser):
    text = cap("typhoon-xihu-orange.xml", **{"杭州市气象台发布台风橙色预警[Ⅱ级/严重]": INVISIBLE})
    answer = read_in(browser(world.admin), text)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["warning"]["headline"] == "台风橙色预警"


def test_an_identifier_longer_than_the_record_keeps_is_refused_with_its_reason(world, browser):
    text = cap("typhoon-xihu-orange.xml", **{"33010041600000_20260914103000_0": "X" * 5000})
    answer = read_in(browser(world.admin), text)
    assert answer.status_code == 422
    (error,) = answer.get_json()["error"]["errors"]
    assert (error["field"], error["code"]) == ("identifier", "cap.too_long")
    assert error["message"] == "预警的“identifier”太长（5000 个字符，最多 200 个）"
    assert counts() == (0, 0, 0)
    fits = cap("typhoon-xihu-orange.xml", **{"33010041600000_20260914103000_0": "X" * 200})
    assert read_in(browser(world.admin), fits).status_code == 200


def test_the_list_of_warnings_comes_a_page_at_a_time_without_descriptions(world, browser):
    admin = browser(world.admin)
    made = [
        admin.post("/api/warnings", {"kind": "gale", "colour": "blue", "headline": f"大风{n}", "hours": 6}).get_json()
        for n in range(3)
    ]
    admin.post(f"/api/warnings/{made[0]['id']}/lift")
    first = admin.get("/api/warnings?per_page=2").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (3, 1, 2, 2)
    second = admin.get("/api/warnings?per_page=2&page=2").get_json()
    shown = [w["id"] for w in first["items"] + second["items"]]
    assert sorted(shown) == sorted(w["id"] for w in made)
    assert "description" not in first["items"][0] and first["items"][0]["cell_count"] == 3
    standing = admin.get("/api/warnings?in_force=true").get_json()
    assert standing["total"] == 2 and made[0]["id"] not in {w["id"] for w in standing["items"]}
    ended = admin.get("/api/warnings?in_force=false").get_json()
    assert [w["id"] for w in ended["items"]] == [made[0]["id"]]
    refused = admin.get("/api/warnings?per_page=100000")
    assert refused.status_code == 422
