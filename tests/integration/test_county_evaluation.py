"""The county administrator sees every subdistrict's evaluation summary side by side, and the county's, on one page:
the same figures each subdistrict's own page shows."""

from __future__ import annotations

from dispatch.services import evaluations
from tests.integration.test_evaluations import YEAR, a_season_of_work


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
