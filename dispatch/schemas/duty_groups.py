"""The duty group robot form: the webhook address pasted as the platform shows it, its token taken out and checked.

Every problem is reported at once, each naming its field, in both languages (``dispatch/messages.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from dispatch.domain.duty_groups import NewGroup, NotARobotUrl, Platform, robot_credential, secret_is_valid
from dispatch.domain.phone import InvalidPhone, to_e164
from dispatch.services.errors import FieldError, InvalidInput

MAX_MENTIONS = 5


def new_group(form: Mapping[str, str]) -> NewGroup:
    """The robot the form describes, or InvalidInput naming everything wrong with it."""
    errors: list[FieldError] = []
    platform = _platform(form.get("platform", ""), errors)
    name = " ".join(form.get("name", "").split())
    if not name or len(name) > 100:
        errors.append(FieldError("name", "duty_group.name"))
    token = _token(platform, form.get("webhook", ""), errors)
    secret = form.get("secret", "").strip() or None
    if platform is Platform.DINGTALK and secret is None:
        errors.append(FieldError("secret", "duty_group.secret_missing"))
    elif platform is Platform.DINGTALK and not secret_is_valid(secret):
        errors.append(FieldError("secret", "duty_group.secret_invalid"))
    phones = _phones(form.get("mention_phones", ""), errors)
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


def _phones(text: str, errors: list[FieldError]) -> list[str]:
    found = [part for part in text.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if part.strip()]
    if len(found) > MAX_MENTIONS:
        errors.append(FieldError("mention_phones", "duty_group.too_many_phones", {"limit": MAX_MENTIONS}))
        return []
    phones = []
    for part in found:
        try:
            phones.append(to_e164(part[:40]))
        except InvalidPhone as exc:
            errors.append(FieldError("mention_phones", f"phone.{exc.reason}"))
    return phones
