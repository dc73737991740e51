"""The fake Aliyun SMS service, driven by the real Dysmsapi SDK over loopback, and its HTTP batch pushes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import (
    QuerySendDetailsRequest,
    SendBatchSmsRequest,
    SendSmsRequest,
    SendSmsResponse,
)
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from alibabacloud_tea_util.models import RuntimeOptions as TeaUtilRuntimeOptions
from darabonba.exceptions import RetryError, UnretryableException
from darabonba.policy.retry import RetryOptions
from darabonba.runtime import RuntimeOptions
from Tea.exceptions import TeaException

from tests.fake_aliyun_sms import BEIJING, DELIVERED, WAITING, FakeAliyunSms, receiver_accepted

TEMPLATE = "SMS_1001"
TEMPLATES = {TEMPLATE: "您有新的调度任务：${need}，地点：${place}。", "SMS_1002": "任务已取消。"}
VOLUNTEER = "13800138000"
NEIGHBOUR = "13900139000"
PARAMS = {"need": "送水 & 食物", "place": "东区 1+2 号"}


@pytest.fixture
def fake() -> Iterator[FakeAliyunSms]:
    with FakeAliyunSms(templates=TEMPLATES) as server:
        yield server


@pytest.fixture
def client(fake: FakeAliyunSms) -> Client:
    return Client(fake.sdk_config())


def runtime(**options: Any) -> RuntimeOptions:
    return RuntimeOptions(**{"connect_timeout": 1000, "read_timeout": 2000} | options)


def send(client: Client, phone: str = VOLUNTEER, options: Any = None, **fields: Any) -> SendSmsResponse:
    request = {"phone_numbers": phone, "sign_name": "应急调度", "template_code": TEMPLATE, "template_param": json.dumps(PARAMS)}
    return client.send_sms_with_options(SendSmsRequest(**request | fields), options or runtime())


def send_date(fake: FakeAliyunSms) -> str:
    """The Beijing day the first message went out on (asking for today could cross midnight)."""
    return fake.sent[0].sent_at.astimezone(BEIJING).strftime("%Y%m%d")


# -- sending


def test_a_send_is_accepted_and_recorded_with_its_params_and_out_id(client: Client, fake: FakeAliyunSms) -> None:
    response = send(client, out_id="dispatch-42")

    assert response.status_code == 200
    assert (response.body.code, response.body.message) == ("OK", "OK")
    [sms] = fake.sent
    assert (sms.phone, sms.template_code, sms.params, sms.out_id) == (VOLUNTEER, TEMPLATE, PARAMS, "dispatch-42")
    assert sms.content == "【应急调度】您有新的调度任务：送水 & 食物，地点：东区 1+2 号。"
    assert sms.biz_id == response.body.biz_id and sms.biz_id.endswith("^0") and sms.biz_id[:-2].isdigit()


def test_the_runtime_options_of_tea_util_serve_as_well(client: Client, fake: FakeAliyunSms) -> None:
    send(client, options=TeaUtilRuntimeOptions(connect_timeout=1000, read_timeout=2000))

    assert len(fake.sent) == 1


def test_a_number_with_a_country_prefix_is_recorded_as_the_mainland_number(client: Client, fake: FakeAliyunSms) -> None:
    assert send(client, phone=f"+86{VOLUNTEER},0086{NEIGHBOUR}").body.code == "OK"

    assert [sms.phone for sms in fake.sent] == [VOLUNTEER, NEIGHBOUR]
    assert len({sms.biz_id for sms in fake.sent}) == 1


def test_a_batch_send_has_one_biz_id_and_one_record_per_recipient(client: Client, fake: FakeAliyunSms) -> None:
    params = [PARAMS, {"need": "药品", "place": "西区"}]
    request = SendBatchSmsRequest(
        phone_number_json=json.dumps([VOLUNTEER, NEIGHBOUR]),
        sign_name_json=json.dumps(["应急调度", "应急调度"]),
        template_code=TEMPLATE,
        template_param_json=json.dumps(params),
        out_id="batch-7",
    )

    response = client.send_batch_sms_with_options(request, runtime())

    assert response.body.code == "OK"
    assert [(sms.phone, sms.params, sms.out_id) for sms in fake.sent] == [
        (VOLUNTEER, PARAMS, "batch-7"),
        (NEIGHBOUR, params[1], "batch-7"),
    ]
    assert {sms.biz_id for sms in fake.sent} == {response.body.biz_id}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone": "12345"}, "isv.MOBILE_NUMBER_ILLEGAL"),
        ({"phone": "85212345678"}, "isv.MOBILE_NUMBER_ILLEGAL"),  # international, with a domestic template
        ({"template_code": "SMS_9999"}, "isv.SMS_TEMPLATE_ILLEGAL"),
        ({"sign_name": "未审核的签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
        ({"template_param": json.dumps({"need": "送水"})}, "isv.TEMPLATE_MISSING_PARAMETERS"),
        ({"template_param": json.dumps({"need": 1, "place": "东区"})}, "isv.INVALID_JSON_PARAM"),
    ],
)
def test_business_refusals_come_as_http_200_with_a_code_and_send_nothing(
    client: Client, fake: FakeAliyunSms, fields: dict[str, str], code: str
) -> None:
    response = send(client, **fields)

    assert (response.status_code, response.body.code) == (200, code)
    assert response.body.message and response.body.biz_id is None
    assert fake.sent == []


def test_an_invalid_number_stays_invalid(client: Client, fake: FakeAliyunSms) -> None:
    fake.invalid_numbers.add(NEIGHBOUR)

    assert send(client, phone=NEIGHBOUR).body.code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert send(client, phone=NEIGHBOUR).body.code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert send(client, phone=VOLUNTEER).body.code == "OK"


def test_a_template_without_variables_needs_no_params(client: Client, fake: FakeAliyunSms) -> None:
    assert send(client, template_code="SMS_1002", template_param=None).body.code == "OK"
    assert fake.sent[0].content == "【应急调度】任务已取消。"


# -- authentication


def test_a_wrong_secret_is_refused_by_the_signature_check(fake: FakeAliyunSms) -> None:
    intruder = Client(fake.sdk_config(access_key_secret="not-the-secret"))

    with pytest.raises(ClientException) as refused:
        send(intruder)

    assert (refused.value.code, refused.value.status_code) == ("SignatureDoesNotMatch", 400)
    assert refused.value.request_id == refused.value.data["RequestId"]
    assert fake.sent == []


def test_an_unknown_access_key_id_is_not_found(fake: FakeAliyunSms) -> None:
    stranger = Client(fake.sdk_config(access_key_id="LTAI-unknown"))

    with pytest.raises(ClientException) as refused:
        send(stranger)

    assert (refused.value.code, refused.value.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_the_old_rpc_signature_is_not_what_the_fake_takes(fake: FakeAliyunSms) -> None:
    old_style = Client(fake.sdk_config(signature_algorithm="v2"))

    with pytest.raises(ClientException) as refused:
        send(old_style)

    assert refused.value.code == "IncompleteSignature"


@pytest.fixture
def recorded_send(fake: FakeAliyunSms) -> dict[str, Any]:
    """A SendSms request signed by the SDK with the fake's keys, caught on its way elsewhere: path, headers, body."""
    caught: dict[str, Any] = {}

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            caught.update(path=self.path, headers=dict(self.headers.items()), body=body)
            payload = json.dumps({"RequestId": "R", "Code": "OK", "Message": "OK", "BizId": "1^0"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    send(Client(fake.sdk_config(endpoint=f"127.0.0.1:{server.server_address[1]}")), out_id="caught")
    server.shutdown()
    server.server_close()
    return caught


def replay(fake: FakeAliyunSms, caught: dict[str, Any], path: str | None = None) -> requests.Response:
    url = f"http://{fake.endpoint}{path or caught['path']}"
    return requests.post(url, data=caught["body"], headers=caught["headers"], timeout=5)


def test_a_signed_request_is_good_once_and_a_tampered_one_never(fake: FakeAliyunSms, recorded_send: dict[str, Any]) -> None:
    tampered = recorded_send["path"].replace(VOLUNTEER, NEIGHBOUR)
    assert tampered != recorded_send["path"]

    assert replay(fake, recorded_send, tampered).json()["Code"] == "SignatureDoesNotMatch"
    assert replay(fake, recorded_send).json()["Code"] == "OK"
    assert replay(fake, recorded_send).json()["Code"] == "SignatureNonceUsed"
    assert [(sms.phone, sms.out_id) for sms in fake.sent] == [(VOLUNTEER, "caught")]


def test_an_unsigned_request_is_refused(fake: FakeAliyunSms) -> None:
    answer = requests.post(
        f"http://{fake.endpoint}/", params={"PhoneNumbers": VOLUNTEER}, headers={"x-acs-action": "SendSms"}, timeout=5
    )

    assert answer.status_code == 400 and answer.json()["Code"] == "IncompleteSignature"
    assert fake.sent == []


# -- trouble, and how the SDK surfaces it


@pytest.mark.parametrize(
    ("how", "exception", "code", "status"),
    [
        ("500", ServerException, "InternalError", 500),
        ("503", ServerException, "ServiceUnavailable", 503),
        ("throttled", ClientException, "Throttling.User", 400),
    ],
)
def test_gateway_trouble_raises_with_aliyuns_code_and_status(
    client: Client, fake: FakeAliyunSms, how: str, exception: type[TeaException], code: str, status: int
) -> None:
    fake.fail_next(1, how)

    with pytest.raises(exception) as failed:
        send(client)

    assert (failed.value.code, failed.value.status_code) == (code, status)
    assert fake.sent == []
    assert send(client).body.code == "OK"  # the trouble was for one send only


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("invalid_number", "isv.MOBILE_NUMBER_ILLEGAL"),
        ("template_not_approved", "isv.SMS_TEMPLATE_ILLEGAL"),
        ("signature_not_approved", "isv.SMS_SIGNATURE_ILLEGAL"),
        ("flow_control", "isv.BUSINESS_LIMIT_CONTROL"),
    ],
)
def test_business_trouble_answers_200_and_raises_nothing(client: Client, fake: FakeAliyunSms, how: str, code: str) -> None:
    fake.fail_next(1, how)

    response = send(client)

    assert (response.status_code, response.body.code) == (200, code)
    assert fake.sent == []


