"""The one-tap offer link (/t/<token>): the leader sees the offer and answers it with no login, once; the token opens
its own offer and nothing else, grants no session, and a tampered, foreign or expired one changes nothing. Runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dispatch.domain.offer_tokens import token_for
from dispatch.extensions import db
from dispatch.models import Assignment, AuditRecord, Event
from dispatch.services.dispatch import offer_links
from tests.integration.dispatch_helpers import all_at_once, posted_need, said
from tests.integration.sms_helpers import PUBLIC_URL
from tests.integration.test_scope import snapshot

DESCRIPTION = "地下车库进水，约20辆车被困"
ACCEPTED = "已接受该任务，派出 {n} 人。"
CLOSED = "该任务已结束，不能再接受或拒绝。"


@pytest.fixture
def offers(world, browser) -> dict:
    """A need for 5 people in cell A1, offered to the world's two organizations of community A1: id by organization."""
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=2, head_count=5, description=DESCRIPTION)
    by_org = {a["organization"]["id"]: a["id"] for a in need["assignments"]}
    return {"mine": by_org[world.org_a1.id], "theirs": by_org[world.org_a1b.id], "need": need}


def tap(assignment_id: int) -> str:
    return "/t/" + offer_links.tap_token(assignment_id)


def opened(client, url: str):
    """The link's page, its CSRF token kept as the browser keeps the page."""
    page = client.get(url)
    if found := re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)):
        client.tap_csrf = found.group(1)
    return page


def answer(client, url: str, **form):
    """Open the link's page, then send its form as a browser would (with the page's CSRF token). A page with no form
    (the offer is answered or closed) is answered as from the page held open before (its token is the session's)."""
    opened(client, url)
    return client.open(url, method="POST", data={"csrf_token": client.tap_csrf, **form}, headers=client.headers)


def offer(assignment_id: int) -> Assignment:
    return db.session.get(Assignment, assignment_id, populate_existing=True)


def events_of(assignment_id: int, kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.assignment_id == assignment_id, Event.kind == kind)))


def test_the_link_is_the_public_address_and_a_short_token(app, offers):
    link = offer_links.tap_link(offers["mine"])
    assert link.startswith(app.config["PUBLIC_URL"].rstrip("/") + "/t/")
    assert re.fullmatch(r"[0-9A-Za-z]{15,22}", link.rsplit("/", 1)[1])
    assert offer_links.offer_link("A7KM").endswith("/m/o/A7KM")  # the phone page's link still works as it did


def test_the_page_shows_the_offer_to_anyone_holding_the_link_and_is_never_cached(world, browser, offers):
    page = browser().get(tap(offers["mine"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert offers["need"]["place_name"] in html and DESCRIPTION in html
    assert "尚缺人数" in html and "5 人" in html and "答复截止" in html
    assert 'name="head_count"' in html and 'value="5"' in html and 'max="5"' in html  # what the need lacks
    assert "uri.amap.com" in html and "amapuri://" in html  # 导航
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the map site never sees the token
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] and "<script" not in html


def test_accepting_twice_accepts_once_and_says_what_was_answered(world, browser, offers):
    client, url = browser(), tap(offers["mine"])
    first = answer(client, url, action="accept", head_count="3")
    assert first.status_code == 303 and first.headers["Location"].endswith(url)
    assert ACCEPTED.format(n=3) in client.get(url).get_data(as_text=True)
    again = answer(client, url, action="accept", head_count="2")
    assert again.status_code == 409 and ACCEPTED.format(n=3) in again.get_data(as_text=True)
    assert offer(offers["mine"]).head_count == 3 and offer(offers["mine"]).need.accepted == 3
    [accepted] = events_of(offers["mine"], "offer.accepted")
    assert said(accepted.data) == {"head_count": 3, "via": "link"} and accepted.actor_id == world.leader.id


def test_a_decline_after_an_accept_changes_nothing(browser, offers):
    client, url = browser(), tap(offers["mine"])
    assert answer(client, url, action="accept", head_count="2").status_code == 303
    before = snapshot()
    refused = answer(client, url, action="decline", reason="队员不在")
    assert refused.status_code == 409 and ACCEPTED.format(n=2) in refused.get_data(as_text=True)
    assert snapshot() == before and events_of(offers["mine"], "offer.declined") == []


def test_a_decline_keeps_its_reason_and_passes_the_need_on(browser, offers):
    client, url = browser(), tap(offers["mine"])
    assert answer(client, url, action="decline", reason="队员都在外地").status_code == 303
    assert "已拒绝该任务。" in client.get(url).get_data(as_text=True)
    assert offer(offers["mine"]).state.value == "declined" and offer(offers["mine"]).note == "队员都在外地"
    [declined] = events_of(offers["mine"], "offer.declined")
    assert said(declined.data) == {"reason": "队员都在外地", "via": "link"}


def test_an_answer_on_the_phone_page_first_leaves_the_link_nothing_to_do(world, browser, offers):
    client = browser()
    opened(client, tap(offers["mine"]))  # the page held open while the leader answers on the phone page
    leader = browser(world.leader)
    assert leader.post(f"/api/assignments/{offers['mine']}/accept", {"head_count": 4}).status_code == 200
    before = snapshot()
    again = client.open(
        tap(offers["mine"]), method="POST", data={"csrf_token": client.tap_csrf, "action": "accept", "head_count": "1"}
    )
    assert again.status_code == 409 and ACCEPTED.format(n=4) in again.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "人数必填"),
        ("abc", "人数应为整数"),
        ("0", "人数应不小于 1"),
        ("1001", "人数应不大于 1000"),
        ("6", "接受 6 人超过了尚缺的 5 人"),
    ],
)
def test_a_bad_head_count_gets_the_form_again_with_what_is_wrong(browser, offers, typed, said):
    before = snapshot()
    page = answer(browser(), tap(offers["mine"]), action="accept", head_count=typed)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and said in html, html
    assert 'name="head_count"' in html and 'aria-invalid="true"' in html
    assert snapshot() == before


