"""Two factors for administrators and duty officers: enrolled with a QR code at the first login, then a code from
the app at every login, each code good once; recovery codes for a lost phone; leaders keep one factor."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select, text

from dispatch.extensions import db
from dispatch.models import AuditRecord, TwoFactor
from tests.factories import World
from tests.integration.test_login_protection import attempt


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1000/minute")


def form(client, path: str, **fields):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.open(path, method="POST", data={"csrf_token": token, **fields}, headers=client.headers)


def enrol(client, user) -> tuple[str, list[str]]:
    """Log in with the password and enrol; the secret (as the app would read it) and the recovery codes."""
    answer = attempt(client, user.username, World.PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/second-factor/enrol")
    page = client.get("/login/second-factor/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    shown = form(client, "/login/second-factor/enrol", code=pyotp.TOTP(secret).now())
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", shown.get_data(as_text=True))
    return secret, codes


def code_for_next_step(secret: str) -> str:
    """A code the app will show in the next 30 seconds (the current one was just used)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_a_duty_officer_enrols_at_the_first_login_and_is_not_in_before(world, browser, required):
    client = browser()
    answer = attempt(client, world.duty.username, World.PASSWORD)
    assert answer.headers["Location"].endswith("/login/second-factor/enrol")
    assert client.get("/api/me").status_code == 401, "the password alone lets nobody in"
    assert client.get("/board").status_code == 302
    _secret, codes = enrol(browser(), world.duty)
    assert len(codes) == 10 and len(set(codes)) == 10


def test_after_enrolling_every_login_asks_the_code_and_a_code_is_good_once(world, browser, required):
    first = browser()
    secret, _codes = enrol(first, world.duty)
    assert first.get("/api/me").status_code == 200
    client = browser()
    assert attempt(client, world.duty.username, World.PASSWORD).headers["Location"].endswith("/login/second-factor")
    assert form(client, "/login/second-factor", code="000000").status_code == 401
    code = code_for_next_step(secret)
    entered = form(client, "/login/second-factor", code=code)
    assert entered.status_code == 302 and entered.headers["Location"] == "/board"
    assert client.get("/api/me").get_json()["username"] == world.duty.username
    again = browser()
    attempt(again, world.duty.username, World.PASSWORD)
    assert form(again, "/login/second-factor", code=code).status_code == 401, "a code seen once is spent"


def test_a_recovery_code_works_once_in_place_of_the_app(world, browser, required):
    _secret, codes = enrol(browser(), world.duty)
    client = browser()
    attempt(client, world.duty.username, World.PASSWORD)
    used = form(client, "/login/second-factor", code=codes[3].upper().replace("-", " "))
    assert used.status_code == 200 and "剩余恢复码：9 个" in used.get_data(as_text=True)
    assert client.get("/api/me").status_code == 200
    other = browser()
    attempt(other, world.duty.username, World.PASSWORD)
    assert form(other, "/login/second-factor", code=codes[3]).status_code == 401


def test_wrong_codes_count_toward_the_lock(world, browser, required):
    secret, _codes = enrol(browser(), world.duty)
    client = browser()
    attempt(client, world.duty.username, World.PASSWORD)
    answers = [form(client, "/login/second-factor", code="123456").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 429]
    assert form(client, "/login/second-factor", code=code_for_next_step(secret)).status_code == 429


def test_the_wait_between_password_and_code_runs_out(world, browser, required):
    secret, _codes = enrol(browser(), world.duty)
    client = browser()
    attempt(client, world.duty.username, World.PASSWORD)
    page = client.get("/login/second-factor").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with client.client.session_transaction() as session:
        session["second_factor"] = {**session["second_factor"], "since": session["second_factor"]["since"] - 301}
    fields = {"csrf_token": token, "code": code_for_next_step(secret)}
    answer = client.open("/login/second-factor", method="POST", data=fields, headers=client.headers)
    assert answer.status_code == 302 and "/login?expired=1" in answer.headers["Location"]
    assert client.get("/api/me").status_code == 401


def test_leaders_keep_one_factor_and_the_embedded_default_asks_none(world, browser, required, app, monkeypatch):
    assert attempt(browser(), world.leader.username, World.PASSWORD).headers["Location"] == "/m"
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", False)
    assert attempt(browser(), world.admin.username, World.PASSWORD).headers["Location"] == "/overview"


def test_enrolment_and_each_second_step_are_in_the_audit(world, browser, required):
    secret, _codes = enrol(browser(), world.duty)
    client = browser()
    attempt(client, world.duty.username, World.PASSWORD)
    form(client, "/login/second-factor", code="000000")
    form(client, "/login/second-factor", code=code_for_next_step(secret))
    rows = db.session.execute(
        select(AuditRecord.action, AuditRecord.result)
        .where(AuditRecord.action.in_(["two_factor.enrolled", "login.second_factor"]))
        .order_by(AuditRecord.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("two_factor.enrolled", "ok"), ("login.second_factor", "ok"), ("login.second_factor", "failed"), ("login.second_factor", "ok"),
    ]  # fmt: skip


def test_an_operator_resets_a_lost_phone_and_the_person_enrols_again(world, browser, required, app):
    enrol(browser(), world.duty)
    result = app.test_cli_runner().invoke(args=["reset-two-factor", world.duty.username])
    assert result.exit_code == 0, result.output
    assert attempt(browser(), world.duty.username, World.PASSWORD).headers["Location"].endswith("/enrol")
    assert db.session.scalars(select(AuditRecord.action).where(AuditRecord.action == "two_factor.reset")).one()


def test_the_secret_is_sealed_at_rest_like_the_phones(world, browser, required):
    secret, _codes = enrol(browser(), world.duty)
    stored = db.session.execute(text("SELECT secret FROM two_factor")).scalar_one()
    assert stored.startswith("v1:") and secret not in stored
    assert db.session.get(TwoFactor, world.duty.id).secret == secret


def test_the_password_alone_cannot_replace_a_second_factor_already_set_up(world, browser, required):
    """A stranger's finding: with the password done, opening the enrolment page made a new secret and let one in."""
    secret, codes = enrol(browser(), world.duty)
    attacker = browser()
    attempt(attacker, world.duty.username, World.PASSWORD)
    assert attacker.get("/login/second-factor/enrol").headers["Location"].endswith("/login/second-factor")
    forged = pyotp.random_base32()
    with attacker.client.session_transaction() as session:
        session["second_factor"] = {**session["second_factor"], "secret": forged}
    page = attacker.get("/login/second-factor").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "code": pyotp.TOTP(forged).now()}
    answer = attacker.open("/login/second-factor/enrol", method="POST", data=data, headers=attacker.headers)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/second-factor")
    assert attacker.get("/api/me").status_code == 401
    assert db.session.get(TwoFactor, world.duty.id).secret == secret, "the owner's factor is untouched"
    owner = browser()
    attempt(owner, world.duty.username, World.PASSWORD)
    assert form(owner, "/login/second-factor", code=codes[0]).status_code == 200, "the owner's recovery codes still work"


def test_a_logged_in_session_cannot_replace_its_second_factor_either(world, browser, required):
    secret, _codes = enrol(browser(), world.duty)
    client = browser()
    attempt(client, world.duty.username, World.PASSWORD)
    form(client, "/login/second-factor", code=code_for_next_step(secret))
    assert client.get("/account/two-factor").headers["Location"].endswith("/account")
    assert db.session.get(TwoFactor, world.duty.id).secret == secret
