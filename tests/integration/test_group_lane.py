"""The duty groups' robots are outside services that may hang or throttle: their messages go through the same
outbox, but are claimed by a drain of their own on the slow lane, so a robot that does not answer holds up no SMS to
a leader, and a robot throttled for minutes loses no notice. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import OutboxMessage
from dispatch.services import events
from dispatch.services.duty_groups.compose import compose_due
from dispatch.services.notify import delivery, drains
from tests.factories import make_incident
from tests.integration.duty_group_helpers import dingtalk_group, group_rows, robots_at_fakes, wecom_group
from tests.integration.sms_helpers import first_offer, make_due, outbox


@pytest.fixture
def robots(app):
    with robots_at_fakes(app) as fakes:
        yield fakes


def a_notice_is_due(world) -> None:
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    compose_due()


def test_the_drain_of_messages_to_people_leaves_the_groups_messages_to_their_own(world, browser, robots):
    dingtalk, _wecom = robots
    group = dingtalk_group(world.duty)
    a_notice_is_due(world)
    offer = first_offer(world, browser)
    make_due(outbox(offer["id"]).id)
    delivery.drain()
    assert outbox(offer["id"]).status == "sent"
    [row] = group_rows(group)
    assert row.status == "pending" and dingtalk.received == []
    assert delivery.drain_groups() == {"sent": 1}
    assert group_rows(group)[0].status == "sent" and len(dingtalk.received) == 1


def test_a_robot_that_does_not_answer_is_asked_once_per_drain_and_the_others_still_hear(app, world, robots):
    dingtalk, wecom = robots
    app.config["ROBOT_TIMEOUT_S"] = 0.3
    dingtalk.delay_s = 2  # the platform hangs longer than the client waits
    silent, heard = dingtalk_group(world.duty), wecom_group(world.admin)
    for _ in range(3):
        a_notice_is_due(world)
        db.session.execute(update(OutboxMessage).values(due_at=datetime.now(UTC)))
        db.session.commit()
    outcome = delivery.drain_groups(budget_s=30)
    silent_rows = group_rows(silent)
    assert len(dingtalk.received) <= 1  # one try; the robot's other messages wait for the next drain
    assert {row.status for row in silent_rows} == {"pending"} and outcome.get("waiting", 0) == len(silent_rows) - 1
    assert {row.status for row in group_rows(heard)} == {"sent"} and wecom.received


def test_a_robot_throttled_for_long_is_tried_again_past_the_attempts_an_sms_gets(app, world, robots):
    dingtalk, _wecom = robots
    dingtalk.per_minute = 0  # DingTalk throttles a robot that went over its rate for ten minutes
    group = dingtalk_group(world.duty)
    a_notice_is_due(world)
    for _ in range(app.config["SMS_MAX_ATTEMPTS"] + 2):
        db.session.execute(update(OutboxMessage).values(due_at=datetime.now(UTC)))
        db.session.commit()
        delivery.drain_groups()
    [row] = group_rows(group)
    assert row.status == "pending" and row.attempts == app.config["SMS_MAX_ATTEMPTS"] + 2
    dingtalk.per_minute = 20
    db.session.execute(update(OutboxMessage).values(due_at=datetime.now(UTC)))
    db.session.commit()
    delivery.drain_groups()
    assert group_rows(group)[0].status == "sent" and len(dingtalk.received) == 1


def test_a_notice_too_old_to_matter_is_given_up_with_its_reason_in_the_offices_timeline(world, robots):
    dingtalk, _wecom = robots
    dingtalk.per_minute = 0
    group = dingtalk_group(world.duty)
    a_notice_is_due(world)
    long_ago = datetime.now(UTC) - delivery.GROUP_GIVE_UP - timedelta(minutes=1)
    db.session.execute(update(OutboxMessage).values(due_at=datetime.now(UTC), created_at=long_ago))
    db.session.commit()
    delivery.drain_groups()
    [row] = group_rows(group)
    assert row.status == "failed" and "130101" in row.error


def test_the_sweeper_asks_for_the_groups_drain_on_the_slow_lane(app, world, robots):
    group = dingtalk_group(world.duty)
    a_notice_is_due(world)
    delivery.enqueue_due()
    jobs = app.extensions["dispatch.jobs"]
    if hasattr(jobs, "join"):  # the embedded default: the slow lane's own thread sends it
        jobs.join()
        assert group_rows(group)[0].status == "sent"
    else:  # RQ: the job waits in the slow lane's queue, behind nothing the main queue holds
        from rq import Queue

        slow = Queue(f"{app.config['RQ_QUEUE']}-slow", connection=jobs._redis)
        assert [job.func_name for job in slow.get_jobs()] == [drains.GROUP_DRAIN_JOB]
        slow.empty()
