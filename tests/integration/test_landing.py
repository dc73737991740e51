"""After logging in each role starts where its work is, unless the person was on their way to a page of the site;
the login page keeps that page as a clean ``next``."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from dispatch.domain.scope import Role
from dispatch.extensions import db
from tests.factories import World
from tests.integration.test_auth import _age_session
from tests.integration.test_login_codes import texted_code

LANDINGS = {Role.ADMIN: "/overview", Role.DUTY_OFFICER: "/board", Role.ORG_LEADER: "/m", Role.GRID_WORKER: "/grid"}
USERS = {Role.ADMIN: "admin", Role.DUTY_OFFICER: "duty", Role.ORG_LEADER: "leader", Role.GRID_WORKER: "grid"}


def log_in(client, user, next_page: str | None = None):
    page = client.get("/login" if next_page is None else f"/login?next={next_page}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    kept = re.search(r'name="next" value="([^"]*)"', page).group(1)
    form = {"csrf_token": token, "username": user.username, "password": World.PASSWORD, "next": kept}
    return client.open("/login", method="POST", data=form, headers=client.headers)


@pytest.mark.parametrize("role", list(LANDINGS), ids=lambda r: r.value)
def test_each_role_lands_on_its_own_page(role, world, browser):
    client = browser()
    response = log_in(client, getattr(world, USERS[role]))
    assert response.status_code == 302 and response.headers["Location"] == LANDINGS[role]
    assert client.get(LANDINGS[role]).status_code == 200
    assert client.get("/").headers["Location"] == LANDINGS[role]


def test_the_home_page_asks_a_visitor_to_log_in(world, browser):
    assert urlsplit(browser().get("/").headers["Location"]).path == "/login"


def test_a_page_the_person_was_headed_for_wins_over_the_landing_page(world, browser):
    response = log_in(browser(), world.admin, next_page="/organizations%3Fq%3D%E6%95%91%E6%8F%B4")
    assert unquote(response.headers["Location"]) == "/organizations?q=救援"


def test_an_expired_session_comes_back_to_the_page_with_a_clean_next(world, browser, app):
    client = browser(world.duty)
    _age_session(client, seen_at=int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds()) + 5)
    location = client.get("/organizations").headers["Location"]
    assert parse_qs(urlsplit(location).query) == {"next": ["/organizations"], "expired": ["1"]}
    assert log_in(client, world.duty, next_page="/organizations").headers["Location"] == "/organizations"


def test_a_page_with_a_query_keeps_it_and_a_never_logged_in_visitor_gets_no_expired_flag(world, browser):
    location = browser().get("/organizations?status=filed&page=2").headers["Location"]
    assert parse_qs(urlsplit(location).query) == {"next": ["/organizations?status=filed&page=2"]}


def test_the_code_login_lands_the_leader_on_the_phone_page_or_where_they_were_headed(world, browser):
    world.leader.phone = world.org_a1.leader_phone
    db.session.commit()
    client = browser()
    page = client.get("/login/code?next=/training").get_data(as_text=True)
    assert 'name="next" value="/training"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    asked = client.open(
        "/login/code", method="POST", data={"phone": world.leader.phone, "next": "/training", "csrf_token": token}
    )
    assert 'name="next" value="/training"' in asked.get_data(as_text=True)
    code = texted_code()
    form = {"phone": world.leader.phone, "code": code, "next": "/training", "csrf_token": token}
    assert client.open("/login/code/verify", method="POST", data=form).headers["Location"] == "/training"


@pytest.mark.parametrize(
    ("user", "headed_for", "lands_on"),
    [("leader", "/board", "/m"), ("duty", "/m", "/board"), ("grid", "/overview", "/grid"), ("leader", "/logout", "/m"),
     ("duty", "/no-such-page", "/board"), ("admin", "/board?subdistrict_id=2", "/board?subdistrict_id=2")],
)  # fmt: skip
def test_a_next_page_the_role_cannot_open_gives_way_to_its_own(world, browser, user, headed_for, lands_on):
    response = log_in(browser(), getattr(world, user), next_page=headed_for.replace("?", "%3F").replace("=", "%3D"))
    assert unquote(response.headers["Location"]) == lands_on
