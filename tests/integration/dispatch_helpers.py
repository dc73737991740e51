"""Shared steps for the dispatch tests: open an incident, post a need, add organizations, look at what changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Assignment, Event, Need, Organization
from tests.factories import make_organization, make_user
from tests.integration.test_scope import middle_of


def inline_jobs_done(app) -> None:
    """The embedded column runs jobs in a thread of its own: wait until what it was given has run (an SMS sent, its
    event written). Production's jobs wait for a worker and are left alone."""
    if hasattr(jobs := app.extensions["dispatch.jobs"], "join"):
        jobs.join()


def open_incident(client, **fields) -> dict:
    body = {"title": "台风“烟花”", "category": "natural_disaster", "level": "III", **fields}
    response = client.post("/api/incidents", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def need_body(cell, **fields) -> dict:
    lon, lat = middle_of(cell)
    return {"skills": ["logistics"], "head_count": 5, "location": {"lon": lon, "lat": lat}, "priority": "urgent", **fields}


def post_need(client, incident_id: int, body: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/incidents/{incident_id}/needs", body, headers=headers)


def posted_need(client, cell, **fields) -> dict:
    """Open an incident and post one need in ``cell``; the need as the API returned it."""
    response = post_need(client, open_incident(client)["id"], need_body(cell, **fields))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_organizations(community, n: int, capacity: int = 5, **fields) -> list[Organization]:
    """``n`` more logistics organizations in ``community``, based in the middle of the world's cell A1 (committed)."""
    made = [make_organization(community, skills={"logistics": capacity}, **fields) for _ in range(n)]
    db.session.commit()
    return made


def leader_of(organization: Organization):
    return make_user(Role.ORG_LEADER, organization_id=organization.id)


def states(need_id: int) -> dict[int, str]:
    """Organization id → the state of its offer for the need, fresh from the database."""
    db.session.expire_all()
    rows = db.session.execute(select(Assignment.organization_id, Assignment.state).where(Assignment.need_id == need_id))
    return {org_id: state.value for org_id, state in rows}


def open_offers(need_id: int) -> list[Assignment]:
    db.session.expire_all()
    query = select(Assignment).where(Assignment.need_id == need_id, Assignment.state == AssignmentState.OFFERED)
    return list(db.session.scalars(query.order_by(Assignment.id)))


def need_row(need_id: int) -> Need:
    db.session.expire_all()
    return db.session.get(Need, need_id)


def event_kinds(need_id: int | None = None, kind: str | None = None) -> list[Event]:
    db.session.expire_all()
    query = select(Event).order_by(Event.id)
    if need_id is not None:
        query = query.where(Event.need_id == need_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    return list(db.session.scalars(query))


def make_overdue(*assignment_ids: int, seconds: float = 60) -> None:
    """Move offers' deadlines into the past, as if their leaders had let them run out."""
    past = datetime.now(UTC) - timedelta(seconds=seconds)
    db.session.execute(update(Assignment).where(Assignment.id.in_(assignment_ids)).values(deadline=past))
    db.session.commit()


def snapshot() -> tuple:
    """Everything a refused request must leave as it was: the needs (status, accepted people), the offers (state)
    and the number of events."""
    db.session.expire_all()
    needs = db.session.execute(select(Need.id, Need.status, Need.accepted).order_by(Need.id)).all()
    offers = db.session.execute(select(Assignment.id, Assignment.state).order_by(Assignment.id)).all()
    return tuple(needs), tuple(offers), db.session.scalar(select(func.count(Event.id)))


def all_at_once(app, calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls on threads released together, each in an app context (and database session) of its own.
    A call's result, or the exception it raised, comes back in the call's place."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = calls[i]()
            except Exception as exc:  # the test decides which failures are fine
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def error_code(response) -> str:
    """The most specific code of an error answer: the first field error's, else the top-level one."""
    error = response.get_json()["error"]
    return error["errors"][0]["code"] if error["errors"] else error["code"]


def said(data: dict) -> dict:
    """What an event's data says, without the id of the request that recorded it (every request's events carry it)."""
    return {key: value for key, value in data.items() if key != "request_id"}
