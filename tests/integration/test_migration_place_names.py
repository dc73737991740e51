"""Needs posted before place names existed get one when the database is upgraded: the address given, or for one
placed on the map its community and grid cell. Runs on a database of its own, migrated step by step."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import text

from dispatch import create_app
from dispatch.extensions import db
from tests.factories import make_community, make_incident, make_subdistrict

BEFORE_PLACE_NAMES = "0011_liveness"


def old_need(incident_id: int, cell_id: int, address: str) -> int:
    """A need as the schema before place names stored it."""
    values = {
        "incident_id": incident_id, "description": "", "head_count": 3, "accepted": 0, "priority": "normal",
        "lon": 120.105, "lat": 30.275, "address": address, "cell_id": cell_id, "policy": "broadcast",
        "broadcast_k": 3, "offer_timeout_s": 600, "status": "open", "created_at": datetime.now(UTC),
    }  # fmt: skip
    columns = ", ".join(values)
    statement = text(f"INSERT INTO needs ({columns}) VALUES ({', '.join(':' + c for c in values)}) RETURNING id")
    return db.session.execute(statement, values).scalar_one()


def old_cell(community_id: int, name: str) -> int:
    """A grid cell as the schema before place names stored it (its worker's phone still in clear)."""
    values = {
        "community_id": community_id, "code": "OLD-1", "name": name, "geometry": "{}", "min_lon": 120.1,
        "min_lat": 30.27, "max_lon": 120.11, "max_lat": 30.28, "worker_name": "王网格", "worker_phone": "+8613812345678",
        "updated_at": datetime.now(UTC),
    }  # fmt: skip
    columns = ", ".join(values)
    statement = text(f"INSERT INTO grid_cells ({columns}) VALUES ({', '.join(':' + c for c in values)}) RETURNING id")
    return db.session.execute(statement, values).scalar_one()


def test_old_needs_are_named_by_their_address_or_their_community_and_cell(tmp_path):
    app = create_app(TESTING=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.sqlite3", REDIS_URL=None, SERVER_NAME=None)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=BEFORE_PLACE_NAMES)
        community = make_community(make_subdistrict(), name_zh="翠苑一区社区")
        cell_id = old_cell(community.id, "翠苑一区社区第3网格")
        incident = make_incident(community.subdistrict)
        typed = old_need(incident.id, cell_id, "翠苑一区12幢东门")
        clicked = old_need(incident.id, cell_id, "")
        db.session.commit()

        upgrade(directory=directory, revision="heads")

        names = dict(db.session.execute(text("SELECT id, place_name FROM needs")).all())
        assert names == {typed: "翠苑一区12幢东门", clicked: "翠苑一区 · 第3网格"}
        db.session.remove()
        db.engine.dispose()
