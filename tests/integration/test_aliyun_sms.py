"""Offers reach mainland phones as approved template SMS through Aliyun's own SDK, talking to a local fake of the
provider: each row is sent once under its outbox id, retried only when it may work later, found at the provider
after a timeout or a dead worker instead of sent twice; receipts and replies come back by the provider's HTTP push
behind a secret path. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dispatch import create_app
from dispatch.config import networks
from dispatch.domain.assignments import AssignmentState
from dispatch.extensions import db
from dispatch.models import Assignment, InboundMessage, OutboxMessage
from dispatch.services.identity import login_codes
from dispatch.services.notify import delivery, replies
from notifications.channels.aliyun_sms import AliyunSms
from notifications.channels.aliyun_templates import parse_templates
from tests.factories import make_member
from tests.integration.aliyun_helpers import CODES, PUSH_TOKEN, SIGN, TEMPLATES, aliyun_channel
from tests.integration.conftest import Browser
from tests.integration.dispatch_helpers import add_organizations, event_kinds, posted_need
from tests.integration.sms_helpers import PUBLIC_URL, first_offer, make_due, outbox


def push(app, kind: str, items, token: str = PUSH_TOKEN, language: str = "zh"):
    """What Aliyun's push does: POST a JSON array (no session, no CSRF token: it is not a browser)."""
    body = items if isinstance(items, str) else json.dumps(items)
    client = Browser(app, language)
    response = client.open(
        f"/aliyun/{token}/{kind}", method="POST", data=body, content_type="application/json", headers=client.headers
    )
    settle(app)
    return response


def settle(app) -> None:
    """Let what was asked to be sent go out: the embedded default's job thread finishes its drain; PostgreSQL + Redis
    runs no worker here, so the test drains as a worker would."""
    jobs = app.extensions["dispatch.jobs"]
    if hasattr(jobs, "join"):
        jobs.join()
    delivery.drain()


def sent_offer(world, browser, aliyun) -> tuple[dict, OutboxMessage]:
    offer = first_offer(world, browser)
    row = outbox(offer["id"])
    make_due(row.id)
    assert delivery.deliver(row.id) == "sent"
    return offer, outbox(offer["id"])


def as_pushed(item) -> dict:
    """A report or reply as Aliyun's push carries it (the fake's dataclasses as JSON objects)."""
    return item if isinstance(item, dict) else {k: v for k, v in vars(item).items() if not k.startswith("_")}


def test_an_offer_goes_out_as_the_offer_template_under_its_outbox_id(world, browser, aliyun):
    offer, row = sent_offer(world, browser, aliyun)
    [sms] = aliyun.sent
    assert sms.phone == world.org_a1.leader_phone.removeprefix("+86") and sms.sign_name == SIGN
    assert sms.template_code == CODES["offer"] and sms.out_id == str(row.id)
    assert sms.params["code"] == offer["short_code"] and sms.params["count"] == "5"
    assert set(sms.params) == {"code", "skills", "count", "place", "deadline"}
    assert sms.content.startswith(f"【{SIGN}】应急任务{offer['short_code']}")
    assert (row.provider, row.provider_sid, row.delivery) == ("aliyun", f"aliyun:{row.id}", "queued")
    assert offer["short_code"] in row.body  # the record keeps the whole text as the system rendered it
    assert delivery.deliver(row.id) == "sent" and len(aliyun.sent) == 1  # a re-run job sends nothing more
    assert [e.data["outbox_id"] for e in event_kinds(kind="sms.sent")] == [row.id]


def test_a_place_longer_than_its_variable_is_cut_where_the_reader_sees_it(world, browser, aliyun):
    long_place = "翠苑街道翠苑一区第十二幢东门地下车库入口旁边的配电房北侧空地再往前五十米处的临时物资集散点"
    offer = first_offer(world, browser, address=long_place)
    make_due(outbox(offer["id"]).id)
    delivery.deliver(outbox(offer["id"]).id)
    place = aliyun.sent[0].params["place"]
    assert len(place) == 35 and place.endswith("…") and long_place.startswith(place[:-1])


@pytest.mark.parametrize("trouble", ["500", "503", "throttled", "flow_control"])
def test_trouble_that_may_pass_is_retried_later_and_sends_once(world, browser, aliyun, trouble):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    aliyun.fail_next(1, trouble)
    assert delivery.deliver(row_id) == "pending"
    row = outbox(offer["id"])
    assert row.attempts == 1 and row.due_at > datetime.now(UTC) and row.error.startswith("aliyun")
    make_due(row_id)
    assert delivery.deliver(row_id) == "sent"
    assert len(aliyun.sent) == 1


