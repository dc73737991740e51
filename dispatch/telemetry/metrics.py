"""The metrics every process keeps, and the exposition ``/metrics`` serves.

In production every web process and worker writes its metrics to files in ``PROMETHEUS_MULTIPROC_DIR`` (the same
folder for all processes of a server, emptied when supervisord starts: deploy/systemd/dispatch.service.in), and a
scrape of any web process reads them all: counters and histograms summed over processes (those of a process that
died included, so a rate does not drop when one restarts), the sockets gauge per live process. Without that setting
(the embedded default, tests) the metrics are this process's own.

The setting must be in the environment before ``prometheus_client`` is first imported: the process's start does it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from dispatch.telemetry.counting import OFFER_OUTCOMES, message_outcomes, offer_outcomes, status_class

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
if MULTIPROC_DIR:  # a process started before the service made the folder must not die for want of it
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
disable_created_metrics()  # the "_created" series say when a process started counting: noise on a dashboard
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "dispatch_http_requests", "HTTP requests answered, by route, method and status", ["route", "method", "status", "code"]
)
REQUEST_SECONDS = Histogram(
    "dispatch_http_request_duration_seconds", "Time to answer a request, by route", ["route"], buckets=LATENCY_BUCKETS
)
POST_TO_FIRST_OFFER = Histogram(
    "dispatch_post_to_first_offer_seconds",
    "From a need's post arriving to its first offers committed and pushed to the leaders' sockets",
    buckets=LATENCY_BUCKETS,
)
OFFERS = Counter("dispatch_offers", "Offers, by what became of them", ["outcome"])
MESSAGES = Counter("dispatch_messages", "Messages handed to a channel (sms, voice, group), by outcome", ["channel", "outcome"])
JOBS = Counter("dispatch_jobs", "Jobs run by the workers, by job and outcome", ["job", "outcome"])
WEBHOOKS_REFUSED = Counter("dispatch_webhooks_refused", "Webhook calls refused, by hook and reason", ["hook", "reason"])
SOCKETS = Gauge("dispatch_sockets_connected", "Websockets connected to this web process", multiprocess_mode="liveall")


for _outcome in OFFER_OUTCOMES.values():  # every series an alert or a panel reads exists from the start, at 0
    OFFERS.labels(_outcome)
for _channel in ("sms", "voice", "group"):
    for _fate in ("sent", "failed", "retried"):
        MESSAGES.labels(_channel, _fate)


def count_events(kinds: Iterable[str]) -> None:
    """Count the committed events that are offers' outcomes or messages' fates."""
    kinds = list(kinds)
    for outcome in offer_outcomes(kinds):
        OFFERS.labels(outcome).inc()
    for channel, outcome in message_outcomes(kinds):
        MESSAGES.labels(channel, outcome).inc()


def count_retry(channel: str) -> None:
    MESSAGES.labels(channel, "retried").inc()


def count_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, status_class(status), str(status)).inc()
    REQUEST_SECONDS.labels(route).observe(seconds)


def exposition() -> bytes:
    """The text format of every process's metrics (or this process's, without the shared folder)."""
    if MULTIPROC_DIR is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def forget_dead_processes() -> list[int]:
    """Drop the per-process gauges of processes that are gone (a web process killed and restarted leaves its
    sockets gauge behind). Called as a process starts and at each scrape. Returns the process ids forgotten."""
    if MULTIPROC_DIR is None:
        return []
    gone = set()
    for path in Path(MULTIPROC_DIR).glob("gauge_live*.db"):
        if (match := LIVE_GAUGE_FILE.match(path.name)) and not _alive(int(match[1])):
            gone.add(int(match[1]))
    for pid in gone:
        multiprocess.mark_process_dead(pid, MULTIPROC_DIR)
    return sorted(gone)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
