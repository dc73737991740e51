"""How far a CAP warning reaches depends on who reads it: a subdistrict's duty officer reads in their own subdistrict's
part and is told which subdistricts were left out; the county's administrator reading the same file afterwards widens
the warning to the county's part and the teams it brings in are asked, as for a new warning. A reader the alert does
not reach is refused, in words that say whose area it is not in, and learns nothing of a warning read by others."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import EarlyWarning, StandbyPoll
from tests.factories import make_user
from tests.integration.test_plans import keep
from tests.integration.test_warnings import cap, counts, read_in


def standing(text: str) -> str:
    """The alert in force now, for half a day (the test files were written for dates long past)."""
    now = datetime.now(UTC).replace(microsecond=0)
    for tag, when in (("sent", now), ("effective", now), ("onset", now), ("expires", now + timedelta(hours=12))):
        text = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{when.isoformat()}</{tag}>", text)
    return text


BEISHAN_ONLY = {"30.20,120.05": "30.20,120.125", "30.32,120.08": "30.32,120.125", "30.26,120.05 ": ""}


def typhoon() -> str:
    """The typhoon over Xihu: its polygon covers the cells of both subdistricts of county A."""
    return standing(cap("typhoon-xihu-orange.xml"))


def rainstorm_over(names: str) -> str:
    """The rainstorm warning whose area is only a description: the places named."""
    return standing(cap("rainstorm-areadesc.xml", **{"西湖区西溪街道、北山街道": names}))


def name_places(world) -> None:
    world.sub_a1.name_zh, world.sub_a1.name_en = "翠苑街道", "Cuiyuan"
    world.sub_a2.name_zh, world.sub_a2.name_en = "北山街道", "Beishan"
    db.session.commit()


def a2_plan(world, browser) -> None:
    """Beishan's plan designates its team for any natural disaster."""
    a2_officer = browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    keep(
        a2_officer,
        "title: 北山防台\ncategory: natural_disaster\nmin_level: IV\ntasks:\n  - name: 巡查\n"
        f'    need: {{skills: [logistics], head_count: 1}}\n    place: {{cell: "{world.cell_a2.code}"}}\n'
        f"    designated: [{world.org_a2.name}]\n",
    )


def asked() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(StandbyPoll.organization_id)))


def cell_ids(answer) -> set[int]:
    return {c["id"] for c in answer.get_json()["warning"]["cells"]}


def refusal(answer) -> tuple[int, str, str]:
    (error,) = answer.get_json()["error"]["errors"]
    return answer.status_code, error["code"], error["message"]


def test_an_officers_reading_covers_their_subdistrict_and_says_what_was_left_out(world, browser):
    name_places(world)
    answer = read_in(browser(world.duty), typhoon())
    assert answer.status_code == 200, answer.get_json()
    found = answer.get_json()
    assert found["outcome"] == "issued"
    assert cell_ids(answer) == {world.cell_a1.id, world.cell_a1b.id}
    assert [s["id"] for s in found["left_out"]] == [world.sub_a2.id]
    assert found["notice"] == "预警范围超出本街道的部分（北山街道）未读入，请区县管理员导入"
    english = read_in(browser(world.duty, language="en"), typhoon()).get_json()
    assert english["outcome"] == "unchanged" and "(Beishan) was not read in" in english["notice"]


def test_the_administrator_reading_it_again_widens_it_and_asks_the_teams_it_brings_in(world, browser):
    name_places(world)
    a2_plan(world, browser)
    duty, admin = browser(world.duty), browser(world.admin)
    first = read_in(duty, typhoon())
    assert world.org_a2.id not in asked()  # Beishan was left out: its team is not asked
    widened = read_in(admin, typhoon())
    assert widened.status_code == 200, widened.get_json()
    assert widened.get_json()["outcome"] == "widened"
    assert widened.get_json()["warning"]["id"] == first.get_json()["warning"]["id"]
    assert cell_ids(widened) == {world.cell_a1.id, world.cell_a1b.id, world.cell_a2.id}
    assert widened.get_json()["left_out"] == [] and widened.get_json()["notice"] is None
    assert world.org_a2.id in asked()  # as a new warning over Beishan would
    assert counts()[:2] == (1, 1)
    again = read_in(admin, typhoon()).get_json()
    assert again["outcome"] == "unchanged"
    assert read_in(duty, typhoon()).get_json()["left_out"] == []  # nothing is left out any more


