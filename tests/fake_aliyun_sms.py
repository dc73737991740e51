"""``FakeAliyunSms``: a local stand-in for Aliyun's SMS service (Dysmsapi 2017-05-25) as a real HTTP server.

The real SDK (``alibabacloud-dysmsapi20170525`` 4.6.0 on ``alibabacloud-tea-openapi`` 0.4.6) talks to it unchanged::

    with FakeAliyunSms(templates={"SMS_1001": "您有新的调度任务：${need}，地点：${place}。"}) as fake:
        client = Client(fake.sdk_config())          # Config(access_key_id, access_key_secret, endpoint, protocol="http")
        runtime = RuntimeOptions(connect_timeout=1000, read_timeout=2000)   # milliseconds
        client.send_sms_with_options(SendSmsRequest(phone_numbers="13800138000", sign_name=fake.sign_name,
                                                    template_code="SMS_1001", template_param='{"need":..}', out_id="42"), runtime)
        fake.sent[0].params, fake.sent[0].content    # {"need": ..}, "【应急调度】您有新的调度任务：..."

What it checks and answers
    Every request is authenticated as Aliyun's gateway does: the access key id must be known (else 404
    ``InvalidAccessKeyId.NotFound``), the ACS3-HMAC-SHA256 signature is recomputed from the request (method, path,
    query, signed headers, the body's SHA-256) with the secret (else 400 ``SignatureDoesNotMatch``), ``x-acs-date``
    must be within 15 minutes (400 ``InvalidTimeStamp.Expired``) and a nonce is good once (400
    ``SignatureNonceUsed``). Actions: ``SendSms``, ``SendBatchSms`` (one BizId for the batch, one ``SentSms`` per
    recipient, all or none) and ``QuerySendDetails`` (PhoneNumber, SendDate yyyyMMdd in Beijing time, PageSize <= 50,
    CurrentPage from 1, BizId optional; no OutId filter: find it in the rows). Times are Beijing time,
    ``yyyy-MM-dd HH:mm:ss``. Aliyun's codes, and how they come (Aliyun's 短信 API 错误码 page and the OpenAPI
    gateway's common error table):
      - HTTP 200 with ``Code`` != "OK" (the SMS service's own refusals): ``isv.MOBILE_NUMBER_ILLEGAL`` (not a mainland
        number, or in ``invalid_numbers``), ``isv.SMS_SIGNATURE_ILLEGAL`` (sign name not in ``sign_names``),
        ``isv.SMS_TEMPLATE_ILLEGAL`` (template code not in ``templates``), ``isv.TEMPLATE_MISSING_PARAMETERS``,
        ``isv.INVALID_JSON_PARAM`` (TemplateParam not a JSON object of strings), ``isv.MOBILE_COUNT_OVER_LIMIT``
        (1000 per SendSms, 100 per batch), ``isv.INVALID_PARAMETERS``, ``isv.BUSINESS_LIMIT_CONTROL`` (per-number
        flow control, e.g. 1/min 5/h 10/day for codes; only through ``fail_next``).
      - HTTP 4xx/5xx (the gateway's): ``Missing<Name>`` 400, ``IncompleteSignature`` 400, ``SignatureDoesNotMatch``
        400, ``InvalidAccessKeyId.NotFound`` 404 (some product pages say 400), ``Throttling.User`` 400 ("Request was
        denied due to user flow control."), ``InternalError`` 500, ``ServiceUnavailable`` 503.

Programmable trouble, for the sends only (queries always answer): ``fail_next(n, how)`` with ``how`` in
``TROUBLE_KINDS`` ("500", "503", "throttled", "timeout", "invalid_number", "template_not_approved",
"signature_not_approved", "flow_control"). ``"timeout"`` ACCEPTS and records the message, then holds the answer
``hold_seconds`` (make it longer than the client's read timeout): as Aliyun warns, a send that timed out may well have
gone out. ``invalid_numbers`` refuses those numbers for good. ``requests_received`` counts every HTTP request.

Aliyun's side of the HTTP batch push (回执消息, HTTP批量推送): ``report_for(sent)`` records the carrier's verdict
(QuerySendDetails then shows SendStatus 3 or 2, ErrCode, ReceiveDate) and builds a ``SmsReport``;
``reply_from(phone, content)`` builds an ``SmsUp``; ``push_reports(url, [..])`` / ``push_replies(url, [..])`` POST
them as one JSON array (application/json, UTF-8) and return the ``requests.Response``. Aliyun documents the answer
it expects as HTTP 200 with ``{"code": 0, "msg": "接收成功"}``: it only checks that ``code`` is a number (``msg`` is
free text, so "成功" does as well), and pushes again after a non-200 or a timeout (1, 5 and 10 minutes later);
``receiver_accepted(response)`` applies that rule. SmsUp's ``sequence_id`` is a number in the older page and a
string in the newer one (which also drops ``sign_name``): a receiver should take both. Phone numbers are mainland
numbers without +86 ("13800138000"; the SDK's requests may also carry +86/0086/86 prefixes); international numbers
are written country code then number, with no "+" or "00" ("85212345678"), and need international templates, which
this fake does not have (it answers ``isv.MOBILE_NUMBER_ILLEGAL``).

What the SDK does (read from its source, checked by tests/unit/test_fake_aliyun_sms.py)
    * Requests: POST http://<endpoint>/ ; action and version in the headers ``x-acs-action`` / ``x-acs-version``; the
      parameters in the query string, except SendBatchSms' PhoneNumberJson, SignNameJson, TemplateParamJson and
      SmsUpExtendCodeJson, which go in a form body (its OutId and TemplateCode stay in the query). Signed with
      ACS3-HMAC-SHA256 (``Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<hex>``,
      signing host, accept, user-agent, content-type and every x-acs-* header; ``x-acs-content-sha256`` is the body's
      hash). The old RPC HMAC-SHA1 signature (Signature in the query) is used only with
      ``Config(signature_algorithm="v2")``; this fake refuses it (400 ``IncompleteSignature``).
    * SendBatchSms takes an ``OutId`` in this version (``SendBatchSmsRequest(out_id=..)``, sent in the query); the fake
      gives it to every recipient of the batch.
    * Exceptions, all subclasses of ``Tea.exceptions.TeaException``:
      - HTTP 4xx: ``alibabacloud_tea_openapi.exceptions.ClientException``; HTTP 5xx: ``ServerException``; either one
        with an ``x-acs-retry-after`` header: ``ThrottlingException`` (``.retry_after``; this fake never sends it, so
        "throttled" is a ClientException with code "Throttling.User"). ``.code`` is Aliyun's code,
        ``.status_code`` the HTTP status, ``.request_id``, ``.data`` the error body (plus ``statusCode``),
        ``.message`` reads "code: 503, <Message> request id: <id>".
      - No answer in time, or no connection: ``darabonba.exceptions.UnretryableException`` (a
        ``Tea.exceptions.UnretryableException``; ``.code`` None); ``.inner_exception`` is a
        ``darabonba.exceptions.RetryError`` whose ``.message`` is requests' text ("... Read timed out. (read
        timeout=0.3)", "... Failed to establish a new connection ...").
      - HTTP 200 with Code != "OK" raises NOTHING: read ``response.body.code`` / ``.message``.
    * Timeouts are milliseconds: ``RuntimeOptions(connect_timeout=, read_timeout=)`` (``darabonba.runtime`` or
      ``alibabacloud_tea_util.models``, both work), else ``Config(connect_timeout=, read_timeout=)``, else 5000/10000.
    * Retries: the SDK makes exactly ONE attempt unless ``Config(retry_options=darabonba.policy.retry.RetryOptions(..))``
      is given; ``RuntimeOptions(autoretry=, max_attempts=)`` are ignored by this version.
    * The SDK passes HTTP_PROXY/HTTPS_PROXY from the environment to requests itself, and then NO_PROXY (and even
      ``RuntimeOptions(no_proxy=..)``) does not keep its calls to 127.0.0.1 away from that proxy: unset them to test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn
from urllib.parse import parse_qsl, quote, urlsplit
from uuid import uuid4

import requests

API_VERSION = "2017-05-25"
ALGORITHM = "ACS3-HMAC-SHA256"
AUTHORIZATION = re.compile(rf"{ALGORITHM} Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)")
MUST_SIGN = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}
CLOCK_SKEW = timedelta(minutes=15)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
STAMP = "%Y-%m-%d %H:%M:%S"
MAINLAND = re.compile(r"(?:\+86|0086|86|\+)?(1[3-9]\d{9})")
VARIABLE = re.compile(r"\$\{(\w+)\}")
PHONES_PER_SEND, PHONES_PER_BATCH, PAGE_SIZE_MAX = 1000, 100, 50
WAITING, FAILED, DELIVERED = 1, 2, 3  # SendStatus in QuerySendDetails


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


@dataclass
class SentSms:
    """One message to one recipient that Aliyun accepted, and what the carrier later said about it."""

    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str | None
    biz_id: str
    content: str
    sent_at: datetime
    send_status: int = WAITING
    err_code: str = ""
    received_at: datetime | None = None


@dataclass
class SmsReport:
    """A delivery report as Aliyun pushes it (SmsReport); field names are Aliyun's."""

    phone_number: str
    send_time: str
    report_time: str
    success: bool
    err_code: str
    err_msg: str
    sms_size: str
    biz_id: str
    out_id: str


