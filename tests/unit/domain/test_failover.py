"""Failover timings per incident level, and the steps planned for one offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.failover import DEFAULT_FAILOVER, Failover, parse_failover, planned_steps

OFFERED = datetime(2026, 7, 28, 3, 0, tzinfo=UTC)


def test_a_level_one_offer_is_texted_at_once_and_called_after_a_minute():
    steps = planned_steps(DEFAULT_FAILOVER["I"], OFFERED, OFFERED + timedelta(minutes=10))
    assert steps == [("sms", OFFERED), ("voice", OFFERED + timedelta(seconds=60))]


def test_steps_due_at_or_after_the_deadline_are_not_planned():
    failover = Failover(sms_after_s=30, voice_after_s=300)
    assert planned_steps(failover, OFFERED, OFFERED + timedelta(seconds=300)) == [("sms", OFFERED + timedelta(seconds=30))]
    assert planned_steps(failover, OFFERED, OFFERED + timedelta(seconds=30)) == []


def test_a_level_that_never_calls_plans_only_the_sms():
    assert [channel for channel, _ in planned_steps(DEFAULT_FAILOVER["IV"], OFFERED, OFFERED + timedelta(hours=1))] == ["sms"]


def test_the_setting_overrides_the_levels_it_names_and_keeps_the_others():
    table = parse_failover('{"II": {"voice_after_s": null}, "I": {"sms_after_s": 5}}')
    assert table["II"] == Failover(sms_after_s=15, voice_after_s=None)
    assert table["I"] == Failover(sms_after_s=5, voice_after_s=60)
    assert table["IV"] == DEFAULT_FAILOVER["IV"]
    assert parse_failover(None) == DEFAULT_FAILOVER


@pytest.mark.parametrize(
    "text", ['["I"]', '{"V": {"sms_after_s": 1}}', '{"I": {"sms_after_s": -1}}', '{"I": {"sms_after_s": "soon"}}', '{"I": 3}']
)
def test_a_bad_setting_says_what_is_wrong(text):
    with pytest.raises(ValueError, match="FAILOVER"):
        parse_failover(text)
