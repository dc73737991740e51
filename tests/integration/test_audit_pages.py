"""The administrator's security audit page: locked accounts with the lift, the county's records filtered and
exported (the export itself recorded), and refused access on the record."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import AuditRecord
from tests.factories import World, make_user
from tests.integration.test_login_protection import attempt


@pytest.fixture
def locked_duty(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1000/minute")
    for _ in range(5):
        attempt(browser(), world.duty.username, "wrong")
    assert attempt(browser(), world.duty.username, World.PASSWORD).status_code == 429
    return world.duty


def test_the_administrator_sees_the_lock_and_lifts_it(world, browser, locked_duty):
    admin = browser(world.admin)
    page = admin.get("/audit").get_data(as_text=True)
    assert f'data-locked-user="{locked_duty.id}"' in page and "解除锁定" in page
    assert admin.post(f"/audit/locks/{locked_duty.id}/lift", data={}).status_code == 302
    assert f'data-locked-user="{locked_duty.id}"' not in admin.get("/audit").get_data(as_text=True)
    assert attempt(browser(), locked_duty.username, World.PASSWORD).status_code == 302
    lifted = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "account.unlocked")).one()
    assert (lifted.actor_id, lifted.object_id) == (world.admin.id, str(locked_duty.id))


def test_another_countys_administrator_neither_sees_nor_lifts_the_lock(world, browser, locked_duty):
    other_admin = make_user(Role.ADMIN, county_id=world.county_b.id)
    db.session.commit()
    client = browser(other_admin)
    assert f'data-locked-user="{locked_duty.id}"' not in client.get("/audit").get_data(as_text=True)
    assert client.post(f"/audit/locks/{locked_duty.id}/lift", data={}).status_code == 404
    assert attempt(browser(), locked_duty.username, World.PASSWORD).status_code == 429


def test_filters_narrow_the_list(world, browser, locked_duty):
    admin = browser(world.admin)
    page = admin.get("/audit?action=login.password&result=failed").get_data(as_text=True)
    failed = db.session.scalars(
        select(AuditRecord.id).where(AuditRecord.action == "login.password", AuditRecord.result == "failed")
    ).all()
    shown = {int(number) for number in re.findall(r'data-record="(\d+)"', page)}
    assert shown == set(failed) and len(shown) == 5


def test_a_nonsense_filter_is_a_clear_422(world, browser):
    response = browser(world.admin).get("/audit?since=yesterday", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "the start date must be a date (YYYY-MM-DD)" in response.get_data(as_text=True)


def test_the_export_holds_the_sealed_records_and_is_itself_recorded(world, browser, locked_duty):
    admin = browser(world.admin)
    response = admin.get("/audit.csv?action=login.password")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["action"] for row in rows} == {"login.password"}
    assert all(len(row["seal"]) == 64 for row in rows)
    exported = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "audit.exported")).one()
    assert exported.actor_id == world.admin.id and exported.detail["rows"] == len(rows)


def test_a_refused_record_is_on_the_record_with_its_path(world, browser):
    duty = browser(world.duty)
    assert duty.get(f"/api/organizations/{world.org_b1.id}").status_code == 404
    assert browser(world.leader).get("/audit").status_code == 403
    refused = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "access.refused").order_by(AuditRecord.id)).all()
    assert [(row.actor_id, row.object_id, row.detail["status"]) for row in refused] == [
        (world.duty.id, f"/api/organizations/{world.org_b1.id}", 404),
        (world.leader.id, "/audit", 403),
    ]


def records(action: str) -> list[AuditRecord]:
    return db.session.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()


def organizations_csv(community, name: str = "上传应急队") -> dict:
    text = f"名称,类型,社区代码,技能,负责人,负责人手机\n{name},备案,{community.code},rescue:5,钱队长,13900003333\n"
    return {"kind": "organizations", "file": (io.BytesIO(text.encode("utf-8")), "orgs.csv")}


def test_imports_are_recorded_whether_they_land_or_are_refused(world, browser):
    duty = browser(world.duty)
    landed = duty.send("POST", "/api/imports/organizations", None, data=organizations_csv(world.community_a1),
                       content_type="multipart/form-data")  # fmt: skip
    refused = duty.send("POST", "/api/imports/organizations", None, data=organizations_csv(world.community_b1),
                        content_type="multipart/form-data")  # fmt: skip
    assert (landed.status_code, refused.status_code) == (200, 422)
    assert [(row.result, row.actor_id, row.detail["path"]) for row in records("import")] == [
        ("ok", world.duty.id, "/api/imports/organizations"),
        ("failed", world.duty.id, "/api/imports/organizations"),
    ]


def test_downloads_of_personal_data_publications_and_decisions_are_recorded(world, browser):
    duty = browser(world.duty)
    assert duty.get("/registry.xlsx").status_code == 200
    assert duty.post("/api/evaluations/publish", {"period": "2026"}).status_code == 200
    complaint = browser(world.grid).post("/api/complaints", {"organization_id": world.org_a1.id, "summary": "占用消防通道"})
    decided = duty.post(f"/api/complaints/{complaint.get_json()['id']}/decision", {"outcome": "dismissed"})
    assert decided.status_code == 200
    assert [(row.object_type, row.result) for row in records("export")] == [("registry", "ok")]
    assert [row.result for row in records("evaluation.published")] == ["ok"]
    assert [(row.object_id, row.result) for row in records("complaint.decided")] == [(str(complaint.get_json()["id"]), "ok")]


def test_a_grid_workers_lock_and_records_are_their_countys(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1000/minute")
    assert world.grid.county_id == world.county_a.id, "the county of their cells (their scope stays the cells)"
    for _ in range(5):
        attempt(browser(), world.grid.username, "wrong")
    admin = browser(world.admin)
    assert f'data-locked-user="{world.grid.id}"' in admin.get("/audit").get_data(as_text=True)
    assert admin.post(f"/audit/locks/{world.grid.id}/lift", data={}).status_code == 302
    assert attempt(browser(), world.grid.username, World.PASSWORD).status_code == 302


def test_records_of_no_county_such_as_password_spraying_are_seen_by_every_administrator(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1000/minute")
    attempt(browser(), "no-such-account", "password123")
    other_admin = make_user(Role.ADMIN, county_id=world.county_b.id)
    db.session.commit()
    for admin in (world.admin, other_admin):
        page = browser(admin).get("/audit?action=login.password&result=failed").get_data(as_text=True)
        assert "no-such-account" in page


def test_dates_out_of_any_range_are_a_clear_422(world, browser):
    admin = browser(world.admin)
    for query in ("since=0001-01-01", "until=9999-12-31"):
        assert admin.get(f"/audit?{query}").status_code == 422
        assert admin.get(f"/audit.csv?{query}").status_code == 422
