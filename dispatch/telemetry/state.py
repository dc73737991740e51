"""What the record says now, read at each scrape: needs left unfilled, the outbox's queue and its oldest due row per
channel, the job queues' depth, the workers that beat, and the sweeper's lag. Gauges of the whole system, not of one
process: any web process answers them the same."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dispatch.domain.incidents import IncidentStatus, NeedStatus
from dispatch.extensions import db
from dispatch.models import Incident, Need, OutboxMessage
from dispatch.services import liveness


class SystemState:
    """A Prometheus collector reading the database and the job queues when scraped. Either being away is a gauge
    (``dispatch_database_up``, ``dispatch_job_queue_up``), not a failed scrape: the processes' metrics still show."""

    def collect(self):
        now = datetime.now(UTC)
        try:
            gauges = list(_from_the_database(now))
        except SQLAlchemyError:
            db.session.rollback()
            gauges = []
        yield _gauge("dispatch_database_up", "Whether the database answered this scrape", 1 if gauges else 0)
        yield from gauges
        depth = GaugeMetricFamily("dispatch_job_queue_depth", "Jobs waiting in each queue", labels=["queue"])
        try:
            for queue, waiting in current_app.extensions["dispatch.jobs"].depths().items():
                depth.add_metric([queue], waiting)
        except RedisError:
            yield _gauge("dispatch_job_queue_up", "Whether the job queue (Redis) answered this scrape", 0)
            return
        yield _gauge("dispatch_job_queue_up", "Whether the job queue (Redis) answered this scrape", 1)
        yield depth


def _from_the_database(now: datetime):
    yield _gauge("dispatch_needs_unfilled", "Needs of open incidents with no organization left to ask", _unfilled())
    queued = GaugeMetricFamily("dispatch_outbox_queued", "Messages waiting to be sent, by channel", labels=["channel"])
    oldest = GaugeMetricFamily(
        "dispatch_outbox_oldest_due_seconds",
        "How long the oldest message that is due has waited, by channel (0: none waiting)",
        labels=["channel"],
    )
    for channel, waiting, first_due in _outbox(now):
        queued.add_metric([channel], waiting)
        oldest.add_metric([channel], max(0.0, (now - first_due).total_seconds()) if first_due else 0.0)
    yield queued
    yield oldest
    counts_workers = current_app.config["REDIS_URL"] is not None
    facts = liveness.facts(counts_workers, now)
    if counts_workers:
        yield _gauge("dispatch_workers_alive", "Workers that beat in the last 8 seconds", facts.workers_alive or 0)
    lag = facts.sweeper_lag_s
    yield _gauge(
        "dispatch_sweeper_lag_seconds", "Seconds since deadlines were last swept (-1: never)", -1 if lag is None else lag
    )


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SystemState())
    return generate_latest(registry)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _unfilled() -> int:
    query = (
        select(func.count())
        .select_from(Need)
        .join(Incident, Need.incident_id == Incident.id)
        .where(Need.status == NeedStatus.UNFILLED, Incident.status != IncidentStatus.CLOSED)
    )
    return db.session.scalar(query) or 0


def _outbox(now: datetime) -> list[tuple[str, int, datetime | None]]:
    """(channel, waiting, earliest due among the due ones) for each channel with something waiting, and sms always."""
    waiting = dict(
        db.session.execute(
            select(OutboxMessage.channel, func.count()).where(OutboxMessage.status == "pending").group_by(OutboxMessage.channel)
        ).all()
    )
    first_due = dict(
        db.session.execute(
            select(OutboxMessage.channel, func.min(OutboxMessage.due_at))
            .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
            .group_by(OutboxMessage.channel)
        ).all()
    )
    channels = sorted({"sms", *waiting, *first_due})
    return [(channel, waiting.get(channel, 0), first_due.get(channel)) for channel in channels]
