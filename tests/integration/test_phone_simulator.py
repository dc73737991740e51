"""Without Twilio settings nothing leaves the machine: the phone simulator shows each leader's phone, and a reply
typed there goes through the same parser and the same accept as a real SMS."""

from __future__ import annotations

import html
import re

from dispatch.extensions import db
from dispatch.models import Assignment
from dispatch.services.notify import delivery
from tests.integration.sms_helpers import first_offer, make_due, outbox


def page(client, organization) -> str:
    response = client.get(f"/phones/{organization.id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_leaders_phone_shows_the_offer_and_a_reply_there_accepts_it(world, browser):
    offer = first_offer(world, browser)
    row = outbox(offer["id"])
    make_due(row.id)
    assert delivery.deliver(row.id) == "sent" and outbox(offer["id"]).provider == "outbox"
    leader = browser(world.leader)
    assert f"/phones/{world.org_a1.id}" in leader.get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)
    shown = page(leader, world.org_a1)
    assert outbox(offer["id"]).body in shown and re.search(r"\d 条短信（中文编码）", shown)  # not "2 × UCS-2"
    assert "UCS-2" not in shown and "×" not in shown

    typed = leader.open(
        f"/phones/{world.org_a1.id}/reply",
        method="POST",
        data={"text": f"1 {offer['short_code']} 3", "csrf_token": leader.token()},
    )
    assert typed.status_code == 302
    assignment = db.session.get(Assignment, offer["id"])
    assert (assignment.state.value, assignment.head_count) == ("accepted", 3)
    shown = page(leader, world.org_a1)
    assert f"1 {offer['short_code']} 3" in shown and "已接受" in shown


def test_the_simulator_says_in_words_what_a_reply_did(world, browser):
    offer = first_offer(world, browser)
    make_due(outbox(offer["id"]).id)
    delivery.deliver(outbox(offer["id"]).id)
    leader = browser(world.leader)
    for text in (
        "好的",
        f"1 {offer['short_code']} 很多",
        f"1 {offer['short_code']} 9999",
        "2 QQQQ",
        f"2 {offer['short_code']} 人手不足",
    ):
        leader.open(f"/phones/{world.org_a1.id}/reply", method="POST", data={"text": text, "csrf_token": leader.token()})
    shown = page(leader, world.org_a1)
    for words in (
        "未能识别：开头应为 1（接受）或 2（拒绝）",
        "未能识别：人数应为 1 到 1000 之间的数字",
        "未能识别：派单编号有误",
        "已拒绝",
    ):
        assert words in shown
    for code in ("reply.no_action", "reply.bad_head_count", "reply.bad_code", "declined"):
        assert code not in shown
    english = page(browser(world.leader, language="en"), world.org_a1)
    assert "Not understood: the head count must be a number from 1 to 1000" in english and "SMS (Chinese encoding)" in english


def test_a_call_on_the_simulator_is_answered_with_a_key(world, browser):
    offer = first_offer(world, browser)
    row = outbox(offer["id"], "voice")
    make_due(row.id)
    delivery.deliver(row.id)
    duty = browser(world.duty)
    assert "按 1" in page(duty, world.org_a1) or "Press 1" in page(duty, world.org_a1)
    pressed = duty.open(
        f"/phones/{world.org_a1.id}/calls/{row.id}", method="POST", data={"digits": "2", "csrf_token": duty.token()}
    )
    assert pressed.status_code == 302
    assert db.session.get(Assignment, offer["id"]).state.value == "declined"
