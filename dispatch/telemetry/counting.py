"""What an event, a request or a job counts as: pure mappings from what happened to a metric and its labels."""

from __future__ import annotations

import re
from collections.abc import Iterable

OFFER_OUTCOMES = {
    "offer.made": "made",
    "offer.accepted": "accepted",
    "offer.declined": "declined",
    "offer.expired": "expired",
    "offer.withdrawn": "withdrawn",
}
# A message's fate is an event of its channel: "sms.sent", "sms.failed", "voice.called", "group.sent"…
MESSAGE_EVENT = re.compile(r"^(?P<channel>[a-z]+)\.(?P<outcome>sent|failed|called)$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def offer_outcomes(kinds: Iterable[str]) -> list[str]:
    """The outcome label of each offer event among ``kinds`` (others are not offers)."""
    return [OFFER_OUTCOMES[kind] for kind in kinds if kind in OFFER_OUTCOMES]


def message_outcomes(kinds: Iterable[str]) -> list[tuple[str, str]]:
    """(channel, outcome) of each message event among ``kinds``; a call answered counts as sent."""
    found = []
    for kind in kinds:
        if match := MESSAGE_EVENT.match(kind):
            outcome = "sent" if match["outcome"] == "called" else match["outcome"]
            found.append((match["channel"], outcome))
    return found


def status_class(status: int) -> str:
    """200 → "2xx": the label alert rules and dashboards group by (the exact status is kept too)."""
    return f"{status // 100}xx"


def trusted_request_id(header: str | None) -> str | None:
    """The request id nginx sent (``X-Request-ID``), if it has the shape of one; anything else is not trusted."""
    return header if header and REQUEST_ID.match(header) else None
