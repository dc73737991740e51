"""The county administrator sees every subdistrict's evaluation summary side by side, and the county's, on one page:
the same figures each subdistrict's own page shows."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Community, Organization
from dispatch.services.records import evaluations
from tests.factories import make_user
from tests.integration.dispatch_helpers import posted_need
from tests.integration.test_evaluations import YEAR, a_season_of_work, offer_to


def test_the_county_summary_puts_each_subdistrict_beside_the_others_with_the_same_figures(world, browser):
    a_season_of_work(world, browser)  # all of it in A1
    county = evaluations.evaluate_county(world.admin.actor(), YEAR)
    rows = {subdistrict.id: summary.figures() for subdistrict, summary in county.subdistricts}
    assert set(rows) == {world.sub_a1.id, world.sub_a2.id}  # not county B's
    own_page = browser(world.duty).get(f"/api/evaluations?period={YEAR}").get_json()["summary"]
    assert rows[world.sub_a1.id] == own_page
    assert (rows[world.sub_a2.id]["organizations"], rows[world.sub_a2.id]["real"]["offers"]) == (1, 0)
    total = county.summary.figures()
    assert (total["organizations"], total["real"]["offers"], total["training_hours"]) == (3, own_page["real"]["offers"], 6)
    api = browser(world.admin).get(f"/api/evaluations/county?period={YEAR}").get_json()
    assert api["summary"] == total and {row["subdistrict"]["id"]: row["summary"] for row in api["subdistricts"]} == rows


def test_the_county_page_links_each_subdistrict_to_its_scorecards_and_refuses_a_bad_period(world, browser):
    a_season_of_work(world, browser)
    admin = browser(world.admin)
    page = admin.get(f"/evaluations/county?period={YEAR}").get_data(as_text=True)
    assert "全县评价汇总" in page and "全县合计" in page
    assert f"/evaluations?subdistrict_id={world.sub_a2.id}&amp;period={YEAR}" in page
    assert admin.get("/evaluations/county?period=someday").status_code == 422
    assert "/evaluations/county" in admin.get(f"/evaluations?period={YEAR}").get_data(as_text=True)


def test_only_the_county_administrator_has_the_county_summary(world, browser):
    for user in (world.duty, world.leader, world.grid):
        assert browser(user).get("/evaluations/county").status_code == 403
        assert browser(user).get("/api/evaluations/county").status_code == 403


def test_one_evaluation_split_by_subdistrict_gives_each_subdistrict_its_own_scorecards(world, browser):
    a_season_of_work(world, browser)  # in A1
    officer_a2 = browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    need = posted_need(officer_a2, world.cell_a2, head_count=2)
    assert officer_a2.post(f"/api/assignments/{offer_to(need['id'], world.org_a2).id}/decline", {}).status_code == 200
    period = evaluations.period_bounds(YEAR)
    subdistricts = [world.sub_a1.id, world.sub_a2.id, world.sub_b1.id]

    split = evaluations.scorecards_by_subdistrict(subdistricts, *period)

    for subdistrict_id in subdistricts:
        home = select(Organization.id).join(Community).where(Community.subdistrict_id == subdistrict_id)
        alone = evaluations.scorecards(list(db.session.scalars(home)), *period)
        assert {o: card.figures() for o, card in split[subdistrict_id].items()} == {
            o: card.figures() for o, card in alone.items()
        }
    assert set(split[world.sub_a1.id]) == {world.org_a1.id, world.org_a1b.id}
    assert split[world.sub_a2.id][world.org_a2.id].real.declined == 1
    assert split[world.sub_a1.id][world.org_a1.id].real.completed == 1