def test_a_timeout_raises_unretryable_and_the_message_may_still_have_gone(client: Client, fake: FakeAliyunSms) -> None:
    fake.fail_next(1, "timeout", hold_seconds=1.5)

    with pytest.raises(UnretryableException) as failed:
        send(client, options=runtime(read_timeout=300), out_id="late-1")

    assert isinstance(failed.value.inner_exception, RetryError)
    assert "timed out" in failed.value.inner_exception.message
    assert [sms.out_id for sms in fake.sent] == ["late-1"]


def test_nothing_listening_raises_unretryable(fake: FakeAliyunSms) -> None:
    gone = Client(fake.sdk_config())
    fake.stop()

    with pytest.raises(UnretryableException) as failed:
        send(gone)

    assert isinstance(failed.value.inner_exception, RetryError)
    fake.start()  # for the fixture's stop


@pytest.mark.parametrize("autoretry", [False, True])
def test_the_sdk_makes_one_attempt_whatever_the_runtime_options_say(client: Client, fake: FakeAliyunSms, autoretry: bool) -> None:
    fake.fail_next(1, "503")

    with pytest.raises(ServerException):
        send(client, options=runtime(autoretry=autoretry, max_attempts=3))

    assert fake.requests_received == 1


def test_retries_come_only_from_the_configs_retry_options(fake: FakeAliyunSms) -> None:
    condition = {"maxAttempts": 3, "errorCode": ["ServiceUnavailable"], "maxDelay": 10}
    retrying = Client(fake.sdk_config(retry_options=RetryOptions({"retryable": True, "retryCondition": [condition]})))
    fake.fail_next(2, "503")

    assert send(retrying).body.code == "OK"
    assert fake.requests_received == 3


