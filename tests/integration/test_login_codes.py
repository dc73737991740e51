"""A leader logs in with a one-time code texted to their phone: it works once, runs out, allows a few tries, and
asking for one never tells whether a number is registered."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from dispatch.extensions import db
from dispatch.models import LoginCode, OutboxMessage
from dispatch.services.notify import delivery


@pytest.fixture
def phone(world) -> str:
    world.leader.phone = world.org_a1.leader_phone
    db.session.commit()
    return world.org_a1.leader_phone


def form_token(client) -> str:
    """The CSRF token of the code login form, as a browser that is not logged in has it."""
    page = client.get("/login/code").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def ask(client, number: str):
    return client.open(
        "/login/code", method="POST", data={"phone": number, "csrf_token": form_token(client)}, headers=client.headers
    )


def enter(client, number: str, code: str):
    data = {"phone": number, "code": code, "csrf_token": form_token(client)}
    return client.open("/login/code/verify", method="POST", data=data, headers=client.headers)


def texted_code() -> str:
    """The code in the SMS, once it has gone out through the outbox like every SMS (in the embedded column an
    in-process job may be sending it already: then this waits for that job)."""
    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "login_code")).one()
    assert message.due_at <= datetime.now(UTC)
    delivery.deliver(message.id)
    deadline = time.monotonic() + 10
    while db.session.get(OutboxMessage, message.id, populate_existing=True).status != "sent":
        assert time.monotonic() < deadline, "the code SMS was not sent"
        time.sleep(0.05)
    return re.search(r"\d{6}", message.params["text"]).group(0)


def test_the_texted_code_logs_the_leader_in_once(world, browser, phone):
    client = browser()
    asked = ask(client, phone[3:])  # typed as a Chinese mobile number, without +86
    assert asked.status_code == 200 and "验证码已通过短信发出" in asked.get_data(as_text=True)
    code = texted_code()
    entered = enter(client, phone, code)
    assert entered.status_code == 302 and entered.headers["Location"].endswith("/m")
    assert client.get("/api/me").get_json()["id"] == world.leader.id
    assert enter(browser(), phone, code).status_code == 401  # used


def test_an_unknown_number_gets_the_same_answer_and_no_sms(world, browser, phone):
    asked = ask(browser(), "13900009999")
    assert asked.status_code == 200 and "验证码已通过短信发出" in asked.get_data(as_text=True)
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_code_allows_five_tries_then_even_the_right_one_is_refused(app, world, browser, phone, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LOCK_ATTEMPTS", 10)  # the code's own limit, before the number's lock
    client = browser()
    ask(client, phone)
    code = texted_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert enter(client, phone, wrong).status_code == 401
    assert enter(client, phone, code).status_code == 401
    assert client.get("/api/me").status_code == 401


def test_five_wrong_codes_lock_the_number_for_a_while_even_with_a_new_code(world, browser, phone):
    client = browser()
    ask(client, phone)
    wrong = f"{(int(texted_code()) + 1) % 10**6:06d}"
    for _ in range(4):
        assert enter(client, phone, wrong).status_code == 401
    locked = enter(client, phone, wrong)
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    # A new code, asked for once the first may be sent again: it is refused all the same while the lock lasts.
    db.session.execute(update(LoginCode).values(created_at=datetime.now(UTC) - timedelta(minutes=2)))
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    ask(client, phone)
    assert enter(client, phone, texted_code()).status_code == 429
    assert client.get("/api/me").status_code == 401


def test_a_code_runs_out(world, browser, phone):
    client = browser()
    ask(client, phone)
    code = texted_code()
    db.session.execute(update(LoginCode).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    assert enter(client, phone, code).status_code == 401


def test_asking_again_at_once_sends_no_second_code(world, browser, phone):
    client = browser()
    ask(client, phone)
    ask(client, phone)
    assert len(db.session.scalars(select(LoginCode)).all()) == 1


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_number_that_is_not_a_phone_number_is_refused_clearly(world, browser, language):
    asked = ask(browser(language=language), "12ab")
    assert asked.status_code == 422
    assert ("电话号码无效" if language == "zh" else "not valid") in asked.get_data(as_text=True)
    assert db.session.scalars(select(LoginCode)).all() == []
