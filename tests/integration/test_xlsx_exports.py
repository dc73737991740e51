"""Reports leave as Excel workbooks: each opens in openpyxl with Chinese headers, the page's figures, dates as dates,
columns wide enough to read, and only what the caller may see (the per-role cases are in test_scope.py)."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import select

from dispatch.domain.phone import mask, national
from dispatch.extensions import db
from dispatch.models import AuditRecord
from dispatch.services.records.spreadsheets import XLSX_MIMETYPE
from tests.integration.dispatch_helpers import posted_need
from tests.integration.test_evaluations import YEAR, a_season_of_work


def opened(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX_MIMETYPE and "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def as_dict(sheet) -> dict:
    return {row[0]: row[1:] if len(row) > 2 else row[1] for row in rows(sheet)[1:]}


def width(sheet, letter: str) -> float:
    return sheet.column_dimensions[letter].width


def an_answered_incident(world, browser) -> dict:
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, head_count=2, broadcast_k=2)
    mine = next(a for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    assert browser(world.leader).post(f"/api/assignments/{mine['id']}/accept", {"head_count": 2}).status_code == 200
    return need


def test_the_after_action_report_downloads_as_a_workbook_with_its_figures_and_timeline(world, browser):
    need = an_answered_incident(world, browser)
    book = opened(browser(world.duty).get(f"/incidents/{need['incident_id']}/report.xlsx"))
    assert book.sheetnames == ["概况", "各组织", "时间线"]
    summary = as_dict(book["概况"])
    assert rows(book["概况"])[0] == ("项目", "数值")
    assert summary["需求数"] == 1 and summary["接受"] == 1 and summary["接受人数"] == 2
    assert isinstance(summary["开始时间"], datetime) and book["概况"]["B6"].number_format == "yyyy-mm-dd hh:mm:ss"
    organizations = rows(book["各组织"])
    assert organizations[0][:3] == ("组织", "派单", "接受")
    assert (world.org_a1.name, 1, 1, 0, 0, 2) == organizations[1][:6]
    timeline = rows(book["时间线"])
    assert timeline[0][:2] == ("时间", "事件")
    assert all(isinstance(row[0], datetime) for row in timeline[1:])
    assert "发布需求" in [row[1] for row in timeline] and "接受" in [row[1] for row in timeline]
    assert width(book["时间线"], "A") >= 19  # a date and time fits
    assert width(book["各组织"], "A") >= len(world.org_a1.name.encode("gbk"))  # a Chinese character is two wide


def test_headers_follow_the_readers_language(world, browser):
    need = an_answered_incident(world, browser)
    book = opened(browser(world.duty, language="en").get(f"/incidents/{need['incident_id']}/report.xlsx"))
    assert book.sheetnames == ["Summary", "Organizations", "Timeline"]
    assert rows(book["Organizations"])[0][:3] == ("Organization", "Offers", "Accepted")


def test_the_drill_report_downloads_with_steps_and_offers(world, browser):
    duty = browser(world.duty)
    scenario = (
        f"title: 防汛演练\nsteps:\n  - at: 0m\n    need: {{skills: [logistics], head_count: 2, address: {world.cell_a1.name}}}\n"
    )
    started = duty.send(
        "POST", "/drills", None, data={"scenario": scenario, "mode": "manual"}, content_type="multipart/form-data"
    )
    report_url = started.headers["Location"]
    duty.send("POST", report_url.replace("/report", "/step"), None, data={}, content_type="multipart/form-data")
    book = opened(duty.get(report_url + ".xlsx"))
    assert book.sheetnames == ["概况", "步骤", "派单"]
    headline = as_dict(book["概况"])
    assert headline["演练"][0] == "防汛演练" and isinstance(headline["开始时间"][0], datetime)
    steps = rows(book["步骤"])
    assert steps[0][:4] == ("步骤", "开始后（秒）", "执行时间", "技能")
    assert steps[1][0] == 1 and steps[1][3] == "后勤物资保障" and steps[1][4] == 2 and steps[1][6] == "派单中"
    assert isinstance(steps[1][2], datetime)
    offers = rows(book["派单"])
    assert offers[0][:3] == ("组织", "派单时间", "答复") and len(offers) > 1
    assert {row[2] for row in offers[1:]} == {"等待答复"}


def test_the_scorecards_download_live_and_published(world, browser):
    a_season_of_work(world, browser)
    duty = browser(world.duty)
    live = opened(duty.get(f"/evaluations.xlsx?period={YEAR}"))
    assert live.sheetnames == ["说明", "评价"]
    about = as_dict(live["说明"])
    assert about["评价期间"] == YEAR and about["起始日期"].year == int(YEAR) and about["起始日期"].month == 1
    assert live["说明"]["B4"].number_format == "yyyy-mm-dd" and about["截止日期"].month == 12 and about["截止日期"].day == 31
    cards = {row[0]: row for row in rows(live["评价"])}
    header = rows(live["评价"])[0]
    assert header[:3] == ("组织", "类型", "社区") and "真实事件·接受率" in header and "投诉成立" in header
    a1 = cards[world.org_a1.name]
    assert a1[header.index("真实事件·派单")] == 1 and a1[header.index("真实事件·接受率")] == 1.0
    assert live["评价"].cell(row=2, column=header.index("真实事件·接受率") + 1).number_format == "0%"
    assert cards[world.org_a1b.name][header.index("投诉成立")] == 1

    assert duty.post("/api/evaluations/publish", {"period": YEAR}).status_code == 200
    public = opened(browser().get(f"/scorecards/{world.sub_a1.code}/{YEAR}/scorecards.xlsx"))
    assert isinstance(as_dict(public["说明"])["公开时间"], datetime)
    assert world.org_a1.leader_name not in str(rows(public["评价"]))  # figures only, no person
    assert browser().get(f"/scorecards/{world.sub_a1.code}/1999/scorecards.xlsx").status_code == 404


def test_the_registry_downloads_in_the_columns_the_import_reads(world, browser):
    book = opened(browser(world.duty).get("/registry.xlsx"))
    assert book.sheetnames == ["组织", "成员"]
    organizations = rows(book["组织"])
    assert organizations[0] == ("名称", "类型", "统一社会信用代码", "社区代码", "服务网格", "经度", "纬度", "坐标系", "技能", "负责人", "负责人手机", "在册")  # fmt: skip
    named = {row[0]: row for row in organizations[1:]}
    assert set(named) == {world.org_a1.name, world.org_a1b.name}  # the officer's subdistrict only
    assert named[world.org_a1.name][1] in {"登记", "备案", "指导"} and named[world.org_a1.name][11] == "是"
    assert isinstance(named[world.org_a1.name][10], str)  # a phone number stays text, not 1.39E+10
    members = rows(book["成员"])
    assert members[0] == ("社区代码", "组织名称", "姓名", "手机", "技能", "证书")
    assert {row[1] for row in members[1:]} <= {world.org_a1.name, world.org_a1b.name}


def test_text_that_looks_like_a_formula_stays_text(world, browser):
    world.org_a1.name = '=HYPERLINK("http://evil.example","点我")'
    db.session.commit()
    book = opened(browser(world.duty).get("/registry.xlsx"))
    cell = next(row[0] for row in book["组织"].iter_rows(min_row=2) if row[0].value.startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def test_the_registry_masks_phones_unless_asked_for_them_in_full_which_is_recorded(world, browser):
    duty = browser(world.duty)
    leader_phone = {row[0]: row[10] for row in rows(opened(duty.get("/registry.xlsx"))["组织"])[1:]}
    assert leader_phone[world.org_a1.name] == mask(world.org_a1.leader_phone)
    assert db.session.scalars(select(AuditRecord).where(AuditRecord.action == "phone.revealed")).all() == []
    full = duty.get("/registry.xlsx?phones=full")
    assert {row[0]: row[10] for row in rows(opened(full)["组织"])[1:]}[world.org_a1.name] == national(world.org_a1.leader_phone)
    [record] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "phone.revealed")).all()
    assert (record.actor_id, record.object_type) == (world.duty.id, "registry")
