"""Standby in the evaluation (issue 17): what each team did when a warning asked how many people it could send shows
on the scorecards wherever they appear (the officers' page, the API, the county summary, the published page, its
CSV and workbook), and a copy published before standby was evaluated still reads."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Evaluation
from tests.integration.test_evaluations import YEAR
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_standby import polls, warn
from tests.integration.test_twilio_webhooks import reply
from tests.integration.test_xlsx_exports import opened, rows


def a_standby(world, browser) -> None:
    """A warning asks A1 and A1b; A1's leader answers 4, then 3; A1b never answers."""
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    warn(duty, world)
    (mine,) = [p for p in polls() if p.organization_id == world.org_a1.id]
    for ready in (4, 3):
        assert browser(world.leader).post(f"/api/standby/{mine.id}/answer", {"ready": ready}).status_code == 200


def test_the_officer_sees_each_teams_standby_and_the_subdistricts(world, browser):
    a_standby(world, browser)
    duty = browser(world.duty)
    seen = duty.get(f"/api/evaluations?period={YEAR}").get_json()
    cards = {row["organization"]["id"]: row["figures"] for row in seen["organizations"]}
    mine, theirs = cards[world.org_a1.id], cards[world.org_a1b.id]
    assert {k: mine["standby"][k] for k in ("polls", "answered", "answered_share", "ready")} == {
        "polls": 1, "answered": 1, "answered_share": 1.0, "ready": 3,
    }  # fmt: skip
    assert mine["standby"]["median_answer_s"] is not None and mine["answered_share"] == 1.0
    assert theirs["standby"] == {"polls": 1, "answered": 0, "answered_share": 0.0, "median_answer_s": None, "ready": 0}
    assert theirs["answered_share"] == 0.0  # asked once, never answered: no offers to make up for it
    summary = seen["summary"]
    assert (summary["standby"]["polls"], summary["standby"]["ready"], summary["answered_share"]) == (2, 3, 0.5)
    assert summary["real"]["offers"] == 0 and summary["taking_part"] == 0  # answering is not work

    page = duty.get(f"/evaluations?period={YEAR}").get_data(as_text=True)
    for words in ("备勤询问", "已回复 1 · 50%", "回复用时中位数", "可出动 3 人", "派单与备勤答复率"):
        assert words in page, words
    english = browser(world.duty, language="en").get(f"/evaluations?period={YEAR}").get_data(as_text=True)
    assert "Standby polls" in english and "3 people ready" in english and "Offers and standby polls answered" in english

    county = browser(world.admin).get(f"/evaluations/county?period={YEAR}").get_data(as_text=True)
    assert "备勤询问" in county and "可出动 3 人" in county
    assert browser(world.admin).get(f"/api/evaluations/county?period={YEAR}").get_json()["summary"]["standby"]["polls"] == 2


def test_published_scorecards_carry_standby_to_the_page_csv_and_workbook(world, browser, app):
    a_standby(world, browser)
    assert browser(world.duty).post("/api/evaluations/publish", {"period": YEAR}).status_code == 200
    anyone, code = app.test_client(), world.sub_a1.code

    assert "可出动 3 人" in anyone.get(f"/scorecards/{code}/{YEAR}").get_data(as_text=True)
    exported = anyone.get(f"/scorecards/{code}/{YEAR}/scorecards.csv").get_data(as_text=True)
    found = {int(r["organization_id"]): r for r in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))}
    mine = found[world.org_a1.id]
    assert (mine["standby_polls"], mine["standby_answered"], mine["standby_ready"], mine["answered_share"]) == (
        "1",
        "1",
        "3",
        "1.0",
    )
    assert found[world.org_a1b.id]["standby_median_answer_s"] == ""

    book = rows(opened(anyone.get(f"/scorecards/{code}/{YEAR}/scorecards.xlsx"))["评价"])
    header, by_name = book[0], {row[0]: row for row in book[1:]}
    assert by_name[world.org_a1.name][header.index("备勤·可出动人数")] == 3
    assert by_name[world.org_a1b.name][header.index("备勤·回复率")] == 0


def test_a_copy_published_before_standby_was_evaluated_still_reads(world, browser, app):
    a_standby(world, browser)
    browser(world.duty).post("/api/evaluations/publish", {"period": YEAR})
    evaluation = db.session.scalar(select(Evaluation))
    evaluation.summary = {k: v for k, v in evaluation.summary.items() if k not in ("standby", "answered_share")}
    for row in evaluation.rows:
        row.figures = {k: v for k, v in row.figures.items() if k not in ("standby", "answered_share")}
    db.session.commit()
    anyone, code = app.test_client(), world.sub_a1.code

    page = anyone.get(f"/scorecards/{code}/{YEAR}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "可出动 3 人" not in text and '<td data-label="备勤询问">—</td>' in text
    exported = anyone.get(f"/scorecards/{code}/{YEAR}/scorecards.csv").get_data(as_text=True)
    (first, *_) = csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
    assert (first["standby_polls"], first["answered_share"]) == ("", "")
    book = rows(opened(anyone.get(f"/scorecards/{code}/{YEAR}/scorecards.xlsx"))["评价"])
    assert book[1][book[0].index("备勤·询问")] is None


def test_a_question_sent_once_for_two_warnings_counts_once(world, browser, twilio):
    """The second warning's poll rides on the first's SMS (the team has a question open), and the one answer by SMS
    counts for both polls: the card shows one question asked and answered, and the people said once."""
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    warn(duty, world, headline="暴雨橙色预警（更新范围）")
    reply(browser, twilio, world.org_a1.leader_phone, "备勤 3", sid="SM" + "5" * 32)
    assert [p.ready for p in polls()] == [3, 3]
    seen = duty.get(f"/api/evaluations?period={YEAR}").get_json()
    (card,) = [row["figures"] for row in seen["organizations"] if row["organization"]["id"] == world.org_a1.id]
    assert {k: card["standby"][k] for k in ("polls", "answered", "answered_share", "ready")} == {
        "polls": 1, "answered": 1, "answered_share": 1.0, "ready": 3,
    }  # fmt: skip