def test_an_alert_the_officers_subdistrict_is_not_in_is_refused_as_outside_it(world, browser):
    name_places(world)
    answer = read_in(browser(world.duty), rainstorm_over("北山街道"))
    assert refusal(answer) == (422, "warning.outside_subdistrict", "预警范围（北山街道）不在本街道内")
    assert counts() == (0, 0, 0)


def test_an_officer_reading_a_file_read_by_the_administrator_over_other_subdistricts_learns_nothing(world, browser):
    name_places(world)
    text = rainstorm_over("北山街道")
    assert read_in(browser(world.admin), text).status_code == 200
    before = counts()
    answer = read_in(browser(world.duty), text)
    assert refusal(answer) == (422, "warning.outside_subdistrict", "预警范围（北山街道）不在本街道内")
    assert "warning" not in answer.get_json()
    assert counts() == before


def test_an_officer_reading_again_a_cancel_of_a_warning_it_cannot_see_is_not_found(world, browser):
    admin = browser(world.admin)
    read_in(admin, cap("typhoon-xihu-orange.xml", **BEISHAN_ONLY))
    (warning,) = db.session.scalars(select(EarlyWarning))
    assert {c.id for c in warning.cells} == {world.cell_a2.id}  # the polygon's west edge is past A1's cells
    read_in(admin, cap("typhoon-xihu-cancel.xml"))
    assert read_in(browser(world.duty), cap("typhoon-xihu-cancel.xml")).status_code == 404


def test_a_polygon_outside_is_named_by_its_points_not_by_its_description(world, browser):
    beijing = typhoon().replace(
        "30.20,120.05 30.20,120.20 30.32,120.20 30.32,120.08 30.26,120.05 30.20,120.05",
        "40.0,116.0 40.0,116.1 40.1,116.1 40.0,116.0",
    )
    beishan = standing(cap("typhoon-xihu-orange.xml", **BEISHAN_ONLY))
    cases = [
        (world.admin, beijing, "warning.shapes_outside_county", "40,116 40,116.1 40.1,116.1 40,116", "本区县"),
        (world.duty, beijing, "warning.shapes_outside_county", "40,116 40,116.1 40.1,116.1 40,116", "本区县"),
        (world.duty, beishan, "warning.shapes_outside_subdistrict", "30.2,120.125 30.2,120.2 30.32,120.2", "本街道"),
    ]
    for user, text, code, points, where in cases:
        status, found, message = refusal(read_in(browser(user), text))
        assert (status, found) == (422, code)
        assert message.startswith(f"预警的多边形或圆形（{points}") and message.endswith(f"）不在{where}内")
        assert "杭州市西湖区" not in message
    assert counts() == (0, 0, 0)


def test_another_subdistricts_officer_reading_it_adds_their_part_and_leaves_lifting_to_the_county(world, browser):
    name_places(world)
    duty, a2_officer = browser(world.duty), browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    first = read_in(duty, typhoon()).get_json()["warning"]
    added = read_in(a2_officer, typhoon())
    assert added.get_json()["outcome"] == "widened" and added.get_json()["left_out"] == []
    assert cell_ids(added) == {world.cell_a1.id, world.cell_a1b.id, world.cell_a2.id}
    refused = duty.post(f"/api/warnings/{first['id']}/lift")  # over two subdistricts now: the county's to lift
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "warning.not_yours"
    assert browser(world.admin).post(f"/api/warnings/{first['id']}/lift").status_code == 200
