"""What a plan is checked for when it is saved, not only when it starts: an address is found (in the plan's own
streets), a landmark is one of its own, and a designated team offers the task's skills; each refusal on its line, in
the officer's language, through the API as through the page, and nothing kept."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.models import Landmark
from dispatch.services.registry.geography import cells_changed
from geo.nearby import LandmarkKind
from tests.factories import make_organization
from tests.integration.test_plan_pages import form
from tests.integration.test_plans import counts, keep, needs_of, open_incident, plan_text


def at(world, place: str) -> str:
    """The world's plan with its first task at another place."""
    return plan_text(world).replace(f'{{cell: "{world.cell_a1.code}"}}', place)


def refused(client, text: str) -> list[tuple[str, int, str]]:
    response = client.post("/api/plans", {"text": text})
    assert response.status_code == 422, response.get_json()
    return [(e["code"], e.get("row"), e["message"]) for e in response.get_json()["error"]["errors"]]


def test_an_address_is_found_when_the_plan_is_saved_and_its_need_goes_there(world, browser):
    duty = browser(world.duty)
    plan = keep(duty, at(world, f"{{address: {world.community_a1.name_zh}}}"))
    incident = open_incident(duty, world)
    assert duty.post(f"/api/incidents/{incident['id']}/plans/{plan['id']}/start", {}).status_code == 200
    first = needs_of(incident)[0]
    assert first.place_name == world.community_a1.name_zh
    assert first.cell_id in (world.cell_a1.id, world.cell_a1b.id)


def test_an_address_nobody_can_find_is_refused_on_its_line_in_each_language(world, browser):
    text = at(world, "{address: 火星路九十九号}")
    ((code, row, chinese),) = refused(browser(world.duty), text)
    assert (code, row) == ("plan.unknown_address", 7)
    assert "找不到地址“火星路九十九号”" in chinese
    ((_code, _row, english),) = refused(browser(world.duty, language="en"), text)
    assert english.startswith("no place is found for “火星路九十九号”")
    assert counts() == (0, 0, 0)


def test_an_address_in_a_neighbours_streets_is_refused(world, browser):
    ((code, row, chinese),) = refused(browser(world.duty), at(world, f"{{address: {world.community_a2.name_zh}}}"))
    assert (code, row) == ("plan.address_outside", 7)
    assert "不在本预案可调度的范围内" in chinese


@pytest.fixture
def landmarks(world):
    """A school in the duty officer's cell A1, a bridge in the neighbour's cell A2."""
    for name, lon in (("文三小学", 120.105), ("西溪大桥", 120.125)):
        db.session.add(
            Landmark(county_id=world.county_a.id, kind=LandmarkKind.LANDMARK, name_zh=name, name_en="", lon=lon, lat=30.275)
        )
    db.session.commit()
    cells_changed()


def test_a_landmark_of_the_neighbours_is_refused_and_ones_own_is_kept(world, browser, landmarks):
    duty = browser(world.duty)
    ((code, row, chinese),) = refused(duty, at(world, "{landmark: 西溪大桥}"))
    assert (code, row, chinese) == ("plan.landmark_outside", 7, "地标“西溪大桥”不在本预案可调度的范围内")
    assert keep(duty, at(world, "{landmark: 文三小学}"))["version"] == 1


def test_a_designated_team_without_the_tasks_skill_is_refused_on_its_line(world, browser):
    medics = make_organization(world.community_a1, [world.cell_a1], skills={"first_aid": 4}, name="文三红十字救护队")
    db.session.commit()
    text = plan_text(world, designated=[world.org_a1b.name, medics.name])
    ((code, row, chinese),) = refused(browser(world.duty), text)
    assert (code, row) == ("plan.designated_lacks_skills", 8)
    assert chinese.startswith("“文三红十字救护队”没有本任务需要的技能：后勤物资保障")
    ((_code, _row, english),) = refused(browser(world.duty, language="en"), text)
    assert english.startswith("“文三红十字救护队” does not offer this task's skill(s): Logistics and supplies")
    assert counts() == (0, 0, 0)


def test_the_page_says_the_save_time_problems_on_their_lines(world, browser):
    medics = make_organization(world.community_a1, [world.cell_a1], skills={"first_aid": 4}, name="文三红十字救护队")
    db.session.commit()
    text = at(world, "{address: 火星路九十九号}") + f"    designated: [{medics.name}]\n"
    page = form(browser(world.duty), "/plans", {"text": text})
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "第 7 行" in body and "找不到地址“火星路九十九号”" in body
    assert "第 11 行" in body and "没有本任务需要的技能" in body


@pytest.mark.parametrize(
    "mistake, chinese, english",
    [
        ("title: 防台风预案\n\tcategory: x\n", "制表符", "indented with a tab"),
        ('title: "防台风预案\n', "引号没有配对", "a quote is not closed"),
        ("title: 防台风预案: 修订\n", "多了冒号", "a colon too many"),
    ],
)
def test_a_yaml_mistake_reads_as_a_sentence_in_the_officers_language(world, browser, mistake, chinese, english):
    for language, words in (("zh", chinese), ("en", english)):
        response = browser(world.duty, language=language).post("/api/plans", {"text": mistake})
        (error,) = response.get_json()["error"]["errors"]
        assert error["code"] == "plan.not_yaml" and words in error["message"]
        assert "token" not in error["message"] and "scanning" not in error["message"]


def test_a_title_of_zero_width_spaces_is_empty(world, browser):
    text = plan_text(world, title="'\u200b\u200b'").replace("name: 装填沙袋", "name: '\u200b'")
    errors = refused(browser(world.duty), text)
    assert [(code, row) for code, row, _ in errors] == [("plan.blank", 1), ("plan.blank", 5)]
    assert errors[0][2].startswith("标题不能为空")
