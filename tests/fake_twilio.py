"""``FakeTwilio``: a local stand-in for the parts of Twilio's REST API this project uses, as a real HTTP server.

The real ``twilio`` client talks to it unchanged through ``notifications.twilio_http.RedirectingHttpClient``:
Basic auth, messages (create, fetch, list) and calls (create), with Twilio's resource shapes, paging envelope and
error bodies. Tests read what was sent from ``messages`` and ``calls``, program trouble with ``fail_next``,
``delay_next`` and ``invalid_numbers``, and play Twilio's side of the webhooks (status callbacks, inbound SMS and
voice) signed with the auth token exactly as Twilio signs them. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode
from uuid import uuid4

import requests
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
ROUTE = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<kind>Messages|Calls)(?:/(?P<sid>[^/]+))?\.json")
SID_PREFIX = {"Messages": "SM", "Calls": "CA"}
GSM_7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
GSM_7 += "abcdefghijklmnopqrstuvwxyzäöñüà"
GSM_7_EXTENDED = "^{}\\[~]|€\f"  # each costs two septets


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Created:
    """A message or call the fake accepted: the form fields it was sent and the resource it answers with."""

    sid: str
    form: dict[str, str]
    resource: dict[str, Any]
    created_at: datetime

    @property
    def to(self) -> str:
        return self.form["To"]

    @property
    def body(self) -> str | None:
        return self.form.get("Body")

    @property
    def status(self) -> str:
        return self.resource["status"]


class FakeTwilio:
    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.invalid_numbers: set[str] = set()
        self._lock = threading.Lock()
        self._records: dict[str, list[Created]] = {"Messages": [], "Calls": []}
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._requests_received = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeTwilio:
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down, waking answers held back by ``delay_next``, and wait for its threads."""
        assert self._server is not None and self._thread is not None, "FakeTwilio was not started"
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeTwilio was not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- what tests program and read

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next ``n`` message or call creations answer ``status`` with a Twilio error body, recording nothing."""
        with self._lock:
            self._failures.extend([status] * n)

    def delay_next(self, n: int, seconds: float) -> None:
        """The next ``n`` creations are processed at once (a message is recorded) but answered ``seconds`` later."""
        with self._lock:
            self._delays.extend([seconds] * n)

    @property
    def messages(self) -> list[Created]:
        with self._lock:
            return list(self._records["Messages"])

    @property
    def calls(self) -> list[Created]:
        with self._lock:
            return list(self._records["Calls"])

    @property
    def requests_received(self) -> int:
        with self._lock:
            return self._requests_received

    # -- the REST API, called from the server's threads

    def respond(self, method: str, target: str, authorization: str, form: dict[str, str]) -> Reply:
        with self._lock:
            self._requests_received += 1
        if not self._authorized(authorization):
            return Reply(401, error_body(401, 20003, "Authenticate"), {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        path, _, query = target.partition("?")
        route = ROUTE.fullmatch(path)
        if route is None or route["account"] != self.account_sid:
            return not_found(path)
        if method == "POST" and route["sid"] is None:
            return self._create(route["kind"], form)
        if method == "GET" and route["sid"] is not None:
            return self._fetch(route["kind"], route["sid"], path)
        if method == "GET":
            return self._list(route["kind"], path, dict(parse_qsl(query)))
        return Reply(405, error_body(405, 20004, "Method not allowed"))

    def _authorized(self, authorization: str) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(authorization.encode(), expected.encode())

    def _create(self, kind: str, form: dict[str, str]) -> Reply:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            delay = self._delays.pop(0) if self._delays else 0.0
        reply = server_error(failure) if failure else self._accept(kind, form)
        self._stopping.wait(delay)
        return reply

    def _accept(self, kind: str, form: dict[str, str]) -> Reply:
        problem = CHECKS[kind](form)
        if problem is None and form["To"] in self.invalid_numbers:
            problem = (21211, f"The 'To' number {form['To']} is not a valid phone number.")
        if problem is not None:
            return Reply(400, error_body(400, *problem))
        now = datetime.now(UTC).replace(microsecond=0)
        sid = SID_PREFIX[kind] + secrets.token_hex(16)
        record = Created(sid, form, resource(self.account_sid, kind, sid, form, now), now)
        with self._lock:
            self._records[kind].append(record)
            return Reply(201, dict(record.resource))

    def _fetch(self, kind: str, sid: str, path: str) -> Reply:
        with self._lock:
            found = [dict(record.resource) for record in self._records[kind] if record.sid == sid]
        return Reply(200, found[0]) if found else not_found(path)

    def _list(self, kind: str, path: str, query: dict[str, str]) -> Reply:
        with self._lock:
            newest_first = [dict(record.resource) for record in reversed(self._records[kind]) if matches(record, query)]
        return Reply(200, page_envelope(kind.lower(), newest_first, path, query))

    # -- Twilio's side of the webhooks

    def sign(self, url: str, params: Mapping[str, str], *, forged: bool = False) -> str:
        """The ``X-Twilio-Signature`` Twilio would send for ``params`` posted to ``url``; ``forged`` uses a wrong token."""
        token = secrets.token_hex(16) if forged else self.auth_token
        return RequestValidator(token).compute_signature(url, params)

    def status_callback(
        self, message: Created | str, status: str, extra: Mapping[str, str] | None = None, *, forged: bool = False
    ) -> requests.Response:
        """POST Twilio's status callback for ``message`` to its ``StatusCallback``; fetching it then shows ``status``.

        ``extra`` adds or overrides fields, e.g. ``{"ErrorCode": "30003"}`` with ``"undelivered"``.
        """
        record = self._message(message)
        if not record.form.get("StatusCallback"):
            raise ValueError(f"{record.sid} was created without a StatusCallback")
        params = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "MessageSid": record.sid}
        params |= {"MessageStatus": status, "SmsSid": record.sid, "SmsStatus": status, "To": record.to}
        params |= {name: record.form[name] for name in ("From", "MessagingServiceSid") if name in record.form}
        params |= extra or {}
        if not forged:  # a forger's post changes nothing at Twilio
            self._set_status(record, status, params.get("ErrorCode"))
        return self._post_webhook(record.form["StatusCallback"], params, None, forged)

    def inbound_sms(
        self, webhook_url: str, from_: str, to: str, body: str, signature_url: str | None = None, *, forged: bool = False
    ) -> requests.Response:
        """POST an incoming-message webhook, signed for ``signature_url`` (the public URL behind a proxy) if given."""
        sid = "SM" + secrets.token_hex(16)
        params = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "Body": body, "From": from_, "To": to}
        params |= {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "SmsStatus": "received", "NumMedia": "0"}
        params |= {"NumSegments": str(count_segments(body))}
        return self._post_webhook(webhook_url, params, signature_url, forged)

    def inbound_voice(
        self, webhook_url: str, params: Mapping[str, str], signature_url: str | None = None, *, forged: bool = False
    ) -> requests.Response:
        """POST a voice webhook: ``params`` (From, To, Digits, a CallSid to continue a call...) over Twilio's defaults."""
        defaults = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": "CA" + secrets.token_hex(16)}
        defaults |= {"CallStatus": "in-progress", "Direction": "inbound"}
        return self._post_webhook(webhook_url, defaults | dict(params), signature_url, forged)

    def _message(self, message: Created | str) -> Created:
        if isinstance(message, Created):
            return message
        return next(record for record in self.messages if record.sid == message)

    def _set_status(self, record: Created, status: str, error_code: str | None) -> None:
        stamp = format_datetime(datetime.now(UTC).replace(microsecond=0))
        with self._lock:
            record.resource |= {"status": status, "date_updated": stamp, "error_code": int(error_code) if error_code else None}
            if status in ("sent", "delivered", "undelivered"):
                record.resource["date_sent"] = record.resource["date_sent"] or stamp

    def _post_webhook(self, url: str, params: dict[str, str], signature_url: str | None, forged: bool) -> requests.Response:
        headers = {"X-Twilio-Signature": self.sign(signature_url or url, params, forged=forged), "User-Agent": "TwilioProxy/1.1"}
        headers["I-Twilio-Idempotency-Token"] = str(uuid4())
        return requests.post(url, data=params, headers=headers, timeout=10)


