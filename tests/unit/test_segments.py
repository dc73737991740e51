"""SMS segment counting: what an offer costs and whether it arrives in one piece."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.segments import Encoding, SmsSize, describe, encoding, segments, single_segment_limit

EXTENSION = "€[]{}^~\\|"
EMOJI = "🚒"  # outside the Basic Multilingual Plane: two UTF-16 units


@pytest.mark.parametrize("text", ["", "Reply 1 A7KM 5", "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", "line\nbreak\r", EXTENSION])
def test_gsm_alphabet_and_extension_stay_gsm7(text):
    assert encoding(text) == "GSM-7"


@pytest.mark.parametrize("text", ["西溪路", "café ü ñ ç", "…", "`", EMOJI, "Reply 1 A7KM 5 人"])
def test_anything_outside_the_gsm_alphabet_is_ucs2(text):
    assert encoding(text) == "UCS-2"


@pytest.mark.parametrize(
    ("text", "units", "count"),
    [
        ("", 0, 1),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 153 * 2, 306, 2),
        ("a" * (153 * 2 + 1), 307, 3),
        ("€" * 80, 160, 1),
        ("€" + "a" * 159, 161, 2),
        ("a" * 152 + "€" + "a" * 153, 307, 3),  # the escape pair may not straddle segments 1 and 2
        ("a" * 151 + "€" + "a" * 153, 306, 2),
    ],
)
def test_gsm7_boundaries(text, units, count):
    assert describe(text) == SmsSize(Encoding.GSM7, units, count)


@pytest.mark.parametrize("char", list(EXTENSION))
def test_each_extension_character_costs_two_septets(char):
    assert describe(char * 80).units == 160 and segments(char * 80) == 1
    assert segments(char * 81) == 2


@pytest.mark.parametrize(
    ("text", "units", "count"),
    [
        ("西" * 70, 70, 1),
        ("西" * 71, 71, 2),
        ("西" * 67 * 2, 134, 2),
        ("西" * (67 * 2 + 1), 135, 3),
        (EMOJI * 35, 70, 1),
        (EMOJI + "西" * 69, 71, 2),
        ("西" * 66 + EMOJI + "西" * 67, 135, 3),  # the surrogate pair may not straddle segments 1 and 2
        ("西" * 65 + EMOJI + "西" * 67, 134, 2),
    ],
)
def test_ucs2_boundaries(text, units, count):
    assert describe(text) == SmsSize(Encoding.UCS2, units, count)


def test_one_chinese_character_turns_a_long_english_text_into_three_segments():
    english = "a" * 150
    assert segments(english) == 1 and segments(english + "西") == 3


texts = st.text(st.sampled_from("a€ 1[西" + EMOJI + "é"), max_size=400)


@given(texts, st.sampled_from("a€ 1[西" + EMOJI + "é"))
def test_appending_a_character_never_saves_a_segment(text, char):
    assert segments(text + char) >= segments(text)


@given(texts)
def test_one_segment_exactly_when_within_the_single_limit(text):
    size = describe(text)
    assert (size.segments == 1) == (size.units <= single_segment_limit(size.encoding))


@pytest.mark.parametrize(
    ("link", "units"),
    [
        ("https://yingji.example.cn/m/o/A7KM", 34),  # letters, digits, ':', '/', '.' are all in the default alphabet
        ("http://127.0.0.1:5000/m/o/A7KM", 30),
        ("https://example.cn/~duty/m/o/A7KM", 34),  # '~' is an extension character: two septets
    ],
)
def test_an_offer_link_keeps_an_english_text_in_gsm7(link, units):
    size = describe(link)
    assert size.encoding is Encoding.GSM7 and size.units == units


def test_a_chinese_offer_with_place_and_link_fills_two_segments_and_its_description_a_third():
    essentials = "应急任务A7KM：沙袋封堵，需5人，地点：翠苑一区 · 第3网格，文一西路附近。请于14:30前回复“1 A7KM 人数”接受，“2 A7KM 原因”拒绝。"
    link = "详情：https://yingji.example.cn/m/o/A7KM"
    assert describe(essentials + link) == SmsSize(Encoding.UCS2, len(essentials + link), 2)
    assert segments(essentials + "情况：" + "水" * 60 + "。" + link) == 3
