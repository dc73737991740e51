"""Failover chains per incident level, as operators write them, and the steps planned for one offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.failover import DEFAULT_FAILOVER, Failover, Step, chain, parse_failover, planned_steps

OFFERED = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_a_level_one_offer_texts_at_once_and_calls_after_a_minute():
    steps = planned_steps(DEFAULT_FAILOVER["I"], OFFERED, OFFERED + timedelta(minutes=10))
    assert [(s.channel, s.due_at) for s in steps] == [("sms", OFFERED), ("voice", OFFERED + timedelta(seconds=60))]


def test_steps_due_at_or_after_the_deadline_are_not_planned():
    failover = chain("socket, sms@30s, voice@300s")
    assert [s.channel for s in planned_steps(failover, OFFERED, OFFERED + timedelta(seconds=300))] == ["sms"]
    assert planned_steps(failover, OFFERED, OFFERED + timedelta(seconds=30)) == []


def test_level_four_never_calls():
    assert [s.channel for s in planned_steps(DEFAULT_FAILOVER["IV"], OFFERED, OFFERED + timedelta(hours=1))] == ["sms"]


def test_a_chain_reads_as_an_operator_writes_it_and_a_second_sms_is_a_reminder():
    failover = chain("socket, sms@15s, voice@120s, sms@90s")
    assert failover.steps == (Step("sms", 15), Step("sms", 90), Step("voice", 120))
    assert str(failover) == "socket, sms@15s, sms@90s, voice@120s"
    steps = planned_steps(failover, OFFERED, OFFERED + timedelta(minutes=10))
    assert [(s.channel, s.reminder) for s in steps] == [("sms", False), ("sms", True), ("voice", False)]


def test_the_socket_step_may_be_left_out_and_spaces_do_not_matter():
    assert chain("sms @ 15s,voice@120") == chain("socket, sms@15s, voice@120s")


def test_a_level_the_setting_does_not_name_keeps_its_default_in_either_form():
    table = parse_failover('{"II": "socket, sms@5s", "I": {"sms_after_s": 5}}')
    assert table["II"] == Failover((Step("sms", 5),))
    assert table["I"] == chain("sms@5s, voice@60s")
    assert table["IV"] == DEFAULT_FAILOVER["IV"]
    assert parse_failover(None) == DEFAULT_FAILOVER


def test_the_older_form_can_switch_a_step_off():
    assert parse_failover('{"II": {"voice_after_s": null}}')["II"] == chain("sms@15s")


@pytest.mark.parametrize(
    "text",
    [
        '["I"]',
        '{"V": "sms@1s"}',
        '{"I": {"sms_after_s": -1}}',
        '{"I": {"sms_after_s": "soon"}}',
        '{"I": 3}',
        '{"I": "socket, fax@3s"}',
        '{"I": "sms"}',
        '{"I": "socket@5s"}',
        '{"I": "sms@-3s"}',
        '{"III": "sms@99999999999999999999s"}',
        '{"III": "sms@１５s"}',
        '{"I": {"sms_after_s": 90000}}',
        "not json",
    ],
)
def test_a_wrong_setting_says_what_is_wrong(text):
    with pytest.raises(ValueError, match="FAILOVER"):
        parse_failover(text)
