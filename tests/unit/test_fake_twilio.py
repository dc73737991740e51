"""The fake Twilio, driven by the real ``twilio`` client through ``RedirectingHttpClient``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from notifications.twilio_http import RedirectingHttpClient, redirect
from tests.fake_twilio import FakeTwilio

SENDER = "+15005550006"
VOLUNTEER = "+8613800138000"
NEIGHBOUR = "+8613900139000"
Received = list[dict[str, Any]]


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def client(fake: FakeTwilio) -> Client:
    return make_client(fake, timeout=2)


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, Received]]:
    """A local endpoint standing in for the app's webhooks: its base URL and what it received."""
    received: Received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append({"path": self.path, "signature": self.headers["X-Twilio-Signature"], "form": dict(parse_qsl(body))})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()
    thread.join()


def make_client(fake: FakeTwilio, **http_options: Any) -> Client:
    return Client(fake.account_sid, fake.auth_token, http_client=RedirectingHttpClient(fake.url, **http_options))


def send(client: Client, to: str = VOLUNTEER, body: str = "请到东门集合", **options: Any) -> MessageInstance:
    return client.messages.create(to=to, from_=SENDER, body=body, **options)


def test_redirect_rewrites_twilio_hosts_only() -> None:
    base = "http://127.0.0.1:43123"
    path = "/2010-04-01/Accounts/AC1/Messages.json?To=%2B86"
    assert redirect(f"https://api.twilio.com{path}", base) == f"{base}{path}"
    assert redirect("https://messaging.twilio.com/v1/Services", base) == f"{base}/v1/Services"
    for untouched in ("https://example.org/x", "https://eviltwilio.com/x", "http://api.twilio.com/x"):
        assert redirect(untouched, base) == untouched
    assert redirect("https://api.twilio.com/x", None) == "https://api.twilio.com/x"


def test_a_created_message_is_recorded_and_answered_like_twilio(fake: FakeTwilio, client: Client) -> None:
    message = send(client, status_callback="http://127.0.0.1:9/status")

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.to, message.from_, message.num_segments) == ("queued", VOLUNTEER, SENDER, "1")
    assert message.date_created is not None and message.date_created.tzinfo is not None
    [recorded] = fake.messages
    assert (recorded.sid, recorded.body) == (message.sid, "请到东门集合")
    assert recorded.form["StatusCallback"] == "http://127.0.0.1:9/status"


def test_messages_can_be_fetched_and_listed_by_recipient(fake: FakeTwilio, client: Client) -> None:
    first = send(client)
    send(client, to=NEIGHBOUR)

    assert client.messages(first.sid).fetch().body == "请到东门集合"
    assert [message.sid for message in client.messages.list(to=VOLUNTEER)] == [first.sid]
    assert client.messages.list(to=VOLUNTEER, date_sent_after=datetime.now(UTC) + timedelta(days=1)) == []
    assert len(client.messages.list(date_sent_after=datetime.now(UTC) - timedelta(minutes=1))) == 2


def test_listing_follows_next_page_uri_back_to_the_fake(client: Client) -> None:
    sent = [send(client, body=f"第{n}条").sid for n in range(3)]

    assert [message.sid for message in client.messages.list(page_size=2)] == sent[::-1]


def test_an_unknown_message_is_a_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as error:
        client.messages("SM" + "0" * 32).fetch()
    assert (error.value.status, error.value.code) == (404, 20404)


def test_wrong_credentials_are_refused(fake: FakeTwilio) -> None:
    impostor = Client(fake.account_sid, "not-the-token", http_client=RedirectingHttpClient(fake.url, timeout=2))
    with pytest.raises(TwilioRestException) as error:
        send(impostor)
    assert (error.value.status, error.value.code, fake.messages) == (401, 20003, [])
    with pytest.raises(TwilioException, match="Unable to fetch page") as listing:
        impostor.messages.list(to=VOLUNTEER)
    assert not isinstance(listing.value, TwilioRestException)  # the client reports failed pages without status or code


def test_an_invalid_number_is_refused_with_21211(fake: FakeTwilio, client: Client) -> None:
    fake.invalid_numbers.add(VOLUNTEER)

    with pytest.raises(TwilioRestException) as error:
        send(client)
    assert (error.value.status, error.value.code, fake.messages) == (400, 21211, [])
    assert VOLUNTEER in error.value.msg


def test_a_programmed_outage_answers_503_once_then_recovers(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(1, 503)

    with pytest.raises(TwilioRestException) as error:
        send(client)
    assert error.value.status == 503
    assert send(client).sid == fake.messages[0].sid
    assert fake.requests_received == 2


def test_a_slow_answer_times_the_client_out_after_twilio_accepted(fake: FakeTwilio) -> None:
    fake.delay_next(1, 2.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        send(make_client(fake, timeout=0.1))
    assert len(fake.messages) == 1  # a blind retry would send the SMS twice


def test_a_status_callback_is_signed_for_the_url_it_was_sent_to(
    fake: FakeTwilio, client: Client, webhook_receiver: tuple[str, Received]
) -> None:
    base, received = webhook_receiver
    callback = f"{base}/webhooks/sms/status?attempt=1"
    message = send(client, status_callback=callback)

    fake.status_callback(message.sid, "undelivered", {"ErrorCode": "30003"})
    fake.status_callback(message.sid, "delivered", forged=True)

    genuine, forged = received
    validator = RequestValidator(fake.auth_token)
    assert genuine["path"] == "/webhooks/sms/status?attempt=1"
    assert (genuine["form"]["MessageStatus"], genuine["form"]["ErrorCode"]) == ("undelivered", "30003")
    assert validator.validate(callback, genuine["form"], genuine["signature"])
    assert not validator.validate(callback, forged["form"], forged["signature"])
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_inbound_webhooks_are_signed_for_the_public_url(fake: FakeTwilio, webhook_receiver: tuple[str, Received]) -> None:
    base, received = webhook_receiver
    public = "https://dispatch.example.org/webhooks"

    fake.inbound_sms(f"{base}/webhooks/sms", VOLUNTEER, SENDER, "收到，马上到", signature_url=f"{public}/sms")
    fake.inbound_voice(f"{base}/webhooks/voice", {"From": VOLUNTEER, "To": SENDER, "Digits": "1"}, f"{public}/voice")

    sms, voice = received
    validator = RequestValidator(fake.auth_token)
    assert (sms["form"]["Body"], sms["form"]["From"], voice["form"]["Digits"]) == ("收到，马上到", VOLUNTEER, "1")
    assert validator.validate(f"{public}/sms", sms["form"], sms["signature"])
    assert not validator.validate(f"{base}/webhooks/sms", sms["form"], sms["signature"])
    assert validator.validate(f"{public}/voice", voice["form"], voice["signature"])


def test_a_call_is_created_and_recorded(fake: FakeTwilio, client: Client) -> None:
    call = client.calls.create(to=VOLUNTEER, from_=SENDER, twiml="<Response><Say>有新任务</Say></Response>", timeout=20)

    assert call.sid.startswith("CA") and (call.status, call.to) == ("queued", VOLUNTEER)
    [recorded] = fake.calls
    assert (recorded.sid, recorded.form["Timeout"]) == (call.sid, "20")
