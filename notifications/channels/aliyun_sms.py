"""``AliyunSms``: domestic SMS through Aliyun's own SDK (``alibabacloud-dysmsapi20170525``), two-way.

Each message goes out as the approved template of its kind (``notifications.channels.aliyun_templates``) under the
office's approved signature. ``OutId`` carries the outbox id (a batch carries its rows' ids, comma-separated), so
after a crash between sending and recording the row is found at the provider by its id, not guessed; the row's
provider id is ``aliyun:<outbox id>``, which is also how a delivery report (it names the ``out_id`` and the phone)
finds its row. Rows of one kind due together go in one ``SendBatchSms`` request (up to ``BATCH_MAX`` numbers).

Errors: a business refusal comes back as HTTP 200 with a ``Code`` other than ``OK``. Flow control and the
provider's own trouble are temporary (the outbox backs off and tries again); an invalid number, a template or
signature not approved, missing variables are permanent (never retried: the officer's timeline says why).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from notifications.channels import Outgoing, PermanentFailure, Sent, TemporaryFailure
from notifications.channels.aliyun_templates import Template, variable_values

CHINA = ZoneInfo("Asia/Shanghai")
BATCH_MAX = 100  # numbers per SendBatchSms request
TEMPORARY_CODES = {
    "isp.SYSTEM_ERROR",
    "isv.BUSINESS_LIMIT_CONTROL",  # too many messages to one number in a minute/hour/day: later it goes
    "isv.OUT_OF_SERVICE",  # the account is suspended (unpaid): the office can fix it, and the row should then go
    "isv.AMOUNT_NOT_ENOUGH",
    "ServiceUnavailable",
    "InternalError",
}


def sid_of(outbox_id: int) -> str:
    return f"aliyun:{outbox_id}"


def mainland(phone: str) -> str:
    """The number as Aliyun writes it: a mainland number without +86, any other with its country code and no +."""
    digits = phone.strip().lstrip("+")
    return digits[2:] if phone.startswith("+86") else digits


def e164(number: str) -> str:
    """A number as Aliyun reports it, in E.164 as the system keeps phones."""
    number = number.strip().removeprefix("+")
    if number.startswith("0086"):
        number = number[4:]
    if len(number) == 11 and number.startswith("1"):
        return f"+86{number}"
    return f"+{number}"


def outbox_ids(out_id: str) -> list[int]:
    """The outbox ids an ``OutId`` names (one, or a batch's, comma-separated); nothing for anything else (nor for more
    ids than one batch holds)."""
    parts = (out_id or "").split(",")
    if len(parts) > BATCH_MAX:
        return []
    return [int(part) for part in parts if part.isascii() and part.isdigit() and len(part) <= 18]


class AliyunSms:
    name = "aliyun"

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, Template],
        endpoint: str = "dysmsapi.aliyuncs.com",
        timeout_s: float = 10,
    ) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        protocol = "http" if endpoint.startswith(("127.0.0.1", "localhost")) else "https"  # tests: a local fake
        config = Config(access_key_id=access_key_id, access_key_secret=access_key_secret, endpoint=endpoint, protocol=protocol)
        self._client = Client(config)
        self.sender, self._templates, self._timeout_ms = sign_name, templates, int(timeout_s * 1000)

    def send(self, message: Outgoing) -> Sent:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest

        template = self._template(message.kind)
        request = SendSmsRequest(
            phone_numbers=mainland(message.to),
            sign_name=self.sender,
            template_code=template.code,
            template_param=json.dumps(self._values(message, template), ensure_ascii=False),
            out_id=str(message.outbox_id),
        )
        self._answer(lambda runtime: self._client.send_sms_with_options(request, runtime))
        return Sent(sid=sid_of(message.outbox_id), status="queued")

    def send_batch(self, messages: list[Outgoing]) -> list[Sent | TemporaryFailure | PermanentFailure]:
        """Messages of one kind: one request per ``BATCH_MAX``; a message whose values cannot be made fails alone."""
        from alibabacloud_dysmsapi20170525.models import SendBatchSmsRequest

        template = self._template(messages[0].kind)
        outcomes: dict[int, Sent | TemporaryFailure | PermanentFailure] = {}
        ready = []
        for message in messages:
            try:
                ready.append((message, self._values(message, template)))
            except PermanentFailure as exc:
                outcomes[message.outbox_id] = exc
        for start in range(0, len(ready), BATCH_MAX):
            part = ready[start : start + BATCH_MAX]
            request = SendBatchSmsRequest(
                phone_number_json=json.dumps([mainland(m.to) for m, _ in part]),
                sign_name_json=json.dumps([self.sender] * len(part), ensure_ascii=False),
                template_code=template.code,
                template_param_json=json.dumps([values for _, values in part], ensure_ascii=False),
                out_id=",".join(str(m.outbox_id) for m, _ in part),
            )
            try:
                self._answer(lambda runtime, request=request: self._client.send_batch_sms_with_options(request, runtime))
            except (TemporaryFailure, PermanentFailure) as exc:
                outcomes.update({m.outbox_id: exc for m, _ in part})
            else:
                outcomes.update({m.outbox_id: Sent(sid=sid_of(m.outbox_id), status="queued") for m, _ in part})
        return [outcomes[m.outbox_id] for m in messages]

    def already_sent(self, message: Outgoing, since: datetime) -> str | None:
        """Asked by number and day (China time, the provider's), found by the outbox id in ``OutId``."""
        from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest

        first, last = since.astimezone(CHINA).date(), datetime.now(CHINA).date()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        for day in days:
            request = QuerySendDetailsRequest(
                phone_number=mainland(message.to), send_date=day.strftime("%Y%m%d"), page_size=50, current_page=1
            )
            body = self._answer(lambda runtime, request=request: self._client.query_send_details_with_options(request, runtime))
            found = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            if any(message.outbox_id in outbox_ids(detail.out_id) for detail in found):
                return sid_of(message.outbox_id)
        return None

    def _template(self, kind: str) -> Template:
        if kind not in self._templates:
            raise PermanentFailure(f"aliyun: no approved template for {kind} (ALIYUN_SMS_TEMPLATES)")
        return self._templates[kind]

    @staticmethod
    def _values(message: Outgoing, template: Template) -> dict[str, str]:
        try:
            return variable_values(message.kind, message.params, template)
        except (KeyError, ValueError) as exc:
            raise PermanentFailure(f"aliyun: template {template.code}: {exc}") from exc

    def _answer(self, request: Callable[[Any], Any]):
        """Run one request without the SDK's own retries (the outbox retries, with backoff and a record), and sort
        what went wrong into temporary and permanent."""
        from darabonba.runtime import RuntimeOptions

        runtime = RuntimeOptions(
            autoretry=False, max_attempts=0, read_timeout=self._timeout_ms, connect_timeout=min(self._timeout_ms, 5000)
        )
        try:
            response = request(runtime)
        except Exception as exc:  # the SDK raises its own and its HTTP library's exceptions; sorted below
            raise _sorted(exc) from exc
        body = response.body
        code = getattr(body, "code", None)
        if code not in (None, "OK"):
            raise _failure_for(code, getattr(body, "message", "") or "")
        return body


def _failure_for(code: str, message: str) -> TemporaryFailure | PermanentFailure:
    said = f"aliyun {code}: {message}".strip().rstrip(":")[:190]
    temporary = code in TEMPORARY_CODES or "throttl" in code.lower() or code.startswith("isp.")
    return TemporaryFailure(said) if temporary else PermanentFailure(said)


def _sorted(exc: Exception) -> TemporaryFailure | PermanentFailure:
    """An exception from the SDK: HTTP 5xx, 429, throttling, timeouts and dropped connections are temporary; any
    other refusal (a wrong key, a bad request) is permanent."""
    code = str(getattr(exc, "code", "") or "")
    status = getattr(exc, "status_code", None) or (getattr(exc, "data", None) or {}).get("statusCode")
    try:
        status = int(status) if status is not None else None
    except (TypeError, ValueError):
        status = None
    if status is not None and (status >= 500 or status == 429):
        return TemporaryFailure(f"aliyun {status} {code}".strip())
    if code:
        failure = _failure_for(code, str(getattr(exc, "message", "") or ""))
        if status is None or isinstance(failure, TemporaryFailure):
            return failure
        return PermanentFailure(f"aliyun {status} {code}")
    return TemporaryFailure(f"aliyun: {type(exc).__name__}")  # no answer at all: a timeout or a dropped connection
