"""Standby (备勤): how a leader's SMS answer is read, what a team may be offered, and readiness by subdistrict and skill."""

from __future__ import annotations

import pytest

from dispatch.domain.plans.standby import (
    PollFacts,
    Readiness,
    StandbyReply,
    TaskFacts,
    UnreadStandby,
    capped,
    left_of_answer,
    most_ready,
    read_standby_reply,
    readiness,
    standby_question,
)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("备勤 5", StandbyReply(5, True)), ("备勤5人", StandbyReply(5, True)), ("ready 12", StandbyReply(12, True)),
        ("READY: 0", StandbyReply(0, True)), ("备勤 ５", StandbyReply(5, True)), ("5", StandbyReply(5, False)),
        (" ３人。", StandbyReply(3, False)), ("“备勤 2”", StandbyReply(2, True)),
    ],
)  # fmt: skip
def test_a_standby_answer_is_a_number_with_or_without_its_word(text, reply):
    assert read_standby_reply(text) == reply


@pytest.mark.parametrize("text", ["1 A7KM 5", "拒绝 A7KM 太远", "2 A7KM", "5 6", "好的", ""])
def test_an_offers_reply_or_anything_else_is_no_standby_answer(text):
    assert read_standby_reply(text) is None


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("备勤", UnreadStandby(True)), ("备勤 五", UnreadStandby(True)), ("备勤 -1", UnreadStandby(True)),
        ("备勤 2.5", UnreadStandby(True)), ("ready?", UnreadStandby(True)), ("-3", UnreadStandby(False)),
        ("2.5", UnreadStandby(False)), ("五", UnreadStandby(False)), ("－３人", UnreadStandby(False)),
    ],
)  # fmt: skip
def test_a_standby_answer_without_a_whole_number_is_one_that_cannot_be_read(text, reply):
    assert read_standby_reply(text) == reply


def test_a_count_too_large_is_read_as_said_for_the_team_to_refuse():
    assert read_standby_reply("备勤 99999") == StandbyReply(99999, True)
    assert read_standby_reply("1000") == StandbyReply(1000, False)


def test_a_team_may_say_ready_the_most_it_declared_for_a_skill_or_its_members_if_more():
    assert most_ready([10, 5], 1) == 10
    assert most_ready([10, 5], 22) == 22
    assert most_ready([], 0) == 0


def test_a_team_is_offered_no_more_than_it_said_it_has_ready():
    assert capped(8, None) == 8
    assert capped(8, 5) == 5
    assert capped(3, 5) == 3
    assert capped(8, 0) == 0


def test_what_a_team_accepted_since_answering_takes_from_its_answer():
    assert left_of_answer(None, 3) is None  # no answer stands: nothing to take from
    assert left_of_answer(5, None) == 5
    assert left_of_answer(5, 2) == 3
    assert left_of_answer(2, 3) == 0


def test_the_question_names_the_warning_and_how_to_answer():
    assert standby_question("typhoon", "orange") == "【社区应急】台风橙色预警：请回复可出动人数，如“备勤 5”（0 表示无法出动）。"
    assert "Orange typhoon warning" in standby_question("typhoon", "orange", "en")


def test_readiness_counts_teams_and_people_against_the_plans_need():
    polls = [PollFacts(1, ("rescue",), 5), PollFacts(1, ("rescue", "first_aid"), None), PollFacts(2, ("rescue",), 0)]
    tasks = [TaskFacts(1, ("rescue",), 20), TaskFacts(2, ("logistics",), 10)]
    assert readiness(polls, tasks) == [
        Readiness(1, "first_aid", asked=1, answered=0, ready=0, needed=0),
        Readiness(1, "rescue", asked=2, answered=1, ready=5, needed=20),
        Readiness(2, "logistics", asked=0, answered=0, ready=0, needed=10),
        Readiness(2, "rescue", asked=1, answered=1, ready=0, needed=0),
    ]