def test_the_refusal_is_in_the_readers_language(browser, offers):
    page = answer(browser(language="en"), tap(offers["mine"]), action="accept", head_count="abc")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "the head count must be a whole number" in html.lower()
    assert "People you send" in html


def test_a_leader_who_reads_english_gets_the_page_in_english(world, browser, offers):
    world.leader.language = "en"
    db.session.commit()
    html = browser().get(tap(offers["mine"])).get_data(as_text=True)
    assert "Still needed" in html and "Accept" in html and "接受" not in html


def test_an_unknown_action_or_an_overlong_reason_changes_nothing(browser, offers):
    before = snapshot()
    assert answer(browser(), tap(offers["mine"]), action="withdraw").status_code == 422
    assert answer(browser(), tap(offers["mine"]), action="decline", reason="太" * 201).status_code == 422
    assert snapshot() == before


def test_a_token_opens_its_own_offer_and_no_other(app, browser, offers):
    mine, theirs = offers["mine"], offers["theirs"]
    key = offer_links.link_key()
    grafted = token_for(mine, key)[:14] + token_for(theirs, key)[14:]  # my MAC, their id
    for token in (grafted, token_for(theirs, b"another key"), token_for(mine, key)[:-1], "x" * 22, "0"):
        before = snapshot()
        client = browser()
        opened(client, tap(mine))  # a session with a CSRF token, as the holder of a real link has
        page = client.get(f"/t/{token}")
        assert page.status_code == 404 and "链接无效" in page.get_data(as_text=True)
        forged = client.open(
            f"/t/{token}", method="POST", data={"csrf_token": client.tap_csrf, "action": "accept", "head_count": "1"}
        )
        assert forged.status_code == 404 and snapshot() == before
    html = browser().get(tap(mine)).get_data(as_text=True)
    assert f"/t/{offer_links.tap_token(theirs)}" not in html and "/api/" not in html


