"""``TwilioSms`` and ``TwilioVoice``: Twilio's REST API through the real ``twilio`` client, the international option.

``api_base`` points the client at a local fake in tests (``notifications.twilio_http``). Twilio sends free text, so
both send the rendered text; the call fetches its script from ``Outgoing.script_url``. Twilio cannot carry two-way
SMS to mainland Chinese numbers: there, ``AliyunSms`` plays the SMS role.
"""

from __future__ import annotations

from datetime import datetime

from notifications.channels import Outgoing, PermanentFailure, Sent, TemporaryFailure

VALIDITY_RANGE_S = (1, 36_000)  # what Twilio accepts as a validity period


def twilio_client(account_sid: str, auth_token: str, api_base: str | None = None, timeout_s: float = 10):
    from twilio.rest import Client

    from notifications.twilio_http import RedirectingHttpClient

    return Client(account_sid, auth_token, http_client=RedirectingHttpClient(api_base, timeout=timeout_s))


class TwilioSms:
    name = "twilio"

    def __init__(self, client, sender: str) -> None:
        self._client, self.sender = client, sender

    def send(self, message: Outgoing) -> Sent:
        options = {"to": message.to, "from_": self.sender, "body": message.text}
        if message.validity_s is not None:  # a stale offer must fail rather than arrive
            options["validity_period"] = max(VALIDITY_RANGE_S[0], min(message.validity_s, VALIDITY_RANGE_S[1]))
        if message.status_url:
            options["status_callback"] = message.status_url
        sent = twilio_call(lambda: self._client.messages.create(**options))
        return Sent(sid=sent.sid, status=sent.status or "queued")

    def already_sent(self, message: Outgoing, since: datetime) -> str | None:
        found = twilio_call(lambda: self._client.messages.list(to=message.to, date_sent_after=since, limit=200))
        return next((m.sid for m in found if m.body == message.text), None)


class TwilioVoice:
    name = "twilio"

    def __init__(self, client, sender: str) -> None:
        self._client, self.sender = client, sender

    def send(self, message: Outgoing) -> Sent:
        options = {"to": message.to, "from_": self.sender, "url": message.script_url}
        if message.status_url:
            options["status_callback"] = message.status_url
        placed = twilio_call(lambda: self._client.calls.create(**options))
        return Sent(sid=placed.sid, status=placed.status or "queued")

    def already_sent(self, message: Outgoing, since: datetime) -> str | None:
        return None  # a call is placed again: hearing an offer twice is better than not at all


def twilio_call(request):
    """Run one request to Twilio, its errors sorted into temporary (5xx, 429, no answer) and permanent ones."""
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


def twilio_channels(account_sid: str, auth_token: str, sender: str, api_base: str | None = None, timeout_s: float = 10):
    """Twilio playing both roles it can, over one client: ``{"sms": TwilioSms, "voice": TwilioVoice}``."""
    client = twilio_client(account_sid, auth_token, api_base, timeout_s)
    return {"sms": TwilioSms(client, sender), "voice": TwilioVoice(client, sender)}
