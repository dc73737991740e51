"""Asking the silent teams again: a team is texted at most once in five minutes, also when two officers press at the
same instant (for the same warning or for two warnings asking it); and when no one is texted for that, the answer
says why. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from tests.integration.dispatch_helpers import all_at_once
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_standby import asked_minutes_ago, questions, warn


def test_two_presses_at_the_same_instant_text_a_team_once(app, world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    warning = warn(duty, world)
    asked_minutes_ago(6)
    tabs = [browser(world.duty) for _ in range(4)]
    calls = [lambda tab=tab: tab.post(f"/api/warnings/{warning['id']}/ask-again") for tab in tabs]

    responses = all_at_once(app, calls)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert [r.status_code for r in responses] == [200] * 4
    answers = sorted((r.get_json()["asked"], r.get_json()["throttled"]) for r in responses)
    assert answers == [(0, 2), (0, 2), (0, 2), (2, 0)]
    texted = [q.organization_id for q in questions()]
    assert sorted(texted) == sorted([world.org_a1.id, world.org_a1b.id] * 2)  # the first questions and one more each


def test_two_warnings_asking_again_at_once_text_their_team_once(app, world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    first, second = warn(duty, world), warn(duty, world, headline="暴雨橙色预警（更新范围）")  # the second rode on the first
    asked_minutes_ago(6)
    tabs = [browser(world.duty) for _ in range(2)]
    calls = [lambda t=t, w=w: t.post(f"/api/warnings/{w['id']}/ask-again") for t, w in zip(tabs, (first, second), strict=True)]

    responses = all_at_once(app, calls)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.get_json()["asked"] for r in responses) == [0, 1]
    assert len(questions()) == 2  # the first question and one asked again


def test_asking_again_too_soon_says_why_no_one_was_texted(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    warning = warn(duty, world)

    answer = duty.post(f"/api/warnings/{warning['id']}/ask-again").get_json()
    assert (answer["asked"], answer["throttled"]) == (0, 2)
    assert answer["notice"] == "2 支队伍 5 分钟内刚收到过备勤询问，本次未再发短信"
    english = browser(world.duty, language="en").post(f"/api/warnings/{warning['id']}/ask-again").get_json()
    assert english["notice"] == "2 team(s) were asked less than 5 minutes ago and were not texted again"
    asked_minutes_ago(6)
    assert duty.post(f"/api/warnings/{warning['id']}/ask-again").get_json() == {"asked": 2, "throttled": 0, "notice": None}
    assert len(questions()) == 4
