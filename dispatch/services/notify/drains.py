"""Asking for the outbox to be sent: a drain job queued by its path, at most one waiting at a time.

Kept apart from ``delivery`` (which runs the drains) so the event log can ask for one when it commits an outbox row
without importing the sender.
"""

from __future__ import annotations

from flask import current_app

from dispatch.jobs.queues import SLOW_LANE

DRAIN_JOB = "dispatch.services.notify.delivery.drain"
GROUP_DRAIN_JOB = "dispatch.services.notify.delivery.drain_groups"


def nudge() -> None:
    """Ask for a drain; nothing more is queued while one is already waiting."""
    current_app.extensions["dispatch.jobs"].enqueue(DRAIN_JOB, dedupe_key="outbox-drain")


def nudge_groups() -> None:
    """Ask for a drain of the duty groups' messages, on the slow lane: a robot that hangs holds up no SMS."""
    current_app.extensions["dispatch.jobs"].enqueue(GROUP_DRAIN_JOB, dedupe_key="group-drain", lane=SLOW_LANE)
