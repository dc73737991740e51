"""Where an SMS or a call actually goes: Twilio in production, the outbox backend in the embedded default.

Both answer the same three questions for the delivery job: send this text, place this call, and (after a crash
between sending and recording) "did a message with this text already go to this number since then?". A failure
is either ``TemporaryFailure`` (try again later: timeouts, 5xx, 429) or ``PermanentFailure`` (never retry: an
invalid number, a refused sender).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class TemporaryFailure(Exception):
    """Sending may work later."""


class PermanentFailure(Exception):
    """Sending will never work for this message as it is."""


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str  # the provider's first delivery state, "queued" for Twilio


class Channel(Protocol):
    name: str
    sender: str

    def send_sms(self, to: str, body: str, validity_s: int | None, status_callback: str | None) -> Sent: ...

    def call(self, to: str, twiml_url: str, status_callback: str | None) -> Sent: ...

    def already_sent(self, to: str, body: str, since: datetime) -> str | None: ...


class OutboxChannel:
    """The embedded default: nothing leaves the machine. The outbox row is the message; the phone simulator page
    shows it to the "phone" it was addressed to, and replies there go through the same parser as Twilio's."""

    name = "outbox"
    sender = "outbox"

    def send_sms(self, to: str, body: str, validity_s: int | None, status_callback: str | None) -> Sent:
        return Sent(sid=f"OB{secrets.token_hex(16)}", status="delivered")

    def call(self, to: str, twiml_url: str, status_callback: str | None) -> Sent:
        return Sent(sid=f"OC{secrets.token_hex(16)}", status="delivered")

    def already_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None  # sending is part of the row's own transaction: nothing can be half done


class TwilioChannel:
    """Twilio's REST API through the real ``twilio`` client (``api_base`` points it at a local fake in tests)."""

    name = "twilio"

    def __init__(
        self, account_sid: str, auth_token: str, sender: str, api_base: str | None = None, timeout_s: float = 10
    ) -> None:
        from twilio.rest import Client

        from notifications.twilio_http import RedirectingHttpClient

        self.sender = sender
        self._client = Client(account_sid, auth_token, http_client=RedirectingHttpClient(api_base, timeout=timeout_s))

    def send_sms(self, to: str, body: str, validity_s: int | None, status_callback: str | None) -> Sent:
        options = {"to": to, "from_": self.sender, "body": body}
        if validity_s is not None:
            options["validity_period"] = max(1, min(validity_s, 36_000))  # Twilio's range; a stale offer fails
        if status_callback:
            options["status_callback"] = status_callback
        message = self._call(lambda: self._client.messages.create(**options))
        return Sent(sid=message.sid, status=message.status or "queued")

    def call(self, to: str, twiml_url: str, status_callback: str | None) -> Sent:
        options = {"to": to, "from_": self.sender, "url": twiml_url}
        if status_callback:
            options["status_callback"] = status_callback
        placed = self._call(lambda: self._client.calls.create(**options))
        return Sent(sid=placed.sid, status=placed.status or "queued")

    def already_sent(self, to: str, body: str, since: datetime) -> str | None:
        found = self._call(lambda: self._client.messages.list(to=to, date_sent_after=since, limit=200))
        return next((m.sid for m in found if m.body == body), None)

    @staticmethod
    def _call(request):
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return request()
        except TwilioRestException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise TemporaryFailure(f"twilio {exc.status} {exc.code or ''}".strip()) from exc
            raise PermanentFailure(f"twilio {exc.status} {exc.code or ''}".strip()) from exc
        except TwilioException as exc:  # the client's own errors (a timeout, a dropped connection)
            raise TemporaryFailure(f"twilio: {type(exc).__name__}") from exc
        except OSError as exc:  # requests' connection errors and timeouts are OSErrors
            raise TemporaryFailure(f"twilio: {type(exc).__name__}") from exc
