"""One process sweeps at a time, and never one that died or froze for long: the sweeper's lease runs out unless its
holder renews it, and the next process takes it over. Messages claimed by a process that stopped beating are sent
again at once. Runs on SQLite and on PostgreSQL.

Processes are told apart by ``liveness.process_id``; here one test process plays several by taking their ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dispatch.domain.health import WORKER_STALE_S
from dispatch.extensions import db
from dispatch.models import OutboxMessage, WorkerBeat
from dispatch.services import liveness
from dispatch.services.notify import delivery
from tests.integration.sms_helpers import first_offer, outbox

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def as_process(monkeypatch):
    """Act as the process with the given id from now on."""

    def become(process: str) -> None:
        monkeypatch.setattr(liveness, "process_id", lambda: process)

    return become


def seconds(n: float) -> datetime:
    return NOW + timedelta(seconds=n)


def test_the_first_process_to_ask_holds_the_lease_and_the_others_stand_by(app, as_process):
    as_process("a")
    assert liveness.lead_sweep(NOW)
    as_process("b")
    assert not liveness.lead_sweep(seconds(2))
    as_process("a")
    assert liveness.lead_sweep(seconds(4))  # renewing


def test_a_holder_that_stops_renewing_is_replaced_once_its_lease_runs_out_and_cannot_take_it_back(app, as_process):
    as_process("a")
    liveness.lead_sweep(NOW)
    as_process("b")
    assert not liveness.lead_sweep(seconds(liveness.LEASE_S - 0.5))
    assert liveness.lead_sweep(seconds(liveness.LEASE_S + 0.5))  # a was killed or froze
    as_process("a")
    assert not liveness.lead_sweep(seconds(liveness.LEASE_S + 1))  # a wakes up: b sweeps now


def test_a_clean_exit_hands_the_lease_over_at_once(app, as_process):
    as_process("a")
    liveness.beat("worker", NOW)
    liveness.lead_sweep(NOW)
    liveness.stop_beating()
    as_process("b")
    assert liveness.lead_sweep(seconds(1))
    assert db.session.get(WorkerBeat, "a") is None


def test_a_process_counts_as_a_live_worker_while_it_beats(app, as_process):
    as_process("a")
    liveness.beat("worker", NOW)
    assert liveness.facts(counts_workers=True, now=seconds(WORKER_STALE_S - 1)).workers_alive == 1
    assert liveness.facts(counts_workers=True, now=seconds(WORKER_STALE_S + 1)).workers_alive == 0
    as_process("web")
    liveness.beat("web", seconds(WORKER_STALE_S + 1))  # a web process running jobs is not a production worker
    assert liveness.facts(counts_workers=True, now=seconds(WORKER_STALE_S + 1)).workers_alive == 0


def test_a_message_claimed_by_a_process_that_stopped_beating_is_sent_again_at_once(world, browser, twilio, as_process):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    now = datetime.now(UTC)
    as_process("killed")
    liveness.beat("worker", now - timedelta(seconds=WORKER_STALE_S + 2))  # its last beat
    claimed = {"status": "sending", "claimed_at": now - timedelta(seconds=5), "claimed_by": "killed", "attempts": 1}
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**claimed, body="一条没发出去的短信"))
    db.session.commit()
    as_process("alive")

    assert delivery.reconcile_abandoned(now) == 1  # five seconds into a 120-second lease, but its claimer is dead
    assert outbox(offer["id"]).status == "pending"
    assert delivery.deliver(row_id) == "sent" and len(twilio.messages) == 1


def test_a_message_claimed_by_a_live_process_is_left_to_it(world, browser, twilio, as_process):
    offer = first_offer(world, browser)
    row_id = outbox(offer["id"]).id
    now = datetime.now(UTC)
    as_process("busy")
    liveness.beat("worker", now)
    claimed = {"status": "sending", "claimed_at": now - timedelta(seconds=30), "claimed_by": "busy", "attempts": 1}
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**claimed))
    db.session.commit()

    assert delivery.reconcile_abandoned(now) == 0
    assert outbox(offer["id"]).status == "sending"
