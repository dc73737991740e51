"""The reports people pass on, as Excel workbooks: the after-action report, the drill report and the scorecards.

Each builder takes what the report page already shows (found in the caller's scope by ``reports``, ``drills`` and
``evaluations``) and lays it out as sheets; ``spreadsheets.workbook`` writes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select

from dispatch.domain.after_action import AfterAction
from dispatch.domain.drill_report import Why
from dispatch.extensions import db
from dispatch.messages import message
from dispatch.models import Event, Incident, Organization, Subdistrict
from dispatch.services.records.drills import RunReport
from dispatch.services.records.spreadsheets import Column, Kind, Sheet, workbook

FIGURE, VALUE = Column("项目", "Figure"), Column("数值", "Value")
ORGANIZATION = Column("组织", "Organization")
SECONDS_NOTE = ("（秒）", " (s)")

CATEGORIES = {
    "natural_disaster": ("自然灾害", "natural disaster"), "accident": ("事故灾难", "accident"),
    "public_health": ("公共卫生事件", "public health"), "social_security": ("社会安全事件", "social security"),
}  # fmt: skip
STATUSES = {"registered": ("登记", "registered"), "filed": ("备案", "filed"), "guided": ("指导", "guided")}
ANSWERS = {
    "accepted": ("接受", "accepted"), "declined": ("拒绝", "declined"), "expired": ("超时未答", "no answer in time"),
    "withdrawn": ("已撤回", "withdrawn"), None: ("等待答复", "waiting"),
}  # fmt: skip
OUTCOMES = {
    "filled": ("已满足", "filled"), "open": ("派单中", "offers still out"), "unfilled": ("未满足", "unfilled"),
    "failed": ("未能发布", "could not be posted"), "not_run": ("尚未执行", "not run yet"),
}  # fmt: skip
EVENT_KINDS = {
    "incident.opened": ("事件开始", "incident opened"), "incident.escalated": ("升级至区县", "escalated to the county"),
    "incident.status": ("事件状态变更", "incident status changed"), "need.posted": ("发布需求", "need posted"),
    "need.filled": ("需求已满足", "need filled"), "need.unfilled": ("无人可派", "no one left to ask"),
    "need.widened": ("扩大范围", "radius widened"), "need.cancelled": ("取消需求", "need cancelled"),
    "need.closed": ("关闭需求", "need closed"), "offer.made": ("派单", "offered"), "offer.seen": ("手机已查看", "seen on the phone"),
    "offer.accepted": ("接受", "accepted"), "offer.declined": ("拒绝", "declined"), "offer.expired": ("超时未答", "no answer in time"),
    "offer.withdrawn": ("撤回派单", "offer withdrawn"), "sms.sent": ("短信已发", "SMS sent"), "sms.delivered": ("短信送达", "SMS delivered"),
    "sms.failed": ("短信失败", "SMS failed"), "sms.undelivered": ("短信未送达", "SMS not delivered"),
    "voice.called": ("已拨打电话", "phone call placed"), "voice.failed": ("电话失败", "call failed"),
    "assignment.en_route": ("出发", "on the way"), "assignment.on_site": ("已到达", "on site"),
    "assignment.completed": ("完成", "completed"), "assignment.aborted": ("中止", "gave up"), "assignment.cancelled": ("取消任务", "called off"),
}  # fmt: skip


def _word(table: dict, key: object, language: str) -> str:
    zh, en = table.get(key, (str(key), str(key)))
    return en if language == "en" else zh


def _seconds(zh: str, en: str) -> Column:
    return Column(zh + SECONDS_NOTE[0], en + SECONDS_NOTE[1], Kind.NUMBER)


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


# -- the after-action report ------------------------------------------------------------------------------------


def after_action_workbook(incident: Incident, report: AfterAction, names: dict[int, str], language: str) -> bytes:
    """Summary figures, a row per organization, and the incident's timeline with its times as Excel times."""
    return workbook(
        [
            Sheet("概况" if language != "en" else "Summary", [FIGURE, VALUE], _after_action_summary(incident, report, language)),
            Sheet("各组织" if language != "en" else "Organizations", ORGANIZATION_COLUMNS, _organization_rows(report, names)),
            Sheet("时间线" if language != "en" else "Timeline", TIMELINE_COLUMNS, _timeline(incident, language)),
        ],
        language,
    )


