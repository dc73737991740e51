"""The audit chain finds an edited, a removed and an inserted record, and names the first."""

from dispatch.domain.audit_chain import GENESIS, first_break, seal

KEY = b"test key"


def chain(count: int, start: tuple[int, str] = (0, GENESIS)) -> list[dict]:
    records, previous = [], start[1]
    for number in range(start[0] + 1, start[0] + count + 1):
        content = {"id": number, "at": "2026-12-06T08:00:00+00:00", "action": "login", "result": "ok", "detail": {}}
        record = {**content, "previous": previous, "seal": seal(content, previous, KEY)}
        records.append(record)
        previous = record["seal"]
    return records


def test_an_untouched_chain_holds():
    assert first_break(chain(5), KEY, last_id=5) is None
    assert first_break([], KEY, last_id=0) is None


def test_an_edited_record_is_named():
    records = chain(5)
    records[2]["result"] = "failed"
    found = first_break(records, KEY, last_id=5)
    assert (found.record_id, found.reason) == (3, "edited")


def test_a_removed_record_is_named_by_its_number():
    records = chain(5)
    del records[1]
    found = first_break(records, KEY, last_id=5)
    assert (found.record_id, found.reason) == (2, "removed")


def test_records_cut_from_the_end_are_missed_by_the_head():
    found = first_break(chain(5)[:3], KEY, last_id=5)
    assert (found.record_id, found.reason) == (4, "removed")


def test_a_record_added_after_the_last_number_handed_out_was_inserted():
    records = chain(6)
    found = first_break(records, KEY, last_id=5)
    assert (found.record_id, found.reason) == (6, "inserted")


def test_a_record_sealed_with_another_key_does_not_pass():
    records = chain(3)
    forged = {**records[1], "result": "refused"}
    forged["seal"] = seal(forged, forged["previous"], b"the attacker's key")
    records[1] = forged
    assert first_break(records, KEY, last_id=3).reason == "edited"


def test_a_record_moved_out_of_its_place_does_not_follow_its_predecessor():
    records = chain(4)
    other = chain(1, start=(1, "f" * 64))[0]  # number 2, sealed properly but after another record
    records[1] = other
    assert first_break(records, KEY, last_id=4).record_id == 2
    assert first_break(records, KEY, last_id=4).reason == "inserted"


def test_the_chain_after_an_archive_starts_from_its_anchor():
    records = chain(5)
    assert first_break(records[3:], KEY, last_id=5, anchor=(3, records[2]["seal"])) is None
    without_anchor = first_break(records[3:], KEY, last_id=5)
    assert (without_anchor.record_id, without_anchor.reason) == (1, "removed")
