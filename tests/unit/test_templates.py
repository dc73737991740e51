"""What leaders read and hear: offers within two SMS segments, with the code and how to answer always intact."""

from __future__ import annotations

import re

import pytest

from notifications.replies import Reply, parse_reply
from notifications.segments import describe, segments
from notifications.templates import REPLY_ACK_KINDS, local_time, offer_sms, reply_ack, reply_help, voice_offer

LABELS = {
    "zh": {"sandbagging": "沙袋封堵", "first_aid": "应急救护"},
    "en": {"sandbagging": "Sandbagging", "first_aid": "First aid"},
}
ADDRESS_15 = "杭州市西湖区西溪路88号东门"
INSTRUCTIONS = {
    "zh": "回复“1 A7KM 人数”接受，“2 A7KM 原因”拒绝",
    "en": 'reply "1 A7KM <people>" to accept, "2 A7KM <reason>" to decline',
}


def make_params(language: str = "zh", **overrides) -> dict:
    params = {
        "code": "A7KM",
        "skills": ["sandbagging", "first_aid"],
        "skill_labels": LABELS[language],
        "head_count": 5,
        "address": ADDRESS_15,
        "deadline": "2026-07-01T06:30:00+00:00",
        "drill": False,
    }
    return params | overrides


def test_the_chinese_offer_says_what_where_until_when_and_how_to_answer():
    text = offer_sms(make_params())
    assert INSTRUCTIONS["zh"] in text
    assert "沙袋封堵、应急救护" in text and "5人" in text and ADDRESS_15 in text and "14:30" in text
    assert describe(text).encoding == "UCS-2" and segments(text) <= 2


def test_the_english_offer_fits_two_gsm_segments():
    text = offer_sms(make_params("en", address="88 Xixi Road, Xihu District"), "en")
    assert INSTRUCTIONS["en"] in text and "Sandbagging, First aid" in text and "88 Xixi Road" in text
    assert describe(text).encoding == "GSM-7" and segments(text) <= 2


def test_a_drill_says_so_first():
    assert offer_sms(make_params(drill=True)).startswith("【演练】")
    assert offer_sms(make_params("en", drill=True), "en").startswith("[DRILL] ")
    assert "演练" not in offer_sms(make_params())


def test_skills_without_labels_are_named_by_their_codes():
    text = offer_sms(make_params("en", skill_labels=None, address=""), "en")
    assert "sandbagging, first_aid" in text


def test_an_empty_address_is_left_out():
    assert "地点" not in offer_sms(make_params(address=""))
    assert " at " not in offer_sms(make_params("en", address=""), "en")


def test_any_english_tag_reads_english_and_anything_else_chinese():
    assert offer_sms(make_params("en"), "en-GB") == offer_sms(make_params("en"), "en")
    assert offer_sms(make_params(), "fr") == offer_sms(make_params())


@pytest.mark.parametrize(
    ("deadline", "shown"),
    [
        ("2026-07-01T06:30:00+00:00", "14:30"),
        ("2026-07-01T23:05:00Z", "07:05"),
        ("2026-07-01T14:30:00+08:00", "14:30"),
        ("2026-07-01T06:30:00", "14:30"),  # no zone: UTC, as the database keeps it
    ],
)
def test_the_deadline_reads_in_china_time(deadline, shown):
    assert local_time(deadline) == shown


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("address", ["西" * 300, "x" * 300, "Room 12, " * 40, "浙江省杭州市西湖区" * 20])
@pytest.mark.parametrize("drill", [False, True])
def test_a_long_address_is_cut_but_the_code_and_instructions_never(language, address, drill):
    text = offer_sms(make_params(language, address=address, drill=drill), language)
    assert segments(text) <= 2
    assert INSTRUCTIONS[language] in text
    assert "…" in text or "..." in text


def test_the_address_keeps_as_much_as_fits():
    text = offer_sms(make_params(address="西" * 300))
    assert segments(text) == 2 and segments(text.replace("…", "西…", 1)) == 3


