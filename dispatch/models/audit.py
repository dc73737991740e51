"""The security audit trail (separate from the dispatch event log) and the record of wrong passwords.

Audit records are append-only: the database itself refuses to change them and to remove any younger than the
retention period (triggers, installed by the migration on PostgreSQL and SQLite alike), and each is sealed into a
chain (``dispatch.domain.audit_chain``) so that whoever goes around the triggers is still found out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.domain.audit_chain import GENESIS
from dispatch.extensions import db
from dispatch.models.types import UtcDateTime, utcnow

RETENTION_DAYS = 180  # Cybersecurity Law, Art. 21: network logs kept at least six months


class AuditRecord(db.Model):
    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # its place in the chain
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the record outlives the account
    actor_name: Mapped[str] = mapped_column(String(60), default="")
    # Whose administrators see the record: the actor's county, or the county of the account a login name belongs to.
    # None for what belongs to no county (a name no account has, an anonymous client over its budget).
    county_id: Mapped[int | None] = mapped_column(Integer, index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(80), default="")
    result: Mapped[str] = mapped_column(String(20))  # ok, failed, refused, locked
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    previous: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_records_action_at", "action", "at"), Index("ix_audit_records_actor", "actor_id"))


class AuditHead(db.Model):
    """One row: the last record's number and seal. Appending locks it, so records join the chain one at a time."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_seal: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditAnchor(db.Model):
    """Where an archive file ended: the chain in the table starts again from its last record's seal."""

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_id: Mapped[int] = mapped_column(Integer)
    through_seal: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    archived_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LoginFailure(db.Model):
    """A wrong password (or code) for a login name, kept only as long as the lockout rule can need it."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_name: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# The database's own refusal to change the trail. DELETE is refused for records younger than the retention period
# (archiving removes only older ones, after writing them to a file); UPDATE and TRUNCATE always.
_POSTGRESQL_GUARDS = [
    """CREATE OR REPLACE FUNCTION audit_records_refuse() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND OLD.at < now() - interval '{days} days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit records are append-only (%)', TG_OP;
    END;
    $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION audit_records_refuse()",
    "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_refuse()",
    # The head only moves forward: going back would hide records cut from the end of the chain.
    """CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.last_id >= OLD.last_id THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit head only moves forward (%)', TG_OP;
    END;
    $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()",
]
_SQLITE_GUARDS = [
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only (UPDATE)'); END",
    "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
    "WHEN old.at >= datetime('now', '-{days} days') "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only (DELETE)'); END",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head WHEN new.last_id < old.last_id "
    "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END",
]
_DROP_GUARDS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records",
        "DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records",
        "DROP FUNCTION IF EXISTS audit_records_refuse()",
        "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head",
        "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
        "DROP FUNCTION IF EXISTS audit_head_forward_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_records_no_update",
        "DROP TRIGGER IF EXISTS audit_records_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_forward_only",
        "DROP TRIGGER IF EXISTS audit_head_no_delete",
    ],
}


def install_guards(connection) -> None:
    """Make the trail append-only in this database (called when the table is created, and by the migration)."""
    guards = {"postgresql": _POSTGRESQL_GUARDS, "sqlite": _SQLITE_GUARDS}.get(connection.dialect.name, [])
    for statement in guards:
        connection.execute(text(statement.replace("{days}", str(RETENTION_DAYS))))


def remove_guards(connection) -> None:
    for statement in _DROP_GUARDS.get(connection.dialect.name, []):
        connection.execute(text(statement))


def start_head(connection) -> None:
    connection.execute(text("INSERT INTO audit_head (id, last_id, last_seal) VALUES (1, 0, :genesis)"), {"genesis": GENESIS})
