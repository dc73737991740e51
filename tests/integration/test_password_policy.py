"""Passwords (等保 身份鉴别): the rules refuse a weak one with every reason in both languages; an account someone else
created, or whose password expired, reaches nothing but the change form until it is changed; the last five come
back never; a change ends the person's other sessions; production refuses to start with the demo password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from dispatch import create_app
from dispatch.config import ConfigError
from dispatch.demo.seed import DEMO_PASSWORD
from dispatch.domain.scope import Role
from dispatch.extensions import db, socketio
from dispatch.models import AuditRecord, PasswordHistory, User
from dispatch.services.errors import InvalidInput
from dispatch.services.identity import passwords
from dispatch.services.identity.users import authenticate, create_user
from tests.factories import World
from tests.integration.conftest import FAST_HASH
from tests.integration.csv_files import run_cli
from tests.integration.test_login_codes import ask, enter, texted_code

ISSUED = "Given by the admin 1"
MINE = "Only I know this 2"


def change(browser, current: str, new: str, again: str | None = None, next: str = ""):
    """Fill in the change form as a person would: the page's own CSRF token, the new password twice."""
    page = browser.get("/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "current_password": current, "new_password": new, "new_password_again": again or new}
    return browser.open("/password", method="POST", data={**form, "next": next}, headers=browser.headers)


def audited(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def issued_duty_officer(world) -> User:
    return create_user("zhang.wei", ISSUED, Role.DUTY_OFFICER, subdistrict_id=world.sub_a1.id)


def test_a_weak_password_is_refused_with_every_reason_in_either_language(app, world):
    command = ["create-user", "zhangwei", "--role", "admin", "--county", world.county_a.id, "--password", "zhangwei1"]

    chinese, english = run_cli(app, *command), run_cli(app, *command, "--lang", "en")

    assert chinese.exit_code == english.exit_code == 2
    for line in (
        "password: 密码至少 10 位",
        "password: 密码须包含小写字母、大写字母、数字、其他字符",
        "password: 密码不能包含用户名",
    ):
        assert line in chinese.stderr
    for line in (
        "password: the password needs at least 10 characters",
        "password: the password needs at least 3 of: lower-case letters, capitals, digits, other characters",
        "password: the password must not contain the username",
    ):
        assert line in english.stderr
    assert db.session.scalar(select(User).where(User.username == "zhangwei")) is None


def test_the_rules_follow_the_settings(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 24)
    with pytest.raises(InvalidInput) as refused:
        create_user("li.na", ISSUED, Role.ADMIN, county_id=world.county_a.id)
    assert [(e.field, e.code, e.params) for e in refused.value.errors] == [("password", "password.too_short", {"min_length": 24})]


def test_an_account_the_cli_creates_must_change_its_password_at_first_login(app, world, browser):
    created = run_cli(app, "create-user", "zhang.wei", "--role", "duty_officer", "--subdistrict", world.sub_a1.id,
                      "--password", ISSUED)  # fmt: skip
    assert created.exit_code == 0, created.stderr
    client = browser()

    assert client.login("zhang.wei", ISSUED).status_code == 302
    board = client.get("/board")
    api = client.get("/api/me")

    assert board.status_code == 302 and board.headers["Location"] == "/password?next=/board"
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "password.change_required"
    assert "请先修改密码" in api.get_json()["error"]["message"]
    page = client.get("/password").get_data(as_text=True)
    assert "此账号由他人为您创建" in page and "至少 10 位" in page
    [record] = audited("user.created")
    assert record.detail == {"username": "zhang.wei", "role": "duty_officer"} and record.county_id == world.county_a.id


def test_after_the_change_the_person_goes_where_they_were_headed_and_everything_opens(world, browser):
    issued_duty_officer(world)
    client = browser()
    client.login("zhang.wei", ISSUED)

    changed = change(client, ISSUED, MINE, next="/board")

    assert changed.status_code == 302 and changed.headers["Location"] == "/board"
    assert client.get("/board").status_code == 200 and client.get("/api/me").status_code == 200
    assert authenticate("zhang.wei", MINE) is not None and authenticate("zhang.wei", ISSUED) is None
    [record] = audited("password.changed")
    assert (record.result, record.detail) == ("ok", {"forced": "first_login"})


def test_logging_out_and_the_language_switch_still_work_while_the_change_is_due(world, browser):
    issued_duty_officer(world)
    client = browser()
    client.login("zhang.wei", ISSUED)

    assert client.get("/lang/en").status_code == 302
    assert "This account was created for you" in client.get("/password").get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/api/me").status_code == 401


def test_a_wrong_current_password_or_two_different_new_ones_change_nothing(world, browser):
    issued_duty_officer(world)
    client = browser(language="en")
    client.login("zhang.wei", ISSUED)

    wrong = change(client, "not my password 3", MINE)
    differ = change(client, ISSUED, MINE, again=MINE + "!")

    assert wrong.status_code == 422 and "the current password is wrong" in wrong.get_data(as_text=True)
    assert differ.status_code == 422 and "the two new passwords differ" in differ.get_data(as_text=True)
    assert authenticate("zhang.wei", ISSUED) is not None
    assert [record.result for record in audited("password.changed")] == ["failed"]


def test_a_weak_new_password_is_told_every_reason_in_either_language(world, browser):
    for language, words in (
        ("zh", ["密码至少 10 位", "密码不能包含用户名"]),
        ("en", ["at least 10 characters", "must not contain the username"]),
    ):
        client = browser(world.duty, language=language)
        refused = change(client, World.PASSWORD, world.duty.username.upper())
        assert refused.status_code == 422
        assert all(word in refused.get_data(as_text=True) for word in words), language


def test_factory_and_demo_accounts_are_not_asked_to_change(world, browser):
    client = browser(world.duty)
    assert client.get("/board").status_code == 200
    demo = create_user("demo-duty", DEMO_PASSWORD, Role.DUTY_OFFICER, subdistrict_id=world.sub_a1.id, issued=False)
    assert demo.must_change_password is False and audited("user.created") == []


def test_none_of_the_last_five_passwords_comes_back(world, browser):
    user = world.duty
    earlier = [World.PASSWORD] + [f"Password number {n}" for n in range(1, 5)]
    for current, new in pairwise(earlier):
        passwords.change_password(user, current, new, new)

    for old in earlier:  # the current one and the four before it
        with pytest.raises(InvalidInput) as refused:
            passwords.change_password(user, earlier[-1], old, old)
        assert [(e.code, e.params) for e in refused.value.errors] == [("password.reused", {"count": 5})]
    passwords.change_password(user, earlier[-1], "Password number 5", "Password number 5")
    passwords.change_password(user, "Password number 5", World.PASSWORD, World.PASSWORD)  # six back: allowed again

    kept = db.session.scalar(select(func.count()).select_from(PasswordHistory).where(PasswordHistory.user_id == user.id))
    assert kept == 4  # with the current hash, the five that are refused; nothing older is kept


def test_reuse_is_refused_on_the_form_in_either_language(world, browser):
    for language, words in (("zh", "新密码不能与最近 5 次用过的密码相同"), ("en", "must not be one of your last 5")):
        refused = change(browser(world.duty, language=language), World.PASSWORD, World.PASSWORD)
        assert refused.status_code == 422 and words in refused.get_data(as_text=True)


@pytest.fixture
def expiry(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MAX_AGE_DAYS", 90)


def age_password(user: User, days: int) -> None:
    user.password_changed_at = datetime.now(UTC) - timedelta(days=days)
    db.session.commit()


def test_an_expired_password_must_be_changed_at_the_next_login(world, browser, expiry):
    age_password(world.duty, 91)
    client = browser(world.duty)

    assert client.get("/board").headers["Location"] == "/password?next=/board"
    assert client.get("/api/me").status_code == 403
    assert "您的密码已过期" in client.get("/password").get_data(as_text=True)
    [record] = audited("password.expired")  # once, however many requests it held back
    assert (record.actor_id, record.result) == (world.duty.id, "refused")

    assert change(client, World.PASSWORD, MINE).status_code == 302
    assert client.get("/board").status_code == 200
    assert audited("password.changed")[0].detail == {"forced": "expired"}


def test_a_password_younger_than_the_expiry_and_no_expiry_at_all_hold_nobody(world, browser, app, expiry):
    age_password(world.duty, 89)
    assert browser(world.duty).get("/board").status_code == 200
    age_password(world.duty, 400)
    app.config["PASSWORD_MAX_AGE_DAYS"] = 0
    assert browser(world.duty).get("/board").status_code == 200


def test_a_change_ends_the_other_sessions_and_keeps_the_one_that_made_it(world, browser):
    here, elsewhere = browser(world.duty), browser(world.duty)
    assert elsewhere.get("/api/me").status_code == 200

    assert change(here, World.PASSWORD, MINE).status_code == 302

    assert elsewhere.get("/api/me").status_code == 401
    assert here.get("/api/me").status_code == 200
    assert browser().login(world.duty.username, World.PASSWORD).status_code == 401
    assert browser().login(world.duty.username, MINE).status_code == 302


def test_live_updates_wait_for_the_change_too(app, world, browser):
    if app.config["REDIS_URL"]:
        pytest.skip("Flask-SocketIO's test client cannot run with a message queue")
    issued_duty_officer(world)
    client = browser()
    client.login("zhang.wei", ISSUED)

    before = socketio.test_client(app, flask_test_client=client.client)
    change(client, ISSUED, MINE)
    after = socketio.test_client(app, flask_test_client=client.client)

    assert not before.is_connected() and after.is_connected()
    after.disconnect()


def test_the_county_administrator_reads_creations_and_changes_in_the_audit(world, browser):
    issued_duty_officer(world)
    client = browser()
    client.login("zhang.wei", ISSUED)
    change(client, ISSUED, MINE)

    page = browser(world.admin).get("/audit").get_data(as_text=True)

    assert "创建账号" in page and page.count("修改密码") >= 2  # the header's link, and the change's record


def test_the_change_form_is_a_click_away_from_every_page(world, browser):
    client = browser(world.duty)
    header = client.get("/board").get_data(as_text=True)  # the header's 账户与安全, then its 修改密码
    account = client.get(re.search(r'href="(/account)"', header).group(1)).get_data(as_text=True)
    assert 'href="/password"' in account and "修改密码" in account


def start_in_production(app, **settings):
    """A second app on the same database, as a production process starting up (DATABASE_URL set) would be."""
    started = create_app(
        TESTING=True, PASSWORD_HASH_METHOD=FAST_HASH, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=None, SERVER_NAME=None, **settings,
    )  # fmt: skip
    with started.app_context():
        db.engine.dispose()


def test_production_refuses_to_start_while_a_demo_account_has_the_demo_password(app, world):
    create_user("demo-duty", DEMO_PASSWORD, Role.DUTY_OFFICER, subdistrict_id=world.sub_a1.id, issued=False)
    create_user("demo-admin", "Changed after the demo 5", Role.ADMIN, county_id=world.county_a.id, issued=False)

    with pytest.raises(ConfigError, match="demo-duty") as refused:
        start_in_production(app, ALLOW_DEMO_LOGINS=False)

    assert "ALLOW_DEMO_LOGINS=1" in str(refused.value) and "demo-admin" not in str(refused.value)
    assert "演示账号仍使用公开的演示密码" in str(refused.value)
    start_in_production(app, ALLOW_DEMO_LOGINS=True)  # the escape, for harnesses that run the demo in production


def test_production_starts_once_the_demo_password_is_changed(app, world):
    demo = create_user("demo-duty", DEMO_PASSWORD, Role.DUTY_OFFICER, subdistrict_id=world.sub_a1.id, issued=False)
    passwords.change_password(demo, DEMO_PASSWORD, "Changed after the demo 5", "Changed after the demo 5")

    start_in_production(app, ALLOW_DEMO_LOGINS=False)


def test_a_leader_who_logs_in_by_texted_code_is_not_held_for_a_password_they_do_not_use(world, browser, expiry):
    world.leader.phone = world.org_a1.leader_phone
    world.leader.must_change_password = True
    db.session.commit()
    age_password(world.leader, 400)
    by_code = browser()
    ask(by_code, world.leader.phone)
    assert enter(by_code, world.leader.phone, texted_code()).status_code == 302
    assert by_code.get("/api/me").status_code == 200
    by_password = browser(world.leader)
    assert by_password.get("/api/me").status_code == 403, "the password's own login still has to change it"
