"""Timestamps are timezone-aware UTC on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dispatch.extensions import db
from dispatch.models import Organization
from tests.factories import make_organization


def test_timestamps_come_back_aware_and_in_utc(app):
    org = make_organization()
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Organization, org.id).created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - stored) < timedelta(minutes=5)


def test_a_time_in_another_zone_is_stored_as_the_same_instant(app):
    org = make_organization()
    beijing = datetime(2026, 7, 1, 20, 0, tzinfo=timezone(timedelta(hours=8)))
    org.created_at = beijing
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Organization, org.id).created_at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_a_naive_time_is_refused(app):
    org = make_organization()
    org.created_at = datetime(2026, 7, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()