def _after_action_summary(incident: Incident, report: AfterAction, language: str) -> list[tuple[str, object]]:
    en = language == "en"
    rows = [
        ("Incident" if en else "事件", incident.title),
        ("Category" if en else "类别", _word(CATEGORIES, incident.category.value, language)),
        ("Level" if en else "级别", incident.level.value),
        ("Drill" if en else "演练", ("yes" if en else "是") if incident.drill else ("no" if en else "否")),
        ("Opened" if en else "开始时间", incident.created_at),
        ("Closed" if en else "结束时间", incident.closed_at),
        ("Needs" if en else "需求数", report.needs),
        ("Needs filled" if en else "已满足", report.filled),
        ("Left unfilled at some point" if en else "曾无人可派", report.unfilled),
        ("Offers" if en else "派单数", report.offers),
        ("Accepted" if en else "接受", report.accepted),
        ("Declined" if en else "拒绝", report.declined),
        ("No answer in time" if en else "超时未答", report.expired),
        ("People accepted" if en else "接受人数", report.people_accepted),
    ]
    for name, zh, english in (("answer_s", "应答", "time to answer"), ("arrive_s", "接受至到场", "accepted to on site"),
                              ("fill_s", "发布至满足", "posted to filled")):  # fmt: skip
        rows.append((f"Median {english} (s)" if en else f"{zh}用时中位数（秒）", _round(report.figure(name, 50))))
        rows.append((f"90th percentile {english} (s)" if en else f"{zh}用时90分位（秒）", _round(report.figure(name, 90))))
    return rows


ORGANIZATION_COLUMNS = [
    ORGANIZATION, Column("派单", "Offers", Kind.NUMBER), Column("接受", "Accepted", Kind.NUMBER),
    Column("拒绝", "Declined", Kind.NUMBER), Column("超时未答", "No answer in time", Kind.NUMBER),
    Column("人数", "People", Kind.NUMBER), _seconds("应答用时中位数", "Median answer"), _seconds("到场用时中位数", "Median arrival"),
]  # fmt: skip


def _organization_rows(report: AfterAction, names: dict[int, str]) -> Iterator[tuple]:
    for row in report.organizations:
        yield (
            names.get(row.organization_id, str(row.organization_id)), row.offers, row.accepted, row.declined, row.expired,
            row.people, _round(row.median_answer_s), _round(row.median_arrive_s),
        )  # fmt: skip


TIMELINE_COLUMNS = [
    Column("时间", "Time", Kind.DATETIME), Column("事件", "Event"), Column("需求编号", "Need", Kind.NUMBER),
    Column("派单编号", "Offer", Kind.NUMBER), ORGANIZATION, Column("人数", "People", Kind.NUMBER), Column("原因", "Reason"),
]  # fmt: skip


def _timeline(incident: Incident, language: str) -> Iterator[tuple]:
    events = db.session.execute(
        select(Event, Organization.name)
        .outerjoin(Organization, Organization.id == Event.organization_id)
        .where(Event.incident_id == incident.id)
        .order_by(Event.id)
    )
    for event, name in events:
        data = event.data or {}
        yield (
            event.at, _word(EVENT_KINDS, event.kind, language), event.need_id, event.assignment_id, name or "",
            data.get("head_count"), str(data.get("reason") or ""),
        )  # fmt: skip


# -- the drill report -------------------------------------------------------------------------------------------

HEADLINE = {
    "median_answer_s": ("应答用时中位数（秒）", "Median time to answer (s)"), "accepted_share": ("派单接受率", "Offers accepted"),
    "filled_share": ("需求满足率", "Needs filled"), "median_arrive_s": ("接受至到场中位数（秒）", "Median accepted to on site (s)"),
}  # fmt: skip


