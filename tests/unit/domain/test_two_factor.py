"""The second factor's rules: who needs it, which codes are good (once, within a step of the clock), how recovery
codes are read however they are typed."""

import pyotp

from dispatch.domain.scope import Role
from dispatch.domain.two_factor import (
    SecondFactor,
    accepted_step,
    new_recovery_codes,
    new_secret,
    normal_recovery_code,
    second_factor,
)

SECRET = new_secret()
NOW = 1_800_000_015.0  # some moment, in the middle of a 30-second step
STEP = int(NOW // 30)


def code_at(step: int) -> str:
    return pyotp.TOTP(SECRET).at(step * 30)


def test_staff_enrol_when_required_leaders_do_not_and_anyone_enrolled_is_asked():
    assert second_factor(Role.DUTY_OFFICER, required=True, enrolled=False) is SecondFactor.ENROL
    assert second_factor(Role.ORG_LEADER, required=True, enrolled=False) is SecondFactor.NONE
    assert second_factor(Role.ADMIN, required=False, enrolled=False) is SecondFactor.NONE
    assert second_factor(Role.GRID_WORKER, required=False, enrolled=True) is SecondFactor.CODE


def test_a_code_of_this_step_or_the_next_or_the_last_is_good():
    assert accepted_step(SECRET, code_at(STEP), NOW, None) == STEP
    assert accepted_step(SECRET, code_at(STEP + 1), NOW, None) == STEP + 1
    assert accepted_step(SECRET, code_at(STEP - 1), NOW, None) == STEP - 1
    assert accepted_step(SECRET, code_at(STEP - 2), NOW, None) is None


def test_a_code_is_good_once():
    assert accepted_step(SECRET, code_at(STEP), NOW, last_step=STEP) is None
    assert accepted_step(SECRET, code_at(STEP + 1), NOW, last_step=STEP) == STEP + 1


def test_full_width_digits_count_and_other_scripts_are_simply_wrong():
    full_width = code_at(STEP).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert accepted_step(SECRET, full_width, NOW, None) == STEP
    arabic_indic = code_at(STEP).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert accepted_step(SECRET, arabic_indic, NOW, None) is None
    assert accepted_step(SECRET, "12345", NOW, None) is None and accepted_step(SECRET, "abcdef", NOW, None) is None


def test_recovery_codes_are_read_however_they_are_typed():
    codes = new_recovery_codes()
    assert len(set(codes)) == 10 and all(len(code) == 11 and code[5] == "-" for code in codes)
    assert normal_recovery_code(codes[0].upper().replace("-", " ")) == codes[0]
    assert normal_recovery_code("ｂｃｄｅｆ ｇｈｊｋｍ") == "bcdef-ghjkm"
    assert normal_recovery_code("too short") == ""
