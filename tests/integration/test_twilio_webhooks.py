"""Twilio calls us back: delivery reports, SMS replies and key presses. Only requests signed by Twilio for the
public URL count; a forged or replayed one changes nothing. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.models import Assignment, InboundMessage
from dispatch.services.notify import delivery
from tests.integration.dispatch_helpers import event_kinds, snapshot, states
from tests.integration.sms_helpers import PUBLIC_URL, first_offer, make_due, outbox


def hook(browser, fake, path: str, form: dict, *, forged: bool = False, signed_for: str | None = None):
    """POST a webhook as Twilio does: form-encoded, signed for the public URL (or ``signed_for``)."""
    signature = fake.sign(signed_for or f"{PUBLIC_URL}{path}", form, forged=forged)
    return browser().open(path, method="POST", data=form, headers={"X-Twilio-Signature": signature})


def sent_offer(world, browser, fake, **fields) -> tuple[dict, str]:
    offer = first_offer(world, browser, **fields)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    delivery.deliver(row_id)
    return offer, fake.messages[-1].sid


def reply(browser, fake, sender: str, body: str, sid: str = "SM" + "a" * 32, **options):
    form = {"MessageSid": sid, "From": sender, "To": "+15005550006", "Body": body, "AccountSid": fake.account_sid}
    return hook(browser, fake, "/twilio/sms", form, **options)


def test_delivery_reports_move_forward_only_and_failures_reach_the_timeline(world, browser, twilio):
    offer, sid = sent_offer(world, browser, twilio)
    report = {"MessageSid": sid, "AccountSid": twilio.account_sid}
    for status in ("sent", "delivered", "sent", "delivered"):  # late and repeated reports change nothing
        assert hook(browser, twilio, "/twilio/status", {**report, "MessageStatus": status}).status_code == 204
    assert outbox(offer["id"]).delivery == "delivered"
    assert len(event_kinds(kind="sms.delivered")) == 1

    other, other_sid = sent_offer(world, browser, twilio)
    form = {"MessageSid": other_sid, "AccountSid": twilio.account_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    hook(browser, twilio, "/twilio/status", form)
    timeline = browser(world.duty).get(f"/api/incidents/{other['incident_id']}/timeline").get_json()["items"]
    undelivered = [e for e in timeline if e["kind"] == "sms.undelivered"]
    assert len(undelivered) == 1 and undelivered[0]["data"]["error_code"] == "30003"


def test_a_reply_accepts_with_a_head_count_and_a_replay_answers_the_same_and_changes_nothing(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio)
    phone = world.org_a1.leader_phone
    answered = reply(browser, twilio, phone, f"接受 {offer['short_code'].lower()} 2")
    assert answered.status_code == 200 and answered.mimetype == "text/xml"
    assert "<Message>" in answered.get_data(as_text=True) and "2" in answered.get_data(as_text=True)
    assert db.session.get(Assignment, offer["id"]).state.value == "accepted"
    assert db.session.get(Assignment, offer["id"]).head_count == 2
    before = snapshot()
    again = reply(browser, twilio, phone, f"接受 {offer['short_code']} 2")
    assert again.get_data() == answered.get_data() and snapshot() == before
    assert db.session.query(InboundMessage).count() == 1


def test_a_reply_declines_with_a_reason_and_the_need_passes_on(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio, policy="sequential")
    reply(browser, twilio, world.org_a1.leader_phone, f"2 {offer['short_code']} 队员都在外地", sid="SM" + "b" * 32)
    assert states(offer["need_id"])[world.org_a1.id] == "declined"
    assert [e.data["reason"] for e in event_kinds(kind="offer.declined")] == ["队员都在外地"]
    assert "offered" in states(offer["need_id"]).values()  # the next organization has it


@pytest.mark.parametrize(
    ("body", "expected"),
    [("你好", "1 任务码"), ("1 WXYK", "WXYK")],  # help for an unreadable reply; a code with no offer is named back
)
def test_an_unclear_reply_gets_a_helpful_answer_and_changes_nothing(world, browser, twilio, body, expected):
    sent_offer(world, browser, twilio)
    before = snapshot()
    answered = reply(browser, twilio, world.org_a1.leader_phone, body, sid="SM" + "c" * 32)
    assert answered.status_code == 200 and expected in answered.get_data(as_text=True)
    assert snapshot() == before


def test_a_code_from_another_phone_cannot_answer_an_offer(world, browser, twilio):
    offer, _ = sent_offer(world, browser, twilio)
    before = snapshot()
    answered = reply(browser, twilio, world.org_a2.leader_phone, f"1 {offer['short_code']} 1", sid="SM" + "d" * 32)
    assert answered.status_code == 200 and snapshot() == before


@pytest.mark.parametrize("how", ["forged", "signed for the local address", "unsigned"])
def test_webhooks_that_twilio_did_not_sign_for_the_public_url_are_refused(world, browser, twilio, how):
    offer, sid = sent_offer(world, browser, twilio)
    before, phone = snapshot(), world.org_a1.leader_phone
    form = {"MessageSid": "SM" + "e" * 32, "From": phone, "Body": f"1 {offer['short_code']} 1", "AccountSid": twilio.account_sid}
    report = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": twilio.account_sid}
    for path, body in (("/twilio/sms", form), ("/twilio/status", report)):
        if how == "unsigned":
            response = browser().open(path, method="POST", data=body)
        else:
            options = {"forged": True} if how == "forged" else {"signed_for": f"http://localhost{path}"}
            response = hook(browser, twilio, path, body, **options)
        assert response.status_code == 403
    assert snapshot() == before and outbox(offer["id"]).delivery == "queued"
    assert db.session.query(InboundMessage).count() == 0


def test_the_call_reads_the_offer_and_a_key_answers_it_once(world, browser, twilio):
    offer = first_offer(world, browser)
    row = outbox(offer["id"], "voice")
    make_due(row.id)
    delivery.deliver(row.id)
    call = {"CallSid": "CA" + "f" * 32, "AccountSid": twilio.account_sid, "From": "+15005550006"}
    script = hook(browser, twilio, f"/twilio/voice/{row.id}", call).get_data(as_text=True)
    assert "<Gather" in script and f'action="/twilio/voice/{row.id}/answer"' in script and "按1" in script
    pressed = hook(browser, twilio, f"/twilio/voice/{row.id}/answer", {**call, "Digits": "1"})
    assert pressed.status_code == 200 and "<Say" in pressed.get_data(as_text=True)
    assignment = db.session.get(Assignment, offer["id"])
    assert assignment.state.value == "accepted" and assignment.head_count == 5  # what the need lacks, within capacity
    again = hook(browser, twilio, f"/twilio/voice/{row.id}/answer", {**call, "Digits": "2"})
    assert again.get_data() == pressed.get_data() and db.session.get(Assignment, offer["id"]).state.value == "accepted"


def test_without_twilio_settings_the_webhooks_do_not_exist(world, browser):
    assert browser().open("/twilio/sms", method="POST", data={"Body": "1 ACDE"}).status_code == 404
