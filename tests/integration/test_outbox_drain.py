"""Sending is one kind of job, the drain: it claims due rows a few at a time and sends each once, oldest first,
however many drains run at once, and asks for a successor when its time is up. Runs on SQLite and on PostgreSQL
(there with a real RQ worker on Redis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import insert, select, update

from dispatch.extensions import db
from dispatch.jobs.queues import InlineQueue
from dispatch.jobs.worker import app_worker
from dispatch.models import OutboxMessage
from dispatch.services.notify import delivery
from tests.integration.dispatch_helpers import all_at_once


def write_notices(count: int, due_in_s: float = -1) -> None:
    due = datetime.now(UTC) + timedelta(seconds=due_in_s)
    rows = [
        {"channel": "sms", "recipient": f"+86139{i:08d}", "template": "notice", "params": {"text": f"通知 {i}"}, "due_at": due}
        for i in range(count)
    ]
    db.session.execute(insert(OutboxMessage), rows)
    db.session.commit()


def statuses() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def run_waiting_jobs(app) -> None:
    """Let the queue of this column run what waits on it: the inline thread, or an RQ worker in burst mode."""
    jobs = app.extensions["dispatch.jobs"]
    if isinstance(jobs, InlineQueue):
        jobs.join()
    else:
        app_worker(app, [app.config["RQ_QUEUE"]], Redis.from_url(app.config["REDIS_URL"])).work(burst=True)


def test_a_drain_sends_every_due_message_once_in_the_order_they_came_due_and_leaves_the_rest(app, twilio):
    write_notices(23)
    write_notices(2, due_in_s=600)  # a retry's backoff or a failover step not yet due

    assert delivery.drain() == {"sent": 23}

    assert statuses() == ["sent"] * 23 + ["pending"] * 2
    assert [m.body for m in twilio.messages] == [f"通知 {i}" for i in range(23)]
    assert delivery.drain() == {}


def test_drains_running_at_once_share_the_rows_and_send_each_once(app, twilio):
    write_notices(40)

    outcomes = all_at_once(app, [delivery.drain for _ in range(4)])

    assert sum(outcome["sent"] for outcome in outcomes if outcome) == 40, outcomes
    assert sorted(m.body for m in twilio.messages) == sorted(f"通知 {i}" for i in range(40))


def test_a_drain_whose_time_is_up_hands_the_rest_to_the_next_one(app, twilio):
    write_notices(25)

    assert delivery.drain(budget_s=0) == {"sent": delivery.CLAIM}  # one claim, then time is up
    run_waiting_jobs(app)

    assert statuses() == ["sent"] * 25 and len(twilio.messages) == 25


def test_the_sweeper_asks_for_one_drain_however_many_rows_are_due(app, twilio):
    write_notices(120)
    if not isinstance(app.extensions["dispatch.jobs"], InlineQueue):
        assert delivery.enqueue_due() == 120 and delivery.enqueue_due() == 120
        assert Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"])).count == 1
    else:
        delivery.enqueue_due()
    run_waiting_jobs(app)
    assert statuses() == ["sent"] * 120


def test_the_sweeper_sends_messages_the_queue_left_waiting_but_not_those_just_due(app, twilio):
    write_notices(3, due_in_s=-(delivery.STALLED_S + 1))  # Redis away, or the drain taken by a frozen worker
    write_notices(2, due_in_s=-1)  # the queue's, for now

    assert delivery.send_stalled() == {"sent": 5}  # once it sends, it sends what is due, oldest first
    assert delivery.send_stalled() == {}


def test_a_message_taken_back_while_its_sender_was_frozen_is_not_sent_by_it(app, twilio):
    write_notices(1)
    [claimed] = delivery.claim_due(1)
    db.session.execute(  # frozen past the lease: the sweeper took the row back, and another sender has it now
        update(OutboxMessage).where(OutboxMessage.id == claimed.id).values(claimed_by="another", claimed_at=datetime.now(UTC))
    )
    db.session.commit()

    assert delivery._deliver_claimed(claimed, datetime.now(UTC), delivery._read_for([claimed])) == "taken back"
    assert twilio.messages == []


def test_of_a_claim_of_several_only_the_row_taken_back_is_left_to_its_new_sender(app, twilio):
    write_notices(3)
    claimed = delivery.claim_due(3)
    db.session.execute(  # the middle one was taken back while this sender was frozen
        update(OutboxMessage).where(OutboxMessage.id == claimed[1].id).values(claimed_by="another", claimed_at=datetime.now(UTC))
    )
    db.session.commit()

    outcome: dict[str, int] = {}
    delivery._send_claimed(claimed, outcome)

    assert outcome == {"sent": 2, "taken back": 1}
    assert sorted(m.form["To"] for m in twilio.messages) == sorted([claimed[0].recipient, claimed[2].recipient])
    assert statuses() == ["sent", "sending", "sent"]


def test_the_sweeper_leaves_a_backlog_to_the_drain_that_is_working_it_off(app, twilio):
    write_notices(3, due_in_s=-(delivery.STALLED_S + 1))  # waited long, but a drain claimed rows a moment ago
    [working] = delivery.claim_due(1)
    assert delivery.send_stalled() == {} and len(twilio.messages) == 0
    stale = datetime.now(UTC) - timedelta(seconds=delivery.STALLED_S + 1)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == working.id).values(claimed_at=stale))
    db.session.commit()
    assert delivery.send_stalled() == {"sent": 2}  # that drain froze: the sweeper sends what waits
