"""The duty group robot form: the webhook address pasted as the platform shows it, its token taken out and checked.

Every problem is reported at once, each naming its field, in both languages (``dispatch/messages.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dispatch.domain.duty_groups import NewGroup, NotARobotUrl, Platform, group_name, robot_credential, secret_is_valid
from dispatch.domain.phone import InvalidPhone, to_e164
from dispatch.services.errors import FieldError, InvalidInput

MAX_MENTIONS = 5
# Between phones: commas, semicolons and enumeration commas of either width, and line breaks. Spaces are part of a
# number ("+86 138 0013 8000"); a list separated by spaces alone is read number by number.
_SEPARATORS = re.compile(r"[,，;；、\n\r]+")


def new_group(form: Mapping[str, str]) -> NewGroup:
    """The robot the form describes, or InvalidInput naming everything wrong with it."""
    errors: list[FieldError] = []
    platform = _platform(form.get("platform", ""), errors)
    name = group_name(form.get("name", ""))
    if not name or len(name) > 100:
        errors.append(FieldError("name", "duty_group.name"))
    token = _token(platform, form.get("webhook", ""), errors)
    secret = form.get("secret", "").strip() or None
    if platform is Platform.DINGTALK and secret is None:
        errors.append(FieldError("secret", "duty_group.secret_missing"))
    elif platform is Platform.DINGTALK and not secret_is_valid(secret):
        errors.append(FieldError("secret", "duty_group.secret_invalid"))
    phones = _phones(form.get("mention_phones", "")[:1000], platform, errors)
    if errors:
        raise InvalidInput(errors)
    return NewGroup(platform, name, token, secret if platform is Platform.DINGTALK else None, phones)


def _platform(value: str, errors: list[FieldError]) -> Platform | None:
    try:
        return Platform(value)
    except ValueError:
        errors.append(FieldError("platform", "duty_group.platform"))
        return None


def _token(platform: Platform | None, webhook: str, errors: list[FieldError]) -> str:
    if platform is None:
        return ""
    try:
        return robot_credential(platform, webhook[:1000])
    except NotARobotUrl:
        errors.append(FieldError("webhook", f"duty_group.webhook_{platform.value}"))
        return ""


def _phones(text: str, platform: Platform | None, errors: list[FieldError]) -> list[str]:
    """The phones to mention, each once, in E.164. DingTalk @-mentions its members by the mainland mobile they signed
    up with: a number outside the mainland (+86) is refused for it rather than silently never mentioned."""
    phones, wrong = [], []
    for part in (part.strip() for part in _SEPARATORS.split(text)):
        if part:
            found, reasons = _numbers(part)
            phones += [phone for phone in found if phone not in phones]
            wrong += reasons
    errors += [FieldError("mention_phones", f"phone.{reason}") for reason in dict.fromkeys(wrong)]
    if platform is Platform.DINGTALK and any(not phone.startswith("+86") for phone in phones):
        errors.append(FieldError("mention_phones", "duty_group.phone_not_mainland"))
    if len(phones) > MAX_MENTIONS:
        errors.append(FieldError("mention_phones", "duty_group.too_many_phones", {"limit": MAX_MENTIONS}))
    return phones


def _numbers(part: str) -> tuple[list[str], list[str]]:
    """(the numbers in one separated part, the reasons some are wrong): the part as one number, else word by word."""
    try:
        return [to_e164(part[:40])], []
    except InvalidPhone as whole:
        words = part.split()
        if len(words) < 2:
            return [], [whole.reason]
    found, reasons = [], []
    for word in words:
        try:
            found.append(to_e164(word[:40]))
        except InvalidPhone as exc:
            reasons.append(exc.reason)
    return found, reasons