def drill_workbook(found: RunReport, skill_names: dict[str, str], language: str) -> bytes:
    """The headline beside the previous drill, every step with why it went unfilled, every offer, and the plan a
    drill rehearses beside what happened, task by task."""
    en = language == "en"
    sheets = [
        Sheet("Headline" if en else "概况", HEADLINE_COLUMNS, _headline(found, language)),
        Sheet("Steps" if en else "步骤", STEP_COLUMNS, _steps(found, skill_names, language)),
        Sheet("Offers" if en else "派单", OFFER_COLUMNS, _offers(found, language)),
    ]
    if found.rehearsal is not None:
        sheets.append(Sheet("Plan rehearsal" if en else "预案演练对照", REHEARSAL_COLUMNS, _rehearsal(found, language)))
    return workbook(sheets, language)


HEADLINE_COLUMNS = [FIGURE, Column("本次演练", "This drill"), Column("上次演练", "Previous drill"), Column("变化", "Change")]


def _headline(found: RunReport, language: str) -> list[tuple]:
    en = language == "en"
    run, previous = found.run, found.previous
    rows: list[tuple] = [
        ("Drill" if en else "演练", run.title, previous.title if previous else None, None),
        ("Started" if en else "开始时间", run.started_at, previous.started_at if previous else None, None),
        ("Steps run" if en else "已执行步骤", run.steps_done, previous.steps_done if previous else None, None),
    ]
    changes = {change.figure: change for change in found.comparison}
    for figure, (zh, english) in HEADLINE.items():
        change = changes.get(figure)
        better = (
            None
            if change is None or change.better is None
            else (("better" if en else "改善") if change.better else ("worse" if en else "变差"))
        )
        rows.append(
            (
                english if en else zh,
                _figure(figure, getattr(found.report.headline, figure)),
                _figure(figure, change.previous) if change else None,
                better,
            )
        )
    return rows


def _figure(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 1) if name.endswith("_s") else round(value, 3)


STEP_COLUMNS = [
    Column("步骤", "Step", Kind.NUMBER), _seconds("开始后", "At"), Column("执行时间", "Ran at", Kind.DATETIME),
    Column("技能", "Skills"), Column("需要人数", "People asked for", Kind.NUMBER), Column("已接受人数", "People accepted", Kind.NUMBER),
    Column("结果", "Outcome"), Column("未满足原因", "Why not filled"),
]  # fmt: skip


def _steps(found: RunReport, skill_names: dict[str, str], language: str) -> Iterator[tuple]:
    for step in found.report.steps:
        yield (
            step.number, step.offset_s, step.ran_at, "、".join(skill_names.get(code, code) for code in step.skills),
            step.head_count, step.accepted, _word(OUTCOMES, step.outcome, language), _why(step.why, language),
        )  # fmt: skip


def _why(reasons: Sequence[Why], language: str) -> str:
    return "；".join(message(why.code, language, **why.params) for why in reasons)


OFFER_COLUMNS = [
    ORGANIZATION, Column("派单时间", "Offered at", Kind.DATETIME), Column("答复", "Answer"), _seconds("应答用时", "Time to answer"),
    Column("人数", "People", Kind.NUMBER), Column("原因", "Reason"),
]  # fmt: skip


def _offers(found: RunReport, language: str) -> Iterator[tuple]:
    for offer in found.report.offers:
        name = found.names.get(offer.organization_id, "") if offer.organization_id is not None else ""
        yield (
            name,
            offer.offered_at,
            _word(ANSWERS, offer.answer, language),
            _round(offer.answer_s),
            offer.head_count or None,
            offer.reason,
        )


REHEARSAL_COLUMNS = [
    Column("任务", "Task", Kind.NUMBER), Column("任务名称", "Name"), Column("需要人数", "People asked for", Kind.NUMBER),
    Column("是否发布", "Posted"), Column("已接受人数", "People accepted", Kind.NUMBER), Column("是否满员", "Filled"),
    _seconds("满员用时（未满员：至今）", "Time to fill (unfilled: so far)"), Column("未答复的指定队伍", "Designated, no answer"),
    Column("拒绝的指定队伍", "Designated, declined"),
]  # fmt: skip
YES_NO = {True: ("是", "yes"), False: ("否", "no")}


