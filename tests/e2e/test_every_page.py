"""Every page of every role, on a demo district made busy by users who type markup into every box
(tests/e2e/hostile_district.py): no page a link leads to fails, paging typed by hand is a clear 4xx or the last page
and never a server error, and in a real browser no user text becomes markup, on the maps' tooltips too, and no page
breaks its Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Page

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e import hostile_district
from tests.e2e.conftest import serve
from tests.e2e.crawler import Visit, crawl, route_of
from tests.e2e.csp import CONSOLE_MARK, RECORD_VIOLATIONS
from tests.live_client import login

ANONYMOUS = "anonymous"
LANGUAGES = {  # two roles walk in English, so both catalogues are rendered
    "demo-admin": "zh",
    "demo-duty": "en",
    "demo-duty2": "zh",
    "demo-leader": "en",
    "demo-grid": "zh",
    ANONYMOUS: "zh",
}
OFFICERS_PAGES = {"/board", "/risks", "/drills", "/drills/<id>/report", "/incidents/<id>/report", "/organizations/<id>",
                  "/phones/<id>", "/training/<id>", "/complaints", "/certificates/expiring", "/evaluations", "/cells",
                  "/duty-groups", "/plans", "/plans/<id>", "/plans/<id>/edit", "/plans/new",
                  # the reports' Excel downloads and the registry workbook, linked from their pages
                  "/incidents/<id>/report.xlsx", "/drills/<id>/report.xlsx", "/evaluations.xlsx", "/registry.xlsx"}  # fmt: skip
PAGES_REACHED = {  # the kinds of page each role's walk must reach (a walk stopped early finds no failure either)
    "demo-admin": OFFICERS_PAGES
    | {
        "/incidents/<id>/recovery",
        "/overview",
        "/evaluations/county",
        "/audit",
        "/audit.csv",
        "/accounts",
        "/account",
        "/account/two-factor",
        "/password",
    },
    "demo-duty": OFFICERS_PAGES | {"/incidents/<id>/recovery", "/account"},
    "demo-duty2": OFFICERS_PAGES,
    "demo-leader": {"/m", "/organizations/<id>", "/training/<id>", "/complaints", "/evaluations", "/cells", "/account"},
    "demo-grid": {"/grid", "/organizations/<id>", "/cells", "/account"},
    ANONYMOUS: {"/login", "/login/code", "/scorecards"},
}


@dataclass
class Walk:
    """One role's crawl: every visit, and one page of each kind to open in the browser (one that shows a payload,
    when any of its kind does)."""

    visits: list[Visit] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # route → url
    showing_payloads: set[str] = field(default_factory=set)  # routes whose chosen page shows one

    def saw(self, url: str, html: str) -> None:
        route = route_of(url)
        if route in self.showing_payloads or (route in self.pages and hostile_district.MARK not in html):
            return
        self.pages[route] = url
        if hostile_district.MARK in html:
            self.showing_payloads.add(route)


@dataclass
class Site:
    district: hostile_district.District
    walks: dict[str, Walk]
    server_log: str


@pytest.fixture(scope="module")
def site(request, tmp_path_factory) -> Iterator[Site]:
    with serve(request.param, tmp_path_factory) as server:
        district = hostile_district.build(server.url)
        walks = {role: walk(server.url, role) for role in (*hostile_district.ROLES, ANONYMOUS)}
        yield Site(district, walks, (server.logs / "web.log").read_text(errors="replace"))


def walk(url: str, role: str) -> Walk:
    http = requests.Session() if role == ANONYMOUS else login(url, role, DEMO_PASSWORD)
    http.headers["Accept-Language"] = LANGUAGES[role]
    found = Walk()
    found.visits = crawl(http, [f"{url}{path}" for path in start_pages(http, url, role)], found.saw)
    return found


def start_pages(http: requests.Session, url: str, role: str) -> list[str]:
    """Home, the public scorecards, and the pages the board's script links to: each incident's report, and the
    recovery board of each incident in recovery."""
    if role == ANONYMOUS:
        return ["/", "/scorecards", "/login/code"]
    incidents = http.get(f"{url}/api/incidents?per_page=200", timeout=30).json()["items"]
    recovering = [i for i in incidents if i["status"] == "recovery"]
    return ["/", *(f"/incidents/{i['id']}/report" for i in incidents), *(f"/incidents/{i['id']}/recovery" for i in recovering)]


@pytest.mark.parametrize("site", ["embedded", "production"], indirect=True)
def test_every_page_of_every_role_answers_without_a_server_error(site):
    failures = [
        f"{role}: {visit.status} {visit.url} (linked from {visit.found_on or 'the start'})"
        for role, found in site.walks.items()
        for visit in found.visits
        if visit.status >= 500 or (visit.status >= 400 and visit.found_on and not visit.tampered)
    ]
    assert failures == [], "\n".join([*failures, "what the server said:", *tracebacks(site.server_log)])
    for role, kinds in PAGES_REACHED.items():
        assert kinds <= {route_of(v.url) for v in site.walks[role].visits if v.status == 200}, role
    paged = {route_of(v.url) for found in site.walks.values() for v in found.visits if "per_page=5" in v.url}
    assert {"/organizations", "/cells", "/training", "/complaints", "/drills"} <= paged


def tracebacks(log: str) -> list[str]:
    """The server's own account of each failure: from "Exception on …" to the next request it logged."""
    found, inside = [], False
    for line in log.splitlines():
        inside = "Exception on" in line or (inside and not line.startswith("127.0.0.1 - -"))
        if inside:
            found.append(line)
    return found


