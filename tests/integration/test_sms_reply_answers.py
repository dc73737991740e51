"""Every SMS reply gets an answer that says what happened, never a server error: the task is no longer open, it needs
fewer people, the organization has fewer free, nobody is free, the code is unknown. Replays of one reply, also at
the same instant, all get the first one's answer and change nothing more. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.extensions import db
from dispatch.models import Assignment, InboundMessage
from dispatch.services.dispatch import answers
from dispatch.services.notify import delivery, replies
from tests.factories import make_incident, make_need, make_offer
from tests.integration.dispatch_helpers import all_at_once, event_kinds, make_overdue, snapshot
from tests.integration.sms_helpers import first_offer, make_due, outbox
from tests.integration.test_twilio_webhooks import hook, reply, sent_offer

SID = "SM" + "7" * 32


def answer_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_an_accept_after_the_offer_ran_out_is_told_the_task_is_closed(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio)
    make_overdue(offer["id"])
    answers.sweep_overdue()
    before = snapshot()

    text = answer_text(reply(browser, twilio, world.org_a1.leader_phone, f"1 {offer['short_code']} 2", sid=SID))

    assert f"任务{offer['short_code']}已结束或已满员" in text
    assert snapshot() == before


def test_an_accept_of_an_offer_called_off_is_told_the_task_is_closed_in_english_too(world, browser, twilio):
    world.leader.language = "en"
    db.session.commit()
    offer, _ = sent_offer(world, browser, twilio)
    assert browser(world.duty).post(f"/api/needs/{offer['need_id']}/cancel").status_code == 200

    text = answer_text(reply(browser, twilio, world.org_a1.leader_phone, f"1 {offer['short_code']}", sid=SID))

    assert f"Task {offer['short_code']} is no longer open" in text


@pytest.mark.parametrize(
    ("head_count", "asked", "expected"),
    [
        (5, 9, "只差5人"),  # more than the need lacks
        (8, 7, "最多可派5人"),  # more than the organization's 5 logistics people
    ],
)
def test_an_accept_for_too_many_people_says_how_many_can_go(world, browser, twilio, head_count, asked, expected):
    offer, _ = sent_offer(world, browser, twilio, head_count=head_count)
    before = snapshot()

    text = answer_text(reply(browser, twilio, world.org_a1.leader_phone, f"1 {offer['short_code']} {asked}", sid=SID))

    assert expected in text
    assert snapshot() == before


def test_an_accept_when_everyone_is_already_out_says_nobody_is_free(world, browser, twilio):
    busy, _ = sent_offer(world, browser, twilio)
    answers.accept(world.leader.actor(), busy["id"], 5)  # all five logistics people are out on it
    offer = make_offer(make_need(make_incident(world.sub_a1), world.cell_a1), world.org_a1, short_code="KMNP")
    db.session.commit()

    text = answer_text(reply(browser, twilio, world.org_a1.leader_phone, "1 KMNP", sid=SID))

    assert "没有空余人手" in text
    assert db.session.get(Assignment, offer.id).state.value == "offered"


def test_a_code_nobody_was_sent_is_named_back(world, browser, twilio):
    sent_offer(world, browser, twilio)
    text = answer_text(reply(browser, twilio, world.org_a1.leader_phone, "1 WXYK 2", sid=SID))
    assert "WXYK" in text and "核对" in text


@pytest.mark.parametrize("late", [False, True], ids=["open offer", "closed offer"])
def test_the_same_reply_delivered_three_times_at_once_gets_one_answer_and_one_acceptance(app, world, browser, twilio, late):
    offer, _ = sent_offer(world, browser, twilio)
    if late:
        make_overdue(offer["id"])
        answers.sweep_overdue()
    phone, body = world.org_a1.leader_phone, f"1 {offer['short_code']} 2"

    responses = all_at_once(app, [lambda: reply(browser, twilio, phone, body, sid=SID) for _ in range(3)])

    texts = {answer_text(response) for response in responses}
    assert len(texts) == 1, texts
    assert len(event_kinds(kind="offer.accepted")) == (0 if late else 1)
    assert db.session.query(InboundMessage).filter_by(sid=SID).count() == 1


def test_a_reply_whose_first_answerer_died_is_answered_by_the_next_delivery(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio)
    phone, body = world.org_a1.leader_phone, f"1 {offer['short_code']} 2"
    claimed_long_ago = datetime.now(UTC) - timedelta(seconds=replies.CLAIM_STALE_S + 1)
    db.session.add(InboundMessage(sid=SID, channel="sms", sender=phone, body=body, outcome="", received_at=claimed_long_ago))
    db.session.commit()  # a process claimed the message, then was killed before answering

    text = answer_text(reply(browser, twilio, phone, body, sid=SID))

    assert "已确认" in text and db.session.get(Assignment, offer["id"]).state.value == "accepted"


def test_a_leader_who_accepted_and_texts_again_is_told_they_are_committed_not_that_the_task_is_closed(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio, head_count=5)
    phone, code = world.org_a1.leader_phone, offer["short_code"]
    answer_text(reply(browser, twilio, phone, f"1 {code} 2", sid="SM" + "1" * 32))  # 3 still needed: the need stays open

    again = answer_text(reply(browser, twilio, phone, f"1 {code} 2", sid="SM" + "2" * 32))
    backing_out = answer_text(reply(browser, twilio, phone, f"2 {code} 忙", sid="SM" + "3" * 32))

    assert f"您已接受任务{code}，2人前往" in again and f"您已接受任务{code}，2人前往" in backing_out
    assert "已结束" not in again + backing_out
    assert db.session.get(Assignment, offer["id"]).state.value == "accepted"


def test_a_leader_who_declined_and_then_accepts_is_told_they_declined(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio)
    phone, code = world.org_a1.leader_phone, offer["short_code"]
    answer_text(reply(browser, twilio, phone, f"2 {code} 不在", sid="SM" + "1" * 32))
    assert f"您已拒绝任务{code}" in answer_text(reply(browser, twilio, phone, f"1 {code} 1", sid="SM" + "2" * 32))


@pytest.mark.parametrize("count", ["0", "-1", "1.5", "五"])
def test_a_head_count_that_is_no_count_gets_the_range_it_must_be_in(world, browser, twilio, count):
    offer, _ = sent_offer(world, browser, twilio)
    text = answer_text(reply(browser, twilio, world.org_a1.leader_phone, f"1 {offer['short_code']} {count}", sid=SID))
    assert f"任务{offer['short_code']}的人数请写1到1000之间的整数" in text


def test_a_key_that_means_nothing_reads_the_offer_again_and_asks_again(world, browser, twilio):
    offer = first_offer(world, browser)
    row = outbox(offer["id"], "voice")
    make_due(row.id)
    delivery.deliver(row.id)
    call = {"CallSid": "CA" + "4" * 32, "AccountSid": twilio.account_sid, "From": "+15005550006"}
    pressed = hook(browser, twilio, f"/twilio/voice/{row.id}/answer", {**call, "Digits": "9"}).get_data(as_text=True)
    assert "<Gather" in pressed and "<Hangup" not in pressed
    assert db.session.get(Assignment, offer["id"]).state.value == "offered"
