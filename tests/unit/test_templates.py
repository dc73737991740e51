"""What leaders read and hear: offers within three SMS segments (two without a description), saying where, with the
code, how to answer and the link always intact."""

from __future__ import annotations

import re

import pytest

from notifications.replies import Reply, parse_reply
from notifications.segments import describe, segments
from notifications.templates import REPLY_ACK_KINDS, local_time, offer_sms, reply_ack, reply_help, reply_result, voice_offer

LABELS = {
    "zh": {"sandbagging": "沙袋封堵", "first_aid": "应急救护"},
    "en": {"sandbagging": "Sandbagging", "first_aid": "First aid"},
}
ADDRESS_15 = "杭州市西湖区西溪路88号东门"
LINK = "https://yingji.example.cn/m/o/A7KM"
PLACE = "翠苑一区 · 第3网格，文一西路附近"
PLACE_EN = "Cuiyuan 1st · 第3网格, near Wenyi West Road"
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
        "place": ADDRESS_15,
        "deadline": "2026-07-01T06:30:00+00:00",
        "drill": False,
        "link": LINK,
    }
    return params | overrides


def test_the_chinese_offer_says_what_where_until_when_and_how_to_answer():
    text = offer_sms(make_params())
    assert INSTRUCTIONS["zh"] in text
    assert "沙袋封堵、应急救护" in text and "5人" in text and ADDRESS_15 in text and "14:30" in text
    assert describe(text).encoding == "UCS-2" and segments(text) <= 2


def test_a_chinese_offer_with_its_place_and_link_but_no_description_costs_two_segments():
    assert segments(offer_sms(make_params(place=PLACE))) == 2
    assert segments(offer_sms(make_params(place=ADDRESS_15, skills=["sandbagging"]))) == 2


def test_the_english_offer_fits_two_gsm_segments():
    text = offer_sms(make_params("en", place="88 Xixi Road, Xihu District"), "en")
    assert INSTRUCTIONS["en"] in text and "Sandbagging, First aid" in text and "88 Xixi Road" in text
    assert describe(text).encoding == "GSM-7" and segments(text) <= 2


def test_a_drill_says_so_first():
    assert offer_sms(make_params(drill=True)).startswith("【演练】")
    assert offer_sms(make_params("en", drill=True), "en").startswith("[DRILL] ")
    assert "演练" not in offer_sms(make_params())


def test_skills_without_labels_are_named_by_their_codes():
    text = offer_sms(make_params("en", skill_labels=None, place=""), "en")
    assert "sandbagging, first_aid" in text


def test_an_empty_place_is_left_out():
    assert "地点" not in offer_sms(make_params(place=""))
    assert " at " not in offer_sms(make_params("en", place=""), "en")


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
@pytest.mark.parametrize("place", ["西" * 300, "x" * 600, "Room 12, " * 80, "浙江省杭州市西湖区" * 20])
@pytest.mark.parametrize("drill", [False, True])
def test_a_long_place_is_cut_but_the_code_instructions_and_link_never(language, place, drill):
    text = offer_sms(make_params(language, place=place, drill=drill), language)
    assert segments(text) <= 3
    assert INSTRUCTIONS[language] in text and text.endswith(LINK)
    assert "…" in text or "..." in text


def test_the_place_keeps_as_much_as_fits():
    text = offer_sms(make_params(place="西" * 300))
    assert segments(text) == 3 and segments(text.replace("…", "西…", 1)) == 4


def test_an_english_offer_cut_in_gsm7_stays_gsm7():
    text = offer_sms(make_params("en", place="x" * 600), "en")
    assert "x..." in text and describe(text).encoding == "GSM-7"


def test_a_long_skill_list_is_cut_when_no_place_is_left_to_cut():
    skills = [f"skill_{n}" for n in range(60)]
    text = offer_sms(make_params("en", skills=skills, skill_labels=None), "en")
    assert segments(text) <= 3 and INSTRUCTIONS["en"] in text and "skill_0, skill_1" in text


