"""The event log's hook: every event a duty group must hear becomes a pending notice for each active group covering
its subdistrict (the subdistrict's own groups and its county's), written in the event's transaction.

``notices_for`` runs before the event counter is locked (its reads must not lengthen the lock), ``keep_notices``
after the events have their ids; the notices are inserted by the commit's own flush.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dispatch.domain.duty_groups import Facts, is_notice, notice_text
from dispatch.models import Assignment, DutyGroup, Event, GroupNotice, Incident, Need, Organization, Subdistrict


def notices_for(session: Session, events: list[Event]) -> list[tuple[GroupNotice, Event]]:
    """The notices these events owe, not yet added (their events have no ids yet)."""
    telling = [event for event in events if is_notice(event.kind) and event.subdistrict_id]
    if not telling:
        return []
    counties = _counties(session, {event.subdistrict_id for event in telling})
    groups = _covering(session, counties)
    notices = []
    for event in telling:
        covering = [
            gid
            for gid, sub, county in groups
            if sub == event.subdistrict_id or (sub is None and county == counties[event.subdistrict_id])
        ]
        if covering:
            text = notice_text(facts_of(session, event))
            notices += [(GroupNotice(duty_group_id=gid, kind=event.kind, text=text, status="pending"), event) for gid in covering]
    return notices


def keep_notices(session: Session, notices: list[tuple[GroupNotice, Event]]) -> None:
    """Name each notice's event, now that it has its id, and add it to the committing transaction."""
    for notice, event in notices:
        notice.event_id, notice.key = event.id, f"event:{event.id}"
        session.add(notice)


def _counties(session: Session, subdistrict_ids: set[int]) -> dict[int, int]:
    rows = session.execute(select(Subdistrict.id, Subdistrict.county_id).where(Subdistrict.id.in_(subdistrict_ids)))
    return dict(rows.all())


def _covering(session: Session, counties: dict[int, int]) -> list[tuple[int, int | None, int]]:
    county_wide = and_(DutyGroup.subdistrict_id.is_(None), DutyGroup.county_id.in_(set(counties.values())))
    rows = session.execute(
        select(DutyGroup.id, DutyGroup.subdistrict_id, DutyGroup.county_id)
        .where(DutyGroup.active.is_(True), or_(DutyGroup.subdistrict_id.in_(counties.keys()), county_wide))
        .order_by(DutyGroup.id)
    )
    return [tuple(row) for row in rows.all()]


def facts_of(session: Session, event: Event) -> Facts:
    """What the event's notice says, from the records it names (already in the session, mostly)."""
    incident = session.get(Incident, event.incident_id) if event.incident_id else None
    need = session.get(Need, event.need_id) if event.need_id else None
    assignment = session.get(Assignment, event.assignment_id) if event.assignment_id else None
    organization = session.get(Organization, event.organization_id) if event.organization_id else None
    data = event.data or {}
    return Facts(
        kind=event.kind,
        incident=incident.title if incident else "",
        level=incident.level.value if incident else "",
        drill=bool(event.drill),
        need=(need.place_name or need.address or need.description) if need else "",
        still_needed=data.get("still_needed"),
        options=tuple(data.get("options", ())),
        organization=organization.name if organization else (assignment.organization.name if assignment else ""),
        error=str(data.get("error") or data.get("error_code") or ""),
    )