@pytest.mark.parametrize(
    "trouble, code", [("invalid_number", "isv.MOBILE_NUMBER_ILLEGAL"), ("template_not_approved", "isv.SMS_TEMPLATE_ILLEGAL")]
)
def test_a_permanent_refusal_is_not_retried_and_the_officer_sees_why(world, browser, aliyun, trouble, code):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    aliyun.fail_next(1, trouble)
    assert delivery.deliver(row_id) == "failed"
    [failed] = event_kinds(kind="sms.failed")
    assert code in failed.data["error"] and outbox(offer["id"]).attempts == 1
    make_due(row_id)
    assert delivery.deliver(row_id) == "failed" and aliyun.sent == []


def test_a_send_that_timed_out_but_went_is_found_at_the_provider_not_sent_again(world, browser, app, aliyun):
    app.extensions["dispatch.channels"]["sms"] = aliyun_channel(aliyun, timeout_s=0.5)
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    aliyun.fail_next(1, "timeout", hold_seconds=2)  # Aliyun takes the message; its answer comes too late
    assert delivery.deliver(row_id) == "pending"
    make_due(row_id)
    assert delivery.deliver(row_id) == "sent"
    assert len(aliyun.sent) == 1 and outbox(offer["id"]).provider_sid == f"aliyun:{row_id}"


def _deliver_in_a_child(config: dict, endpoint: str, keys: tuple[str, str], outbox_id: int | None) -> None:
    """A worker of its own: sends one row, or drains every due row when ``outbox_id`` is None."""
    app = create_app(**config)
    with app.app_context():
        templates = parse_templates(TEMPLATES)
        channel = AliyunSms(*keys, SIGN, templates, endpoint, timeout_s=60)
        app.extensions["dispatch.channels"] = {**app.extensions["dispatch.channels"], "sms": channel}
        delivery.deliver(outbox_id) if outbox_id is not None else delivery.drain()


def kill_a_worker_once_aliyun_has(app, aliyun, outbox_id: int | None, messages: int) -> None:
    """Start a worker that sends, let Aliyun take ``messages`` and hold its answer, and kill the worker then."""
    aliyun.fail_next(1, "timeout", hold_seconds=30)  # Aliyun takes the message(s), and the worker dies before it hears
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL")}
    config.update(TESTING=True, SECRET_KEY="child", PUBLIC_URL=PUBLIC_URL)
    db.session.remove()
    db.engine.dispose()  # the child must not share this process's connections
    keys = (aliyun.access_key_id, aliyun.access_key_secret)
    args = (config, aliyun.endpoint, keys, outbox_id)
    child = multiprocessing.get_context("fork").Process(target=_deliver_in_a_child, args=args)
    child.start()
    deadline = time.monotonic() + 20
    while len(aliyun.sent) < messages and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.join()


def abandon_claims() -> None:
    """Time passes: the dead worker's claims run out (the sweeper also sees it stopped beating, in seconds)."""
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending").values(claimed_at=long_ago))
    db.session.commit()


def test_a_worker_killed_between_sending_and_recording_leaves_a_message_sent_exactly_once(world, browser, app, aliyun):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    kill_a_worker_once_aliyun_has(app, aliyun, row_id, messages=1)
    assert len(aliyun.sent) == 1 and outbox(offer["id"]).status == "sending"
    abandon_claims()
    delivery.enqueue_due()  # the sweeper's pass: Aliyun has a message with this outbox id, so the row takes it
    row = outbox(offer["id"])
    assert (row.status, row.provider_sid) == ("sent", f"aliyun:{row_id}")
    assert delivery.deliver(row_id) == "sent" and len(aliyun.sent) == 1


def test_offers_due_together_go_in_one_batch_request_and_each_row_is_its_own(world, browser, aliyun):
    add_organizations(world.community_a1, 3)
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=4)
    rows = [outbox(a["id"]) for a in need["assignments"]]
    for row in rows:
        make_due(row.id)
    before = aliyun.requests_received
    assert delivery.drain() == {"sent": 4}
    assert aliyun.requests_received - before == 1  # one SendBatchSms for four leaders
    assert sorted(s.out_id for s in aliyun.sent) == [",".join(str(r.id) for r in rows)] * 4
    by_phone = {s.phone: s.params["code"] for s in aliyun.sent}
    for assignment, row in zip(need["assignments"], rows, strict=True):
        assert by_phone[row.recipient.removeprefix("+86")] == assignment["short_code"]
        assert outbox(assignment["id"]).provider_sid == f"aliyun:{row.id}"


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(world, browser, app, aliyun):
    add_organizations(world.community_a1, 3)
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=4)
    rows = [outbox(a["id"]) for a in need["assignments"]]
    for row in rows:
        make_due(row.id)
    kill_a_worker_once_aliyun_has(app, aliyun, None, messages=4)  # one SendBatchSms for the four, then the kill
    assert len(aliyun.sent) == 4 and {outbox(a["id"]).status for a in need["assignments"]} == {"sending"}
    abandon_claims()
    delivery.enqueue_due()  # each row is found at Aliyun by its id in the batch's OutId, and takes it
    delivery.drain()
    assert {outbox(a["id"]).status for a in need["assignments"]} == {"sent"}
    assert len(aliyun.sent) == 4 and sorted(e.data["outbox_id"] for e in event_kinds(kind="sms.sent")) == [r.id for r in rows]


