"""Benchmark of the evaluation (评价评估, issues 7 and 16): a province's 300,000 organizations over a year of events.

Run ``python tests/bench/bench_evaluation.py [--scale 0.01] [--budget 1800] [--keep] [--profile] [--per-subdistrict]``
(or set ``BENCH_SCALE``); prints one JSON line per figure: {"bench": "evaluation", "metric": ..., "value": ..., ...}.
Full scale is Zhejiang's (about 262,000 community social organizations): 300,000 organizations, about 10.5 million
events; ``--scale 0.3333`` is issue 7's 100,000. Importing it runs nothing.

The log (fixed seed, numpy): a subdistrict per 1,000 organizations (300 at full scale), 100 organizations a
community, a real incident per 50 organizations and a drill per 200 (6,000 and 1,500 at full scale) opened across
2025 in Beijing time (a few in the last days of 2024 or running past the year's end, so the period's
bounds matter), 100-odd needs each offered to 1-5 organizations of the incident's subdistrict (6 real and 2 drill
offers per organization on average). An offer is ``offer.made``, then accepted (60 %, 1-8 people), declined (25 %)
after a lognormal few minutes, or expired (15 %) after the 600 s timeout. Accepted work goes ``assignment.en_route``,
``assignment.on_site`` 10-60 min later and ``assignment.completed`` 1-4 h after that with the people who came (5 %
is aborted on the way instead); recovery work (needs posted more than a day into a real incident) also logs
``assignment.progress`` with hours. Besides: ``need.posted``, about 2 ``training.attended`` with hours per
organization and a rare ``complaint.upheld``: about 35 events per organization. Ids follow time order (sorted, then numbered).

Every heavy step is a child process (``--step``), so the parent stays small and ``ru_maxrss`` of a reaped child
(``os.wait4``) is that child's own (a child starts with the resident size of whoever spawned it):

- ``prepare`` generates the log, then times ``evaluate()`` (dispatch/domain/evaluation.py) over the in-memory
  ``LoggedEvent``s the service would read (the year's events of ``EVALUATED_KINDS``), once plain and, up to 100,000
  organizations or with ``--trace-fold``, once under ``tracemalloc`` for the fold's own peak allocation (the input
  list is allocated before tracing starts). It then makes the schema in a throwaway PostgreSQL database with the
  Alembic migrations and bulk-loads places, organizations, incidents, needs, assignments and events (``data`` as
  JSON) with COPY (``session_replication_role = replica`` skips the foreign-key triggers; the events' indexes are
  built after their COPY, the others maintained), then ``VACUUM (ANALYZE)``.
- ``scorecards`` creates the app on that database and calls ``dispatch.services.records.evaluations.scorecards_by_subdistrict``
  once with every subdistrict and 2025: one pass over the year's log for every organization, split by subdistrict
  afterwards (the split is checked: every organization lands in its own subdistrict). ``--per-subdistrict`` also runs
  the child step ``scorecards_by_subdistrict``, which instead calls ``scorecards`` once per subdistrict, as
  ``evaluate_subdistrict`` does for one (a scan of the year each: at 300 subdistricts, much slower). Figures: the child's wall time (interpreter and app
  start-up included) and peak RSS, the calls' own time, and the slowest subdistrict.

Each prints a checksum of the scorecards (totals and a SHA-256 of every card's published figures); the bench fails
(exit 1) unless each agrees with the fold's: the evaluation recomputed from the log in PostgreSQL is the one folded
in memory.
PostgreSQL is 127.0.0.1:5432, user postgres; the database is dropped at the end, even on failure or SIGTERM
(``--keep`` keeps it and prints its URL, to rerun ``--step scorecards_by_subdistrict --database URL [--profile]``
by hand). If PostgreSQL is not reachable the database figures are null with a "note".
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a plain script from anywhere

from tests.bench.bench_import import label  # noqa: E402
from tests.bench.bench_post_need import PG_HOST, PG_PORT, create_database, drop_database  # noqa: E402
from tests.bench.figures import emit_context, figure_printer, note_printer  # noqa: E402

PYTHON = sys.executable
SCRIPT = Path(__file__).resolve()
SEED = 2025
YEAR = 2025
FULL_ORGANIZATIONS = 300_000  # Zhejiang has about 262,000 community social organizations
ORGS_PER_SUBDISTRICT = 1_000  # 300 subdistricts at full scale
ORGS_PER_COMMUNITY = 100
ORGS_PER_REAL_INCIDENT = 50  # 2,000 real incidents at full scale
ORGS_PER_DRILL = 200  # 500 drills
REAL_OFFERS_PER_ORG = 6
DRILL_OFFERS_PER_ORG = 2
OFFER_WIDTH = (1, 5)  # organizations asked per need, uniform: 3 on average
OFFER_TIMEOUT_S = 600
TRAININGS_PER_ORG = 2
UPHELD_PER_ORG = 0.01
TARGET_S = 120.0  # issue 16: 300,000 organizations over a year in under 2 minutes (issue 7: 100,000 in 60 s)
TARGET_MB = 2048.0
DEFAULT_BUDGET_S = 1800.0
TRACE_FOLD_UP_TO = 100_000  # organizations; past this the fold runs under tracemalloc only with --trace-fold
UNTRACED = (
    "not traced past 100,000 organizations (--trace-fold traces it: minutes more at province scale); the"
    " scorecards step's peak RSS is the service's memory, fold included"
)
CHUNK = 100_000  # rows turned into Python objects at a time
LONGEST_LINE = 2_000  # characters of a child's stderr line passed on
HOUR = 3600
DAY = 24 * HOUR

emit = figure_printer("evaluation")
log = note_printer("bench_evaluation")

KINDS = (
    "need.posted", "offer.made", "offer.accepted", "offer.declined", "offer.expired", "assignment.en_route",
    "assignment.on_site", "assignment.progress", "assignment.completed", "assignment.aborted", "training.attended",
    "complaint.upheld",
)  # fmt: skip
KIND = {kind: code for code, kind in enumerate(KINDS)}
REASON_ZH = "距离 1.2 公里，具备所需技能，近 30 天未派单"
REASON_EN = "1.2 km away, has the skill, no offer in 30 days"

# What each kind's ``data`` holds, as the services write it, from (number, hours, assignment id).
EVENT_DATA = {
    "need.posted": lambda n, h, a: {"head_count": n, "skills": ["rescue"]},
    "offer.made": lambda n, h, a: {"code": short_code(a), "rank": n, "reason": REASON_ZH},
    "offer.accepted": lambda n, h, a: {"head_count": n},
    "offer.declined": lambda n, h, a: {"reason": "人手不足"},
    "offer.expired": lambda n, h, a: {},
    "assignment.en_route": lambda n, h, a: {"note": "", "people": None},
    "assignment.on_site": lambda n, h, a: {"note": "", "people": None},
    "assignment.progress": lambda n, h, a: {"task_id": a, "percent": 50, "note": "清淤排水", "people": n, "hours": h},
    "assignment.completed": lambda n, h, a: {"note": "", "people": n},
    "assignment.aborted": lambda n, h, a: {"note": "车辆故障", "people": None},
    "training.attended": lambda n, h, a: {"session_id": n, "hours": h},
    "complaint.upheld": lambda n, h, a: {"complaint_id": n},
}
DATA_BY_CODE = [EVENT_DATA[kind] for kind in KINDS]


def short_code(assignment_id: int) -> str:
    return f"{assignment_id:06X}"


def year_bounds() -> tuple[int, int]:
    """The year in Beijing time as Unix seconds [start, end), worked out here independently of the service."""
    china = ZoneInfo("Asia/Shanghai")
    return tuple(int(datetime(y, 1, 1, tzinfo=china).timestamp()) for y in (YEAR, YEAR + 1))


# --- the synthetic log (numpy; row i of a table has id i + 1, and 0 stands for NULL) -------------------------


@dataclass
class Places:
    organizations: int
    communities: int
    subdistricts: int

    @classmethod
    def of(cls, organizations: int) -> Places:
        communities = -(-organizations // ORGS_PER_COMMUNITY)
        return cls(organizations, communities, min(-(-organizations // ORGS_PER_SUBDISTRICT), communities))

    def community_subdistrict(self):
        """Subdistrict index of each community (contiguous blocks)."""
        return np.arange(self.communities) * self.subdistricts // self.communities

    def org_community(self):
        return np.arange(self.organizations) // ORGS_PER_COMMUNITY

    def org_subdistrict(self):
        return self.community_subdistrict()[self.org_community()]


@dataclass
class Log:
    """The generated tables and the event log, as numpy columns."""

    places: Places
    incidents: dict  # subdistrict, drill, opened
    needs: dict  # incident, posted, head_count, recovery
    offers: dict  # need, org, rank, outcome, offered, answered, head_count, aborted, en_route, on_site, ended, people
    events: dict  # kind, at, incident, need, assignment, org, subdistrict, drill, num, hours; sorted by time


def generate(organizations: int, seed: int = SEED) -> Log:
    rng = np.random.default_rng(seed)
    places = Places.of(organizations)
    incidents = make_incidents(rng, places)
    needs = make_needs(rng, places, incidents)
    offers = make_offers(rng, places, incidents, needs)
    events = make_events(rng, places, incidents, needs, offers)
    return Log(places, incidents, needs, offers, events)


def make_incidents(rng, places: Places) -> dict:
    real = max(places.subdistricts, round(places.organizations / ORGS_PER_REAL_INCIDENT))
    drills = max(places.subdistricts, round(places.organizations / ORGS_PER_DRILL))
    start, end = year_bounds()
    return {
        "subdistrict": rng.integers(0, places.subdistricts, real + drills),
        "drill": np.r_[np.zeros(real, bool), np.ones(drills, bool)],
        "opened": rng.integers(start - 2 * DAY, end - 2 * DAY, real + drills),
    }


def make_needs(rng, places: Places, incidents: dict) -> dict:
    width = sum(OFFER_WIDTH) / 2
    real_incidents = int((~incidents["drill"]).sum())
    drills = len(incidents["drill"]) - real_incidents
    real = round(places.organizations * REAL_OFFERS_PER_ORG / width)
    drill = round(places.organizations * DRILL_OFFERS_PER_ORG / width)
    incident = np.r_[rng.integers(0, real_incidents, real), real_incidents + rng.integers(0, drills, drill)]
    is_drill = incidents["drill"][incident]
    # Real needs keep coming for days (the later ones are recovery work); a drill's within three hours.
    delay = np.where(
        is_drill, rng.uniform(0, 3 * HOUR, len(incident)), np.minimum(rng.exponential(8 * HOUR, len(incident)), 3 * DAY)
    )
    return {
        "incident": incident,
        "posted": incidents["opened"][incident] + delay.astype(np.int64),
        "head_count": rng.integers(1, 11, len(incident)),
        "recovery": ~is_drill & (delay > DAY),
    }


def make_offers(rng, places: Places, incidents: dict, needs: dict) -> dict:
    width = rng.integers(OFFER_WIDTH[0], OFFER_WIDTH[1] + 1, len(needs["incident"]))
    need = np.repeat(np.arange(len(width)), width)
    n = len(need)
    rank = np.arange(n) - np.repeat(np.cumsum(width) - width, width) + 1
    org_subdistrict = places.org_subdistrict()
    first = np.searchsorted(org_subdistrict, np.arange(places.subdistricts))
    count = np.diff(np.r_[first, places.organizations])
    subdistrict = incidents["subdistrict"][needs["incident"][need]]
    org = first[subdistrict] + (rng.random(n) * count[subdistrict]).astype(np.int64)
    roll = rng.random(n)
    outcome = np.where(roll < 0.60, KIND["offer.accepted"], np.where(roll < 0.85, KIND["offer.declined"], KIND["offer.expired"]))
    accepted = outcome == KIND["offer.accepted"]
    offered = needs["posted"][need] + 1
    answer_s = np.clip(rng.lognormal(np.log(120), 0.9, n), 5, OFFER_TIMEOUT_S - 1).astype(np.int64)
    answered = offered + np.where(accepted | (outcome == KIND["offer.declined"]), answer_s, OFFER_TIMEOUT_S)
    head_count = np.where(accepted, rng.integers(1, 9, n), 0)
    aborted = accepted & (rng.random(n) < 0.05)
    en_route = answered + np.clip(rng.lognormal(np.log(180), 0.6, n), 10, 1800).astype(np.int64)
    on_site = en_route + rng.integers(10 * 60, 60 * 60 + 1, n)
    ended = np.where(aborted, en_route + rng.integers(300, 1801, n), on_site + rng.integers(HOUR, 4 * HOUR + 1, n))
    people = np.where(accepted, np.maximum(1, head_count - (rng.random(n) < 0.15)), 0)
    return {
        "need": need, "org": org, "rank": rank, "outcome": outcome, "offered": offered, "answered": answered,
        "head_count": head_count, "aborted": aborted, "en_route": en_route, "on_site": on_site, "ended": ended,
        "people": people, "score": rng.random(n),
    }  # fmt: skip


EVENT_COLUMNS = ("kind", "at", "incident", "need", "assignment", "org", "subdistrict", "drill", "num", "hours")


def make_events(rng, places: Places, incidents: dict, needs: dict, offers: dict) -> dict:
    """Every event, sorted by time (stably: an assignment's events are added in their order); event i has id i + 1."""
    parts = []

    def add(kind, at, **columns) -> None:
        kinds = np.full(len(at), KIND[kind]) if isinstance(kind, str) else kind
        parts.append(
            {"kind": kinds, "at": at, **{name: np.broadcast_to(columns.get(name, 0), len(at)) for name in EVENT_COLUMNS[2:]}}
        )

    incident = needs["incident"]
    add(
        "need.posted", needs["posted"], incident=incident + 1, need=np.arange(1, len(incident) + 1),
        subdistrict=incidents["subdistrict"][incident] + 1, drill=incidents["drill"][incident], num=needs["head_count"],
    )  # fmt: skip
    need = offers["need"]
    offer = {
        "incident": incident[need] + 1, "need": need + 1, "assignment": np.arange(1, len(need) + 1), "org": offers["org"] + 1,
        "subdistrict": incidents["subdistrict"][incident[need]] + 1, "drill": incidents["drill"][incident[need]],
    }  # fmt: skip

    def add_offers(kind, rows, at, **columns) -> None:
        """Events of the offers at ``rows`` (indices, repeats allowed); ``at`` and ``columns`` are per event."""
        add(
            kind if isinstance(kind, str) else kind[rows], at, **{name: column[rows] for name, column in offer.items()}, **columns
        )

    everyone = np.arange(len(need))
    accepted = np.flatnonzero(offers["outcome"] == KIND["offer.accepted"])
    completed = accepted[~offers["aborted"][accepted]]
    aborted = accepted[offers["aborted"][accepted]]
    add_offers("offer.made", everyone, offers["offered"], num=offers["rank"])
    add_offers(offers["outcome"], everyone, offers["answered"], num=offers["head_count"])
    add_offers("assignment.en_route", accepted, offers["en_route"][accepted])
    add_offers("assignment.on_site", completed, offers["on_site"][completed])
    rows, at, hours = progress_logged(rng, needs, offers, completed)
    add_offers("assignment.progress", rows, at, num=offers["people"][rows], hours=hours)
    add_offers("assignment.completed", completed, offers["ended"][completed], num=offers["people"][completed])
    add_offers("assignment.aborted", aborted, offers["ended"][aborted])
    add_outside_incidents(rng, places, add)
    events = {name: np.concatenate([part[name] for part in parts]) for name in EVENT_COLUMNS}
    events["drill"] = events["drill"].astype(bool)
    order = np.argsort(events["at"], kind="stable")
    return {name: column[order] for name, column in events.items()}


def progress_logged(rng, needs: dict, offers: dict, completed):
    """Recovery work logs person-hours once or twice while on site, in half hours: (offer rows, times, hours)."""
    recovery = completed[needs["recovery"][offers["need"][completed]]]
    rows = np.repeat(recovery, rng.integers(1, 3, len(recovery)))
    on_site, ended = offers["on_site"][rows], offers["ended"][rows]
    at = on_site + (rng.uniform(0.1, 0.9, len(rows)) * (ended - on_site)).astype(np.int64)
    hours = np.maximum(0.5, np.round(offers["people"][rows] * rng.uniform(0.5, 2.0, len(rows)) * 2) / 2)
    return rows, at, hours


def add_outside_incidents(rng, places: Places, add) -> None:
    """Training attended (about two a year per organization) and the rare upheld complaint."""
    start, end = year_bounds()
    org_subdistrict = places.org_subdistrict()
    for kind, per_org in (("training.attended", TRAININGS_PER_ORG), ("complaint.upheld", UPHELD_PER_ORG)):
        org = np.repeat(np.arange(places.organizations), rng.poisson(per_org, places.organizations))
        at = rng.integers(start, end, len(org))
        hours = rng.choice([1.5, 2.0, 3.0, 4.0, 8.0], len(org)) if kind == "training.attended" else 0.0
        add(kind, at, org=org + 1, subdistrict=org_subdistrict[org] + 1, num=np.arange(1, len(org) + 1), hours=hours)


def event_rows(events: dict, index) -> Iterator[tuple]:
    """(id, kind, at, incident, need, assignment, org, subdistrict, drill, num, hours) of the events at ``index``,
    as Python values, a chunk at a time (0 still stands for NULL)."""
    for begin in range(0, len(index), CHUNK):
        part = index[begin : begin + CHUNK]
        yield from zip((part + 1).tolist(), *(events[name][part].tolist() for name in EVENT_COLUMNS), strict=True)


# --- figure A: the fold in memory ----------------------------------------------------------------------------
# (dispatch is imported inside the functions of the child steps: the parent never loads the app, and stays small.)


def fold_input(events: dict) -> list:
    """The ``LoggedEvent``s the service would read: the year's (Beijing time) events of ``EVALUATED_KINDS``, in id order."""
    from dispatch.domain.after_action import LoggedEvent
    from dispatch.domain.evaluation import EVALUATED_KINDS

    start, end = year_bounds()
    evaluated = [KIND[k] for k in EVALUATED_KINDS if k in KIND]  # the log made here has no standby (备勤) polls
    read = (events["at"] >= start) & (events["at"] < end) & np.isin(events["kind"], evaluated)
    logged = []
    for _id, kind, at, incident, need, assignment, org, _subdistrict, drill, num, hours in event_rows(
        events, np.flatnonzero(read)
    ):
        data = DATA_BY_CODE[kind](num, hours, assignment)
        at = datetime.fromtimestamp(at, UTC)
        logged.append(LoggedEvent(KINDS[kind], at, need or None, assignment or None, org or None, data, incident or None, drill))
    return logged


def timed_fold(events: list, organizations: int) -> tuple[float, dict]:
    from dispatch.domain.evaluation import evaluate

    started = time.perf_counter()
    cards = evaluate(events, range(1, organizations + 1))
    return time.perf_counter() - started, cards


def fold_peak_mb(events: list, organizations: int) -> float:
    """Peak of what the fold itself allocates (tracemalloc; the input list was allocated before tracing)."""
    import tracemalloc

    from dispatch.domain.evaluation import evaluate

    tracemalloc.start()
    try:
        evaluate(events, range(1, organizations + 1))
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def checksum(cards: dict) -> dict:
    """Totals of the scorecards and a digest of every card's published figures: equal only if the evaluations are."""
    responses = [response for card in cards.values() for response in (card.real, card.drill)]
    digest = hashlib.sha256()
    for org_id in sorted(cards):  # card by card, so the checksum adds little to the step's peak RSS
        digest.update(json.dumps([org_id, cards[org_id].figures()], sort_keys=True).encode())
    return {
        "organizations": len(cards),
        **{name: sum(getattr(r, name) for r in responses) for name in ("offers", "accepted", "completed", "people")},
        "hours": round(sum(r.hours for r in responses), 1),
        "training_hours": round(sum(card.training_hours for card in cards.values()), 1),
        "upheld_complaints": sum(card.upheld_complaints for card in cards.values()),
        "figures_sha256": digest.hexdigest(),
    }


# --- loading PostgreSQL -------------------------------------------------------------------------------------


def make_app(url: str):
    from dispatch import create_app
    from dispatch.config import database_url

    return create_app(SQLALCHEMY_DATABASE_URI=database_url(url), REDIS_URL=None, TESTING=True, SECRET_KEY="bench")


def app_keyring(url: str):
    """The keys the app seals personal data with (the instance folder's, as every app of this bench has them)."""
    from dispatch.personal_data.keys import keyring

    with make_app(url).app_context():
        return keyring()


def migrate(url: str) -> None:
    import flask_migrate

    from dispatch.extensions import db

    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        db.engine.dispose()


def stamps(seconds) -> list[str]:
    """Unix seconds (numpy) as ISO 8601 UTC text for COPY."""
    return np.datetime_as_string(seconds.astype("datetime64[s]"), timezone="UTC").tolist()


def place_tables(places: Places, ring) -> Iterator[tuple[str, tuple[str, ...], Iterable[tuple]]]:
    registered = stamps(np.array([year_bounds()[0] - 365 * DAY]))[0]
    community_subdistrict = places.community_subdistrict().tolist()
    org_community = places.org_community().tolist()
    yield "counties", ("id", "code", "name_zh", "name_en"), [(1, "BENCH", "基准县", "Bench County")]
    yield (
        "subdistricts", ("id", "county_id", "code", "name_zh", "name_en", "kind"),
        ((s, 1, f"B{s:03d}", f"基准街道{s}", f"Subdistrict {s}", "street") for s in range(1, places.subdistricts + 1)),
    )  # fmt: skip
    yield (
        "communities", ("id", "subdistrict_id", "code", "name_zh", "name_en"),
        ((c + 1, s + 1, f"B{c + 1:06d}", f"基准社区{c + 1}", f"Community {c + 1}") for c, s in enumerate(community_subdistrict)),
    )  # fmt: skip
    phones = (f"+86139{o + 1:08d}" for o in range(len(org_community)))  # sealed as the app stores them, with their hash
    organizations = (
        (o + 1, f"组织{o + 1}", "registered", c + 1, f"负责人{o + 1}", ring.seal(phone, "organizations.leader_phone"),
         ring.lookup_hash(phone), True, registered, registered)
        for (o, c), phone in zip(enumerate(org_community), phones, strict=True)
    )  # fmt: skip
    columns = ("id", "name", "status", "community_id", "leader_name", "leader_phone", "leader_phone_hash", "active",
               "created_at", "updated_at")  # fmt: skip
    yield "organizations", columns, organizations


def incident_tables(log: Log) -> Iterator[tuple[str, tuple[str, ...], Iterable[tuple]]]:
    incidents, needs, offers = log.incidents, log.needs, log.offers
    opened, closed = stamps(incidents["opened"]), stamps(incidents["opened"] + 5 * DAY)
    yield (
        "incidents", ("id", "title", "category", "level", "subdistrict_id", "drill", "status", "created_at", "closed_at"),
        (
            (i + 1, f"{'演练' if drill else '事件'} {i + 1}", "natural_disaster", "IV", s + 1, drill, "closed", opened[i], closed[i])
            for i, (s, drill) in enumerate(zip(incidents["subdistrict"].tolist(), incidents["drill"].tolist(), strict=True))
        ),
    )  # fmt: skip
    posted = stamps(needs["posted"])
    kinds = np.where(needs["recovery"], "recovery", "response").tolist()
    yield (
        "needs",
        ("id", "incident_id", "description", "head_count", "accepted", "priority", "lon", "lat", "address", "policy",
         "broadcast_k", "offer_timeout_s", "status", "kind", "created_at"),
        (
            (n + 1, i + 1, "", h, 0, "normal", 120.15, 30.28, "", "broadcast", 3, OFFER_TIMEOUT_S, "closed", kind, posted[n])
            for n, (i, h, kind) in enumerate(zip(needs["incident"].tolist(), needs["head_count"].tolist(), kinds, strict=True))
        ),
    )  # fmt: skip
    yield (
        "assignments",
        ("id", "need_id", "organization_id", "state", "head_count", "short_code", "rank", "score", "reason_zh",
         "reason_en", "offered_at", "deadline", "answered_at", "note", "updated_at"),
        assignment_rows(offers),
    )  # fmt: skip


def assignment_rows(offers: dict) -> Iterator[tuple]:
    accepted = offers["outcome"] == KIND["offer.accepted"]
    state = [
        ("aborted" if aborted else "completed") if took else KINDS[outcome].removeprefix("offer.")
        for took, aborted, outcome in zip(accepted.tolist(), offers["aborted"].tolist(), offers["outcome"].tolist(), strict=True)
    ]
    expired = (offers["outcome"] == KIND["offer.expired"]).tolist()
    offered, deadline = stamps(offers["offered"]), stamps(offers["offered"] + OFFER_TIMEOUT_S)
    answered = stamps(offers["answered"])
    updated = stamps(np.where(accepted, offers["ended"], offers["answered"]))
    columns = (offers[name].tolist() for name in ("need", "org", "head_count", "rank", "score"))
    for a, (need, org, head_count, rank, score) in enumerate(zip(*columns, strict=True)):
        yield (
            a + 1, need + 1, org + 1, state[a], head_count, short_code(a + 1), rank, score, REASON_ZH, REASON_EN,
            offered[a], deadline[a], None if expired[a] else answered[a], "", updated[a],
        )  # fmt: skip


def copy_rows(conn, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


EVENT_TABLE_COLUMNS = (
    "id", "kind", "at", "incident_id", "need_id", "assignment_id", "organization_id", "subdistrict_id", "drill", "data",
)  # fmt: skip


def event_table_rows(events: dict) -> Iterator[tuple]:
    """The events table's rows (``EVENT_TABLE_COLUMNS``), with ``data`` as JSON text."""
    for event_id, kind, at, incident, need, assignment, org, subdistrict, drill, num, hours in event_rows(
        events, np.arange(len(events["at"]))
    ):
        data = json.dumps(DATA_BY_CODE[kind](num, hours, assignment), ensure_ascii=False)
        at = datetime.fromtimestamp(at, UTC)
        yield (
            event_id, KINDS[kind], at, incident or None, need or None, assignment or None, org or None, subdistrict or None,
            drill, data,
        )  # fmt: skip


def load(log: Log, url: str) -> float:
    """Schema from the migrations, everything COPYed in, then VACUUM (ANALYZE); seconds the events' COPY took."""
    import psycopg

    started = time.perf_counter()
    migrate(url)
    log_note(f"schema migrated in {time.perf_counter() - started:.1f}s")
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign-key triggers (postgres is a superuser)
        for table, columns, rows in (*place_tables(log.places, app_keyring(url)), *incident_tables(log)):
            step = time.perf_counter()
            copy_rows(conn, table, columns, rows)
            log_note(f"COPY {table}: {time.perf_counter() - step:.1f}s")
        conn.commit()
        step = time.perf_counter()
        # The events' secondary indexes are built after the COPY rather than kept up row by row: much faster at
        # ten million rows, and the same indexes in the end.
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'"
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        copy_rows(conn, "events", EVENT_TABLE_COLUMNS, event_table_rows(log.events))
        count = len(log.events["at"])
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            conn.execute(definition)
        conn.commit()
        events_s = time.perf_counter() - step
        log_note(f"COPY events and their {len(indexes)} indexes: {count:,} rows in {events_s:.1f}s")
        conn.execute("UPDATE event_counter SET value = %s", (count,))
        for table in ("counties", "subdistricts", "communities", "organizations", "incidents", "needs", "assignments"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    step = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) counties, subdistricts, communities, organizations, incidents, needs, assignments, events")
    log_note(f"VACUUM (ANALYZE): {time.perf_counter() - step:.1f}s; load {time.perf_counter() - started:.1f}s in all")
    return events_s


# --- the child steps ------------------------------------------------------------------------------------------


def log_note(message: str) -> None:
    log(f"{message} (rss {rss_mb():.0f} MB)")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def prepare_step(organizations: int, url: str | None, trace: bool) -> dict:
    """Generate the log, fold it in memory (timed, then traced if ``trace``), load it into ``url``; the figures
    and checksum."""
    started = time.perf_counter()
    log_note(f"generating the log of {organizations:,} organizations")
    generated = generate(organizations)
    total = len(generated.events["at"])
    log_note(f"{total:,} events, {len(generated.offers['need']):,} offers in {time.perf_counter() - started:.1f}s")
    events = fold_input(generated.events)
    log_note(f"{len(events):,} LoggedEvents to fold")
    fold_s, cards = timed_fold(events, organizations)
    result = {"events": total, "evaluated": len(events), "fold_s": fold_s, "checksum": checksum(cards)}
    log_note(f"fold: {fold_s:.2f}s")
    del cards
    result["fold_peak_mb"] = fold_peak_mb(events, organizations) if trace else None
    log_note(f"fold under tracemalloc: peak {result['fold_peak_mb'] or 0:.1f} MB")
    del events
    result["load_events_copy_s"] = load(generated, url) if url else None
    return result


def organization_homes() -> dict[int, list[int]]:
    """Every organization's id by its subdistrict's id, from the database."""
    from sqlalchemy import select

    from dispatch.extensions import db
    from dispatch.models import Community, Organization

    query = select(Organization.id, Community.subdistrict_id).join(Community).order_by(Organization.id)
    homes: dict[int, list[int]] = {}
    for org_id, subdistrict_id in db.session.execute(query):
        homes.setdefault(subdistrict_id, []).append(org_id)
    db.session.commit()
    return homes


def scorecards_step(url: str, per_subdistrict: bool, profile: bool) -> dict:
    """The year's scorecards as the service makes them: one ``scorecards_by_subdistrict`` call for every
    subdistrict (one pass, split), or ``scorecards`` once per subdistrict; the calls' own time, the slowest call,
    whether every organization landed in its own subdistrict, and the checksum of all the cards."""
    import cProfile
    import pstats

    app = make_app(url)
    profiler = cProfile.Profile() if profile else None
    with app.app_context():
        homes = organization_homes()
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        try:
            split, slowest_s = (one_call_per_subdistrict if per_subdistrict else one_pass_split)(homes)
        finally:
            if profiler:
                profiler.disable()
        calls_s, calls_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    split_ok = {s: sorted(cards) for s, cards in split.items()} == homes
    cards = {org_id: card for part in split.values() for org_id, card in part.items()}
    calls = len(homes) if per_subdistrict else 1
    return {
        "calls_s": calls_s, "calls_cpu_s": calls_cpu_s, "slowest_s": slowest_s, "calls": calls, "split_ok": split_ok,
        "checksum": checksum(cards),
    }  # fmt: skip


def one_pass_split(homes: dict[int, list[int]]) -> tuple[dict, float]:
    from dispatch.services.records.evaluations import scorecards_by_subdistrict

    started = time.perf_counter()
    split = scorecards_by_subdistrict(sorted(homes), date(YEAR, 1, 1), date(YEAR + 1, 1, 1))
    log_note(f"scorecards of {sum(map(len, split.values())):,} organizations in one pass, split by {len(split)} subdistricts")
    return split, time.perf_counter() - started


def one_call_per_subdistrict(homes: dict[int, list[int]]) -> tuple[dict, float]:
    from dispatch.services.records.evaluations import scorecards

    split, slowest_s = {}, 0.0
    for subdistrict_id, organization_ids in sorted(homes.items()):
        call_started = time.perf_counter()
        split[subdistrict_id] = scorecards(organization_ids, date(YEAR, 1, 1), date(YEAR + 1, 1, 1))
        slowest_s = max(slowest_s, time.perf_counter() - call_started)
    log_note(f"scorecards of {len(homes)} subdistricts, one call each; the slowest {slowest_s:.2f}s")
    return split, slowest_s


# --- the parent ---------------------------------------------------------------------------------------------


@dataclass
class ChildResult:
    seconds: float
    max_rss_mb: float
    result: dict | None  # the child's last stdout line, parsed; None when it failed
    why: str = ""


def forward_stderr(pipe) -> None:
    """Pass a child's stderr on line by line, cutting long lines (a failed statement can carry 100,000 ids)."""
    for line in pipe:
        text = line.decode(errors="replace").rstrip("\n")
        sys.stderr.write((text[:LONGEST_LINE] + " […]" if len(text) > LONGEST_LINE else text) + "\n")
    sys.stderr.flush()


def run_child(workdir: Path, deadline: float, step: str, *args: str) -> ChildResult:
    """``--step`` as a child process: wall time, its own peak RSS (os.wait4) and its JSON; killed at the deadline."""
    out_path = workdir / f"{step}.out"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "FLASK_APP"}}
    env |= {"PYTHONUNBUFFERED": "1", "DISPATCH_INSTANCE_DIR": str(workdir / "instance")}
    reaped = None
    with out_path.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [PYTHON, str(SCRIPT), "--step", step, *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        forwarder = threading.Thread(target=forward_stderr, args=(proc.stderr,), daemon=True)
        forwarder.start()
        try:
            while reaped is None:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    reaped = status, usage, False
                elif time.perf_counter() > deadline:
                    os.killpg(proc.pid, signal.SIGKILL)
                    reaped = (*os.wait4(proc.pid, 0)[1:], True)
                else:
                    time.sleep(0.05)
        finally:
            if reaped is None:  # interrupted (SIGTERM, Ctrl-C): take the child down too
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        forwarder.join(timeout=5)
    status, usage, timed_out = reaped
    proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    max_rss_mb = usage.ru_maxrss / 1024  # Linux reports kilobytes
    if timed_out:
        return ChildResult(seconds, max_rss_mb, None, f"killed after {seconds:.0f}s: the time budget ran out")
    if code != 0:
        return ChildResult(seconds, max_rss_mb, None, f"the {step} step failed (exit {code})")
    lines = out_path.read_text().strip().splitlines()
    return ChildResult(seconds, max_rss_mb, json.loads(lines[-1]) if lines else None, "")


@contextlib.contextmanager
def throwaway_database(keep: bool):
    """(URL of a new database, None), dropped afterwards whatever happened (a SIGTERM too) unless ``keep``;
    or (None, why PostgreSQL cannot be used)."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a SIGTERM still drops the database
    url = None
    try:
        try:
            url, why = create_database(), None
        except Exception as exc:
            why = f"skipped: PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable ({' '.join(str(exc).split())[:160]})"
        yield url, why
    finally:
        if url and keep:
            log(f"kept the database: {url}")
        elif url:
            try:
                drop_database(url)
            except Exception as exc:
                log(f"could not drop {url}: {exc}")
        signal.signal(signal.SIGTERM, previous)


Figure = tuple[str, str, float | None]  # metric, unit, target


def emit_nulls(figures: list[Figure], note: str) -> None:
    for metric, unit, target in figures:
        emit(metric, None, unit, target, note=note)


def fold_figures(tag: str) -> list[Figure]:
    return [("events", "events", None), ("events_evaluated", "events", None), (f"fold_{tag}", "s", TARGET_S),
            ("fold_tracemalloc_peak", "MB", TARGET_MB)]  # fmt: skip


def scorecards_figures(prefix: str, tag: str) -> list[Figure]:
    return [(f"{prefix}_{tag}", "s", TARGET_S), (f"{prefix}_peak_rss", "MB", TARGET_MB), (f"{prefix}_calls", "s", None)]


ONE_PASS = ("scorecards", "scorecards_postgresql_split_by_subdistrict")  # (child step, metric prefix)
PER_SUBDISTRICT = ("scorecards_by_subdistrict", "scorecards_postgresql_by_subdistrict")  # one call per subdistrict


def scorecards_ways(per_subdistrict: bool) -> tuple[tuple[str, str], ...]:
    return (ONE_PASS, PER_SUBDISTRICT) if per_subdistrict else (ONE_PASS,)


def all_postgresql_figures(tag: str, per_subdistrict: bool) -> list[Figure]:
    figures = [("load_events_copy", "s", None)]
    for _step, prefix in scorecards_ways(per_subdistrict):
        figures += scorecards_figures(prefix, tag)
    return [*figures, ("scorecards_postgresql_slowest_subdistrict", "s", None)] if per_subdistrict else figures


def measure_scorecards(workdir: Path, deadline: float, url: str, step: str, prefix: str, tag: str, fold: dict, profile: bool):
    """One way of calling ``scorecards``: its figures; True unless it failed or disagrees with the fold."""
    child = run_child(workdir, deadline, step, "--database", url, *(["--profile"] if profile else []))
    if child.result is None:  # the child failed: its figures are null, and the bench fails
        emit_nulls(scorecards_figures(prefix, tag), child.why)
        return False
    result = child.result
    emit(f"{prefix}_{tag}", round(child.seconds, 2), "s", TARGET_S)
    emit(f"{prefix}_peak_rss", round(child.max_rss_mb, 1), "MB", TARGET_MB)
    emit(f"{prefix}_calls", round(result["calls_s"], 2), "s")
    emit(f"{prefix}_calls_cpu", round(result["calls_cpu_s"], 2), "s", note="this process's CPU time in the calls")
    if step == PER_SUBDISTRICT[0]:
        emit("scorecards_postgresql_slowest_subdistrict", round(result["slowest_s"], 2), "s")
    if not result["split_ok"]:
        log(f"{step}: an organization's card is not in its own subdistrict's share")
        return False
    if result["checksum"] != fold["checksum"]:
        log(f"{step}: the scorecards from PostgreSQL differ from the fold's:")
        log(f"  fold:       {fold['checksum']}")
        log(f"  postgresql: {result['checksum']}")
        return False
    log(f"{step}: the scorecards from PostgreSQL ({result['calls']} calls) equal the fold's")
    return True


def measure(options: argparse.Namespace, url: str | None, why: str | None, workdir: Path, deadline: float) -> bool:
    """Every figure; True when every step ran and the scorecards from PostgreSQL equal the fold's."""
    organizations, per_subdistrict = options.organizations, options.per_subdistrict
    tag = f"{label(organizations)}_orgs_year"
    database = ["--database", url] if url else []
    trace = ["--trace-fold"] if options.trace_fold or organizations <= TRACE_FOLD_UP_TO else []
    prepared = run_child(workdir, deadline, "prepare", "--organizations", str(organizations), *database, *trace)
    log(f"prepare: {prepared.seconds:.1f}s, peak RSS {prepared.max_rss_mb:.0f} MB")
    emit("prepare_step", round(prepared.seconds, 1), "s", note="the bench's own work: generating, folding twice, loading")
    emit("prepare_step_peak_rss", round(prepared.max_rss_mb, 1), "MB")
    fold = prepared.result
    if fold is None:
        emit_nulls(fold_figures(tag) + all_postgresql_figures(tag, per_subdistrict), prepared.why)
        return False
    log(f"the fold's checksum: {fold['checksum']}")
    emit("events", fold["events"], "events")
    emit("events_evaluated", fold["evaluated"], "events")
    emit(f"fold_{tag}", round(fold["fold_s"], 2), "s", TARGET_S)
    if fold["fold_peak_mb"] is None:
        emit("fold_tracemalloc_peak", None, "MB", TARGET_MB, note=UNTRACED)
    else:
        emit("fold_tracemalloc_peak", round(fold["fold_peak_mb"], 1), "MB", TARGET_MB)
    if url is None:
        emit_nulls(all_postgresql_figures(tag, per_subdistrict), why or "skipped")
        return True
    emit("load_events_copy", round(fold["load_events_copy_s"], 1), "s")
    ok = True
    for step, prefix in scorecards_ways(per_subdistrict):
        ok = measure_scorecards(workdir, deadline, url, step, prefix, tag, fold, options.profile) and ok
    return ok


def run(options: argparse.Namespace) -> int:
    emit_context(emit)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="dispatch-bench-evaluation-"))
    ok = False
    try:
        emit("organizations", options.organizations, "organizations")
        emit("subdistricts", Places.of(options.organizations).subdistricts, "subdistricts")
        with throwaway_database(options.keep) as (url, why):
            ok = measure(options, url, why, workdir, started + options.budget)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")), help="fraction of full size (env BENCH_SCALE)"
    )
    parser.add_argument(
        "--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for the whole run; a step over it is killed"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (its URL is printed)")
    parser.add_argument("--profile", action="store_true", help="cProfile the scorecards calls (stderr)")
    parser.add_argument(
        "--per-subdistrict", action="store_true", help="also time scorecards() called once per subdistrict (slow)"
    )
    parser.add_argument("--trace-fold", action="store_true", help="the fold's peak under tracemalloc even past 100,000")
    parser.add_argument("--step", choices=("prepare", "scorecards", "scorecards_by_subdistrict"), help=argparse.SUPPRESS)
    parser.add_argument("--organizations", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.step == "prepare":
        print(json.dumps(prepare_step(options.organizations, options.database, options.trace_fold)), flush=True)
        return 0
    if options.step:
        result = scorecards_step(options.database, options.step == PER_SUBDISTRICT[0], options.profile)
        print(json.dumps(result), flush=True)
        return 0
    if not 0 < options.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    options.organizations = max(100, round(FULL_ORGANIZATIONS * options.scale))
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