def test_a_bad_token_is_said_plainly_in_english_too(browser):
    page = browser(language="en").get("/t/AAAAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 404 and "This link is not valid" in page.get_data(as_text=True)


def test_an_expired_offer_says_it_is_closed_and_cannot_be_answered(browser, offers):
    client, url = browser(), tap(offers["mine"])
    opened(client, url)  # opened in time, answered too late
    db.session.execute(
        update(Assignment).where(Assignment.id == offers["mine"]).values(deadline=datetime.now(UTC) - timedelta(seconds=1))
    )
    db.session.commit()
    page = client.get(url)
    assert (
        page.status_code == 200
        and CLOSED in page.get_data(as_text=True)
        and 'name="head_count"' not in page.get_data(as_text=True)
    )
    before = snapshot()
    late = client.open(url, method="POST", data={"csrf_token": client.tap_csrf, "action": "accept", "head_count": "1"})
    assert late.status_code == 409 and CLOSED in late.get_data(as_text=True)
    assert snapshot() == before


def test_a_withdrawn_offer_is_closed_too(world, browser, offers):
    duty = browser(world.duty)
    assert duty.post(f"/api/assignments/{offers['mine']}/cancel", {"reason": ""}).status_code == 200
    assert CLOSED in browser().get(tap(offers["mine"])).get_data(as_text=True)


def test_the_link_grants_no_session(browser, offers):
    client = browser()
    assert answer(client, tap(offers["mine"]), action="accept", head_count="1").status_code == 303
    assert client.get("/api/me").status_code == 401
    page = client.get("/m")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert client.get(f"/api/assignments/{offers['mine']}").status_code == 401
    sent = client.open(f"/api/assignments/{offers['theirs']}/accept", method="POST", json={"head_count": 1})
    assert sent.status_code in (400, 401) and offer(offers["theirs"]).state.value == "offered"


def test_an_answer_without_the_pages_csrf_token_changes_nothing(browser, offers):
    before = snapshot()
    client = browser()
    client.get(tap(offers["mine"]))
    sent = client.open(tap(offers["mine"]), method="POST", data={"action": "accept", "head_count": "1"})
    assert sent.status_code == 400 and snapshot() == before


def test_answers_and_bad_tokens_are_in_the_audit_trail(world, browser, offers):
    client = browser()
    answer(client, tap(offers["mine"]), action="accept", head_count="9")
    answer(client, tap(offers["mine"]), action="accept", head_count="2")
    client.get("/t/AAAAAAAAAAAAAAAAAAAAAA")
    rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    mine = [(r.action, r.result, r.object_id) for r in rows if r.action == "offer.answered_by_link"]
    assert mine == [
        ("offer.answered_by_link", "failed", str(offers["mine"])),
        ("offer.answered_by_link", "ok", str(offers["mine"])),
    ]
    assert {r.county_id for r in rows if r.action == "offer.answered_by_link"} == {world.county_a.id}
    assert any(r.action == "access.refused" and r.object_id == "/t/AAAAAAAAAAAAAAAAAAAAAA" for r in rows)
    assert not any(offer_links.tap_token(offers["mine"]) in r.object_id for r in rows)  # a live token is not written down


def test_the_links_have_a_rate_limit_of_their_own(app, browser, offers):
    saved = app.config["RATE_LIMIT_LINKS"]
    app.config["RATE_LIMIT_LINKS"] = "3/minute"
    try:
        client = browser()
        answers = [client.get(tap(offers["mine"])).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert client.get("/api/skills").status_code == 401  # the API's budget is another
    finally:
        app.config["RATE_LIMIT_LINKS"] = saved


def test_public_url_is_what_the_link_starts_with(app, offers):
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = PUBLIC_URL + "/"
    try:
        assert offer_links.tap_link(offers["mine"]) == f"{PUBLIC_URL}/t/{offer_links.tap_token(offers['mine'])}"
    finally:
        app.config["PUBLIC_URL"] = saved


def test_a_session_whose_password_is_due_does_not_stop_the_link(world, browser, offers):
    client = browser(world.leader)
    world.leader.must_change_password = True
    db.session.commit()
    assert "/password" in client.get("/m").headers["Location"]  # the session itself must change its password first
    assert answer(client, tap(offers["mine"]), action="accept", head_count="2").status_code == 303
    assert offer(offers["mine"]).head_count == 2


def test_answers_sent_at_the_same_instant_count_once(app, browser, offers):
    url = tap(offers["mine"])
    clients = [browser() for _ in range(4)]
    for client in clients:
        opened(client, url)
    forms = [{"action": "accept", "head_count": "2"}] * 3 + [{"action": "decline", "reason": "忙"}]
    sends = [
        lambda client=client, form=form: client.open(url, method="POST", data={"csrf_token": client.tap_csrf, **form})
        for client, form in zip(clients, forms, strict=True)
    ]
    statuses = sorted(response.status_code for response in all_at_once(app, sends))
    assert statuses == [303, 409, 409, 409]
    answered = events_of(offers["mine"], "offer.accepted") + events_of(offers["mine"], "offer.declined")
    assert len(answered) == 1
    assert offer(offers["mine"]).need.accepted == (2 if answered[0].kind == "offer.accepted" else 0)