# -- looking messages up


def test_a_query_finds_a_message_by_its_out_id_and_shows_its_delivery(client: Client, fake: FakeAliyunSms) -> None:
    send(client, out_id="dispatch-1")
    send(client, out_id="dispatch-2", template_code="SMS_1002", template_param=None)
    query = QuerySendDetailsRequest(phone_number=VOLUNTEER, send_date=send_date(fake), page_size=10, current_page=1)

    waiting = client.query_send_details_with_options(query, runtime()).body
    fake.report_for(fake.sent[1])
    delivered = client.query_send_details_with_options(query, runtime()).body

    assert waiting.code == "OK" and waiting.total_count == "2"
    [before] = [dto for dto in waiting.sms_send_detail_dtos.sms_send_detail_dto if dto.out_id == "dispatch-2"]
    [after] = [dto for dto in delivered.sms_send_detail_dtos.sms_send_detail_dto if dto.out_id == "dispatch-2"]
    assert (before.send_status, before.receive_date, before.content) == (WAITING, "", "【应急调度】任务已取消。")
    assert (after.send_status, after.err_code, after.template_code) == (DELIVERED, "DELIVERED", "SMS_1002")
    assert after.receive_date >= after.send_date


def test_a_query_by_biz_id_and_pages(client: Client, fake: FakeAliyunSms) -> None:
    biz_ids = [send(client, out_id=str(n)).body.biz_id for n in range(3)]

    def query(**fields: Any) -> Any:
        request = {"phone_number": VOLUNTEER, "send_date": send_date(fake), "page_size": 2, "current_page": 1} | fields
        return client.query_send_details_with_options(QuerySendDetailsRequest(**request), runtime()).body

    assert [dto.out_id for dto in query(biz_id=biz_ids[1]).sms_send_detail_dtos.sms_send_detail_dto] == ["1"]
    assert [dto.out_id for dto in query(current_page=2).sms_send_detail_dtos.sms_send_detail_dto] == ["2"]
    assert query(phone_number=NEIGHBOUR).sms_send_detail_dtos.sms_send_detail_dto == []


