"""Aliyun's HTTP pushes: delivery reports (SmsReport) and replies (SmsUp), each a JSON array of items.

The provider does not sign these pushes, so the address itself is the secret: ``/aliyun/<ALIYUN_PUSH_TOKEN>/report``
and ``.../reply``, and ``ALIYUN_PUSH_FROM`` may name the addresses or networks they come from. A wrong token, an
address not allowed, or no Aliyun settings at all get 404 and change nothing. A push that is not what Aliyun sends
gets 400 saying what is wrong, and changes nothing; one that is, gets the answer Aliyun expects
(``{"code": 0, "msg": "成功"}``) once every item is recorded, so a push that fails halfway is pushed again, and a
replayed one changes nothing: reports only move a message's state forward, replies are answered once per
``sequence_id``, and the answer to a reply goes out once, as a confirmation SMS through the outbox.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select

from dispatch.api.validation import MAX_JSON_DEPTH, JsonTooDeep, nesting_depth, parsed_json
from dispatch.extensions import csrf, db
from dispatch.models import OutboxMessage
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.notify import delivery, drains, replies
from dispatch.telemetry.requests import refused_webhook
from notifications.channels.aliyun_sms import e164, outbox_ids, sid_of

bp = Blueprint("aliyun_hooks", __name__, url_prefix="/aliyun/<token>")
csrf.exempt(bp)

RECEIVED = {"code": 0, "msg": "成功"}
MAX_ITEMS = 1000  # Aliyun pushes in batches far smaller than this


def _storable(text: str) -> bool:
    """Text a database keeps as it came: valid Unicode (no lone surrogate), no NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _text(most: int):
    """A field Aliyun sends as a string (some of its pages show numbers): up to ``most`` characters."""
    return lambda value: (
        isinstance(value, str | int) and not isinstance(value, bool) and 0 < len(str(value)) <= most and _storable(str(value))
    )


def _content(value) -> bool:
    return isinstance(value, str) and _storable(value)


def _success(value) -> bool:
    return isinstance(value, bool) or value in ("true", "false", "True", "False")


REPORT_FIELDS = {"phone_number": _text(24), "success": _success, "out_id": _text(2000)}
REPLY_FIELDS = {"phone_number": _text(24), "content": _content, "sequence_id": _text(40)}
ERROR_CODE_MAX = 64


@bp.url_value_preprocessor
def pushed_by_aliyun(_endpoint, values):
    expected = current_app.config["ALIYUN_PUSH_TOKEN"]
    token = (values or {}).pop("token", "")
    if not expected:
        refused_webhook("aliyun", "not_configured")
        abort(404)
    if not hmac.compare_digest(token.encode(), expected.encode()):
        refused_webhook("aliyun", "wrong_token")
        abort(404)
    if not _from_allowed_address():
        refused_webhook("aliyun", "address_not_allowed")
        abort(404)


@bp.post("/report")
def delivery_reports():
    for item in _items(REPORT_FIELDS):
        outbox_id = _row_of(item)
        if outbox_id is None:
            continue  # not one of ours (another system on the same account), or its row is gone
        status = "delivered" if item["success"] in (True, "true", "True") else "undelivered"
        error_code = item.get("err_code")
        error_code = str(error_code)[:ERROR_CODE_MAX] if isinstance(error_code, str | int) else ""
        delivery.record_status(sid_of(outbox_id), status, error_code)
    return jsonify(RECEIVED)


@bp.post("/reply")
def sms_replies():
    for item in _items(REPLY_FIELDS):
        key = f"aliyun:{item['sequence_id']}"
        replies.handle_sms(key, e164(str(item["phone_number"])), str(item["content"] or ""), text_back=True)
    drains.nudge()  # the confirmations are due now
    return jsonify(RECEIVED)


def _items(fields: dict) -> list[dict]:
    """The pushed array, every item with the fields used, each of its kind; else 4xx before anything is recorded."""
    items = parsed_json(request.get_data(cache=True)) if request.content_length else None
    if nesting_depth(items) > MAX_JSON_DEPTH:
        raise JsonTooDeep()
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise InvalidInput([FieldError("body", "push.not_a_list", {"most": MAX_ITEMS})])
    wrong = [
        FieldError("body", "push.item_fields", {"index": index, "fields": ", ".join(fields)}, row=index)
        for index, item in enumerate(items)
        if not isinstance(item, dict) or not all(name in item and valid(item[name]) for name, valid in fields.items())
    ]
    if wrong:
        raise InvalidInput(wrong[:20])
    return items


def _row_of(report: dict) -> int | None:
    """The outbox row a report is about: among the rows its ``out_id`` names, the one sent to its phone (a report
    naming another number's row is not about it)."""
    ids = outbox_ids(str(report["out_id"]))
    phone = e164(str(report["phone_number"]))
    query = select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.delivery).where(OutboxMessage.id.in_(ids))
    rows = [row for row in db.session.execute(query.order_by(OutboxMessage.id)).all() if row.recipient == phone]
    db.session.commit()
    # one phone twice in a batch (a person leading two organizations): the first report for the first row still waiting
    waiting = [row for row in rows if row.delivery not in delivery.FINAL_DELIVERY]
    return (waiting or rows)[0].id if rows else None


def _from_allowed_address() -> bool:
    allowed = current_app.config["ALIYUN_PUSH_FROM"]  # parsed at start-up (dispatch/config.py)
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in allowed)
