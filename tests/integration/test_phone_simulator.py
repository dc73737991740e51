"""Without Twilio settings nothing leaves the machine: the phone simulator shows each leader's phone, and a reply
typed there goes through the same parser and the same accept as a real SMS."""

from __future__ import annotations

import html

from dispatch.extensions import db
from dispatch.models import Assignment
from dispatch.services import delivery
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
    assert outbox(offer["id"]).body in shown and "UCS-2" in shown

    typed = leader.open(
        f"/phones/{world.org_a1.id}/reply",
        method="POST",
        data={"text": f"1 {offer['short_code']} 3", "csrf_token": leader.token()},
    )
    assert typed.status_code == 302
    assignment = db.session.get(Assignment, offer["id"])
    assert (assignment.state.value, assignment.head_count) == ("accepted", 3)
    assert f"1 {offer['short_code']} 3" in page(leader, world.org_a1)


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