# ---- in a real browser ---------------------------------------------------------------------------------------------
MAPS = ("/board", "/incidents/<id>/recovery")
OPENED_BY_HAND = {"/board": "候选组织", "/risks": "派出需求"}  # a button that draws more user text: a need's candidates, a form
MARKERS = "#map path.leaflet-interactive[d*='a']"  # circle markers: their outline is drawn with arcs, a cell's is not
PROBE = """() => ({
  ran: (window.__xss || []).splice(0),
  injected: [...document.querySelectorAll('[data-xss]')].map((node) => node.outerHTML.slice(0, 120)),
  scripted: [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i], [action^="javascript:" i]')]
    .map((node) => node.outerHTML.slice(0, 120)),
  rendered: document.documentElement.textContent.includes('xss49'),
  violations: (window.__violations || []).splice(0),
})"""
RECORD_XSS = "window.xss = (n) => { (window.__xss = window.__xss || []).push(n); };"
REFLECTED = [  # what a person types into a query string or a form, echoed on the page
    f"/organizations?q={quote(hostile_district.PAYLOADS[6])}",
    f"/cells?q={quote(hostile_district.PAYLOADS[2])}",
    f"/evaluations?period={quote(hostile_district.PAYLOADS[0])}",
    f"/complaints?status={quote(hostile_district.PAYLOADS[8])}",
    f"/login?next={quote(hostile_district.PAYLOADS[2])}",
]


LOADING_FAILED = "Failed to load resource"  # what the console says of a page answered 4xx on purpose (a bad query)


