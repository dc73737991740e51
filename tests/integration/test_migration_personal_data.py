"""Phones stored in clear before 0016_personal_data_encrypted are sealed when the database is upgraded, found by
their hash afterwards, and opened again by a downgrade. Runs on databases of its own, migrated step by step."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from dispatch import create_app
from dispatch.extensions import db
from dispatch.models import GridCell, InboundMessage, Member, Organization, OutboxMessage, User
from dispatch.personal_data.keys import phone_hash
from tests import services

BEFORE = "0015_two_factor_sessions"
REVISION = "0016_personal_data_encrypted"
LEADER, MEMBER, WORKER, USER = "+8613811112222", "+8613933334444", "+8615055556666", "+8618677778888"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.sqlite3"
        return
    services.ensure_postgres()
    url = services.create_database()
    yield url
    services.drop_database(url)


def old_row(table: str, **values) -> int:
    """A row as the schema before this revision stored it: the values given, and something plain in every other
    column that must have one."""
    for column in inspect(db.session.connection()).get_columns(table):
        if column["name"] != "id" and column["name"] not in values and not column["nullable"]:
            values[column["name"]] = _plain(column["type"].python_type)
    columns = ", ".join(values)
    statement = text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)}) RETURNING id")
    return db.session.execute(statement, values).scalar_one()


def _plain(kind: type):
    return {str: "x", int: 0, float: 0.0, bool: False, dict: "{}", datetime: datetime.now(UTC), date: date.today()}[kind]


def raw(table: str, column: str) -> str:
    return db.session.execute(text(f"SELECT {column} FROM {table}")).scalar_one()


def test_clear_phones_are_sealed_on_upgrade_found_by_their_hash_and_opened_again_on_downgrade(database_url):
    app = create_app(TESTING=True, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=None, SERVER_NAME=None)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=BEFORE)
        county = old_row("counties", code="330106", name_zh="西湖区")
        subdistrict = old_row("subdistricts", code="330106001", county_id=county, kind="street")
        community = old_row("communities", code="330106001001", subdistrict_id=subdistrict)
        old_row("grid_cells", community_id=community, code="G1", worker_phone=WORKER)
        org = old_row("organizations", community_id=community, status="filed", leader_phone=LEADER, active=True)
        old_row("members", organization_id=org, name="张三", phone=MEMBER)
        old_row("users", username="leader", role="org_leader", organization_id=org, phone=USER, active=True)
        old_row("outbox", channel="sms", organization_id=org, recipient=LEADER, params="{}", status="sent")
        old_row("inbound_messages", sid="SM1", channel="sms", sender=LEADER)
        db.session.commit()

        upgrade(directory=directory, revision="heads")

        for table, column in [("organizations", "leader_phone"), ("members", "phone"), ("users", "phone"),
                              ("grid_cells", "worker_phone"), ("outbox", "recipient"), ("inbound_messages", "sender")]:  # fmt: skip
            assert raw(table, column).startswith("v1:1:")
        assert db.session.scalar(select(Organization.leader_phone)) == LEADER
        assert db.session.scalar(select(Member.phone)) == MEMBER
        assert db.session.scalar(select(GridCell.worker_phone)) == WORKER
        assert db.session.scalar(select(OutboxMessage.recipient)) == LEADER
        assert db.session.scalar(select(User.id).where(User.phone_hash == phone_hash(USER))) is not None
        assert db.session.scalar(select(Organization.id).where(Organization.leader_phone_hash == phone_hash(LEADER))) == org
        assert db.session.scalar(select(InboundMessage.sender_hash)) == phone_hash(LEADER)
        db.session.commit()

        downgrade(directory=directory, revision=f"{REVISION}-1")

        assert (raw("organizations", "leader_phone"), raw("members", "phone"), raw("users", "phone")) == (LEADER, MEMBER, USER)
        assert (raw("grid_cells", "worker_phone"), raw("outbox", "recipient"), raw("inbound_messages", "sender")) == (
            WORKER, LEADER, LEADER,
        )  # fmt: skip
        db.session.remove()
        db.engine.dispose()