def _rehearsal(found: RunReport, language: str) -> Iterator[tuple]:
    for task in found.rehearsal.tasks:
        silent = "、".join(found.names.get(d.organization_id, str(d.organization_id)) for d in task.silent)
        declined = "、".join(
            f"{found.names.get(d.organization_id, str(d.organization_id))}{'（' + d.reason + '）' if d.reason else ''}"
            for d in task.declined
        )
        yield (
            task.number, task.name, task.head_count, _word(YES_NO, task.posted, language), task.accepted,
            _word(YES_NO, task.filled, language), _round(task.elapsed_s), silent, declined,
        )  # fmt: skip


# -- the scorecards ---------------------------------------------------------------------------------------------

RESPONSE = (
    ("offers", "派单", "offers", Kind.NUMBER), ("accepted_share", "接受率", "accepted", Kind.SHARE),
    ("median_answer_s", "应答中位数（秒）", "median answer (s)", Kind.NUMBER),
    ("median_arrive_s", "到场中位数（秒）", "median arrival (s)", Kind.NUMBER),
    ("completed_share", "完成率", "completed", Kind.SHARE), ("people", "人数", "people", Kind.NUMBER),
    ("hours", "人时", "person-hours", Kind.NUMBER), ("incidents", "事件数", "incidents", Kind.NUMBER),
)  # fmt: skip
STANDBY = (
    ("polls", "询问", "polls", Kind.NUMBER), ("answered", "已回复", "polls answered", Kind.NUMBER),
    ("answered_share", "回复率", "share answered", Kind.SHARE),
    ("median_answer_s", "回复用时中位数（秒）", "median time to reply (s)", Kind.NUMBER),
    ("ready", "可出动人数", "people ready", Kind.NUMBER),
)  # fmt: skip
SCORECARD_COLUMNS = [
    ORGANIZATION, Column("类型", "Status"), Column("社区", "Community"),
    *(Column(f"真实事件·{zh}", f"Real: {en}", kind) for _, zh, en, kind in RESPONSE),
    *(Column(f"演练·{zh}", f"Drills: {en}", kind) for _, zh, en, kind in RESPONSE),
    Column("培训人时", "Training hours", Kind.NUMBER), Column("投诉成立", "Upheld complaints", Kind.NUMBER),
    *(Column(f"备勤·{zh}", f"Standby: {en}", kind) for _, zh, en, kind in STANDBY),
    Column("派单与备勤答复率", "Offers and standby polls answered", Kind.SHARE),
]  # fmt: skip
ABOUT_COLUMNS = [FIGURE, VALUE]


def scorecards_workbook(
    subdistrict: Subdistrict,
    period: str,
    starts_on: date,
    ends_on: date,
    rows: Sequence[tuple[Organization, dict]],
    language: str,
    published_at: datetime | None = None,
) -> bytes:
    """The scorecards of one subdistrict and period: what they cover, then a row of figures per organization."""
    en = language == "en"
    about: list[tuple[str, object]] = [
        ("Subdistrict" if en else "街道（乡镇）", subdistrict.name_en if en and subdistrict.name_en else subdistrict.name_zh),
        ("Period" if en else "评价期间", period),
        ("From" if en else "起始日期", starts_on),
        ("To (inclusive)" if en else "截止日期", ends_on - timedelta(days=1)),
        ("Published" if en else "公开时间", published_at if published_at else ("not published" if en else "未公开")),
    ]
    return workbook(
        [
            Sheet("About" if en else "说明", ABOUT_COLUMNS, about),
            Sheet("Scorecards" if en else "评价", SCORECARD_COLUMNS, [_scorecard_row(org, f, language) for org, f in rows]),
        ],
        language,
    )


def _scorecard_row(organization: Organization, figures: dict, language: str) -> tuple:
    community = organization.community
    standby = figures.get("standby") or {}  # none in a copy published before standby was evaluated
    return (
        organization.name, _word(STATUSES, organization.status.value, language),
        community.name_en if language == "en" and community.name_en else community.name_zh,
        *(figures["real"][key] for key, *_ in RESPONSE), *(figures["drill"][key] for key, *_ in RESPONSE),
        figures["training_hours"], figures["upheld_complaints"], *(standby.get(key) for key, *_ in STANDBY),
        figures.get("answered_share") if standby else None,
    )  # fmt: skip
