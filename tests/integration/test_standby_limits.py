"""A standby answer is a count the team could send (issue 17): no more than the most it declared for a skill, or
its listed members when they are more; the board counts no more ready than the team has on duty now; and an SMS
answer that cannot be read, or claims too many, is told the form and the limit, never the offer's instructions."""

from __future__ import annotations

import html

from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import Member
from tests.factories import make_member
from tests.integration.sms_helpers import first_offer
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_standby import polls, warn
from tests.integration.test_twilio_webhooks import reply

UNREAD = "未能识别备勤回复：请回复“备勤 人数”，人数为 0 至 {most} 的整数。"


def asked(world, browser) -> None:
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)


def texted(browser, twilio, world, body: str, n: int) -> str:
    answer = reply(browser, twilio, world.org_a1.leader_phone, body, sid=f"SM{n:032d}")
    return html.unescape(answer.get_data(as_text=True))


def test_a_team_cannot_say_more_people_are_ready_than_it_registered(world, browser):
    asked(world, browser)  # A1 declared 10 for rescue and lists one member
    (poll,) = polls()
    for language, said in (
        ("zh", "超过本队登记的人数（10 人）：可出动人数应为 0 至 10"),
        ("en", "more than the team has registered (10 people): the people ready must be 0 to 10"),
    ):
        answer = browser(world.leader, language=language).post(f"/api/standby/{poll.id}/answer", {"ready": 1000})
        (error,) = answer.get_json()["error"]["errors"]
        assert (answer.status_code, error["code"], error["message"]) == (422, "standby.over_team", said)
    assert polls()[0].ready is None
    assert browser(world.leader).post(f"/api/standby/{poll.id}/answer", {"ready": 10}).status_code == 200


def test_a_team_listing_more_members_than_it_declared_may_say_all_of_them(world, browser):
    asked(world, browser)
    for _ in range(11):
        make_member(world.org_a1)
    db.session.commit()
    (poll,) = polls()
    leader = browser(world.leader)
    assert leader.post(f"/api/standby/{poll.id}/answer", {"ready": 12}).status_code == 200
    assert leader.post(f"/api/standby/{poll.id}/answer", {"ready": 13}).status_code == 422


def test_an_sms_claiming_more_than_the_team_has_is_told_the_limit(world, browser, twilio):
    asked(world, browser)
    said = texted(browser, twilio, world, "备勤 1000", 1)
    assert "可出动人数超过本队登记的人数（10 人）：请回复“备勤 人数”，人数为 0 至 10 的整数。" in said
    assert polls()[0].ready is None


def test_standby_sms_that_cannot_be_read_get_the_standby_form_back(world, browser, twilio):
    asked(world, browser)
    for n, body in enumerate(("备勤 -3", "备勤 2.5", "备勤 五", "备勤", "-3", "2.5", "五")):
        said = texted(browser, twilio, world, body, n + 1)
        assert UNREAD.format(most=10) in said, body
        assert "接受请回复" not in said, body
    assert polls()[0].ready is None


def test_a_bare_number_like_reply_goes_to_the_open_offer(world, browser, twilio):
    asked(world, browser)
    first_offer(world, browser)  # an offer is open too: "-3" is the offer's to read
    said = texted(browser, twilio, world, "-3", 1)
    assert "备勤" not in said
    assert UNREAD.format(most=10) in texted(browser, twilio, world, "备勤 -3", 2)  # said 备勤: standby's


def test_the_board_counts_no_more_ready_than_the_team_has_on_duty(world, browser):
    asked(world, browser)
    for _ in range(9):  # ten members for rescue (it declared ten), eight of them off duty: two on duty for rescue
        make_member(world.org_a1)
    db.session.execute(update(Member).where(Member.id.in_([m.id for m in world.org_a1.members[:8]])).values(on_duty=False))
    db.session.commit()
    (poll,) = polls()
    assert browser(world.leader).post(f"/api/standby/{poll.id}/answer", {"ready": 8}).status_code == 200
    standby = browser(world.duty).get(f"/api/warnings/{poll.warning_id}/standby").get_json()
    ready = {r["skill"]: r["ready"] for r in standby["readiness"]}
    assert ready == {"rescue": 5, "logistics": 5}  # best-staffed now: logistics, five declared and none listed


def test_the_phone_simulator_names_a_standby_answer_as_done(world, browser):
    asked(world, browser)
    leader = browser(world.leader)
    typed = leader.open(f"/phones/{world.org_a1.id}/reply", method="POST", data={"text": "备勤 3", "csrf_token": leader.token()})
    assert typed.status_code == 302 and polls()[0].ready == 3
    shown = html.unescape(leader.get(f"/phones/{world.org_a1.id}").get_data(as_text=True))
    assert "已收到备勤回复" in shown and "未办理" not in shown