def test_receipts_move_each_message_forward_once_whatever_their_order(app, world, browser, aliyun):
    add_organizations(world.community_a1, 1)
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=2)
    rows = [outbox(a["id"]) for a in need["assignments"]]
    for row in rows:
        make_due(row.id)
    delivery.drain()
    first, second = aliyun.sent
    reports = [as_pushed(aliyun.report_for(first)), as_pushed(aliyun.report_for(second, success=False, err_code="MK:0001"))]
    for _ in range(2):  # pushed again: Aliyun repeats a push it thinks went unheard
        response = push(app, "report", reports)
        assert response.status_code == 200 and response.get_json()["code"] == 0
    row_of = {r.recipient.removeprefix("+86"): r.assignment_id for r in rows}
    assert outbox(row_of[first.phone]).delivery == "delivered"
    assert outbox(row_of[second.phone]).delivery == "undelivered" and "MK:0001" in outbox(row_of[second.phone]).error
    late = {**reports[1], "success": True}  # a late "delivered" after "undelivered" moves nothing back
    push(app, "report", [late])
    assert outbox(row_of[second.phone]).delivery == "undelivered"
    assert len(event_kinds(kind="sms.delivered")) == 1 and len(event_kinds(kind="sms.undelivered")) == 1


def test_a_reply_accepts_once_and_is_confirmed_once_by_template_sms(app, world, browser, aliyun):
    offer, _row = sent_offer(world, browser, aliyun)
    reply = as_pushed(aliyun.reply_from(world.org_a1.leader_phone.removeprefix("+86"), f"1 {offer['short_code']} 3"))
    for _ in range(2):
        assert push(app, "reply", [reply]).get_json()["code"] == 0
    assignment = db.session.get(Assignment, offer["id"], populate_existing=True)
    assert (assignment.state, assignment.head_count) == (AssignmentState.ACCEPTED, 3)
    confirmations = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "confirmation")).all()
    assert len(confirmations) == 1 and confirmations[0].recipient == world.org_a1.leader_phone
    [_, confirmation] = aliyun.sent
    assert confirmation.template_code == CODES["confirmation"]
    assert confirmation.params == {"result": f"任务{offer['short_code']}已确认，3人前往，谢谢"}
    assert (
        db.session.scalar(select(InboundMessage.outcome).where(InboundMessage.sid == f"aliyun:{reply['sequence_id']}"))
        == "accepted"
    )


@pytest.mark.parametrize("text", ["2 {code} 队员都在外地", "拒绝 {code} 队员都在外地"])
def test_a_reply_declines_with_its_reason(app, world, browser, aliyun, text):
    offer, _row = sent_offer(world, browser, aliyun)
    reply = aliyun.reply_from(world.org_a1.leader_phone.removeprefix("+86"), text.format(code=offer["short_code"]))
    push(app, "reply", [as_pushed(reply)])
    assignment = db.session.get(Assignment, offer["id"], populate_existing=True)
    assert assignment.state is AssignmentState.DECLINED
    [declined] = event_kinds(kind="offer.declined")
    assert "外地" in json.dumps(declined.data, ensure_ascii=False)


def test_a_reply_that_cannot_be_read_is_answered_with_how_to_reply(app, world, browser, aliyun):
    offer, _row = sent_offer(world, browser, aliyun)
    push(app, "reply", [as_pushed(aliyun.reply_from(world.org_a1.leader_phone.removeprefix("+86"), "好的收到"))])
    assert db.session.get(Assignment, offer["id"], populate_existing=True).state is AssignmentState.OFFERED
    assert "未能识别" in aliyun.sent[-1].params["result"]


