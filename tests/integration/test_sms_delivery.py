"""Offers reach leaders' phones by SMS and voice through the real ``twilio`` client, talking to a local fake of
Twilio's API: each outbox row is sent once, retried only when it may work later, skipped when the offer was
answered or seen first, and reconciled after a worker dies mid-send. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from dispatch import create_app
from dispatch.extensions import db
from dispatch.models import OutboxMessage
from dispatch.services.dispatch import answers
from dispatch.services.notify import delivery
from notifications.channels.twilio import twilio_channels
from tests.integration.dispatch_helpers import event_kinds, need_body, open_incident, post_need, posted_need
from tests.integration.sms_helpers import PUBLIC_URL, SENDER, first_offer, make_due, outbox


def test_an_offer_is_texted_once_with_its_code_and_a_validity_that_ends_with_the_offer(world, browser, twilio):
    offer = first_offer(world, browser)
    row = outbox(offer["id"])
    assert row.status == "pending" and row.due_at > datetime.now(UTC)  # level III: only if the socket stays silent
    make_due(row.id)
    assert delivery.deliver(row.id) == "sent"
    assert delivery.deliver(row.id) == "sent"  # a re-run job sends nothing more
    [sent] = twilio.messages
    assert sent.to == world.org_a1.leader_phone and sent.form["From"] == SENDER
    assert offer["short_code"] in sent.body and "回复" in sent.body
    assert 0 < int(sent.form["ValidityPeriod"]) <= 600
    assert sent.form["StatusCallback"] == f"{PUBLIC_URL}/twilio/status"
    row = outbox(offer["id"])
    assert (row.provider_sid, row.delivery, row.body) == (sent.sid, "queued", sent.body)
    assert row.segments in (1, 2)
    assert [e.data["outbox_id"] for e in event_kinds(kind="sms.sent")] == [row.id]


def test_a_drill_offer_is_marked_as_a_drill(world, browser, twilio):
    duty = browser(world.duty)
    incident = open_incident(duty, drill=True)
    need = post_need(duty, incident["id"], need_body(world.cell_a1, broadcast_k=1)).get_json()
    row = outbox(need["assignments"][0]["id"])
    make_due(row.id)
    delivery.deliver(row.id)
    assert twilio.messages[0].body.startswith("【演练】")


def test_no_sms_goes_for_an_offer_seen_on_the_phone_or_already_answered(world, browser, twilio):
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=2)
    seen, answered = need["assignments"]
    assert seen["organization"]["id"] == world.org_a1.id  # world.leader's organization
    assert answers.mark_seen(world.leader.actor(), seen["id"]) is True
    assert answers.mark_seen(world.leader.actor(), seen["id"]) is False  # an ack twice is recorded once
    browser(world.duty).post(f"/api/assignments/{answered['id']}/cancel", {"reason": "另有安排"})
    for offer in (seen, answered):
        make_due(outbox(offer["id"]).id)
        assert delivery.deliver(outbox(offer["id"]).id) == "skipped"
    assert twilio.messages == []
    assert outbox(seen["id"]).error == "seen on the phone" and outbox(answered["id"]).error == "offer withdrawn"
    assert len(event_kinds(kind="offer.seen")) == 1


def test_a_server_error_is_retried_later_and_the_message_goes_once(world, browser, twilio):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    twilio.fail_next(1, 503)
    assert delivery.deliver(row_id) == "pending"
    row = outbox(offer["id"])
    assert row.attempts == 1 and row.error.startswith("twilio 503") and row.due_at > datetime.now(UTC)
    assert delivery.deliver(row_id) == "pending"  # not due yet: nothing happens
    make_due(row_id)
    assert delivery.deliver(row_id) == "sent"
    assert len(twilio.messages) == 1


def test_a_timeout_is_retried_and_retries_end_in_a_failure_the_officer_sees(app, world, browser, twilio):
    app.config["SMS_MAX_ATTEMPTS"] = 2
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    twilio.fail_next(5, 502)
    for _ in range(2):
        make_due(row_id)
        delivery.deliver(row_id)
    assert outbox(offer["id"]).status == "failed"
    timeline = browser(world.duty).get(f"/api/incidents/{offer['incident_id']}/timeline").get_json()["items"]
    assert [e["kind"] for e in timeline if e["kind"].startswith("sms.")] == ["sms.failed"]


def test_an_invalid_number_fails_at_once_and_is_never_retried(world, browser, twilio):
    offer = first_offer(world, browser)
    twilio.invalid_numbers.add(world.org_a1.leader_phone)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    assert delivery.deliver(row_id) == "failed"
    assert outbox(offer["id"]).attempts == 1 and "21211" in outbox(offer["id"]).error
    make_due(row_id)
    assert delivery.deliver(row_id) == "failed" and twilio.messages == []


def _deliver_in_a_child(config: dict, api_base: str, outbox_id: int) -> None:
    app = create_app(**config)
    with app.app_context():
        sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
        app.extensions["dispatch.channels"] = twilio_channels(sid, token, SENDER, api_base, timeout_s=60)
        delivery.deliver(outbox_id)


def test_a_worker_killed_while_sending_leaves_a_message_that_is_sent_exactly_once(app, world, browser, twilio):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    twilio.delay_next(1, 30)  # Twilio takes the message, and the worker dies before it hears back
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")}
    config.update(TESTING=True, SECRET_KEY="child", PUBLIC_URL=PUBLIC_URL, TWILIO_FROM=SENDER)
    db.session.remove()
    db.engine.dispose()  # the child must not share this process's connections
    child = multiprocessing.get_context("fork").Process(target=_deliver_in_a_child, args=(config, twilio.url, row_id))
    child.start()
    deadline = time.monotonic() + 20
    while not twilio.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert len(twilio.messages) == 1 and outbox(offer["id"]).status == "sending"

    assert delivery.enqueue_due() == 0  # within its lease the row is left alone: the worker might still be sending
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id).values(claimed_at=datetime.now(UTC) - timedelta(minutes=5))
    )
    db.session.commit()
    delivery.enqueue_due()  # the sweeper's pass: Twilio has it, so the row takes Twilio's id instead of sending again
    row = outbox(offer["id"])
    assert (row.status, row.provider_sid) == ("sent", twilio.messages[0].sid)
    assert delivery.deliver(row_id) == "sent" and len(twilio.messages) == 1


def test_a_row_abandoned_before_twilio_had_it_is_sent_again_once(world, browser, twilio):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    claimed = datetime.now(UTC) - timedelta(minutes=5)
    values = {"status": "sending", "claimed_at": claimed, "attempts": 1, "body": "某条没发出去的短信"}
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
    db.session.commit()
    delivery.reconcile_abandoned(datetime.now(UTC))
    assert outbox(offer["id"]).status == "pending"
    assert delivery.deliver(row_id) == "sent" and len(twilio.messages) == 1


def test_a_voice_call_goes_when_the_offer_is_still_unanswered(world, browser, twilio):
    offer = first_offer(world, browser)
    row = outbox(offer["id"], "voice")
    make_due(row.id)
    assert delivery.deliver(row.id) == "sent"
    [call] = twilio.calls
    assert call.form["To"] == world.org_a1.leader_phone and call.form["Url"] == f"{PUBLIC_URL}/twilio/voice/{row.id}"
    assert "按1" in outbox(offer["id"], "voice").body
    assert [e.kind for e in event_kinds(kind="voice.called")] == ["voice.called"]


def test_a_leader_who_reads_english_gets_the_offer_in_english(world, browser, twilio):
    world.leader.language = "en"
    db.session.commit()
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    delivery.deliver(row_id)
    [sent] = twilio.messages
    assert "to accept" in sent.body and offer["short_code"] in sent.body and "回复" not in sent.body


def test_a_call_written_before_voice_was_switched_off_fails_with_the_reason_instead_of_stopping_the_drain(app, world, browser):
    offer = first_offer(world, browser)
    call = outbox(offer["id"], "voice")
    make_due(call.id)
    saved = app.extensions["dispatch.channels"]
    app.extensions["dispatch.channels"] = {role: channel for role, channel in saved.items() if role != "voice"}
    try:
        assert delivery.deliver(call.id) == "failed"
        assert "no channel is configured for voice" in outbox(offer["id"], "voice").error
        make_due(outbox(offer["id"]).id)
        assert delivery.deliver(outbox(offer["id"]).id) == "sent"  # the SMS still goes
    finally:
        app.extensions["dispatch.channels"] = saved