class Tab:
    """One role's browser tab, which notes every dialog, every call of ``xss()`` a payload makes if it runs, and
    every refusal of the page's Content-Security-Policy."""

    def __init__(self, browser, url: str, role: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.add_init_script(RECORD_XSS)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page: Page = self.context.new_page()
        self.url, self.role = url, role
        self.dialogs: list[str] = []
        self.tooltips: list[str] = []
        self.errors: list[str] = []  # the console's errors and uncaught exceptions: each page opens without one
        self.refusals: list[str] = []  # what the console says the policy refused (a frame's refusal has no event)
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.on("console", self.heard)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if role != ANONYMOUS:
            self.page.goto(f"{url}/login")
            self.page.fill("#username", role)
            self.page.fill("#password", DEMO_PASSWORD)
            with self.page.expect_navigation():
                self.page.click("button[type=submit]")

    def heard(self, message) -> None:
        if CONSOLE_MARK in message.text:
            self.refusals.append(message.text)
        elif message.type == "error":
            self.errors.append(message.text)

    def open(self, url: str) -> list[str]:
        """Open a page, let its scripts draw, open every tooltip on its map; what ran or became markup there."""
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        status = response.status if response else 0
        found = self.problems(url, status)
        if route_of(url) in OPENED_BY_HAND:
            found += self.press(url, OPENED_BY_HAND[route_of(url)])
        if route_of(url) in MAPS:
            found += self.hover_the_markers(url)
        return found

    def press(self, url: str, button: str) -> list[str]:
        pressed = self.page.get_by_role("button", name=button, exact=True)
        if not pressed.count():
            return []
        pressed.first.click()
        self.page.wait_for_load_state("networkidle")
        return self.problems(f"{url} (after {button})", 200)

    def hover_the_markers(self, url: str) -> list[str]:
        """Each marker gets the mouse over it, as Leaflet hears it, and the page is looked at while its tooltip is
        open. (Markers may lie under one another at this zoom, so the event goes to each marker itself rather than
        to whatever is on top at its centre.)"""
        markers, found = self.page.locator(MARKERS), []
        for n in range(markers.count()):
            markers.nth(n).dispatch_event("mouseover")
            self.tooltips += self.page.locator(".leaflet-tooltip").all_text_contents()
            found += self.problems(f"{url} (tooltip {n + 1})", 200)
            markers.nth(n).dispatch_event("mouseout")
        self.page.wait_for_timeout(300)  # an <img src=x> fails, and runs its onerror, a moment later
        return found + self.problems(f"{url} (after the tooltips)", 200)

    def problems(self, url: str, status: int) -> list[str]:
        """What went wrong on the page since last asked."""
        found = self.page.evaluate(PROBE)
        said = [
            *([f"status {status}"] if status >= 500 else []),
            *(f"a dialog: {message}" for message in self.dialogs),
            *(f"script ran: xss({n})" for n in found["ran"]),
            *(f"markup from user text: {html}" for html in found["injected"]),
            *(f"a javascript: link: {html}" for html in found["scripted"]),
            *(["template text was rendered (xss49)"] if found["rendered"] else []),
            *(f"a console error: {error}" for error in self.errors if not (status >= 400 and LOADING_FAILED in error)),
            *(f"a CSP violation: {violation}" for violation in found["violations"]),
            *(f"the console: {refusal}" for refusal in self.refusals),
        ]
        self.dialogs.clear()
        self.errors.clear()
        self.refusals.clear()
        return [f"{self.role} {url.removeprefix(self.url)}: {problem}" for problem in said]

    def submit(self, path: str, fill: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
        """Type into a page's form and send it: what the page answers with shows what was typed."""
        self.page.goto(f"{self.url}{path}")
        for selector, value in fill.items():
            self.page.fill(selector, value)
        for selector, (name, content) in (files or {}).items():
            self.page.set_input_files(selector, {"name": name, "mimeType": "text/csv", "buffer": content})
        typed_into = next(iter({**fill, **(files or {})}), "*")  # the form typed into (a page may hold more than one)
        with self.page.expect_navigation() as sent:
            self.page.locator(f"main form:has({typed_into}) button[type=submit]").first.click()
        shown = hostile_district.MARK in self.page.content()
        echoed = [] if shown else [f"{self.role} {path}: the answer does not show what was typed"]
        return echoed + self.problems(f"{self.url}{path} (sent)", sent.value.status if sent.value else 200)

    def close(self) -> None:
        self.context.close()


def typed_into_forms(tab: Tab) -> list[str]:
    """Forms whose answer shows what was typed: a drill scenario with errors, a CSV naming an organization that is not
    there, a login code for a phone number that is not one."""
    payloads = hostile_district.PAYLOADS
    if tab.role == ANONYMOUS:
        return tab.submit("/login/code", {"#phone": payloads[2]})
    if tab.role != "demo-duty":
        return []
    scenario = f"title: '{payloads[6]}'\nsteps:\n  - at: {payloads[0]}\n    need: {{skills: [x]}}\n"
    members = f"community_code,organization_name,name,phone\n330106005001,没有的组织{payloads[8]},队员,13800000000\n".encode()
    return [
        *tab.submit("/drills", {"#scenario": scenario}),
        *tab.submit(
            "/plans/new", {"#text": f"title: '{payloads[6]}'\ntasks:\n  - name: {payloads[0]}\n    place: {{cell: x}}\n"}
        ),
        *tab.submit("/imports?kind=members", {}, {"#file": ("members.csv", members)}),
    ]


@pytest.mark.parametrize("site", ["embedded"], indirect=True)
def test_no_user_text_becomes_markup_on_any_page_of_any_role(site, chromium):
    url, problems, tooltips = site.district.url, [], []
    for role, found in site.walks.items():
        tab = Tab(chromium, url, role)
        for page in [*found.pages.values(), *(f"{url}{path}" for path in REFLECTED)]:
            problems += tab.open(page)
        problems += typed_into_forms(tab)
        tooltips += tab.tooltips
        tab.close()
    assert problems == [], "\n".join(problems)
    shown = [text for text in tooltips if hostile_district.MARK in text]
    assert len(shown) >= 4, tooltips  # the tooltips opened, and showed the names and tasks as text


@pytest.mark.parametrize("site", ["embedded"], indirect=True)
def test_the_live_lists_show_every_item_not_the_first_page(site, chromium):
    url, duty = site.district.url, site.district.sessions["demo-duty"]
    active, open_risks = total(duty, f"{url}/api/incidents?status=active"), total(duty, f"{url}/api/risks?status=open")
    tab = Tab(chromium, url, "demo-duty")
    tab.open(f"{url}/board")
    assert tab.page.locator("#incidents button[aria-pressed]").count() == active > 50
    tab.open(f"{url}/risks")
    assert tab.page.locator("#risks li[data-risk]").count() == open_risks > 100
    tab.close()


def total(http: requests.Session, url: str) -> int:
    """How many items a paged API list holds in all."""
    return http.get(f"{url}&per_page=1", timeout=30).json()["total"]