def test_a_wrong_token_or_address_gets_404_and_changes_nothing(world, browser, app, aliyun):
    offer, _row = sent_offer(world, browser, aliyun)
    reply = as_pushed(aliyun.reply_from(world.org_a1.leader_phone.removeprefix("+86"), f"1 {offer['short_code']} 3"))
    assert push(app, "reply", [reply], token="guessed").status_code == 404
    app.config["ALIYUN_PUSH_FROM"] = networks("ALIYUN_PUSH_FROM", "100.104.0.0/16")  # Aliyun's; the test client is 127.0.0.1
    assert push(app, "reply", [reply]).status_code == 404
    app.config["ALIYUN_PUSH_FROM"] = networks("ALIYUN_PUSH_FROM", "100.104.0.0/16, 127.0.0.1")
    assert db.session.get(Assignment, offer["id"], populate_existing=True).state is AssignmentState.OFFERED
    assert db.session.scalar(select(InboundMessage.id)) is None
    assert push(app, "reply", [reply]).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"phone_number": "13800000001"}),
        json.dumps([{"phone_number": "13800000001"}]),
        json.dumps([{"phone_number": "13800000001", "content": "1 A7KM 2", "sequence_id": {"deep": [1]}}]),
        json.dumps([{"phone_number": True, "content": "1 A7KM 2", "sequence_id": 7}]),
        json.dumps([{"phone_number": "13800000001", "content": "1 A7KM 2", "sequence_id": "9" * 41}]),
        json.dumps([{"phone_number": "13800000001", "content": "1 A7KM 2", "sequence_id": 1}] * 1001),
        '[{"phone_number": "13800000001", "content": "\\ud83d 2 A7KM", "sequence_id": "p1"}]',  # a lone surrogate
        json.dumps([{"phone_number": "13800000001", "content": "2 A7KM a\x00b", "sequence_id": "p2"}]),
        "[" * 5000 + "]" * 5000,
    ],
)
def test_a_push_that_is_not_what_aliyun_sends_is_refused_in_words_and_changes_nothing(app, browser, aliyun, body):
    zh, en = (
        ("推送内容须为", "字段缺失", "不是有效的 json", "嵌套太深"),
        ("must be a json array", "lacks", "not valid json", "too deeply"),
    )
    for language, words in (("zh", zh), ("en", en)):
        response = push(app, "reply", body, language=language)
        said = json.dumps(response.get_json(), ensure_ascii=False).lower()
        assert response.status_code in (400, 422) and any(word in said for word in words)
    assert db.session.scalar(select(InboundMessage.id)) is None


def test_without_aliyun_settings_the_push_routes_do_not_answer(browser, app):
    assert app.config["ALIYUN_PUSH_TOKEN"] is None
    assert push(app, "reply", [], token="anything").status_code == 404


def test_a_login_code_goes_out_as_its_own_template(app, world, aliyun):
    world.leader.phone = world.org_a1.leader_phone
    db.session.commit()
    login_codes.request_code(world.org_a1.leader_phone)
    settle(app)
    [sms] = aliyun.sent
    assert sms.template_code == CODES["login_code"] and sms.params["minutes"].isdigit()
    assert len(sms.params["code"]) == 6 and sms.params["code"] in sms.content


def test_a_certificate_reminder_goes_out_as_its_own_template(app, world, browser, aliyun):
    make_member(world.org_a1, ("first_aid",), certified_until=datetime.now(UTC).date() + timedelta(days=3))
    db.session.commit()
    browser(world.duty).post(f"/api/organizations/{world.org_a1.id}/certificate-reminder")
    settle(app)
    [sms] = aliyun.sent
    assert sms.template_code == CODES["certificate_reminder"]
    assert sms.params == {"count": "1", "days": sms.params["days"], "skill": "应急救护", "date": sms.params["date"]}


def test_a_number_that_leads_nothing_gets_no_paid_answer_and_an_auto_responder_is_stopped(app, world, browser, aliyun):
    offer, _row = sent_offer(world, browser, aliyun)
    stranger = as_pushed(aliyun.reply_from("13700000001", "您好，我现在不方便接听"))
    push(app, "reply", [stranger])
    leader = world.org_a1.leader_phone.removeprefix("+86")
    echoes = [as_pushed(aliyun.reply_from(leader, f"自动回复：我在开会 {n}")) for n in range(replies.CONFIRMATIONS_PER_HOUR + 5)]
    push(app, "reply", echoes)
    confirmations = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "confirmation")).all()
    assert len(confirmations) == replies.CONFIRMATIONS_PER_HOUR  # none to the stranger; the leader's capped
    assert {c.recipient for c in confirmations} == {world.org_a1.leader_phone}
    assert db.session.get(Assignment, offer["id"], populate_existing=True).state is AssignmentState.OFFERED
