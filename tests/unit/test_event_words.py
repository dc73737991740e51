"""Events whose kind is not enough are said in a sentence, in Chinese or English, with their problems in words."""

from __future__ import annotations

from dispatch.event_words import event_text


def test_a_plan_written_before_problems_were_kept_whole_still_reads_in_words():
    said = event_text("plan.not_started", {"title": "防汛预案", "problems": ["tasks.0.place: plan.place_outside"]}, "zh")
    assert said.startswith("预案《防汛预案》未能自动启动：") and "plan.place_outside" not in said


def test_a_plan_that_failed_for_no_recorded_reason_says_so():
    assert event_text("plan.not_started", {"title": "防汛预案"}, "en") == (
        "The plan “防汛预案” could not start by itself: no reason was recorded"
    )


def test_kinds_that_say_enough_have_no_sentence():
    assert event_text("need.posted", {"head_count": 3}, "zh") is None