@dataclass
class SmsUp:
    """A recipient's reply as Aliyun pushes it (SmsUp); field names are Aliyun's."""

    phone_number: str
    send_time: str
    content: str
    sign_name: str
    dest_code: str
    sequence_id: int


class Refused(Exception):
    """Raised inside the fake to answer ``reply`` at once."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body.get("Code"))
        self.reply = reply


class FakeAliyunSms:
    def __init__(
        self,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str = "应急调度",
        templates: Mapping[str, str] | None = None,
    ) -> None:
        self.access_key_id = access_key_id or "LTAI" + secrets.token_hex(10)
        self.access_key_secret = access_key_secret or secrets.token_urlsafe(22)
        self.sign_name = sign_name
        self.sign_names: set[str] = {sign_name}
        self.templates: dict[str, str] = dict(templates or {})  # code -> text with ${variable}s
        self.invalid_numbers: set[str] = set()
        self.dest_code = "1234"
        self._lock = threading.Lock()
        self._sent: list[SentSms] = []
        self._troubles: list[tuple[str, float]] = []
        self._nonces: set[str] = set()
        self._requests_received = 0
        self._sequence = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeAliyunSms:
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-aliyun", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down, waking answers held back by a ``"timeout"``, and wait for its threads."""
        assert self._server is not None and self._thread is not None, "FakeAliyunSms was not started"
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeAliyunSms:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """``host:port``, what the SDK's ``Config(endpoint=..)`` takes (with ``protocol="http"``)."""
        assert self._server is not None, "FakeAliyunSms was not started"
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def sdk_config(self, **overrides: Any) -> Any:
        """The SDK's ``Config`` pointing at this fake with its keys; ``overrides`` set or replace any field."""
        from alibabacloud_tea_openapi.utils_models import Config

        fields = {"access_key_id": self.access_key_id, "access_key_secret": self.access_key_secret}
        return Config(**fields | {"endpoint": self.endpoint, "protocol": "http"} | overrides)

    # -- what tests program and read

    def fail_next(self, n: int, how: str, hold_seconds: float = 2.0) -> None:
        """The next ``n`` sends meet trouble ``how`` (one of ``TROUBLE_KINDS``); a ``"timeout"`` answers ``hold_seconds`` late."""
        if how not in TROUBLE_KINDS:
            raise ValueError(f"{how!r} is not one of {sorted(TROUBLE_KINDS)}")
        with self._lock:
            self._troubles.extend([(how, hold_seconds)] * n)

    @property
    def sent(self) -> list[SentSms]:
        with self._lock:
            return list(self._sent)

    @property
    def requests_received(self) -> int:
        with self._lock:
            return self._requests_received

    def template_variables(self, code: str) -> list[str]:
        return list(dict.fromkeys(VARIABLE.findall(self.templates[code])))

    # -- the API, called from the server's threads

    def respond(self, method: str, target: str, headers: Mapping[str, list[str]], body: bytes) -> Reply:
        with self._lock:
            self._requests_received += 1
        try:
            self._authenticate(method, target, headers, body)
            params = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
            params |= dict(parse_qsl(body.decode(), keep_blank_values=True))
            return self._act(first(headers, "x-acs-action"), params)
        except Refused as refused:
            return refused.reply

    def _authenticate(self, method: str, target: str, headers: Mapping[str, list[str]], body: bytes) -> None:
        match = AUTHORIZATION.fullmatch(first(headers, "authorization"))
        if match is None or not MUST_SIGN.issubset(match[2].split(";")):
            refuse(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        if match[1] != self.access_key_id:
            refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        to_sign = string_to_sign(method, target, headers, match[2].split(";"), hashlib.sha256(body).hexdigest())
        if not hmac.compare_digest(signature(self.access_key_secret, to_sign), match[3]):
            refuse(
                400,
                "SignatureDoesNotMatch",
                f"Specified signature does not match our calculation. server StringToSign is [{to_sign}]",
            )
        self._check_freshness(first(headers, "x-acs-date"), first(headers, "x-acs-signature-nonce"))

    def _check_freshness(self, date: str, nonce: str) -> None:
        try:
            stamp = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            refuse(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
        if abs(datetime.now(UTC) - stamp) > CLOCK_SKEW:
            refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        with self._lock:
            used = nonce in self._nonces
            self._nonces.add(nonce)
        if used:
            refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")

    def _act(self, action: str, params: dict[str, str]) -> Reply:
        if action == "QuerySendDetails":
            return self._query_send_details(params)
        if action not in ("SendSms", "SendBatchSms"):
            refuse(404, "InvalidAction.NotFound", f"Specified api is not found, please check your url and method: {action}")
        with self._lock:
            how, hold = self._troubles.pop(0) if self._troubles else ("", 0.0)
        if how in TROUBLES:
            return TROUBLES[how]()
        sends = batch_sends(params) if action == "SendBatchSms" else single_sends(params)
        reply = self._accept(sends, params.get("TemplateCode", ""), params.get("OutId"))
        self._stopping.wait(hold)
        return reply

    def _accept(self, sends: list[tuple[str, str, str]], template_code: str, out_id: str | None) -> Reply:
        """``sends`` are (phone, sign name, TemplateParam JSON) triples: all are sent, or none."""
        if template_code not in self.templates:
            return business_error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        biz_id, now = f"{secrets.randbelow(10**18):018d}^0", datetime.now(UTC).replace(microsecond=0)
        records = [self._message(phone, sign, template_code, params, out_id, biz_id, now) for phone, sign, params in sends]
        with self._lock:
            self._sent.extend(records)
        return Reply(200, {"RequestId": request_id(), "Code": "OK", "Message": "OK", "BizId": biz_id})

    def _message(self, phone: str, sign: str, code: str, params: str, out_id: str | None, biz_id: str, now: datetime) -> SentSms:
        number = MAINLAND.fullmatch(phone)
        if number is None or number[1] in self.invalid_numbers:
            raise Refused(business_error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"))
        if sign not in self.sign_names:
            raise Refused(business_error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"))
        values = template_params(params)
        missing = [name for name in self.template_variables(code) if name not in values]
        if missing:
            raise Refused(business_error("isv.TEMPLATE_MISSING_PARAMETERS", f"模板缺少变量：{','.join(missing)}"))
        content = f"【{sign}】" + VARIABLE.sub(lambda variable: values[variable[1]], self.templates[code])
        return SentSms(number[1], sign, code, values, out_id, biz_id, content, now)

    def _query_send_details(self, params: dict[str, str]) -> Reply:
        require(params, "PhoneNumber", "SendDate", "PageSize", "CurrentPage")
        if not (re.fullmatch(r"\d{8}", params["SendDate"]) and params["PageSize"].isdigit() and params["CurrentPage"].isdigit()):
            return business_error("isv.INVALID_PARAMETERS", "参数异常")
        size, page = min(int(params["PageSize"]), PAGE_SIZE_MAX), max(int(params["CurrentPage"]), 1)
        number = MAINLAND.fullmatch(params["PhoneNumber"])
        with self._lock:
            found = [detail(sms) for sms in self._sent if number and matches(sms, number[1], params)]
        body = {"RequestId": request_id(), "Code": "OK", "Message": "OK", "TotalCount": str(len(found))}
        return Reply(200, body | {"SmsSendDetailDTOs": {"SmsSendDetailDTO": found[(page - 1) * size : page * size]}})

    # -- Aliyun's side of the HTTP batch push

    def report_for(
        self, sent_sms: SentSms, success: bool = True, err_code: str = "DELIVERED", err_msg: str | None = None
    ) -> SmsReport:
        """The carrier's verdict on ``sent_sms``: recorded here (QuerySendDetails shows it) and returned as a report."""
        now = datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            sent_sms.send_status, sent_sms.err_code, sent_sms.received_at = DELIVERED if success else FAILED, err_code, now
        message = err_msg if err_msg is not None else ("用户接收成功" if success else err_code)
        return SmsReport(
            sent_sms.phone, beijing(sent_sms.sent_at), beijing(now), success, err_code, message,
            str(count_sms(sent_sms.content)), sent_sms.biz_id, sent_sms.out_id or "",
        )  # fmt: skip

    def reply_from(self, phone: str, content: str, sign_name: str | None = None, dest_code: str | None = None) -> SmsUp:
        """What ``phone`` texted back to a message signed ``sign_name`` (this fake's own by default)."""
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
        now = beijing(datetime.now(UTC))
        return SmsUp(phone, now, content, sign_name or self.sign_name, dest_code or self.dest_code, sequence)

    def push_reports(self, url: str, reports: list[SmsReport]) -> requests.Response:
        return push(url, [asdict(report) for report in reports])

    def push_replies(self, url: str, replies: list[SmsUp]) -> requests.Response:
        return push(url, [asdict(reply) for reply in replies])


# -- Aliyun's answers


def request_id() -> str:
    return str(uuid4()).upper()


def gateway_error(status: int, code: str, message: str) -> Reply:
    """The API gateway's refusal: an HTTP error status, a body with Code, Message, HostId and Recommend."""
    rid = request_id()
    recommend = f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi&requestId={rid}"
    return Reply(
        status, {"RequestId": rid, "HostId": "dysmsapi.aliyuncs.com", "Code": code, "Message": message, "Recommend": recommend}
    )


def refuse(status: int, code: str, message: str) -> NoReturn:
    raise Refused(gateway_error(status, code, message))


def business_error(code: str, message: str) -> Reply:
    """The SMS service's refusal: HTTP 200, with a Code other than OK."""
    return Reply(200, {"RequestId": request_id(), "Code": code, "Message": message})


TROUBLES = {
    "500": lambda: gateway_error(
        500, "InternalError", "The request processing has failed due to some unknown error, exception or failure."
    ),
    "503": lambda: gateway_error(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    "throttled": lambda: gateway_error(400, "Throttling.User", "Request was denied due to user flow control."),
    "invalid_number": lambda: business_error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    "template_not_approved": lambda: business_error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"),
    "signature_not_approved": lambda: business_error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"),
    "flow_control": lambda: business_error("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10"),
}
TROUBLE_KINDS = frozenset(TROUBLES) | {"timeout"}  # a timeout is no answer: the message is accepted, its answer held


def single_sends(params: dict[str, str]) -> list[tuple[str, str, str]]:
    require(params, "PhoneNumbers", "SignName", "TemplateCode")
    phones = params["PhoneNumbers"].split(",")
    if len(phones) > PHONES_PER_SEND:
        raise Refused(business_error("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制"))
    return [(phone.strip(), params["SignName"], params.get("TemplateParam", "")) for phone in phones]


def batch_sends(params: dict[str, str]) -> list[tuple[str, str, str]]:
    require(params, "PhoneNumberJson", "SignNameJson", "TemplateCode")
    phones, signs = json_array(params["PhoneNumberJson"]), json_array(params["SignNameJson"])
    values = json_array(params["TemplateParamJson"]) if params.get("TemplateParamJson") else [{}] * len(phones)
    if len(phones) > PHONES_PER_BATCH:
        raise Refused(business_error("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制"))
    if not len(phones) == len(signs) == len(values):
        raise Refused(business_error("isv.INVALID_PARAMETERS", "参数异常：号码、签名与模板参数的个数不一致"))
    return [(str(phone), str(sign), json.dumps(value)) for phone, sign, value in zip(phones, signs, values, strict=True)]


def require(params: dict[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            refuse(400, f"Missing{name}", f"{name} is mandatory for this action.")


def json_array(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, list):
        raise Refused(business_error("isv.INVALID_JSON_PARAM", "JSON参数不合法"))
    return value


def template_params(text: str) -> dict[str, str]:
    """TemplateParam: a JSON object whose values are strings (Aliyun refuses {"code": 123456})."""
    try:
        values = json.loads(text) if text else {}
    except ValueError:
        values = None
    if not isinstance(values, dict) or not all(isinstance(value, str) for value in values.values()):
        raise Refused(business_error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"))
    return values


def matches(sms: SentSms, phone: str, params: Mapping[str, str]) -> bool:
    same_day = sms.sent_at.astimezone(BEIJING).strftime("%Y%m%d") == params["SendDate"]
    return sms.phone == phone and same_day and params.get("BizId") in (None, "", sms.biz_id)


def detail(sms: SentSms) -> dict[str, Any]:
    """One SmsSendDetailDTO of QuerySendDetails."""
    received = beijing(sms.received_at) if sms.received_at else ""
    return {
        "PhoneNum": sms.phone, "SendStatus": sms.send_status, "ErrCode": sms.err_code, "TemplateCode": sms.template_code,
        "Content": sms.content, "SendDate": beijing(sms.sent_at), "ReceiveDate": received, "OutId": sms.out_id or "",
    }  # fmt: skip


def beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime(STAMP)


def count_sms(content: str) -> int:
    """Aliyun bills 70 characters (the signature counts) as one SMS; a longer one goes in parts of 67."""
    return 1 if len(content) <= 70 else -(-len(content) // 67)


# -- the ACS3-HMAC-SHA256 signature, as Aliyun's gateway recomputes it


def string_to_sign(method: str, target: str, headers: Mapping[str, list[str]], signed: list[str], payload_hash: str) -> str:
    parts = urlsplit(target)
    pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
    query = "&".join(f"{quote(name, safe='~')}={quote(value, safe='~')}" for name, value in pairs)
    canonical_headers = "".join(f"{name}:{','.join(sorted(v.strip() for v in headers.get(name, [])))}\n" for name in signed)
    canonical = "\n".join([method, parts.path or "/", query, canonical_headers, ";".join(signed), payload_hash])
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def signature(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def first(headers: Mapping[str, list[str]], name: str) -> str:
    return (headers.get(name) or [""])[0]


# -- pushing, and what Aliyun counts as received


def push(url: str, items: list[dict[str, Any]]) -> requests.Response:
    body = json.dumps(items, ensure_ascii=False).encode()
    return requests.post(url, data=body, headers={"Content-Type": "application/json;charset=UTF-8"}, timeout=10)


def receiver_accepted(response: requests.Response) -> bool:
    """Aliyun's rule for a push: HTTP 200 and a JSON body whose ``code`` is a number; anything else is pushed again."""
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return False
    return response.status_code == 200 and isinstance(code, int) and not isinstance(code, bool)


# -- the HTTP server


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() waits for answers in flight and stop() leaves nothing running

    def __init__(self, fake: FakeAliyunSms) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a held answer has hung up: that is what the hold was for.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        self._answer(self.server.fake.respond(method, self.path, headers, body))

    def _answer(self, reply: Reply) -> None:
        payload = json.dumps(reply.body, ensure_ascii=False).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read ``requests_received`` and ``sent`` instead
