"""Logging in and out, session timeouts, cookie flags, and the language switch."""

from __future__ import annotations

import time

import pytest

from dispatch.extensions import db
from tests.factories import World


def test_wrong_password_is_refused_in_the_users_language(world, browser):
    response = browser().login(world.duty.username, "wrong password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    english = browser(language="en").login(world.duty.username, "wrong password")
    assert "Wrong username or password" in english.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(world, browser):
    response = browser().login(world.duty.username, World.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_behind_https(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    cookie = browser().login(world.duty.username, World.PASSWORD).headers["Set-Cookie"]
    assert "Secure" in cookie


def _age_session(client, **seconds_ago) -> None:
    with client.client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago


def test_an_idle_session_times_out(world, browser, app):
    client = browser(world.duty)
    idle = int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    _age_session(client, seen_at=idle + 5)
    response = client.get("/api/me")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "session_expired"
    assert client.get("/api/me").get_json()["error"]["code"] == "login_required"


def test_activity_keeps_a_session_alive_until_the_absolute_limit(world, browser, app):
    client = browser(world.duty)
    absolute = int(app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds())
    _age_session(client, login_at=absolute - 60, seen_at=10)
    assert client.get("/api/me").status_code == 200
    _age_session(client, login_at=absolute + 5, seen_at=10)
    assert client.get("/api/me").status_code == 401


def test_an_expired_page_session_goes_to_login_and_says_why(world, browser, app):
    client = browser(world.duty)
    _age_session(client, seen_at=int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds()) + 5)
    response = client.get("/organizations")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "登录已超时" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_deactivated_user_is_out_at_once(world, browser):
    client = browser(world.leader)
    world.leader.active = False
    db.session.commit()
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/"])
def test_login_redirects_only_within_the_site(world, browser, elsewhere):
    client = browser()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "username": world.duty.username, "password": World.PASSWORD, "next": elsewhere}
    response = client.open("/login", method="POST", data=form)
    assert response.headers["Location"] == "/board"  # the duty officer's own page, not the one named


def test_logout_needs_the_csrf_token_and_ends_the_session(world, browser):
    client = browser(world.duty)
    assert client.open("/logout", method="POST").status_code == 400
    assert client.get("/api/me").status_code == 200
    page = client.get("/organizations").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.open("/logout", method="POST", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/me").status_code == 401


def test_language_follows_the_switch_then_accept_language_then_chinese(world, browser):
    client = browser(world.duty)
    assert "社区社会组织" in client.get("/organizations").get_data(as_text=True)
    assert "Organizations" in browser(world.duty, language="en").get("/organizations").get_data(as_text=True)
    client.get("/lang/en")
    assert "Log out" in client.get("/organizations").get_data(as_text=True)
    client.get("/lang/zh")
    assert "退出登录" in client.get("/organizations").get_data(as_text=True)


def test_me_describes_the_jurisdiction(world, browser):
    me = browser(world.grid).get("/api/me").get_json()
    assert me["role"] == "grid_worker" and me["cell_ids"] == [world.cell_a1.id]
    duty = browser(world.duty).get("/api/me").get_json()
    assert duty["subdistrict_id"] == world.sub_a1.id and duty["county_id"] == world.county_a.id