# -- Twilio's answers


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def server_error(status: int) -> Reply:
    return Reply(status, error_body(status, 20000 + status, HTTPStatus(status).phrase))


def not_found(path: str) -> Reply:
    return Reply(404, error_body(404, 20404, f"The requested resource {path} was not found"))


def check_message(form: dict[str, str]) -> tuple[int, str] | None:
    if not form.get("To"):
        return 21604, "A 'To' phone number is required."
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return 21603, "A 'From' phone number is required."
    if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
        return 21602, "Message body is required."
    if len(form.get("Body", "")) > 1600:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return None


def check_call(form: dict[str, str]) -> tuple[int, str] | None:
    if not form.get("To"):
        return 21201, "No 'To' number is specified"
    if not form.get("From"):
        return 21213, "No 'From' number is specified"
    if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
        return 21205, "Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml"
    return None


def resource(account_sid: str, kind: str, sid: str, form: dict[str, str], now: datetime) -> dict[str, Any]:
    """The JSON Twilio answers for a new message or call, with its fields in Twilio's names and formats."""
    uri, stamp = f"/{API_VERSION}/Accounts/{account_sid}/{kind}/{sid}", format_datetime(now)
    common = {"account_sid": account_sid, "api_version": API_VERSION, "date_created": stamp, "date_updated": stamp}
    common |= {"direction": "outbound-api", "from": form.get("From"), "price": None, "price_unit": "USD", "sid": sid}
    common |= {"status": "queued", "to": form["To"], "uri": f"{uri}.json"}
    return common | (message_fields(uri, form) if kind == "Messages" else call_fields(uri, form))


