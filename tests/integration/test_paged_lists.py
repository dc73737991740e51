"""Long lists on the pages: the pager walks through every row once with the filters kept, a page past the last is
the last one, and nonsense in the query string is a clear 422 naming the field, never a server error."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch.extensions import db
from dispatch.models import TrainingSession

NEXT_LINK = re.compile(r'<a href="(\?[^"]+)">下一页 ›</a>')


def walk_the_pages(client, url: str) -> list[str]:
    """The pages of a list from ``url`` on, following each page's "next" link; their HTML."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.get_data(as_text=True))
        found = NEXT_LINK.search(pages[-1])
        url = f"{urlsplit(url).path}{found.group(1).replace('&amp;', '&')}" if found else ""
    return pages


def test_the_pager_walks_every_organization_once_keeping_the_filters(world, browser):
    pages = walk_the_pages(browser(world.admin), "/organizations?per_page=1&status=filed")
    expected = [o.name for o in (world.org_a1, world.org_a1b, world.org_a2) if o.status.value == "filed"]
    shown = [name for page in pages for name in expected if f">{name}<" in page]
    assert len(pages) == len(expected) >= 2 and shown == expected
    assert "第 1 页，共" in pages[0] and "上一页" in pages[-1]


def test_sessions_of_one_day_each_appear_on_exactly_one_page(world, browser):
    titles = [f"同日培训{n}" for n in range(5)]
    for title in titles:
        db.session.add(
            TrainingSession(subdistrict=world.sub_a1, title=title, organizer="街道", held_on=date(2026, 5, 1), hours=2)
        )
    db.session.commit()
    pages = walk_the_pages(browser(world.duty), "/training?per_page=2")
    shown = sorted(title for page in pages for title in titles if f">{title}<" in page)
    assert len(pages) == 3 and shown == titles


@pytest.mark.parametrize("page", ["99", str(2**31 - 1)])
def test_a_page_past_the_last_is_the_last_page(world, browser, page):
    response = browser(world.admin).get(f"/organizations?per_page=1&q=测试&page={page}")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"per_page": ["1"], "q": ["测试"], "page": ["3"]}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/organizations?page=0", "page"),
        (f"/organizations?page={10**20}", "page"),
        ("/cells?page=abc", "page"),
        ("/training?per_page=100000", "per_page"),
        ("/drills?per_page=0", "per_page"),
        ("/complaints?status=nonsense", "status"),
    ],
)
def test_nonsense_in_the_query_string_is_a_clear_422_naming_the_field_in_words(world, browser, url, field):
    from dispatch.field_labels import field_label

    response = browser(world.admin).get(url)
    assert response.status_code == 422 and f"<li>{field_label(field, 'zh')}" in response.get_data(as_text=True)
