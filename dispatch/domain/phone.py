"""Phone numbers: validation to E.164 and masking for display.

Phone numbers are personal information: shown masked (138****1234) to anyone who does not need them.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "CN"
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class InvalidPhone(ValueError):
    """Not a valid (mobile) number; `reason` is ``unparseable``, ``invalid`` or ``not_mobile``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_e164(text: str, *, mobile: bool = True, region: str = DEFAULT_REGION) -> str:
    """Parse a number as typed in China (``13812345678``, ``+86 138 1234 5678``) into E.164."""
    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("unparseable") from exc
    if mobile and phonenumbers.number_type(number) in _MOBILE_TYPES:
        return _e164(number)  # a mobile number type implies a valid number: one check, not two
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("invalid")
    if mobile:
        raise InvalidPhone("not_mobile")
    return _e164(number)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str | None) -> str:
    """Show a number as 138****1234 (national digits, middle four hidden)."""
    if not e164:
        return ""
    digits = e164.removeprefix("+86") if e164.startswith("+86") else e164
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def national(e164: str) -> str:
    """The number as a person in China dials it (13812345678)."""
    return e164.removeprefix("+86")


def readable(e164: str | None) -> str:
    """A mainland mobile as people read it aloud (138 1234 5678); other numbers as stored."""
    if not e164:
        return ""
    digits = national(e164)
    if e164.startswith("+861") and len(digits) == 11:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return e164