def message_fields(uri: str, form: dict[str, str]) -> dict[str, Any]:
    body = form.get("Body", "")
    return dict.fromkeys(("date_sent", "error_code", "error_message")) | {
        "body": body,
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": str(count_segments(body)),
        "status": "queued" if form.get("From") else "accepted",  # a messaging service picks the sender later
        "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
    }


def call_fields(uri: str, form: dict[str, str]) -> dict[str, Any]:
    unknown_yet = ("annotation", "answered_by", "caller_name", "duration", "end_time", "forwarded_from", "group_sid")
    unknown_yet += ("parent_call_sid", "phone_number_sid", "start_time", "trunk_sid")
    return dict.fromkeys(unknown_yet) | {
        "from_formatted": form["From"],
        "queue_time": "0",
        "subresource_uris": {"notifications": f"{uri}/Notifications.json", "recordings": f"{uri}/Recordings.json"},
        "to_formatted": form["To"],
    }


CHECKS: dict[str, Callable[[dict[str, str]], tuple[int, str] | None]] = {"Messages": check_message, "Calls": check_call}


def count_segments(body: str) -> int:
    """Twilio's count: 160 GSM-7 septets or 70 UCS-2 units fit one SMS; split, each part holds 153 or 67."""
    if all(char in GSM_7 or char in GSM_7_EXTENDED for char in body):
        units, single, part = sum(2 if char in GSM_7_EXTENDED else 1 for char in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // part)


def matches(record: Created, query: Mapping[str, str]) -> bool:
    """Twilio's list filters; the fake sends at once, so a message's sent date is its creation time."""
    parties = all(query.get(name, value) == value for name, value in (("To", record.to), ("From", record.form.get("From"))))
    checks = {
        "DateSent": lambda low, high: low <= record.created_at <= high,
        "DateSent>": lambda low, high: record.created_at >= low,
        "DateSent<": lambda low, high: record.created_at <= high,
    }
    return parties and all(check(*date_bounds(query[name])) for name, check in checks.items() if name in query)


def date_bounds(value: str) -> tuple[datetime, datetime]:
    """A date filter names a whole day (``2024-05-01``) or an instant (``2024-05-01T08:00:00Z``, as the client sends)."""
    if len(value) == len("2024-05-01"):
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        return day, day + timedelta(days=1, microseconds=-1)
    instant = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return instant, instant


def page_envelope(key: str, records: list[dict[str, Any]], path: str, query: Mapping[str, str]) -> dict[str, Any]:
    page, size = int(query.get("Page", 0)), int(query.get("PageSize", 50))
    filters = {name: value for name, value in query.items() if name not in ("Page", "PageSize", "PageToken")}

    def page_uri(number: int) -> str:
        return f"{path}?{urlencode(filters | {'Page': number, 'PageSize': size})}"

    start = page * size
    chunk = records[start : start + size]
    return {
        key: chunk,
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": page_uri(0),
        "next_page_uri": page_uri(page + 1) if start + size < len(records) else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": page_uri(page - 1) if page else None,
        "start": start,
        "uri": page_uri(page),
    }


# -- the HTTP server


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() waits for answers in flight and stop() leaves nothing running

    def __init__(self, fake: FakeTwilio) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a delayed answer has hung up: that is what the delay was for.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer(self.server.fake.respond("GET", self.path, self.headers.get("Authorization", ""), {}))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = dict(parse_qsl(body, keep_blank_values=True))
        self._answer(self.server.fake.respond("POST", self.path, self.headers.get("Authorization", ""), form))

    def _answer(self, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read ``requests_received`` and the records instead
