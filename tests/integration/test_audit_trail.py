"""The security audit trail: appended one record at a time, refused any change by the database, and found out by
``flask audit verify`` when someone goes around the database's refusal."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dispatch.domain.audit_chain import seal
from dispatch.extensions import db
from dispatch.models import AuditAnchor, AuditRecord
from dispatch.models.audit import install_guards, remove_guards
from dispatch.services import audit
from dispatch.services.audit.archive import ArchiveRefused, archive
from dispatch.services.audit.trail import audit_key, sealed_view


def verify_output(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def tamper(statement: str, **params) -> None:
    """What someone with the database owner's rights could do: lift the guards, change rows, put the guards back."""
    connection = db.session.connection()
    remove_guards(connection)
    db.session.execute(text(statement), params)
    install_guards(connection)
    db.session.commit()


@pytest.fixture
def five_records(app):
    for number in range(5):
        audit.record("login", object_type="user", object_id=number, actor_name=f"user{number}")
    return app


def test_records_are_numbered_and_chained_and_the_chain_holds(five_records):
    rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [row.id for row in rows] == [1, 2, 3, 4, 5]
    assert all(later.previous == earlier.seal for earlier, later in pairwise(rows))
    assert audit.verify() is None
    assert verify_output(five_records) == (0, "database: chain holds\n")


def test_the_database_refuses_to_change_or_remove_a_record(five_records):
    for statement in (
        "UPDATE audit_records SET result = 'ok' WHERE id = 2",
        "DELETE FROM audit_records WHERE id = 2",
        "UPDATE audit_head SET last_id = 1",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(DBAPIError, match=r"append-only|only moves forward"):
            db.session.execute(text(statement))
        db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_records"))
        db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(AuditRecord)) == 5


def test_verify_names_an_edited_record(five_records):
    tamper("UPDATE audit_records SET actor_name = 'someone else' WHERE id = 3")
    assert verify_output(five_records) == (1, "database: record 3: its content does not match its seal (edited)\n")


def test_verify_names_a_removed_record(five_records):
    tamper("DELETE FROM audit_records WHERE id = 2")
    assert verify_output(five_records) == (1, "database: record 2: missing from the chain (removed)\n")


def test_verify_finds_records_cut_from_the_end(five_records):
    tamper("DELETE FROM audit_records WHERE id >= 4")
    assert verify_output(five_records) == (1, "database: record 4: missing from the chain (removed)\n")


def test_verify_names_an_inserted_record(five_records):
    last = db.session.get(AuditRecord, 5)
    tamper(
        "INSERT INTO audit_records (id, at, actor_name, address, user_agent, action, object_type, object_id, result,"
        " detail, previous, seal) VALUES (6, :at, 'ghost', '', '', 'login', '', '', 'ok', '{}', :previous, :seal)",
        at=last.at,
        previous=last.seal,
        seal="0" * 64,
    )
    assert verify_output(five_records) == (1, "database: record 6: not appended through the chain (inserted or moved)\n")


def test_appends_from_many_threads_at_once_make_one_unbroken_chain(app):
    def append_ten(worker: int) -> None:
        with app.app_context():
            for number in range(10):
                audit.record("export", object_type="worker", object_id=f"{worker}-{number}")

    threads = [threading.Thread(target=append_ten, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
    assert ids == list(range(1, 61))
    assert audit.verify() is None


def test_old_records_move_to_an_archive_file_and_the_chain_goes_on_from_its_anchor(five_records, tmp_path):
    five_records.config["AUDIT_ARCHIVE_DIR"] = str(tmp_path)
    # Records 1-3 were made 200 days ago: backdated and sealed again with the guards lifted, as only a test may.
    old = datetime.now(UTC) - timedelta(days=200)
    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.id <= 3)).all()
    connection = db.session.connection()
    remove_guards(connection)
    previous = "0" * 64
    for row in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all():
        if row in rows:
            row.at = old.replace(microsecond=0)
        row.previous = previous
        row.seal = seal(sealed_view(row), previous, audit_key())
        previous = row.seal
    db.session.flush()
    db.session.execute(text("UPDATE audit_head SET last_seal = :seal"), {"seal": previous})
    install_guards(connection)
    db.session.commit()
    assert audit.verify() is None

    with pytest.raises(ArchiveRefused):
        archive(older_than_days=30)
    path = archive()
    assert path.name == "audit-000000001-000000003.jsonl"
    assert len(path.read_text().splitlines()) == 4
    assert db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all() == [4, 5]
    assert db.session.scalar(select(AuditAnchor.through_id)) == 3
    assert audit.verify() is None
    result = five_records.test_cli_runner().invoke(args=["audit", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "chain holds" in result.output.splitlines()[0]


def test_the_database_refuses_to_remove_a_record_younger_than_the_retention_period(five_records):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_records"))
    db.session.rollback()
