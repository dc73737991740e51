"""Which technology plays each role, from the settings, and how an approved template's variables are filled."""

from __future__ import annotations

import pytest

from notifications.channels.aliyun_sms import e164, mainland, outbox_ids
from notifications.channels.aliyun_templates import DEFAULT_LIMIT, Template, parse_templates, variable_values
from notifications.channels.configured import ChannelSettingError, chosen, configured_channels

OFFER = {
    "code": "A7KM", "skills": ["logistics", "medical"], "skill_labels": {"logistics": "后勤保障", "medical": "医疗救护"},
    "head_count": 5, "place": "翠苑一区 · 第3网格，文一西路附近", "deadline": "2026-07-01T08:30:00+00:00", "token": "Xy12",
}  # fmt: skip


def test_with_no_credentials_everything_stays_in_the_outbox_simulator():
    assert chosen({}) == {"sms": "outbox", "voice": "outbox"}


def test_credentials_choose_aliyun_for_sms_and_twilio_for_voice():
    assert chosen({"ALIYUN_ACCESS_KEY_ID": "k"}) == {"sms": "aliyun", "voice": "none"}
    assert chosen({"TWILIO_ACCOUNT_SID": "AC"}) == {"sms": "twilio", "voice": "twilio"}
    assert chosen({"ALIYUN_ACCESS_KEY_ID": "k", "TWILIO_ACCOUNT_SID": "AC"}) == {"sms": "aliyun", "voice": "twilio"}
    assert chosen({"ALIYUN_ACCESS_KEY_ID": "k", "SMS_CHANNEL": "outbox"}) == {"sms": "outbox", "voice": "outbox"}


def test_a_role_no_channel_plays_is_left_out():
    assert set(configured_channels({"SMS_CHANNEL": "outbox", "VOICE_CHANNEL": "none"})) == {"sms"}


@pytest.mark.parametrize(
    "settings, said",
    [
        ({"SMS_CHANNEL": "pigeon"}, "SMS_CHANNEL"),
        ({"VOICE_CHANNEL": "fax"}, "VOICE_CHANNEL"),
        ({"SMS_CHANNEL": "aliyun"}, "ALIYUN_ACCESS_KEY_ID"),
        ({"SMS_CHANNEL": "twilio"}, "TWILIO_ACCOUNT_SID"),
        (
            {
                "ALIYUN_ACCESS_KEY_ID": "k",
                "ALIYUN_ACCESS_KEY_SECRET": "s",
                "ALIYUN_SMS_SIGN_NAME": "社区应急",
                "ALIYUN_SMS_TEMPLATES": '{"reminder": "SMS_2"}',
            },
            "offer",
        ),
    ],
)
def test_a_setting_the_app_cannot_run_with_says_what_is_missing(settings, said):
    with pytest.raises(ChannelSettingError, match=said):
        configured_channels(settings)


@pytest.mark.parametrize(
    "text",
    [
        '["offer"]',
        '{"fax": "SMS_1"}',
        '{"offer": ""}',
        '{"offer": {"code": 3}}',
        '{"offer": {"code": "S", "limits": {"place": 1}}}',
        '{"offer": {"code": "S", "limits": {"code": 3}}}',
        '{"offer": {"code": "S", "variables": ["code", "token"], "limits": {"token": 5}}}',
        '{"offer": {"code": "S", "variables": "code"}}',
        '{"offer": {"code": "S", "variables": ["code", "weather"]}}',
        '{"offer": "SMS_1",}',
    ],
)
def test_a_wrong_template_setting_says_what_is_wrong(text):
    with pytest.raises(ValueError, match="ALIYUN_SMS_TEMPLATES"):
        parse_templates(text)


def test_an_offer_fills_the_default_variables_in_chinese_and_china_time():
    [template] = parse_templates('{"offer": "SMS_1"}').values()
    assert variable_values("offer", OFFER, template) == {
        "code": "A7KM", "skills": "后勤保障、医疗救护", "count": "5", "place": OFFER["place"], "deadline": "16:30",
    }  # fmt: skip


def test_a_value_longer_than_its_variable_is_cut_visibly_and_the_code_never():
    template = Template("SMS_1", ("code", "place", "token"), {"place": 8})
    values = variable_values("offer", OFFER, template)
    assert values["place"] == "翠苑一区 ·…" and values["token"] == "Xy12"  # cut at 7, its trailing space dropped
    assert len(variable_values("offer", {**OFFER, "place": "长" * 80}, Template("S", ("place",)))["place"]) == DEFAULT_LIMIT
    with pytest.raises(ValueError, match="code"):
        variable_values("offer", OFFER, Template("SMS_1", ("code",), {"code": 3}))


def test_other_kinds_send_their_own_params():
    params = {"text": "已确认：任务A7KM，5人前往。谢谢！", "kind": "confirmation", "code": "A7KM", "result": "已确认"}
    assert variable_values("confirmation", params, Template("SMS_3", ("code", "result"))) == {"code": "A7KM", "result": "已确认"}


def test_phone_numbers_as_aliyun_writes_them_and_back():
    assert mainland("+8613800138000") == "13800138000" and mainland("+85212345678") == "85212345678"
    assert e164("13800138000") == e164("+8613800138000") == e164("008613800138000") == "+8613800138000"
    assert e164("85212345678") == "+85212345678"


def test_an_out_id_names_one_row_or_a_batch_and_nothing_else():
    assert outbox_ids("42") == [42] and outbox_ids("4,5,6") == [4, 5, 6] and outbox_ids("abc") == [] and outbox_ids("") == []
    assert outbox_ids("²,٣,7") == [7] and outbox_ids("9" * 5000) == [] and outbox_ids(",".join(["1"] * 101)) == []
