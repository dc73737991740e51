"""The reasons a duty officer reads beside each candidate: each fact once, as words a person says."""

from __future__ import annotations

import pytest

from dispatch.domain.candidate_reasons import CandidateFacts, reason_en, reason_zh


def facts(**changes) -> CandidateFacts:
    base = {"serves_cell": False, "same_community": False, "metres": 1100.0, "free": 4, "load": 0, "offered": 0, "accepted": 0}
    return CandidateFacts(**(base | changes))


def test_reliability_reads_as_offers_and_accepts_in_the_past_year():
    said = facts(offered=3, accepted=2)
    assert "近一年派单 3 次，接受 2 次" in reason_zh(said)
    assert "3 offers in the past year, 2 accepted" in reason_en(said)


def test_an_organization_never_asked_is_said_to_have_no_offers_not_to_be_unreliable():
    assert reason_zh(facts()).endswith("近一年未接过派单。")
    assert reason_en(facts()).endswith("no offers in the past year.")


def test_the_distance_is_said_once():
    assert reason_zh(facts(metres=1100)).count("1.1 公里") == 1
    assert reason_en(facts(metres=1100)).count("1.1 km") == 1


@pytest.mark.parametrize(
    ("metres", "zh", "en"),
    [(350.4, "相距 350 米", "350 m away"), (999.6, "相距 1.0 公里", "1.0 km away"), (12_345, "相距 12.3 公里", "12.3 km away")],
)
def test_near_is_in_metres_and_far_in_kilometres(metres, zh, en):
    assert zh in reason_zh(facts(metres=metres))
    assert en in reason_en(facts(metres=metres))


def test_a_whole_sentence_with_every_fact():
    said = facts(serves_cell=True, same_community=True, metres=820, free=5, load=2, offered=1, accepted=1)
    assert reason_zh(said) == "服务本网格；同社区；相距 820 米；现可派 5 人，另有 2 人正在出勤；近一年派单 1 次，接受 1 次。"
    assert reason_en(said) == (
        "Serves this grid cell; same community; 820 m away; 5 people free now, 2 more already out; "
        "1 offer in the past year, 1 accepted."
    )


def test_one_person_is_singular_in_english():
    assert "1 person free now" in reason_en(facts(free=1))


def test_chinese_uses_full_width_punctuation_only():
    said = reason_zh(facts(serves_cell=True, same_community=True, load=1, offered=2, accepted=0))
    assert not set(said) & set(",;:()!?")
