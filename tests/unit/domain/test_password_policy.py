"""A password is long enough, mixes three of four character classes and does not hold the login name; a first login
or an expired password must be changed before anything else."""

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.password_policy import (
    ChangeDue,
    PasswordRules,
    Reason,
    change_due,
    character_classes,
    reasons_against,
)

RULES = PasswordRules()  # the defaults: 10 characters, 3 of 4 classes
NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def codes(password: str, username: str = "zhang.wei", rules: PasswordRules = RULES) -> list[str]:
    return [reason.code for reason in reasons_against(password, username, rules)]


@pytest.mark.parametrize(
    "password, classes",
    [("abcdefgh", 1), ("abcdEFGH", 2), ("abcdEF12", 3), ("abcD1-", 4), ("应急 调度 2026", 2), ("", 0)],
)
def test_character_classes_are_lower_upper_digit_and_everything_else(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize("password", ["Correct horse battery 9", "xihu-demo-2020", "Tiger1234567", "防汛抢险Team2026"])
def test_a_long_password_of_three_classes_passes(password):
    assert reasons_against(password, "zhang.wei", RULES) == []


def test_a_short_password_is_told_the_length():
    assert reasons_against("Ab1-", "zhang.wei", RULES) == [Reason("password.too_short", {"min_length": 10})]


def test_one_or_two_classes_are_not_enough():
    assert codes("correct horse battery") == ["password.few_classes"]  # lower-case letters and spaces: two
    assert reasons_against("CorrectHorseBattery", "zhang.wei", RULES) == [Reason("password.few_classes", {"min_classes": 3})]


def test_the_login_name_may_not_be_in_the_password_whatever_its_case():
    assert codes("My-ZHANG.WEI-2026") == ["password.contains_username"]
    assert codes("My-Zhang.Wei-2026", username=" Zhang.Wei ") == ["password.contains_username"]


def test_a_very_short_login_name_is_not_looked_for():
    assert codes("Political-2026", username="li") == []


def test_every_reason_comes_at_once():
    assert codes("zhang.wei", username="zhang.wei") == [
        "password.too_short",
        "password.few_classes",
        "password.contains_username",
    ]


def test_the_rules_are_settings():
    strict = PasswordRules(min_length=16, min_classes=4)
    assert codes("Correct horse battery 9", rules=strict) == []
    assert codes("Correct horse 9", rules=strict) == ["password.too_short"]
    assert codes("Correct horse battery", rules=strict) == ["password.few_classes"]


@pytest.mark.parametrize("settings", [{"min_length": 0}, {"min_classes": 5}, {"min_classes": 0}, {"history": 0}])
def test_impossible_rules_are_refused(settings):
    with pytest.raises(ValueError):
        PasswordRules(**settings)


def test_a_first_login_must_change_the_password():
    assert change_due(True, NOW, NOW, RULES) is ChangeDue.FIRST_LOGIN


def test_without_an_expiry_an_old_password_stays():
    assert change_due(False, NOW - timedelta(days=3650), NOW, RULES) is None


def test_a_password_as_old_as_the_expiry_must_be_changed():
    rules = PasswordRules(max_age=timedelta(days=90))
    assert change_due(False, NOW - timedelta(days=89, hours=23), NOW, rules) is None
    assert change_due(False, NOW - timedelta(days=90), NOW, rules) is ChangeDue.EXPIRED
    assert change_due(True, NOW - timedelta(days=90), NOW, rules) is ChangeDue.FIRST_LOGIN
