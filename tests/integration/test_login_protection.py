"""Login protection as an attacker meets it: guessing passwords locks the name, many names from one address meet
the address's limit, the answer never tells whether an account exists, and every attempt is in the audit."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import AuditRecord
from tests.factories import World


def attempt(client, username: str, password: str):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": username, "password": password}
    return client.open("/login", method="POST", data=form, headers=client.headers)


def audited(action: str, result: str | None = None) -> int:
    query = select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action)
    if result:
        query = query.where(AuditRecord.result == result)
    return db.session.scalar(query)


@pytest.fixture
def generous_address_limit(app, monkeypatch):
    """The lock on the name is what is under test, not the address's budget."""
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1000/minute")


def test_a_hundred_passwords_against_one_account_meet_the_lock_after_five(world, browser, generous_address_limit):
    attacker = browser()
    answers = [attempt(attacker, world.duty.username, f"guess-{number}").status_code for number in range(100)]
    assert answers == [401] * 4 + [429] * 96
    locked = attempt(attacker, world.duty.username, World.PASSWORD)
    assert locked.status_code == 429, "the right password does not open a locked account"
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "登录失败次数过多，请 15 分钟后再试" in locked.get_data(as_text=True)
    assert attacker.get("/api/me").status_code == 401
    assert audited("login.password", "failed") == 5
    assert audited("login.password", "locked") == 96
    assert audited("account.locked") == 1


def test_a_name_no_account_has_is_locked_the_same_way(world, browser, generous_address_limit):
    attacker = browser()
    for name in (world.duty.username, "nobody-by-this-name"):
        answers = [attempt(attacker, name, "wrong").status_code for _ in range(6)]
        assert answers == [401, 401, 401, 401, 429, 429]
    real, made_up = (attempt(attacker, name, "wrong") for name in (world.duty.username, "nobody-by-this-name"))
    assert real.get_data(as_text=True).replace(world.duty.username, "") == made_up.get_data(as_text=True).replace(
        "nobody-by-this-name", ""
    )


def test_the_name_is_matched_whatever_its_case_and_spaces(world, browser, generous_address_limit):
    attacker = browser()
    for spelling in (
        world.duty.username,
        world.duty.username.upper(),
        f" {world.duty.username} ",
        "USER" + world.duty.username[4:],
        world.duty.username,
    ):
        attempt(attacker, spelling, "wrong")
    assert attempt(attacker, world.duty.username, World.PASSWORD).status_code == 429


def test_a_right_password_before_the_lock_wipes_the_failures(world, browser, generous_address_limit):
    client = browser()
    for _ in range(4):
        attempt(client, world.duty.username, "wrong")
    assert attempt(client, world.duty.username, World.PASSWORD).status_code == 302
    for _ in range(4):
        assert attempt(browser(), world.duty.username, "wrong").status_code == 401


def test_a_hundred_accounts_from_one_address_meet_the_address_limit(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "30/minute")
    attacker = browser()
    answers = [attempt(attacker, f"someone-{number}", "password123").status_code for number in range(100)]
    assert answers == [401] * 30 + [429] * 70
    refused = attempt(attacker, world.duty.username, World.PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert "请求过于频繁" in refused.get_data(as_text=True)
    assert audited("login.password", "failed") == 30
    assert audited("rate_limited", "refused") == 71
    other_address = browser()
    other_address.headers["X-Forwarded-For"] = "203.0.113.9"  # not trusted: TRUSTED_PROXIES is 0
    assert attempt(other_address, world.duty.username, World.PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "3/minute")
    from werkzeug.middleware.proxy_fix import ProxyFix

    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1))
    first, second = browser(), browser()
    first.headers["X-Forwarded-For"] = "203.0.113.1"
    second.headers["X-Forwarded-For"] = "203.0.113.2"
    assert [attempt(first, "someone", "wrong").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert attempt(second, world.duty.username, World.PASSWORD).status_code == 302
    addresses = set(db.session.scalars(select(AuditRecord.address).where(AuditRecord.action == "login.password")))
    assert addresses == {"203.0.113.1", "203.0.113.2"}


def test_the_api_as_a_whole_has_a_budget_per_address(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_API", "5/minute")
    client = browser(world.duty)
    answers = [client.get(path).status_code for path in ["/api/me", "/api/skills", "/api/incidents"] * 2]
    assert answers == [200] * 5 + [429]
    refused = client.get("/api/me", headers={"Accept-Language": "en"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert refused.get_json()["error"]["message"].startswith("Too many requests; please try again in")


def test_the_api_and_the_offer_links_spend_budgets_of_their_own_and_pages_spend_none(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_API", "2/minute")
    monkeypatch.setitem(app.config, "RATE_LIMIT_LINKS", "3/minute")
    client = browser(world.duty)
    assert [client.get("/api/me").status_code for _ in range(3)] == [200, 200, 429]
    links = [client.get("/t/no-such-link").status_code for _ in range(4)]
    assert links[:3] == [links[0]] * 3 and links[0] != 429 and links[3] == 429
    assert 429 not in [client.get("/").status_code for _ in range(5)]


def test_every_login_and_logout_is_in_the_audit_with_address_and_browser(world, browser):
    client = browser()
    client.headers["User-Agent"] = "Brute/1.0"
    attempt(client, world.duty.username, "wrong")
    attempt(client, world.duty.username, World.PASSWORD)
    client.post("/logout")
    rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [(row.action, row.result) for row in rows] == [
        ("login.password", "failed"),
        ("login.password", "ok"),
        ("logout", "ok"),
    ]
    assert rows[1].actor_id == world.duty.id and rows[2].actor_id == world.duty.id
    assert {row.address for row in rows} == {"127.0.0.1"} and {row.user_agent for row in rows} == {"Brute/1.0"}


def test_a_burst_of_guesses_sent_at_once_gets_no_more_passwords_checked_than_one_sent_in_a_row(
    world, browser, app, generous_address_limit
):
    username, clients = world.duty.username, []
    for _ in range(24):
        client = browser()
        page = client.get("/login").get_data(as_text=True)
        clients.append((client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)))
    barrier = threading.Barrier(len(clients))
    answers: list[int] = []

    def guess(client, token: str, number: int) -> None:
        form = {"csrf_token": token, "username": username, "password": f"guess-{number}"}
        barrier.wait()
        with app.app_context():  # each thread a request of its own, as each web process's greenlet has
            answers.append(client.client.open("/login", method="POST", data=form, headers=client.headers).status_code)

    threads = [threading.Thread(target=guess, args=(c, t, n)) for n, (c, t) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [401] * 4 + [429] * 20, "every try answered, none a server error"
    assert audited("login.password", "failed") == 5, "five passwords checked, then the lock"
    assert audited("login.password", "locked") == 19
    assert attempt(browser(), world.duty.username, World.PASSWORD).status_code == 429
