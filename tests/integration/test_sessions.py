"""A person sees where they are logged in and ends any of those sessions; an administrator ends all of someone's;
a password change ends the others; logging out ends the session's row too."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import AuditRecord, UserSession
from tests.factories import World


def open_ids(user) -> list[str]:
    db.session.expire_all()
    query = select(UserSession.id).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    return list(db.session.scalars(query))


def shown_sessions(client) -> list[str]:
    return re.findall(r'data-session="([^"]+)"', client.get("/account").get_data(as_text=True))


def test_each_login_is_a_session_the_person_sees_and_can_end(world, browser):
    laptop, phone = browser(world.duty), browser(world.duty)
    assert len(shown_sessions(laptop)) == 2
    page = laptop.get("/account").get_data(as_text=True)
    this_one = re.search(r'data-session="([^"]+)">\s*<strong>本浏览器', page).group(1)
    phones = next(sid for sid in open_ids(world.duty) if not sid.startswith(this_one))
    assert laptop.post(f"/account/sessions/{phones}/end", data={}).status_code == 302
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200
    assert len(shown_sessions(laptop)) == 1


def test_ending_all_other_sessions_keeps_this_one(world, browser):
    here, elsewhere, third = browser(world.duty), browser(world.duty), browser(world.duty)
    assert here.post("/account/sessions/end-others", data={}).status_code == 302
    assert [client.get("/api/me").status_code for client in (here, elsewhere, third)] == [200, 401, 401]


def test_someone_elses_session_id_ends_nothing(world, browser):
    victim = browser(world.leader)
    victims_session = open_ids(world.leader)[0]
    attacker = browser(world.duty)
    attacker.post(f"/account/sessions/{victims_session}/end", data={})
    assert victim.get("/api/me").status_code == 200


def test_logging_out_ends_the_sessions_row(world, browser):
    client = browser(world.duty)
    assert len(open_ids(world.duty)) == 1
    client.post("/logout")
    assert open_ids(world.duty) == []


def test_the_administrator_ends_every_session_of_a_person_of_the_county(world, browser):
    laptop, phone = browser(world.duty), browser(world.duty)
    admin = browser(world.admin)
    assert f'data-account="{world.duty.id}"' in admin.get("/accounts").get_data(as_text=True)
    assert admin.post(f"/accounts/{world.duty.id}/end-sessions", data={}).status_code == 302
    assert [client.get("/api/me").status_code for client in (laptop, phone)] == [401, 401]
    assert browser(world.duty).get("/api/me").status_code == 200, "a new login works"
    ended = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "session.ended")).one()
    assert ended.actor_id == world.admin.id and ended.object_id == str(world.duty.id)


def test_a_password_change_ends_the_other_sessions_and_they_leave_the_list(world, browser):
    here, elsewhere = browser(world.duty), browser(world.duty)
    page = here.get("/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    changed = here.open("/password", method="POST", headers=here.headers, data={
        "csrf_token": token, "current_password": World.PASSWORD,
        "new_password": "Brand new pass 42", "new_password_again": "Brand new pass 42",
    })  # fmt: skip
    assert changed.status_code == 302
    assert elsewhere.get("/api/me").status_code == 401
    assert here.get("/api/me").status_code == 200
    assert len(shown_sessions(here)) == 1


def test_a_leader_may_set_up_a_second_factor_of_their_own(world, browser):
    leader = browser(world.leader)
    page = leader.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = leader.open("/account/two-factor", method="POST", headers=leader.headers,
                       data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})  # fmt: skip
    assert done.status_code == 200 and len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", done.get_data(as_text=True))) == 10
    fresh = browser()
    assert fresh.login(world.leader.username, World.PASSWORD).headers["Location"].endswith("/login/second-factor")


@pytest.mark.parametrize("role", [Role.DUTY_OFFICER, Role.ORG_LEADER, Role.GRID_WORKER])
def test_only_the_administrator_reaches_the_accounts_page(world, browser, role):
    user = {Role.DUTY_OFFICER: world.duty, Role.ORG_LEADER: world.leader, Role.GRID_WORKER: world.grid}[role]
    assert browser(user).get("/accounts").status_code == 403
