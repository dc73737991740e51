"""Duty groups end to end: events become notices in their own transaction, notices become merged group messages
within each robot's rate, and the real drain sends them through the robots to local fakes that check signatures
and keys as DingTalk and WeCom do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.jobs.sweeper import sweep_once
from dispatch.models import AuditRecord, Event, GroupNotice, OutboxMessage
from dispatch.personal_data.cipher import new_key
from dispatch.personal_data.columns import SEALED_COLUMNS, key_ids
from dispatch.personal_data.keys import keyring
from dispatch.personal_data.rotation import rotate
from dispatch.services import events
from dispatch.services.duty_groups.compose import compose_due, compose_for
from dispatch.services.duty_groups.registry import OverBudget, send_test
from dispatch.services.duty_groups.summaries import summarize_hour
from dispatch.services.notify import delivery
from tests.factories import make_incident, make_need, make_user
from tests.integration.dispatch_helpers import all_at_once, event_kinds, inline_jobs_done, leader_of, open_offers, posted_need
from tests.integration.duty_group_helpers import (
    PUBLIC,
    actor_of,
    deliver_everything,
    dingtalk_group,
    group_rows,
    pending_notices,
    robots_at_fakes,
    wecom_group,
)


@pytest.fixture
def robots(app):
    with robots_at_fakes(app) as fakes:
        yield fakes


def test_an_unfilled_need_and_an_escalation_reach_both_robots_correctly_signed(world, browser, robots):
    dingtalk, wecom = robots
    street, county = dingtalk_group(world.duty), wecom_group(world.admin)
    elsewhere = wecom_group(make_user(Role.ADMIN, county_id=world.county_b.id), key="another-county-key-0001")
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, policy="sequential")
    browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/decline", {"reason": ""})
    browser(leader_of(world.org_a1b)).post(f"/api/assignments/{open_offers(need['id'])[0].id}/decline", {"reason": ""})
    assert duty.post(f"/api/incidents/{need['incident_id']}/escalate").status_code == 200

    deliver_everything()

    for texts in (dingtalk.texts(), wecom.texts()):
        everything = "\n".join(texts)
        assert "**新事件**：台风“烟花”（Ⅲ级（较大））" in everything
        assert "**需求无人可派**" in everything and "还差 5 人。可选：升级至区县调度" in everything
        assert "**事件升级至区县**" in everything
        assert all(text.count(f"[打开值班台]({PUBLIC}/board)") == 1 for text in texts)
    assert dingtalk.refused == [] and wecom.refused == []  # every request signed and keyed as the platform checks
    assert all(r.body["at"]["atMobiles"] == ["13800001111"] for r in dingtalk.received)
    assert all(text.endswith("@13800001111") for text in dingtalk.texts())
    assert group_rows(elsewhere) == []
    rows = group_rows(street) + group_rows(county)
    assert {row.status for row in rows} == {"sent"} and all("13800001111" not in row.body for row in rows)
    assert len(event_kinds(kind="group.sent")) == len(rows)


def test_a_hundred_events_in_a_minute_reach_the_group_in_at_most_twenty_messages(world, robots):
    dingtalk, _wecom = robots
    group = dingtalk_group(world.duty)
    need = make_need(make_incident(world.sub_a1), world.cell_a1)
    db.session.commit()
    start = datetime.now(UTC)
    for n in range(100):  # one every half second, composing as the sweeper would in between
        events.record("need.unfilled", need=need, still_needed=n + 1, options=["escalate_to_county"])
        events.commit()
        compose_for(group.id, start + timedelta(seconds=n * 0.5))
    deliver_everything(start + timedelta(seconds=50))

    rows = group_rows(group)
    assert len(dingtalk.received) == len(rows) <= 20 and dingtalk.refused == []
    assert sum(row.params["notices"] for row in rows) == 100  # every notice in a message, listed or counted
    composed = db.session.scalars(select(GroupNotice.outbox_id).where(GroupNotice.duty_group_id == group.id)).all()
    assert len(composed) == 100 and set(composed) == {row.id for row in rows}
    everything = "\n".join(dingtalk.texts())
    listed = everything.count("**需求无人可派**")
    counted = sum(int(part.split(" 条")[0]) for part in everything.split("另有 ")[1:])
    assert listed + counted == 100


def test_a_robot_over_its_rate_is_tried_again_and_nothing_is_lost(world, robots):
    dingtalk, _wecom = robots
    dingtalk.per_minute = 0  # the platform throttles everything for now
    group = dingtalk_group(world.duty)
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    compose_due()
    delivery.drain_groups()
    [row] = group_rows(group)
    assert row.status == "pending" and "130101" in row.error  # throttled: due again after a backoff
    dingtalk.per_minute = 20
    db.session.execute(OutboxMessage.__table__.update().values(due_at=datetime.now(UTC)))
    db.session.commit()
    delivery.drain_groups()
    [row] = group_rows(group)
    assert row.status == "sent" and len(dingtalk.received) == 1


def test_two_workers_composing_at_once_never_compose_a_notice_twice(world, app, robots):
    group = dingtalk_group(world.duty)
    for _ in range(5):
        events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    now = datetime.now(UTC)
    results = all_at_once(app, [lambda: compose_for(group.id, now), lambda: compose_for(group.id, now)])
    assert sorted(results) == [0, 1]
    notices = db.session.scalars(select(GroupNotice).where(GroupNotice.duty_group_id == group.id)).all()
    assert len(notices) == 5 and {n.status for n in notices} == {"composed"}
    assert len({n.outbox_id for n in notices}) == 1 and len(group_rows(group)) == 1


def test_the_hourly_summary_comes_once_an_hour_per_active_incident_and_group(world, robots):
    group, county = dingtalk_group(world.duty), wecom_group(world.admin)
    incident = make_incident(world.sub_a1, created_at=datetime(2026, 12, 6, 1, 30, tzinfo=UTC))
    make_need(incident, world.cell_a1, head_count=4)
    db.session.commit()
    nine = datetime(2026, 12, 6, 2, 0, 5, tzinfo=UTC)  # 10:00 in Hangzhou
    assert summarize_hour(nine) == 2
    assert summarize_hour(nine + timedelta(minutes=20)) == 0  # the same hour again adds nothing
    assert summarize_hour(nine + timedelta(hours=1)) == 2
    summaries = db.session.scalars(select(GroupNotice).where(GroupNotice.kind == "summary").order_by(GroupNotice.id)).all()
    assert [s.duty_group_id for s in summaries] == [group.id, county.id, group.id, county.id]
    assert "**10:00 汇总**" in summaries[0].text and "人数：已接受 0 / 需要 4" in summaries[0].text


def test_events_of_no_interest_or_of_no_group_leave_no_notice(world, robots):
    dingtalk_group(world.duty)
    events.record("incident.opened", incident=make_incident(world.sub_a2))  # another subdistrict, no county group
    events.record("risk.reported", subdistrict_id=world.sub_a1.id)
    events.commit()
    assert pending_notices() == []
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "incident.opened")) == 1


def test_a_key_rotation_seals_the_robots_credentials_again_and_they_still_sign(world, robots, app, monkeypatch):
    dingtalk, _wecom = robots
    group = dingtalk_group(world.duty)
    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", f"{app.config['PERSONAL_DATA_KEYS']},2:{new_key()}")
    rotate(keyring(), batch_size=10)
    duty_columns = [column for column in SEALED_COLUMNS if column.table == "duty_groups"]
    with db.engine.connect() as connection:
        assert {name: set(ids) for name, ids in key_ids(connection, duty_columns).items()} == {
            "duty_groups.token": {2}, "duty_groups.secret": {2}, "duty_groups.mention_phones": {2}}  # fmt: skip
    db.session.expire_all()
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    deliver_everything()
    assert len(dingtalk.received) == 1 and dingtalk.refused == [] and group_rows(group)[0].status == "sent"


def test_a_county_group_hears_each_subdistrict_of_its_county_and_a_street_group_only_its_own(world, robots):
    street, county = dingtalk_group(world.duty), wecom_group(world.admin)
    for subdistrict in (world.sub_a1, world.sub_a2, world.sub_b1):
        events.record("incident.opened", incident=make_incident(subdistrict))
    events.commit()
    heard = {}
    for notice in pending_notices():
        heard.setdefault(notice.duty_group_id, []).append(db.session.get(Event, notice.event_id).subdistrict_id)
    assert {group: sorted(subs) for group, subs in heard.items()} == {
        street.id: [world.sub_a1.id], county.id: sorted([world.sub_a1.id, world.sub_a2.id])}  # fmt: skip


def test_the_sweeper_pass_composes_what_the_groups_are_owed(world, robots, app):
    dingtalk, _wecom = robots
    group = dingtalk_group(world.duty)
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    sweep_once()
    [row] = group_rows(group)
    assert (row.channel, row.template, row.params["notices"]) == ("group", "notice", 1)
    inline_jobs_done(app)  # the embedded column's drain may have it already
    deliver_everything()
    assert len(dingtalk.received) == 1


def test_each_group_message_names_the_office_its_sent_and_failed_events_belong_to(world, robots):
    dingtalk, _wecom = robots
    street, county = dingtalk_group(world.duty), wecom_group(world.admin)
    events.record("incident.opened", incident=make_incident(world.sub_a1))
    events.commit()
    compose_due()
    [street_row], [county_row] = group_rows(street), group_rows(county)
    assert (street_row.params["subdistrict_id"], street_row.params["county_id"]) == (world.sub_a1.id, world.county_a.id)
    assert (county_row.params["subdistrict_id"], county_row.params["county_id"]) == (None, world.county_a.id)
    dingtalk.robots.clear()  # the street's robot was removed in DingTalk: 300001 from now on
    delivery.drain_groups()
    [failed] = event_kinds(kind="group.failed")
    assert failed.subdistrict_id == world.sub_a1.id and "300001" in failed.data["error"]  # the street's officers see it


def test_test_messages_pressed_at_once_stay_within_the_robot_s_minute(world, app, robots, monkeypatch):
    dingtalk, _wecom = robots
    monkeypatch.setitem(app.config, "DINGTALK_PER_MINUTE", 4)
    group, actor = dingtalk_group(world.duty), actor_of(world.duty)
    results = all_at_once(app, [lambda: send_test(actor, group.id) for _ in range(10)])
    assert sum(isinstance(result, OverBudget) for result in results) == 6
    assert len(dingtalk.received) == 4 and dingtalk.refused == []
    results = db.session.scalars(select(AuditRecord.result).where(AuditRecord.action == "duty_group.tested")).all()
    assert sorted(results) == ["ok"] * 4 + ["refused"] * 6
