"""Reading leaders' SMS replies: every way people really answer, and no misreading that sends the wrong people."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications import replies
from notifications.replies import (
    ACCEPT_WORDS,
    CODE_ALPHABET,
    CODE_LENGTH,
    DECLINE_WORDS,
    MAX_HEAD_COUNT,
    MAX_REASON,
    Reply,
    ReplyError,
    parse_reply,
)


def accepted(code: str = "A7KM", head_count: int | None = None) -> Reply:
    return Reply("accept", code, head_count)


def declined(code: str = "A7KM", reason: str = "") -> Reply:
    return Reply("decline", code, None, reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 A7KM", accepted()),
        ("1 A7KM 5", accepted(head_count=5)),
        ("1 a7km 5", accepted(head_count=5)),
        ("1 A7KM5", accepted(head_count=5)),
        ("1 A7KM 5人", accepted(head_count=5)),
        ("1 A7KM 12 名", accepted(head_count=12)),
        ("1 A7KM 5。", accepted(head_count=5)),
        ("1 3479 1000", accepted("3479", 1000)),
        ("  1   A7KM   5  ", accepted(head_count=5)),
        ("1,A7KM,5", accepted(head_count=5)),
        ("1：A7KM：5", accepted(head_count=5)),
        ("1，A7KM，5", accepted(head_count=5)),
        ("1、A7KM、5", accepted(head_count=5)),
        ("１\u3000Ａ７ＫＭ\u3000５", accepted(head_count=5)),
        ("“1 A7KM 5”", accepted(head_count=5)),
        ("接受 A7KM 5", accepted(head_count=5)),
        ("接受A7KM 5", accepted(head_count=5)),
        ("同意 A7KM 5", accepted(head_count=5)),
        ("Y A7KM 5", accepted(head_count=5)),
        ("yes a7km 5", accepted(head_count=5)),
        ("YES A7KM 5", accepted(head_count=5)),
        ("accept A7KM 5", accepted(head_count=5)),
        ("Accept A7KM", accepted()),
        ("2 A7KM", declined()),
        ("2 A7KM 人手不够", declined(reason="人手不够")),
        ("2 A7KM人手不够", declined(reason="人手不够")),
        ("2，A7KM，人手不够，明天可以", declined(reason="人手不够,明天可以")),
        ("拒绝 A7KM 原因…", declined(reason="原因...")),
        ("拒绝A7KM", declined()),
        ("N A7KM", declined()),
        ("no a7km", declined()),
        ("NO A7KM", declined()),
        ("decline A7KM too far away", declined(reason="too far away")),
        ("2 A7KM 5 people short", declined(reason="5 people short")),
        ("2 A7KM " + "累" * 250, declined(reason="累" * MAX_REASON)),
    ],
)
def test_good_replies(text, expected):
    assert parse_reply(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "offending"),
    [
        ("", "reply.empty", ""),
        ("  \u3000 ", "reply.empty", ""),
        ("好的", "reply.no_action", "好的"),
        ("A7KM 5", "reply.no_action", "A7KM"),
        ("1A7KM 5", "reply.no_action", "1A7KM"),
        ("YA7KM", "reply.no_action", "YA7KM"),
        ("3 A7KM", "reply.no_action", "3"),
        ("ok A7KM", "reply.no_action", "ok"),
        ("1", "reply.no_code", "1"),
        ("接受", "reply.no_code", "接受"),
        ("2 人手不够", "reply.no_code", "2 人手不够"),
        ("1 A7KO 5", "reply.bad_code", "A7KO"),
        ("1 A7K0 5", "reply.bad_code", "A7K0"),
        ("1 A7K 5", "reply.bad_code", "A7K"),
        ("1 A7KMM 5", "reply.bad_code", "A7KMM"),
        ("2 A7KM5", "reply.bad_code", "A7KM5"),
        ("2 A7KMbusy", "reply.bad_code", "A7KMbusy"),
        ("1 SBGZ", "reply.bad_code", "SBGZ"),
        ("1 A7KM 0", "reply.bad_head_count", "0"),
        ("1 A7KM 1001", "reply.bad_head_count", "1001"),
        ("1 A7KM 99999999999999999999", "reply.bad_head_count", "99999999999999999999"),
        ("1 A7KM -3", "reply.bad_head_count", "-3"),
        ("1 A7KM 人数", "reply.bad_head_count", "人数"),
        ("1 A7KM 五", "reply.bad_head_count", "五"),
        ("1 A7KM 5 6", "reply.bad_head_count", "5 6"),
        ("1 A7KM 5 people, be there at 3", "reply.bad_head_count", "5 people, be there at 3"),
    ],
)
def test_bad_replies_say_what_is_wrong(text, code, offending):
    found = parse_reply(text)
    assert (found.code, found.text) == (code, offending)
    assert found.offer_code == ("A7KM" if code == "reply.bad_head_count" else "")  # a count's error names its offer


def test_the_code_alphabet_matches_the_one_offers_are_drawn_from():
    from dispatch.services.dispatch import offers

    assert (CODE_ALPHABET, CODE_LENGTH) == (offers.CODE_ALPHABET, offers.CODE_LENGTH)


# --- any valid reply, written any accepted way, reads back as itself ---

SEPARATOR_RUNS = [" ", "  ", "\u3000", ",", "，", ":", "：", "、", " , ", "， "]
GLUE_FREE_ACTIONS = {"接受", "同意", "拒绝"}  # a Chinese action may touch the code


def fullwidth(text: str) -> str:
    return "".join("\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


codes = st.text(st.sampled_from(CODE_ALPHABET), min_size=CODE_LENGTH, max_size=CODE_LENGTH)
reasons = st.text(
    st.one_of(st.characters(exclude_categories=("C", "Z", "M")), st.just(" ")),
    max_size=MAX_REASON,
).filter(lambda r: r == r.strip() and r == unicodedata.normalize("NFKC", r) and r[:1] not in replies.SEPARATORS)


@st.composite
def written_replies(draw) -> tuple[Reply, str]:
    action = draw(st.sampled_from(["accept", "decline"]))
    code = draw(codes)
    word = draw(st.sampled_from(ACCEPT_WORDS if action == "accept" else DECLINE_WORDS))
    word = draw(st.sampled_from([word, word.lower(), word.capitalize()]))
    first_gap = draw(st.sampled_from([*SEPARATOR_RUNS, ""] if word in GLUE_FREE_ACTIONS else SEPARATOR_RUNS))
    typed_code = draw(st.sampled_from([code, code.lower()]))
    if action == "accept":
        count = draw(st.none() | st.integers(1, MAX_HEAD_COUNT))
        suffix = draw(st.sampled_from(["", "人", " 人"]))
        tail = "" if count is None else draw(st.sampled_from([*SEPARATOR_RUNS, ""])) + f"{count}{suffix}"
        reply = Reply("accept", code, count)
    else:
        reason = draw(reasons)
        glue_ok = reason and not reason[0].isascii()
        tail = "" if not reason else draw(st.sampled_from([*SEPARATOR_RUNS, ""] if glue_ok else SEPARATOR_RUNS)) + reason
        reply = Reply("decline", code, None, reason)
    text = word + first_gap + typed_code + tail
    text = draw(st.sampled_from([text, fullwidth(text), f"  {text}\u3000", f"“{text}”"]))
    return reply, text


@given(written_replies())
def test_any_valid_reply_written_any_accepted_way_reads_back_as_itself(case):
    reply, text = case
    assert parse_reply(text) == reply


@given(st.text(max_size=300))
def test_anything_a_phone_can_send_reads_as_a_reply_or_an_error(text):
    result = parse_reply(text)
    assert isinstance(result, Reply | ReplyError)
    if isinstance(result, Reply):
        assert all(ch in CODE_ALPHABET for ch in result.code) and len(result.code) == CODE_LENGTH
        assert result.head_count is None or 1 <= result.head_count <= MAX_HEAD_COUNT
        assert len(result.reason) <= MAX_REASON


@pytest.mark.parametrize("text", ["2 A7KM \u202e反向原因", "2 A7KM a\x00b", "2 A7KM \x1b[2J清屏", "2 A7K\u200bM 外地"])
def test_characters_that_only_steer_or_hide_text_are_dropped_before_reading(text):
    reply = parse_reply(text)
    assert reply.code == "A7KM" and reply.reason and not any(ch in reply.reason for ch in "\u202e\x00\x1b\u200b")
