"""The hourly summary: once an hour, for every active incident, each group covering it gets one notice of how it
stands. Keyed by incident and hour (``summary:<incident>:<YYYYMMDDHH>``, unique per group), so a pass repeated, or
run by two workers, adds nothing twice; a sweeper down for a while catches up with the current hour only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.duty_groups import FAILURES, Summary, hour_key, summary_due, summary_text
from dispatch.domain.incidents import IncidentStatus, NeedStatus
from dispatch.extensions import db
from dispatch.models import Assignment, DutyGroup, Event, GroupNotice, Incident, Need

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # the hour the duty office reads on its clocks


def summarize_hour(now: datetime | None = None) -> int:
    """Add the current hour's summaries still missing. Returns how many notices were added."""
    hour = (now or datetime.now(UTC)).astimezone(LOCAL_ZONE).replace(minute=0, second=0, microsecond=0)
    incidents = db.session.scalars(select(Incident).where(Incident.status == IncidentStatus.ACTIVE)).all()
    added = 0
    for incident in incidents:
        if summary_due(incident.created_at, hour):
            added += _summarize(incident, hour)
    db.session.commit()
    return added


def _summarize(incident: Incident, hour: datetime) -> int:
    key = hour_key(incident.id, hour)
    done = select(GroupNotice.duty_group_id).where(GroupNotice.key == key)
    groups = db.session.scalars(
        select(DutyGroup.id).where(DutyGroup.active.is_(True), _covers(incident), DutyGroup.id.not_in(done))
    ).all()
    if not groups:
        return 0
    text = summary_text(_summary(incident, hour))
    rows = [{"duty_group_id": gid, "key": key, "kind": "summary", "text": text, "status": "pending",
             "created_at": datetime.now(UTC)} for gid in groups]  # fmt: skip
    return len(db.session.execute(_insert_new(rows).returning(GroupNotice.id)).all())


def _covers(incident: Incident):
    county = and_(DutyGroup.subdistrict_id.is_(None), DutyGroup.county_id == incident.subdistrict.county_id)
    return or_(DutyGroup.subdistrict_id == incident.subdistrict_id, county)


def _insert_new(rows: list[dict]):
    """An insert that leaves a summary another pass already added alone (the unique group and key)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(GroupNotice).values(rows).on_conflict_do_nothing(index_elements=["duty_group_id", "key"])


def _summary(incident: Incident, hour: datetime) -> Summary:
    needs = db.session.execute(
        select(Need.status, func.count(), func.sum(Need.accepted), func.sum(Need.head_count))
        .where(Need.incident_id == incident.id)
        .group_by(Need.status)
    ).all()
    by_status = {status: count for status, count, _a, _h in needs}
    offers = db.session.scalar(
        select(func.count()).select_from(Assignment).join(Need)
        .where(Need.incident_id == incident.id, Assignment.state == AssignmentState.OFFERED)
    )  # fmt: skip
    failures = db.session.scalar(
        select(func.count()).select_from(Event)
        .where(Event.incident_id == incident.id, Event.kind.in_(FAILURES), Event.at >= hour - timedelta(hours=1))
    )  # fmt: skip
    return Summary(
        incident=incident.title, level=incident.level.value, drill=incident.drill, hour=f"{hour:%H:%M}",
        needs_open=by_status.get(NeedStatus.OPEN, 0), needs_filled=by_status.get(NeedStatus.FILLED, 0),
        needs_unfilled=by_status.get(NeedStatus.UNFILLED, 0),
        people_accepted=sum(a or 0 for _s, _c, a, _h in needs), people_needed=sum(h or 0 for _s, _c, _a, h in needs),
        offers_out=offers or 0, failures=failures or 0,
    )  # fmt: skip
