"""Phones are personal information (PIPL): the database holds them sealed (SM4-GCM) with a keyed hash to find
them by, a changed or moved ciphertext fails loudly, and a new key seals everything again while old rows stay
readable throughout."""

from __future__ import annotations

import re
from base64 import b64decode, b64encode

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from dispatch.demo.seed import seed_demo
from dispatch.extensions import db
from dispatch.models import GridCell, InboundMessage, Member, Organization, OutboxMessage, User
from dispatch.personal_data.cipher import InvalidTag, new_key
from dispatch.personal_data.columns import SEALED_COLUMNS, key_ids
from dispatch.personal_data.keys import keyring, phone_hash
from dispatch.personal_data.rotation import rotate
from dispatch.services.identity import login_codes
from dispatch.services.notify import replies
from tests.factories import build_world, make_member


def every_phone() -> set[str]:
    """Every phone the app knows, as people dial them (11 digits): what must not be found in clear."""
    phones = [
        *db.session.scalars(select(Organization.leader_phone)),
        *db.session.scalars(select(Member.phone)),
        *db.session.scalars(select(User.phone).where(User.phone.is_not(None))),
        *db.session.scalars(select(GridCell.worker_phone).where(GridCell.worker_phone.is_not(None))),
    ]
    return {phone.removeprefix("+86") for phone in phones}


def clear_phones_in_the_database(phones: set[str]) -> list[str]:
    """Every table and column read with plain SQL, past the models: where any of ``phones`` shows in clear (in
    national or E.164 form, which contains it)."""
    found = []
    for table in inspect(db.engine).get_table_names():
        for row in db.session.execute(text(f"SELECT * FROM {table}")).mappings():
            for column, value in row.items():
                digits = set(re.findall(r"1\d{10}", str(value))) if value is not None else set()
                found += [f"{table}.{column}: {phone}" for phone in digits & phones]
    return found


def stored(table: str, column: str, row_id: int) -> str:
    return db.session.execute(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}).scalar_one()


def store(table: str, column: str, row_id: int, value: str) -> None:
    db.session.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), {"value": value, "id": row_id})
    db.session.commit()
    db.session.expire_all()


def test_no_phone_is_stored_in_clear_anywhere(app):
    seed_demo()  # the demo district: imported in bulk, past the models' own hashing
    world = build_world()
    world.leader.phone = world.org_a1.leader_phone
    db.session.commit()
    login_codes.request_code(world.org_a1.leader_phone)  # an SMS in the outbox, to the leader
    replies.handle_sms("SM-at-rest", world.org_a1.leader_phone, "Y 9999")  # an SMS from the leader
    db.session.expire_all()
    phones = every_phone()
    assert len(phones) > 100 and world.org_a1.leader_phone.removeprefix("+86") in phones
    assert db.session.scalar(select(OutboxMessage.recipient)) == world.org_a1.leader_phone
    assert db.session.scalar(select(InboundMessage.sender)) == world.org_a1.leader_phone
    assert clear_phones_in_the_database(phones) == []
    hashed = db.session.execute(select(Member.phone, Member.phone_hash)).all()  # the import hashed as the model does
    assert all(phone_hash(phone) == stored_hash for phone, stored_hash in hashed)


def test_what_the_database_holds_for_a_phone_is_a_versioned_ciphertext_with_its_keyed_hash_beside_it(app, world):
    org = world.org_a1
    assert stored("organizations", "leader_phone", org.id).startswith("v1:1:")
    assert stored("organizations", "leader_phone_hash", org.id) == phone_hash(org.leader_phone)
    assert phone_hash(org.leader_phone.removeprefix("+86")) == phone_hash(org.leader_phone)


def test_one_changed_byte_of_a_stored_phone_fails_loudly_when_read(app, world):
    sealed = stored("organizations", "leader_phone", world.org_a1.id)
    prefix, payload = sealed.rsplit(":", 1)
    raw = bytearray(b64decode(payload))
    raw[len(raw) // 2] ^= 0x01
    store("organizations", "leader_phone", world.org_a1.id, f"{prefix}:{b64encode(bytes(raw)).decode()}")
    with pytest.raises(InvalidTag):
        db.session.get(Organization, world.org_a1.id)


def test_a_ciphertext_copied_into_another_column_does_not_open_there(app, world):
    member = world.org_a1.members[0]
    store("members", "phone", member.id, stored("organizations", "leader_phone", world.org_a1.id))
    with pytest.raises(InvalidTag):
        db.session.get(Member, member.id)


def test_comparing_a_sealed_column_with_a_value_is_refused_rather_than_matching_nothing(app, world):
    with pytest.raises(TypeError, match="encrypted"):
        select(Organization).where(Organization.leader_phone == world.org_a1.leader_phone)


def test_a_duplicate_phone_in_one_organization_is_still_refused_by_its_hash(app, world):
    make_member(world.org_a2, phone=world.org_a1.members[0].phone)  # another organization: allowed
    with pytest.raises(IntegrityError):
        make_member(world.org_a1, phone=world.org_a1.members[0].phone)
    db.session.rollback()


@pytest.fixture
def second_key(app, monkeypatch):
    """A new key added to the ring: it seals new values, the first one still opens the old."""
    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", f"{app.config['PERSONAL_DATA_KEYS']},2:{new_key()}")
    return keyring()


def sealed_under(columns=SEALED_COLUMNS) -> set[int]:
    with db.engine.connect() as connection:
        return {key_id for ids in key_ids(connection, columns).values() for key_id in ids}


def test_the_rotation_seals_every_value_under_the_new_key_and_every_phone_reads_the_same(app, world, monkeypatch):
    world.leader.phone = world.org_a1.leader_phone
    db.session.commit()
    login_codes.request_code(world.org_a1.leader_phone)
    replies.handle_sms("SM-before-rotation", world.org_a1.leader_phone, "Y 9999")
    before = every_phone()
    assert sealed_under() == {1}

    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", f"{app.config['PERSONAL_DATA_KEYS']},2:{new_key()}")
    db.session.expire_all()
    assert every_phone() == before  # old rows open under the ring with the new key
    result = app.test_cli_runner().invoke(args=["personal-data", "rotate", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert "sealing under key 2" in result.output and "organizations.leader_phone: 2/4" in result.output
    db.session.expire_all()
    assert sealed_under() == {2} and every_phone() == before
    assert db.session.scalar(select(InboundMessage.sender)) == world.org_a1.leader_phone
    assert login_codes._leader(world.org_a1.leader_phone).id == world.leader.id  # found by the same hash


def test_a_rotation_cut_short_resumes_where_it_stopped(app, world, second_key):
    class Stopped(Exception):
        pass

    def stop_after_one_batch(name, walked, total):
        raise Stopped

    before = every_phone()
    with pytest.raises(Stopped):
        rotate(second_key, batch_size=2, report=stop_after_one_batch)
    db.session.expire_all()
    assert sealed_under() == {1, 2} and every_phone() == before
    changed = rotate(second_key, batch_size=2)
    assert changed["organizations.leader_phone"] == 2  # the two of four the first run had not reached
    assert sealed_under() == {2} and every_phone() == before