# -- Aliyun's HTTP batch push


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Any], list[int]]]:
    """A local endpoint standing in for ours: its URL, what it received, and the statuses it will answer (200 once empty)."""
    received: list[Any] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.headers["Content-Type"], json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            payload = json.dumps({"code": 0, "msg": "成功"}, ensure_ascii=False).encode()
            self.send_response(statuses.pop(0) if statuses else 200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms/report", received, statuses
    server.shutdown()
    server.server_close()


def test_delivery_reports_are_pushed_as_one_json_array(client: Client, fake: FakeAliyunSms, receiver: Any) -> None:
    url, received, _ = receiver
    send(client, phone=f"{VOLUNTEER},{NEIGHBOUR}", out_id="dispatch-9")
    reports = [fake.report_for(fake.sent[0]), fake.report_for(fake.sent[1], success=False, err_code="MK:0001")]

    response = fake.push_reports(url, reports)

    assert receiver_accepted(response)
    [(content_type, items)] = received
    assert content_type.startswith("application/json")
    assert [(item["phone_number"], item["success"], item["err_code"]) for item in items] == [
        (VOLUNTEER, True, "DELIVERED"),
        (NEIGHBOUR, False, "MK:0001"),
    ]
    assert {item["biz_id"] for item in items} == {fake.sent[0].biz_id} and items[0]["out_id"] == "dispatch-9"
    assert items[0]["err_msg"] == "用户接收成功" and items[0]["sms_size"] == "1"
    assert set(items[0]) == {
        "phone_number",
        "send_time",
        "report_time",
        "success",
        "err_code",
        "err_msg",
        "sms_size",
        "biz_id",
        "out_id",
    }


def test_replies_are_pushed_with_aliyuns_fields(fake: FakeAliyunSms, receiver: Any) -> None:
    url, received, _ = receiver

    fake.push_replies(url, [fake.reply_from(VOLUNTEER, "收到，马上到"), fake.reply_from(NEIGHBOUR, "TD")])

    [(_, items)] = received
    assert [(item["phone_number"], item["content"], item["sign_name"]) for item in items] == [
        (VOLUNTEER, "收到，马上到", "应急调度"),
        (NEIGHBOUR, "TD", "应急调度"),
    ]
    assert items[0]["sequence_id"] != items[1]["sequence_id"] and items[0]["dest_code"] == fake.dest_code
    assert datetime.strptime(items[0]["send_time"], "%Y-%m-%d %H:%M:%S")


def test_a_receiver_that_does_not_answer_200_has_not_accepted(fake: FakeAliyunSms, receiver: Any) -> None:
    url, _, statuses = receiver
    statuses.append(503)

    assert not receiver_accepted(fake.push_replies(url, [fake.reply_from(VOLUNTEER, "好")]))
    assert receiver_accepted(fake.push_replies(url, [fake.reply_from(VOLUNTEER, "好")]))
