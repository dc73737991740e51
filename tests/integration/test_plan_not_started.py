"""A level I plan that cannot start by itself (a team it designates gone since it was written) is named on the
incident's timeline, with why in words, in the reader's language: never a code."""

from __future__ import annotations

from dispatch.extensions import db
from tests.integration.test_plans import keep, open_incident, plan_text


def timeline_texts(client, incident: dict) -> list[str]:
    items = client.get(f"/api/incidents/{incident['id']}/timeline").get_json()["items"]
    return [e["data"]["text"] for e in items if e["kind"] == "plan.not_started"]


def test_the_timeline_names_the_plan_that_could_not_start_and_says_why(world, browser):
    duty = browser(world.duty)
    keep(
        duty, plan_text(world, title="西溪街道防台风应急预案", min_level="I", auto_start="true", designated=[world.org_a1b.name])
    )
    gone, world.org_a1b.name = world.org_a1b.name, "新名字服务队"  # renamed since the plan was written
    db.session.commit()
    incident = open_incident(duty, world, level="I")
    (said,) = timeline_texts(duty, incident)
    assert said == f"预案《西溪街道防台风应急预案》未能自动启动：辖区内没有名为“{gone}”的组织（第 9 行）"
    (english,) = timeline_texts(browser(world.duty, language="en"), incident)
    assert (
        english
        == f"The plan “西溪街道防台风应急预案” could not start by itself: no organization in the area is called “{gone}” (line 9)"
    )
