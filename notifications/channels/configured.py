"""Which adapter plays which role, from the settings: a deployment picks its channels by configuration.

``SMS_CHANNEL``: ``aliyun`` (domestic, two-way), ``twilio`` (international) or ``outbox`` (the phone simulator);
``VOICE_CHANNEL``: ``twilio``, ``outbox`` or ``none``. Left empty, each follows the credentials given: Aliyun's
keys make SMS Aliyun's, Twilio's make SMS (if not Aliyun's) and voice Twilio's, and with neither everything stays
in the outbox simulator. A role no channel plays (voice without Twilio in production) is left out of every offer's
failover chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifications.channels import Channel

SMS_CHANNELS = ("aliyun", "twilio", "outbox")
VOICE_CHANNELS = ("twilio", "outbox", "none")


class ChannelSettingError(ValueError):
    """A channel setting the app cannot run with, said plainly at start-up."""


def chosen(config: Mapping[str, Any]) -> dict[str, str]:
    """The technology each person-facing role uses: ``{"sms": ..., "voice": ...}``."""
    sms = (config.get("SMS_CHANNEL") or "").strip().lower()
    voice = (config.get("VOICE_CHANNEL") or "").strip().lower()
    if not sms:
        sms = "aliyun" if config.get("ALIYUN_ACCESS_KEY_ID") else "twilio" if config.get("TWILIO_ACCOUNT_SID") else "outbox"
    if not voice:
        voice = "twilio" if config.get("TWILIO_ACCOUNT_SID") else "outbox" if sms == "outbox" else "none"
    if sms not in SMS_CHANNELS:
        raise ChannelSettingError(f"SMS_CHANNEL: {sms!r} is not one of {', '.join(SMS_CHANNELS)}")
    if voice not in VOICE_CHANNELS:
        raise ChannelSettingError(f"VOICE_CHANNEL: {voice!r} is not one of {', '.join(VOICE_CHANNELS)}")
    return {"sms": sms, "voice": voice}


def configured_channels(config: Mapping[str, Any]) -> dict[str, Channel]:
    """Role → adapter for the roles some channel plays."""
    roles = chosen(config)
    made: dict[str, Channel] = {}
    if "twilio" in roles.values():
        twilio = _twilio(config)
        made.update({role: twilio[role] for role, name in roles.items() if name == "twilio"})
    if "outbox" in roles.values():
        from notifications.channels.outbox import OutboxChannel

        made.update({role: OutboxChannel() for role, name in roles.items() if name == "outbox"})
    if roles["sms"] == "aliyun":
        made["sms"] = _aliyun(config)
    return made


def _twilio(config: Mapping[str, Any]) -> dict[str, Channel]:
    from notifications.channels.twilio import twilio_channels

    missing = [key for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM") if not config.get(key)]
    if missing:
        raise ChannelSettingError(f"Twilio needs {', '.join(missing)}")
    return twilio_channels(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], config["TWILIO_FROM"],
        config.get("TWILIO_API_BASE"), config.get("TWILIO_TIMEOUT_S", 10),
    )  # fmt: skip


def _aliyun(config: Mapping[str, Any]) -> Channel:
    from notifications.channels.aliyun_sms import AliyunSms
    from notifications.channels.aliyun_templates import parse_templates

    needed = ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME", "ALIYUN_SMS_TEMPLATES")
    missing = [key for key in needed if not config.get(key)]
    if missing:
        raise ChannelSettingError(f"Aliyun SMS needs {', '.join(missing)}")
    try:
        templates = parse_templates(config["ALIYUN_SMS_TEMPLATES"])
    except ValueError as exc:  # json's errors are ValueErrors too
        raise ChannelSettingError(str(exc)) from exc
    if "offer" not in templates:
        raise ChannelSettingError("ALIYUN_SMS_TEMPLATES: the offer's template is needed at least")
    return AliyunSms(
        config["ALIYUN_ACCESS_KEY_ID"], config["ALIYUN_ACCESS_KEY_SECRET"], config["ALIYUN_SMS_SIGN_NAME"], templates,
        config.get("ALIYUN_SMS_ENDPOINT") or "dysmsapi.aliyuncs.com", config.get("ALIYUN_TIMEOUT_S", 10),
    )  # fmt: skip
