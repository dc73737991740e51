"""Walking a live site as one of its users: every same-site link breadth-first, GET only, and every list also asked
for with paging a person might type or tamper with. What is never followed: logging out, choosing the language
(a GET that changes the session), static files, other sites."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

NEVER_FOLLOWED = ("/logout", "/lang/", "/static/", "/m/sw.js")
LIST_MARKS = ('class="list', 'class="cards"', 'class="pager"')  # a page showing a list of rows
PAGING_VARIANTS = (
    {"page": "2"}, {"per_page": "5"}, {"page": "9999"}, {"page": str(10**20)},  # a page past the end, and far past
    {"page": "0"}, {"page": "-1"}, {"page": "abc"}, {"page": "1.5"}, {"page": ""},
    {"per_page": "0"}, {"per_page": "100000"}, {"per_page": "abc"}, {"per_page": "5", "page": "3"},
)  # fmt: skip
# What any other query parameter a link carries is also tried with: words, numbers no row id can be, a NUL.
NONSENSE = ("abc", "-1", str(2**31), str(10**20), "\x00")
TAMPERED_SEGMENTS = (str(2**31), "%00", "%ED%A0%80")  # what each segment of a path is replaced with, once per kind


@dataclass(frozen=True)
class Visit:
    url: str
    status: int
    found_on: str  # the page whose link led here ("" for a start)
    tampered: bool  # a paging variant, or where one redirected: not a link any page shows


@dataclass(frozen=True)
class _Step:
    url: str
    found_on: str
    tampered: bool


class _Links(HTMLParser):
    """The targets of a page's links, and the URL each form that says ``method="get"`` sends with the values it starts
    with (a form that names no method is one a page's script sends, as JSON to the API)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected ones

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "a" and "href" in found:
            self.hrefs.append(found["href"])
        elif tag == "form" and found.get("method", "").lower() == "get":  # no method: a script sends it
            self._form = (found.get("action", ""), [])
        elif self._form is not None:
            self._field(tag, found)

    def _field(self, tag: str, found: dict[str, str]) -> None:
        name, kind = found.get("name"), found.get("type", "text")
        if tag == "input" and name and (kind not in ("checkbox", "radio", "submit") or "checked" in found):
            self._form[1].append((name, found.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(found.get("value", ""))
            if "selected" in found:
                self._select[2].append(found.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            if options:
                self._form[1].append((name, (selected or options)[0]))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def links_on(page_url: str, html: str) -> tuple[list[str], list[str]]:
    """The same-site URLs a page links to, and those its GET forms send with the values they start with; absolute,
    without fragments."""
    parsed = _Links()
    parsed.feed(html)
    links = [urljoin(page_url, href) for href in parsed.hrefs]
    forms = [f"{urljoin(page_url, action or page_url).split('?')[0]}?{urlencode(fields)}" for action, fields in parsed.forms]
    return [u.split("#")[0] for u in links if _followed(page_url, u)], [u for u in forms if _followed(page_url, u)]


def _followed(page_url: str, target: str) -> bool:
    here, there = urlsplit(page_url), urlsplit(target)
    return there.scheme in ("http", "https") and there.netloc == here.netloc and not there.path.startswith(NEVER_FOLLOWED)


def paging_variants(url: str) -> list[str]:
    """The URL with each paging change applied to its query string."""
    base, _, query = url.partition("?")
    kept = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key not in ("page", "per_page")]
    return [f"{base}?{urlencode([*kept, *variant.items()])}" for variant in PAGING_VARIANTS]


def nonsense_variants(url: str, seen: set[str]) -> list[str]:
    """The URL with each query parameter set to nonsense, the first time the parameter is seen on its kind of page."""
    base, _, query = url.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    variants = []
    for key in dict(pairs).keys() - {"page", "per_page"}:
        if (parameter := f"{route_of(url)}?{key}") not in seen:
            seen.add(parameter)
            variants += [f"{base}?{urlencode([(k, value if k == key else v) for k, v in pairs])}" for value in NONSENSE]
    return variants


def path_variants(url: str) -> list[str]:
    """The URL with each segment of its path after the first replaced by a number no row can have, a NUL or half of
    a surrogate pair in turn (``/scorecards/<code>/<period>`` takes text, ``/training/<id>`` a row id)."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    return [
        parts._replace(path="/".join([*segments[:at], wrong, *segments[at + 1 :]]), query="").geturl()
        for at in range(2, len(segments))
        for wrong in TAMPERED_SEGMENTS
    ]


def route_of(url: str) -> str:
    """The URL's path with its ids replaced: the pages of one kind share it."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", urlsplit(url).path)


def is_list(html: str) -> bool:
    return any(mark in html for mark in LIST_MARKS)


def crawl(http: requests.Session, starts: Iterable[str], seen_page: Callable[[str, str], None] | None = None) -> list[Visit]:
    """Every page reachable from ``starts``, breadth-first. The first page found of each kind also has its GET forms
    sent (a filter form is the same on every page of its kind) and, when it shows a list, every paging variant; each
    query parameter a link carries is tried with nonsense once per kind of page. ``seen_page(url, html)`` is told
    each HTML page that answered 200."""
    queue = deque(_Step(url, "", False) for url in starts)
    queued = {step.url for step in queue}
    kinds_seen: set[str] = set()
    visits = []
    while queue:
        step = queue.popleft()
        response = http.get(step.url, allow_redirects=False, timeout=60)
        visits.append(Visit(step.url, response.status_code, step.found_on, step.tampered))
        html = response.text if "text/html" in response.headers.get("Content-Type", "") else ""
        if response.status_code == 200 and html and seen_page:
            seen_page(step.url, html)
        found = _next_steps(step, response, html, kinds_seen)
        queue.extend(s for s in found if s.url not in queued)
        queued.update(s.url for s in found)
    return visits


def _next_steps(step: _Step, response: requests.Response, html: str, kinds_seen: set[str]) -> list[_Step]:
    if response.is_redirect:
        target = urljoin(step.url, response.headers["Location"])
        return [_Step(target, step.url, step.tampered)] if _followed(step.url, target) else []
    if step.tampered or response.status_code != 200:  # a tampered page's links would walk every page of its size
        return []
    links, forms = links_on(step.url, html)
    found = [_Step(url, step.url, False) for url in links]
    if route_of(step.url) not in kinds_seen:
        kinds_seen.add(route_of(step.url))
        found += [_Step(url, step.url, False) for url in forms]
        found += [_Step(url, step.url, True) for url in paging_variants(step.url)] if is_list(html) else []
        found += [_Step(url, step.url, True) for url in path_variants(step.url)]
    found += [_Step(variant, step.url, True) for s in list(found) for variant in nonsense_variants(s.url, kinds_seen)]
    return found
