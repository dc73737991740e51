"""The duty group robots page: an office registers its robot by pasting the webhook address, tests and deactivates
it; each role reaches only its own subdistrict's or county's robots; bad input is a clear 422 in the reader's
language that changes nothing; the token is never shown back in full."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import AuditRecord, DutyGroup
from dispatch.services import events
from dispatch.services.duty_groups.compose import compose_due
from dispatch.services.notify import delivery
from tests.factories import make_incident, make_user
from tests.integration.duty_group_helpers import (
    KEY,
    SECRET,
    TOKEN,
    deliver_everything,
    dingtalk_group,
    robots_at_fakes,
    wecom_group,
)

DINGTALK_URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
WECOM_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"


@pytest.fixture
def robots(app):
    with robots_at_fakes(app) as fakes:
        yield fakes


def submit(client, url: str, form: dict | None = None):
    headers = {**client.headers, "X-CSRFToken": client.token()}
    return client.open(url, method="POST", data=form or {}, headers=headers)


def dingtalk_form(**fields) -> dict:
    return {"platform": "dingtalk", "name": "西湖街道值班群", "webhook": DINGTALK_URL, "secret": SECRET,
            "mention_phones": "13800001111", **fields}  # fmt: skip


def count_groups() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(DutyGroup))


def test_a_duty_officer_registers_the_street_s_dingtalk_robot_and_its_token_is_never_shown_in_full(world, browser):
    duty = browser(world.duty)
    assert submit(duty, "/duty-groups", dingtalk_form()).status_code == 302
    group = db.session.scalars(select(DutyGroup)).one()
    assert (group.subdistrict_id, group.county_id, group.token, group.phones) == (
        world.sub_a1.id, world.county_a.id, TOKEN, ["+8613800001111"])  # fmt: skip
    page = duty.get("/duty-groups").get_data(as_text=True)
    assert "西湖街道值班群" in page and "dddd…dddd" in page and "138****1111" in page
    assert TOKEN not in page and SECRET not in page and "13800001111" not in page
    stored = db.session.execute(text("SELECT token, secret FROM duty_groups")).one()
    assert TOKEN not in stored.token and SECRET not in stored.secret  # sealed at rest
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "duty_group.registered")).one()
    assert (record.result, record.object_id) == ("ok", str(group.id))
    assert record.detail == {"platform": "dingtalk", "token": "dddd…dddd"}


@pytest.mark.parametrize(
    "form, field, zh, en",
    [
        (dingtalk_form(webhook="https://example.com/robot/send?access_token=abcdefgh12345678"), "webhook",
         "这不是钉钉自定义机器人的 Webhook 地址", "not a DingTalk custom robot's webhook address"),
        (dingtalk_form(webhook=WECOM_URL), "webhook", "这不是钉钉自定义机器人", "not a DingTalk custom robot"),
        (dingtalk_form(platform="wecom", webhook=DINGTALK_URL), "webhook", "这不是企业微信群机器人",
         "not a WeCom group robot"),
        (dingtalk_form(secret=""), "secret", "钉钉机器人须使用“加签”安全设置", "must use the “signature” security setting"),
        (dingtalk_form(secret="not-a-secret"), "secret", "加签密钥应以 SEC 开头", "the signing secret starts with SEC"),
        (dingtalk_form(mention_phones="12345"), "mention_phones", "电话号码", "phone number"),
        (dingtalk_form(platform="feishu"), "platform", "请选择钉钉或企业微信", "choose DingTalk or WeCom"),
        (dingtalk_form(name=""), "name", "请填写群名称", "give the group's name"),
    ],
)  # fmt: skip
def test_what_is_not_a_robot_is_a_clear_422_in_both_languages_and_changes_nothing(world, browser, form, field, zh, en):
    for language, words in (("zh", zh), ("en", en)):
        answer = submit(browser(world.duty, language=language), "/duty-groups", form)
        page = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 422 and words in page and f'id="{field}-error-1"' in page
        assert SECRET not in page and TOKEN not in page and KEY not in page  # credentials are never shown back
        assert answer.headers["Cache-Control"] == "no-store"
    assert count_groups() == 0
    assert db.session.scalar(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "duty_group.registered",
                                                            AuditRecord.result == "failed")) == 2  # fmt: skip


def test_a_county_administrator_registers_the_county_s_wecom_robot(world, browser):
    admin = browser(world.admin)
    form = {"platform": "wecom", "name": "区应急值班群", "webhook": WECOM_URL, "secret": "ignored"}
    assert submit(admin, "/duty-groups", form).status_code == 302
    group = db.session.scalars(select(DutyGroup)).one()
    assert (group.subdistrict_id, group.county_id, group.secret) == (None, world.county_a.id, None)


def test_each_role_reaches_only_its_own_robots(world, browser):
    street, county = dingtalk_group(world.duty), wecom_group(world.admin)
    neighbour = dingtalk_group(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id), token="e" * 64)
    other_county = wecom_group(make_user(Role.ADMIN, county_id=world.county_b.id), key="county-b-key-0001")
    sees = {
        world.duty: ({street.id}, {county.id, neighbour.id, other_county.id}),
        world.admin: ({county.id}, {street.id, neighbour.id, other_county.id}),
    }
    for user, (own, others) in sees.items():
        client = browser(user)
        page = client.get("/duty-groups").get_data(as_text=True)
        assert {g for g in own | others if f'data-group="{g}"' in page} == own
        for group_id in others:
            assert submit(client, f"/duty-groups/{group_id}/deactivate").status_code == 404
            assert submit(client, f"/duty-groups/{group_id}/test").status_code == 404
    for user in (world.leader, world.grid):
        client = browser(user)
        assert client.get("/duty-groups").status_code == 403
        assert submit(client, "/duty-groups", dingtalk_form()).status_code == 403
        assert submit(client, f"/duty-groups/{street.id}/deactivate").status_code == 403
    db.session.expire_all()
    assert all(g.active for g in db.session.scalars(select(DutyGroup)))
    assert browser().get("/duty-groups").status_code in (302, 401)


def test_the_test_message_reaches_the_group_or_says_what_the_platform_answered(world, browser, robots):
    dingtalk, wecom = robots
    street, county = dingtalk_group(world.duty), wecom_group(world.admin)
    duty = browser(world.duty)
    answer = submit(duty, f"/duty-groups/{street.id}/test")
    assert answer.status_code == 302
    assert "测试消息已发送" in duty.get(answer.headers["Location"]).get_data(as_text=True)
    assert "**测试消息**" in dingtalk.texts()[0] and dingtalk.received[0].body["at"]["atMobiles"] == ["13800001111"]
    assert submit(browser(world.admin), f"/duty-groups/{county.id}/test").status_code == 302
    assert len(wecom.received) == 1

    dingtalk.robots["f" * 64] = SECRET  # a second robot of the street's, registered with a wrong secret
    wrong = dingtalk_group(world.duty, token="f" * 64, secret="SEC" + "0" * 64)
    answer = submit(duty, f"/duty-groups/{wrong.id}/test")
    assert "测试消息未送达。平台答复：310000" in duty.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_deactivated_robot_hears_nothing_more_and_the_removal_is_audited(world, browser):
    street = dingtalk_group(world.duty)
    assert submit(browser(world.duty), f"/duty-groups/{street.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not db.session.get(DutyGroup, street.id).active
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "duty_group.deactivated")).one()
    assert (record.result, record.object_id) == ("ok", str(street.id))


def test_a_name_with_markup_is_shown_as_text_and_a_nul_is_refused(world, browser):
    duty = browser(world.duty)
    assert submit(duty, "/duty-groups", dingtalk_form(name="值班群<script>xss(1)</script>")).status_code == 302
    page = duty.get("/duty-groups").get_data(as_text=True)
    assert "<script>xss(1)" not in page and "值班群&lt;script&gt;xss(1)&lt;/script&gt;" in page
    assert submit(duty, "/duty-groups", dingtalk_form(name="值班\x00群")).status_code == 422
    assert count_groups() == 1


def test_a_robot_registered_already_by_any_office_is_refused_without_naming_the_office(world, browser):
    dingtalk_group(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))  # the neighbour's, same token
    for language, words in (("zh", "这个机器人已经登记过了"), ("en", "this robot is registered already")):
        answer = submit(browser(world.duty, language=language), "/duty-groups", dingtalk_form(name="  同一个机器人 "))
        page = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 422 and words in page and 'id="webhook-error-1"' in page
        assert world.sub_a2.name_zh not in page and world.sub_a2.name_en not in page and TOKEN not in page
    assert count_groups() == 1
    db.session.execute(DutyGroup.__table__.update().values(active=False))  # the neighbour removed it
    db.session.commit()
    assert submit(browser(world.duty), "/duty-groups", dingtalk_form()).status_code == 302


def test_phones_are_read_as_people_type_them_each_once_and_mainland_only_for_dingtalk(world, browser):
    duty = browser(world.duty)
    typed = "+86 13800138000；138 0013 8000、13900139000"
    assert submit(duty, "/duty-groups", dingtalk_form(mention_phones=typed)).status_code == 302
    assert db.session.scalars(select(DutyGroup)).one().phones == ["+8613800138000", "+8613900139000"]
    for language, words in (("zh", "钉钉只能按中国大陆手机号 @ 成员"), ("en", "mainland China mobile numbers only")):
        form = dingtalk_form(webhook=DINGTALK_URL.replace("d" * 64, "e" * 64), mention_phones="+852 6123 4567")
        answer = submit(browser(world.duty, language=language), "/duty-groups", form)
        assert answer.status_code == 422 and words in html.unescape(answer.get_data(as_text=True))
    assert count_groups() == 1


@pytest.mark.parametrize("name", ["\u202e\u200b", "\u200b \u2060\ufeff", "\u202e"])
def test_a_name_of_invisible_characters_only_is_refused_as_empty(world, browser, name):
    answer = submit(browser(world.duty), "/duty-groups", dingtalk_form(name=name))
    assert answer.status_code == 422 and "请填写群名称" in answer.get_data(as_text=True)
    assert count_groups() == 0


def test_the_test_button_keeps_the_robot_s_twenty_a_minute_and_says_so_in_both_languages(world, browser, robots):
    dingtalk, _wecom = robots
    street = dingtalk_group(world.duty)
    answers = [submit(browser(world.duty), f"/duty-groups/{street.id}/test") for _ in range(21)]
    answers += [submit(browser(world.duty, language="en"), f"/duty-groups/{street.id}/test") for _ in range(4)]
    assert [a.status_code for a in answers] == [302] * 20 + [429] * 5
    assert len(dingtalk.received) == 20 and dingtalk.refused == []  # the platform never had to refuse one
    busy_zh, busy_en = (html.unescape(a.get_data(as_text=True)) for a in (answers[20], answers[21]))
    assert "测试消息未发送" in busy_zh and "the test message was not sent" in busy_en
    assert int(answers[20].headers["Retry-After"]) > 0 and answers[20].headers["Cache-Control"] == "no-store"
    results = db.session.scalars(select(AuditRecord.result).where(AuditRecord.action == "duty_group.tested")).all()
    assert sorted(results) == ["ok"] * 20 + ["refused"] * 5


def test_the_test_message_names_the_group_as_text_not_as_a_link(world, browser, robots):
    dingtalk, _wecom = robots
    form = dingtalk_form(name="[点我](http://x/phish)")
    assert submit(browser(world.duty), "/duty-groups", form).status_code == 302
    group = db.session.scalars(select(DutyGroup)).one()
    assert submit(browser(world.duty), f"/duty-groups/{group.id}/test").status_code == 302
    [text] = dingtalk.texts()
    assert "值班群「［点我］（http://x/phish）」" in text
    assert "](http://x" not in text


@pytest.mark.parametrize("language, words", [("zh", "平台未及时答复"), ("en", "The platform did not answer in time")])
def test_a_test_message_that_times_out_says_so_in_the_page_s_language(world, browser, robots, app, language, words):
    dingtalk, _wecom = robots
    dingtalk.delay_s = 2.0
    app.config["ROBOT_TIMEOUT_S"] = 0.5  # restored by the robots fixture
    street = dingtalk_group(world.duty)
    client = browser(world.duty, language=language)
    answer = submit(client, f"/duty-groups/{street.id}/test")
    page = html.unescape(client.get(answer.headers["Location"]).get_data(as_text=True))
    assert words in page and "ReadTimeout" not in page


def test_the_page_shows_each_robot_s_last_send_and_last_failure(world, browser, robots):
    _dingtalk, wecom = robots
    street, county = dingtalk_group(world.duty), wecom_group(world.admin)
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    deliver_everything()  # both robots heard it
    wecom.keys.clear()  # the county's robot was removed in WeCom: 93000 from now on
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    compose_due(datetime.now(UTC) + timedelta(minutes=1))
    delivery.drain_groups()
    page = browser(world.admin).get("/duty-groups")
    row = html.unescape(page.get_data(as_text=True)).split(f'data-group="{county.id}"')[1].split("</tr>")[0]
    assert "93000" in row and len(re.findall(r"\d\d-\d\d \d\d:\d\d", row)) == 2  # when it last went, when it failed
    assert page.headers["Cache-Control"] == "no-store"
    street_row = browser(world.duty).get("/duty-groups").get_data(as_text=True).split(f'data-group="{street.id}"')[1]
    failure_cell = street_row.split('class="last-failure">')[1].split("</td>")[0]
    assert failure_cell == "—" and "—" not in street_row.split('class="last-sent">')[1].split("</td>")[0]