def test_a_map_click_offer_names_the_place_a_local_knows_and_links_to_the_phone_page():
    text = offer_sms(make_params(place=PLACE))
    assert text == (
        "应急任务A7KM：沙袋封堵、应急救护，需5人，地点：翠苑一区 · 第3网格，文一西路附近。"
        "请于14:30前回复“1 A7KM 人数”接受，“2 A7KM 原因”拒绝。详情：https://yingji.example.cn/m/o/A7KM"
    )
    assert segments(text) == 2


def test_an_english_reader_gets_the_english_place_name_where_known():
    text = offer_sms(make_params("en", place=PLACE, place_en=PLACE_EN), "en")
    assert " at Cuiyuan 1st · 第3网格, near Wenyi West Road." in text and text.endswith("to decline. " + LINK)
    assert PLACE in offer_sms(make_params(place=PLACE, place_en=PLACE_EN))
    assert PLACE in offer_sms(make_params("en", place=PLACE, place_en=""), "en")


def test_an_offer_written_before_place_names_still_says_its_address():
    params = make_params(place=None, address=ADDRESS_15)
    assert f"地点：{ADDRESS_15}" in offer_sms(params) and f"地点：{ADDRESS_15}" in voice_offer(params)


def test_the_description_comes_when_it_fits_a_third_segment():
    text = offer_sms(make_params(place=PLACE, description="3号楼地下车库进水，约20辆车被困。"))
    assert "地点：翠苑一区 · 第3网格，文一西路附近。情况：3号楼地下车库进水，约20辆车被困。请于14:30前" in text
    assert segments(text) == 3 and text.endswith(LINK)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("description", ["水" * 2000, "water " * 300, "西溪路\n积水\n\n严重"])
@pytest.mark.parametrize("place", [PLACE, "西" * 300, ""])
def test_a_long_description_is_cut_to_the_third_segment_and_never_crowds_out_the_rest(language, description, place):
    with_description = offer_sms(make_params(language, place=place, description=description), language)
    without = offer_sms(make_params(language, place=place), language)
    assert segments(with_description) <= 3 and segments(without) <= 3
    assert INSTRUCTIONS[language] in with_description and with_description.endswith(LINK)
    assert "\n" not in with_description
    # The description takes room of its own: the place and skills read exactly as they would without it.
    head = without.split("。" if language == "zh" else ". ")[0]
    assert with_description.startswith(head)


def test_a_description_that_would_not_fit_even_cut_is_left_out():
    skills = [f"skill_{n}" for n in range(90)]  # the skills fill every segment there is
    params = make_params("en", skills=skills, skill_labels=None, place="x" * 300, description="Basement flooded")
    text = offer_sms(params, "en")
    assert segments(text) == 3 and "Basement" not in text and "xxx" not in text and text.endswith(LINK)


def test_the_voice_offer_reads_the_place_and_a_short_description():
    params = make_params(place=PLACE, description="3号楼地下车库进水。")
    assert voice_offer(params) == (
        "应急任务：沙袋封堵、应急救护，需要5人，地点：翠苑一区 · 第3网格，文一西路附近。情况：3号楼地下车库进水。接受请按1，拒绝请按2。"
    )
    long = voice_offer(make_params(description="水" * 500))
    assert "水" * 119 + "…。接受请按1" in long and "水" * 120 not in long
    assert LINK not in long


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


def test_the_voice_offer_is_chinese_by_default_and_skips_a_missing_place():
    assert voice_offer(make_params(place="")) == "应急任务：沙袋封堵、应急救护，需要5人。接受请按1，拒绝请按2。"


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


@pytest.mark.parametrize(
    "outcome",
    ["accepted", "declined", "not_found", "too_many", "over_capacity", "no_one_free", "already_accepted",
     "already_declined", "closed", "reply.bad_head_count", "reply.no_action", "reply.empty"],
)  # fmt: skip
def test_the_answer_to_a_reply_fits_one_template_variable_and_names_its_task(outcome):
    result = reply_result(outcome, "A7KM", head_count=200, most=200)
    assert 0 < len(result) <= 35
    assert "A7KM" in result or "任务码" in result  # an answer without a code says how to write one
