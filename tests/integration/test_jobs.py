"""The job queue port: in-process in the embedded column, RQ on a real Redis in production."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from dispatch.jobs.queues import InlineQueue, RqQueue, waiting_key
from dispatch.jobs.worker import app_worker


def test_the_app_wires_the_queue_of_its_column(app):
    jobs = app.extensions["dispatch.jobs"]
    assert isinstance(jobs, RqQueue if app.config["REDIS_URL"] else InlineQueue)


def test_inline_queue_runs_jobs_in_an_app_context_and_drops_a_waiting_duplicate(app, tmp_path):
    queue, log = InlineQueue(app), tmp_path / "log"
    queue.enqueue("tests.integration.job_probe.record", str(log), "first", dedupe_key="same")
    queue.enqueue("tests.integration.job_probe.record", str(log), "second", dedupe_key="same")
    queue.join()
    lines = log.read_text().splitlines()
    assert lines[0] == "first dispatch" and len(lines) in {1, 2}  # the second is dropped only while the first waits
    assert queue.health().detail["failed"] == 0


def test_inline_queue_counts_failures_and_keeps_going(app, tmp_path):
    queue = InlineQueue(app)
    queue.enqueue("tests.integration.job_probe.record", "/nonexistent/dir/log", "x")
    queue.enqueue("tests.integration.job_probe.record", str(tmp_path / "log"), "after")
    queue.join()
    assert queue.health().detail["failed"] == 1 and (tmp_path / "log").read_text().startswith("after")


def test_rq_queue_sends_jobs_through_redis_to_a_worker(app, tmp_path):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column has no Redis; the inline tests above cover it")
    jobs: RqQueue = app.extensions["dispatch.jobs"]
    log = tmp_path / "log"
    jobs.enqueue("tests.integration.job_probe.record", str(log), "via-redis", dedupe_key="probe-1")
    redis = Redis.from_url(app.config["REDIS_URL"])
    assert Queue(app.config["RQ_QUEUE"], connection=redis).count == 1
    SimpleWorker([app.config["RQ_QUEUE"]], connection=redis).work(burst=True)
    assert log.read_text() == "via-redis dispatch\n"
    assert jobs.health().detail["waiting"] == 0


def test_rq_queue_holds_one_waiting_job_per_key_however_often_it_is_asked(app, tmp_path):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column has no Redis; the inline tests above cover it")
    jobs: RqQueue = app.extensions["dispatch.jobs"]
    redis, log = Redis.from_url(app.config["REDIS_URL"]), tmp_path / "log"
    queue = Queue(app.config["RQ_QUEUE"], connection=redis)
    for n in range(50):  # fifty commits and sweeper passes asking for a drain while the worker is busy
        jobs.enqueue("tests.integration.job_probe.record", str(log), f"ask {n}", dedupe_key="drain")
    assert queue.count == 1

    app_worker(app, [app.config["RQ_QUEUE"]], redis).work(burst=True)  # the job starts: the next ask queues again
    jobs.enqueue("tests.integration.job_probe.record", str(log), "after", dedupe_key="drain")
    assert queue.count == 1
    app_worker(app, [app.config["RQ_QUEUE"]], redis).work(burst=True)
    assert log.read_text().splitlines() == ["ask 0 dispatch", "after dispatch"]


def test_a_job_that_waits_longer_than_its_key_lives_is_still_the_only_one(app, tmp_path):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column has no Redis; the inline tests above cover it")
    jobs: RqQueue = app.extensions["dispatch.jobs"]
    redis = Redis.from_url(app.config["REDIS_URL"])
    jobs.enqueue("tests.integration.job_probe.record", str(tmp_path / "log"), "first", dedupe_key="drain")
    for _ in range(3):  # every worker busy with long drains: the key runs out while the job still waits
        redis.delete(waiting_key("drain"))
        jobs.enqueue("tests.integration.job_probe.record", str(tmp_path / "log"), "again", dedupe_key="drain")
    assert Queue(app.config["RQ_QUEUE"], connection=redis).count == 1