def test_an_english_offer_cut_in_gsm7_stays_gsm7():
    text = offer_sms(make_params("en", address="x" * 300), "en")
    assert "x..." in text and describe(text).encoding == "GSM-7"


def test_a_long_skill_list_is_cut_when_no_address_is_left_to_cut():
    skills = [f"skill_{n}" for n in range(60)]
    text = offer_sms(make_params("en", skills=skills, skill_labels=None), "en")
    assert segments(text) <= 2 and INSTRUCTIONS["en"] in text and "skill_0, skill_1" in text


@pytest.mark.parametrize(("language", "people", "reason"), [("zh", "人数", "原因"), ("en", "<people>", "<reason>")])
def test_the_replies_an_offer_shows_parse_once_filled_in(language, people, reason):
    accept, decline = re.findall(r'[“"]([12] A7KM [^”"]+)[”"]', offer_sms(make_params(language), language))
    assert parse_reply(accept.replace(people, "5")) == Reply("accept", "A7KM", 5)
    assert parse_reply(decline.replace(reason, "人手不够")) == Reply("decline", "A7KM", None, "人手不够")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh", "演练。应急任务：沙袋封堵、应急救护，需要5人，地点：杭州市西湖区西溪路88号东门。接受请按1，拒绝请按2。"),
        (
            "en",
            "Drill. Emergency task: Sandbagging, First aid, 5 people needed, at 杭州市西湖区西溪路88号东门. Press 1 to accept, 2 to decline.",
        ),
    ],
)
def test_the_voice_offer_reads_drill_skills_people_place_then_keys(language, expected):
    assert voice_offer(make_params(language, drill=True), language) == expected


def test_the_voice_offer_is_chinese_by_default_and_skips_a_missing_address():
    assert voice_offer(make_params(address="")) == "应急任务：沙袋封堵、应急救护，需要5人。接受请按1，拒绝请按2。"


def test_reply_help_shows_both_forms_in_one_segment():
    zh, en = reply_help("zh"), reply_help("en")
    assert "“1 任务码 人数”" in zh and "“2 任务码 原因”" in zh and len(zh) <= 70
    assert '"1 CODE <people>"' in en and '"2 CODE <reason>"' in en
    assert segments(zh) == 1 and segments(en) == 1
    assert reply_help() == zh


ACK_VALUES = {
    "accepted": {"head_count": 5},
    "declined": {},
    "not_found": {},
    "too_many": {"still_needed": 3},
    "over_capacity": {"free": 2},
    "no_one_free": {},
    "already_accepted": {"head_count": 3},
    "already_declined": {},
    "bad_head_count": {"most": 1000},
    "closed": {},
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", sorted(ACK_VALUES))
def test_every_acknowledgement_names_the_code_and_fits_one_segment(kind, language):
    text = reply_ack(kind, "A7KM", language, **ACK_VALUES[kind])
    assert "A7KM" in text and segments(text) == 1
    for value in ACK_VALUES[kind].values():
        assert str(value) in text


def test_acknowledgements_cover_every_kind_in_both_languages_and_differ():
    assert set(ACK_VALUES) == REPLY_ACK_KINDS
    for kind, values in ACK_VALUES.items():
        assert reply_ack(kind, "A7KM", "zh", **values) != reply_ack(kind, "A7KM", "en", **values)


def test_acknowledgements_read_as_a_leader_expects():
    assert reply_ack("accepted", "A7KM", head_count=5) == "已确认：任务A7KM，5人前往。谢谢！"
    assert (
        reply_ack("too_many", "A7KM", "en", still_needed=3)
        == 'Task A7KM needs only 3 more. Reply "1 A7KM <people>" with 3 or fewer.'
    )


def test_an_unknown_acknowledgement_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown"):
        reply_ack("maybe", "A7KM")
    with pytest.raises(KeyError):
        reply_ack("accepted", "A7KM")  # head_count missing


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_login_code_fits_one_segment_and_says_when_it_runs_out(language):
    from notifications.templates import login_code

    text = login_code("048213", 10, language)
    assert "048213" in text and "10" in text and segments(text) == 1
