"""A claim's outcomes are recorded together, so a provider's delivery report can arrive before the record of its
message: it waits a moment for it instead of being dropped. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import insert, select, update

from dispatch.extensions import db
from dispatch.models import OutboxMessage
from dispatch.services.notify import delivery
from tests.integration.dispatch_helpers import all_at_once


def write_notice() -> None:
    db.session.execute(insert(OutboxMessage), [{"channel": "sms", "recipient": "+8613900000001", "template": "notice"}])
    db.session.commit()


def test_a_delivery_report_that_overtakes_the_record_of_its_message_waits_for_it(app, twilio):
    write_notice()
    [claimed] = delivery.claim_due(1)  # sent: the provider reports on it before the sender has committed its record

    def record_a_moment_later() -> None:
        time.sleep(0.3)
        sent = {"status": "sent", "provider_sid": "SM-fast", "delivery": "queued"}
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.id).values(**sent))
        db.session.commit()

    _, reported = all_at_once(app, [record_a_moment_later, lambda: delivery.record_status("SM-fast", "delivered")])

    assert reported is True
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage.delivery).where(OutboxMessage.id == claimed.id)) == "delivered"


def test_a_report_on_an_id_that_is_not_ours_is_let_go_at_once_when_nothing_is_being_sent(app, twilio):
    write_notice()
    started = time.monotonic()
    assert delivery.record_status("SM-someone-elses", "delivered") is False
    assert time.monotonic() - started < delivery.REPORT_WAIT_S / 2
