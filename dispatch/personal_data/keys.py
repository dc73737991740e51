"""The app's keyring, built from its settings, and the lookup hash of a phone number."""

from __future__ import annotations

import re

from flask import current_app

from dispatch.domain.phone import InvalidPhone, to_e164
from dispatch.personal_data.cipher import Keyring, parse_key, parse_keys

EXTENSION = "dispatch.personal_data"
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def keyring() -> Keyring:
    """The keys of the current app (``PERSONAL_DATA_KEYS``, ``PERSONAL_DATA_HASH_KEY``), parsed once per setting."""
    app = current_app._get_current_object()  # one look through the proxy: a post of a need seals a dozen values
    config = app.config
    settings = (config["PERSONAL_DATA_KEYS"], config["PERSONAL_DATA_HASH_KEY"])
    cached = app.extensions.get(EXTENSION)
    if cached is None or cached[0] != settings:
        cached = (settings, Keyring(parse_keys(settings[0]), parse_key(settings[1])))
        app.extensions[EXTENSION] = cached
    return cached[1]


def phone_hash(phone: str | None) -> str | None:
    """The keyed hash a phone is looked up by: of its E.164 form, so 13812345678 finds +8613812345678."""
    if phone is None:
        return None
    return keyring().lookup_hash(e164_or_as_given(phone))


def e164_or_as_given(phone: str) -> str:
    if _E164.fullmatch(phone):  # as stored: parsing again would cost ten times the hash (imports hash every row)
        return phone
    try:
        return to_e164(phone, mobile=False)
    except InvalidPhone:
        return phone.strip()
