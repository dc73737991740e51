"""What no schema reads is checked at the door: a NUL or half a surrogate pair in a path, query string or form field,
and row ids no row can have in a page's form or query string, get a clear 4xx and change nothing, on every route
(pages, the public scorecards, the login form, Twilio's webhooks), never a 500. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

import pytest

from tests.integration.dispatch_helpers import need_body, open_incident, post_need, snapshot
from tests.integration.test_twilio_webhooks import hook, reply, sent_offer


def login_form(browser) -> dict:
    page = browser().get("/login").get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def test_a_login_with_a_nul_is_refused_plainly(world, browser):
    client = browser()
    form = {**login_form(lambda: client), "username": "demo\x00duty", "password": "x"}
    response = client.open("/login", method="POST", data=form)
    assert response.status_code == 422 and "username" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/scorecards/%00/2026-Q4", "/scorecards/330106/%00", "/scorecards/330106/%00/scorecards.csv"])
def test_the_public_scorecards_refuse_a_nul_in_their_path(browser, path):
    assert browser().get(path).status_code == 422


@pytest.mark.parametrize("number", [str(2**31), str(10**20), "0", "x"])
def test_page_query_strings_refuse_ids_no_row_can_have(world, browser, number):
    duty = browser(world.duty)
    assert duty.get(f"/evaluations?subdistrict_id={number}").status_code == 422
    assert duty.get(f"/certificates/expiring?days={number}").status_code in (200, 422)


def test_a_need_posted_with_an_unprintable_idempotency_key_is_refused_and_changes_nothing(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    before = snapshot()
    response = post_need(duty, incident["id"], need_body(world.cell_a1), key="key\x00one")
    assert response.status_code == 422 and snapshot() == before


@pytest.mark.parametrize("field", ["Body", "From", "MessageSid"])
def test_a_twilio_reply_with_a_nul_is_refused_and_changes_nothing(world, browser, twilio, field):
    offer, _ = sent_offer(world, browser, twilio)
    form = {"MessageSid": "SM" + "9" * 32, "From": world.org_a1.leader_phone, "Body": f"1 {offer['short_code']} 1"}
    form[field] += "\x00"
    before = snapshot()
    response = hook(browser, twilio, "/twilio/sms", {**form, "AccountSid": twilio.account_sid})
    assert response.status_code == 422 and snapshot() == before
    assert reply(browser, twilio, world.org_a1.leader_phone, f"1 {offer['short_code']} 1", sid="SM" + "8" * 32).status_code == 200
