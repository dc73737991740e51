"""The demo district made busy, through the API and the forms, by users who type markup into every box.

Every text a user can write and a page shows carries a payload: an element that opens a dialog or runs ``xss(n)``
if it ever becomes markup and marks itself ``data-xss``; one that breaks out of an attribute, a ``<title>``, a
``<textarea>`` or a ``<script>``; a ``javascript:`` URL; template text that a renderer would turn into ``xss49``.
The lists run past one page at their usual size (organizations, complaints, training, drills, risks, incidents), and
the maps have their story: on the board an organization at work on a need, on the recovery board two tasks (one
carried on from a need), one done and confirmed. The leader's phone has an offer, the grid worker's cells have needs
and tasks, and the second subdistrict has a little of everything.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, timedelta

import requests
from shapely.geometry import shape

from dispatch.demo.seed import DEMO_PASSWORD
from tests.live_client import login

ROLES = ("demo-admin", "demo-duty", "demo-duty2", "demo-leader", "demo-grid")

PAYLOADS = (
    "<img src=x onerror=alert(1) data-xss>",  # the issue's own example: on the board it opened a dialog
    "<script data-xss>xss(2)</script>",
    '"><svg onload=xss(3) data-xss>',
    "'><b data-xss onmouseover=xss(4)>b</b>",
    "javascript:xss(5)//",
    "xss{{7*7}}${7*7}{n}%(n)s",
    "</title></textarea><img src=x onerror=xss(7) data-xss>",
    '<a href="javascript:xss(8)" data-xss>a</a>',
    "</script><svg onload=xss(9) data-xss>",
)
MARK = "xss"  # every payload has it: a page that shows user text shows it
LONG_LISTS = 105  # more than the longest page (100 rows)


class Hostile:
    """Text for one field: a short Chinese label and the next payload that fits the field's length."""

    def __init__(self) -> None:
        self._turn = itertools.count()

    def __call__(self, label: str, limit: int = 200) -> str:
        fitting = [p for p in PAYLOADS if len(label) + len(p) <= limit]
        return label + fitting[next(self._turn) % len(fitting)]


@dataclass
class District:
    """Where the seeded things are, for the tests that open them."""

    url: str
    sessions: dict[str, requests.Session]


def build(url: str) -> District:
    """Fill the demo district served at ``url`` (some ten seconds)."""
    district = District(url, {role: login(url, role, DEMO_PASSWORD) for role in ROLES})
    seeding = Seeding(district)
    for step in (seeding.registry, seeding.training, seeding.complaints, seeding.risks, seeding.drills, seeding.incidents,
                 seeding.second_subdistrict, seeding.recovery, seeding.story, seeding.phone_reply, seeding.scorecards,
                 seeding.duty_groups, seeding.plans):  # fmt: skip
        step()
    return district


class Seeding:
    """One method per kind of record; each writes as the user who would."""

    def __init__(self, district: District) -> None:
        self.d, self.text = district, Hostile()
        self.duty, self.admin = district.sessions["demo-duty"], district.sessions["demo-admin"]
        self.duty2 = district.sessions["demo-duty2"]
        self.leader, self.grid = district.sessions["demo-leader"], district.sessions["demo-grid"]
        self.organization = self.get(self.leader, "/api/me")["organization_id"]
        self.cells = self.get(self.grid, "/api/me")["cell_ids"]
        mine = self.get(self.leader, f"/api/organizations/{self.organization}")
        self.community, self.skill = mine["community"]["id"], mine["skills"][0]["code"]
        self.members: list[int] = []

    def get(self, http: requests.Session, path: str) -> dict:
        return self._answer("GET", path, http.get(f"{self.d.url}{path}", timeout=60))

    def post(self, http: requests.Session, path: str, body: dict | None = None, method: str = "POST") -> dict:
        return self._answer(method, path, http.request(method, f"{self.d.url}{path}", json=body, timeout=60))

    def _answer(self, method: str, path: str, response: requests.Response) -> dict:
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def inside(self, http: requests.Session, cell_id: int) -> dict:
        """A point well inside a cell."""
        point = shape(self.get(http, f"/api/cells/{cell_id}")["geometry"]).representative_point()
        return {"lon": point.x, "lat": point.y}

    # ---- the registry: organizations, their leaders and members, the grid worker's cells ---------------------------
    def registry(self) -> None:
        first_pages = [self.get(officer, "/api/organizations?per_page=1")["items"][0] for officer in (self.duty, self.duty2)]
        for organization in {o["id"] for o in first_pages} - {self.organization}:
            self.post(self.admin, f"/api/organizations/{organization}", self.names("组织", "负责人"), method="PATCH")
        the_issues_example = {"name": f"组织{PAYLOADS[0]}", "leader_name": self.text("负责人", 50)}  # at work on the board
        self.post(self.admin, f"/api/organizations/{self.organization}", the_issues_example, method="PATCH")
        for cell in [*self.cells, first_pages[1]["cells"][0]["id"]]:
            body = {"name": self.text("网格", 100), "worker_name": self.text("网格员", 50)}
            self.post(self.admin, f"/api/cells/{cell}", body, method="PATCH")
        self.members = [
            self.post(self.leader, f"/api/organizations/{self.organization}/members", self.member(n))["id"] for n in range(3)
        ]
        for n in range(25):  # the duty officer's organizations run past a page of 50
            self.post(self.duty, "/api/organizations", self.new_organization(n))

    def names(self, name: str, leader: str) -> dict:
        return {"name": self.text(name, 100), "leader_name": self.text(leader, 50)}

    def member(self, n: int) -> dict:
        """A member whose certificate runs out in ten days: on the page of certificates running out."""
        soon = (date.today() + timedelta(days=10)).isoformat()
        certificate = {"skill": "first_aid", "expires_on": soon, "issuer": self.text("发证", 100)}
        return {"name": self.text("队员", 50), "phone": f"+86139{n:08d}", "skills": [self.skill], "certifications": [certificate]}

    def new_organization(self, n: int) -> dict:
        return {
            **self.names(f"新组织{n}", "队长"), "status": "filed", "community_id": self.community, "cell_ids": self.cells[:1],
            "skills": [{"code": self.skill, "capacity": 5}], "leader_phone": f"+86137{n:08d}",
        }  # fmt: skip

    # ---- lists longer than a page: training, complaints, risks, drills, incidents -------------------------------------
    def training(self) -> None:
        sessions = [self.post(self.duty, "/api/training-sessions", self.course()) for _ in range(LONG_LISTS)]
        for session in sessions[:3]:  # the oldest: on the last page, and the first found walking the list
            self.post(self.duty, f"/api/training-sessions/{session['id']}/attendees", {"member_ids": self.members})

    def course(self) -> dict:
        held = (date.today() - timedelta(days=7)).isoformat()
        return {"title": self.text("培训"), "organizer": self.text("主办", 100), "held_on": held, "hours": 4,
                "skill": self.skill, "certificate_months": 1}  # fmt: skip

    def complaints(self) -> None:
        filed = [o["id"] for o in self.get(self.duty, "/api/organizations?per_page=50&status=filed")["items"]]
        about = [self.organization, *filed]  # the leader reads those about their own
        made = [self.post(self.grid, "/api/complaints", self.complaint(about[n % len(about)]))["id"] for n in range(LONG_LISTS)]
        for complaint in made[1:4]:
            self.post(self.duty, f"/api/complaints/{complaint}/decision", {"outcome": "upheld", "note": self.text("处理")})

    def complaint(self, organization: int) -> dict:
        return {"organization_id": organization, "summary": self.text("投诉"), "contact": self.text("联系", 100)}

    def risks(self) -> None:
        places = [self.inside(self.grid, cell) for cell in self.cells]
        made = [self.post(self.grid, "/api/risks", self.risk(places[n % len(places)]))["id"] for n in range(LONG_LISTS)]
        self.post(self.duty, f"/api/risks/{made[0]}/dismiss", {"note": self.text("关闭")})
        self.post(self.duty, f"/api/risks/{made[1]}/incident", self.incident("风险事件"))

    def risk(self, place: dict) -> dict:
        return {"category": "flooding", "location": place, "address": self.text("地址"), "note": self.text("隐患")}

    def drills(self) -> None:
        runs = [self.post(self.duty, "/api/drills", self.drill(self.cells[0])) for _ in range(52)]  # past a page of 50
        self.post(self.duty, f"/api/drills/{runs[0]['id']}/step")

    def drill(self, cell: int, http: requests.Session | None = None) -> dict:
        need = {**self.need_at(self.inside(http or self.duty, cell)), "head_count": 2}
        scenario = {"title": self.text("演练"), "steps": [{"at": "0m", "need": need}]}
        return {"scenario": json.dumps(scenario, ensure_ascii=False), "mode": "manual"}  # JSON is YAML too

    def plans(self) -> None:
        """A plan of each subdistrict, its title, task names and descriptions typed as payloads (JSON is YAML too)."""
        for http, cell in ((self.duty, self.cells[0]), (self.duty2, None)):
            if cell is None:
                cell = self.get(self.duty2, "/api/organizations?per_page=1")["items"][0]["cells"][0]["id"]
            need = {"skills": [self.skill], "head_count": 1, "description": self.text("预案任务")}
            task = {"name": self.text("任务", 100), "need": need, "place": {"location": self.inside(http, cell)}}
            plan = {"title": self.text("预案"), "category": "natural_disaster", "min_level": "IV", "tasks": [task]}
            self.post(http, "/api/plans", {"text": json.dumps(plan, ensure_ascii=False)})

    def incidents(self) -> None:
        for _ in range(52):  # the board asks for 50 at a time
            self.post(self.duty, "/api/incidents", self.incident("事件"))

    def incident(self, label: str) -> dict:
        return {"title": self.text(label), "category": "natural_disaster", "level": "IV"}

    def second_subdistrict(self) -> None:
        """The other duty officer's subdistrict: an incident with a need, a drill, a course, a risk, a complaint."""
        organization = self.get(self.duty2, "/api/organizations?per_page=1")["items"][0]
        cell = organization["cells"][0]["id"]
        incident = self.post(self.duty2, "/api/incidents", self.incident("北山事件"))["id"]
        need = {**self.need_at(self.inside(self.duty2, cell)), "skills": [organization["skills"][0]["code"]]}
        self.post(self.duty2, f"/api/incidents/{incident}/needs", need)
        self.post(self.duty2, "/api/drills", self.drill(cell, self.duty2))
        self.post(self.duty2, "/api/training-sessions", self.course())
        self.post(self.duty2, "/api/risks", self.risk(self.inside(self.duty2, cell)))
        self.post(self.duty2, "/api/complaints", self.complaint(organization["id"]))

    # ---- the maps: the recovery board with tasks, and the board with an organization at work ----------------------
    def recovery(self) -> None:
        incident = self.new_incident("恢复")
        short_handed = self.new_need(incident, self.cells[0], head_count=30)
        self.post(self.duty, f"/api/incidents/{incident}/status", {"status": "recovery"})
        carried = self.post(self.duty, f"/api/needs/{short_handed['id']}/recovery-task", {})
        by_hand = self.post(self.duty, f"/api/incidents/{incident}/recovery-tasks", self.task())
        for task in (carried, by_hand):
            work = self.accepted_by_the_leader(task["need_id"])
            progress = {"percent": 50, "note": self.text("进度", 500), "people": 1, "hours": 2, "client_ref": f"r{work}"}
            self.post(self.leader, f"/api/assignments/{work}/progress", progress)
        for step in ("depart", "arrive", "complete"):
            self.post(self.leader, f"/api/assignments/{work}/{step}", {"note": self.text("备注")})
        self.post(self.grid, f"/api/recovery-tasks/{by_hand['id']}/confirm", {"note": self.text("确认", 500)})

    def task(self) -> dict:
        return {**self.need_at(self.inside(self.duty, self.cells[1])), "what": self.text("恢复"), "head_count": 1}

    def story(self) -> None:
        """The newest active incident: a need the leader's organization works on, one it declined, one offered."""
        incident = self.new_incident("看板")
        self.accepted_by_the_leader(self.new_need(incident, self.cells[0])["id"])
        declined = self.offered_to_the_leader(self.new_need(incident, self.cells[1])["id"])
        self.post(self.leader, f"/api/assignments/{declined}/decline", {"reason": self.text("理由")})
        self.offered_to_the_leader(self.new_need(incident, self.cells[2])["id"])

    def new_incident(self, label: str) -> int:
        return self.post(self.duty, "/api/incidents", self.incident(label))["id"]

    def new_need(self, incident: int, cell: int, head_count: int = 2) -> dict:
        body = {**self.need_at(self.inside(self.duty, cell)), "head_count": head_count}
        return self.post(self.duty, f"/api/incidents/{incident}/needs", body)

    def need_at(self, place: dict) -> dict:
        return {"skills": [self.skill], "head_count": 1, "broadcast_k": 1, "location": place,
                "address": self.text("需求地址"), "description": self.text("需求")}  # fmt: skip

    def accepted_by_the_leader(self, need_id: int) -> int:
        work = self.offered_to_the_leader(need_id)
        self.post(self.leader, f"/api/assignments/{work}/accept", {"head_count": 1})
        return work

    def offered_to_the_leader(self, need_id: int) -> int:
        """The leader's organization's offer of a need, made by hand when the ranking chose another."""
        if not (mine := self.offers_to_the_leader(need_id)):
            self.post(self.duty, f"/api/needs/{need_id}/offers", {"organization_id": self.organization})
            mine = self.offers_to_the_leader(need_id)
        return mine[-1]

    def offers_to_the_leader(self, need_id: int) -> list[int]:
        offers = self.get(self.duty, f"/api/needs/{need_id}")["assignments"]
        return [a["id"] for a in offers if a["organization"]["id"] == self.organization]

    # ---- the phone simulator and the published scorecards -------------------------------------------------------------
    def phone_reply(self) -> None:
        """A reply typed into the phone simulator's form (the session's CSRF token goes in the header)."""
        path = f"/phones/{self.organization}/reply"
        response = self.duty.post(f"{self.d.url}{path}", data={"text": self.text("回复", 500)}, timeout=60, allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")

    def duty_groups(self) -> None:
        """A street's DingTalk robot and the county's WeCom robot, named with markup (forms, CSRF in the header)."""
        dingtalk = {"platform": "dingtalk", "name": self.text("值班群", 100), "secret": "SEC" + "ab12" * 16,
                    "webhook": "https://oapi.dingtalk.com/robot/send?access_token=" + "0f" * 32}  # fmt: skip
        wecom = {"platform": "wecom", "name": self.text("区值班群", 100),
                 "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"}  # fmt: skip
        for http, form in ((self.duty, dingtalk), (self.admin, wecom)):
            response = http.post(f"{self.d.url}/duty-groups", data=form, timeout=60, allow_redirects=False)
            if response.status_code != 302:
                raise RuntimeError(f"POST /duty-groups: {response.status_code} {response.text[:500]}")
            group = response.headers["Location"].rsplit("registered=", 1)[1]  # deactivated: no robot of these exists
            http.post(f"{self.d.url}/duty-groups/{group}/deactivate", timeout=60, allow_redirects=False)

    def scorecards(self) -> None:
        today = date.today()
        self.post(self.duty, "/api/evaluations/publish", {"period": f"{today.year}-Q{(today.month - 1) // 3 + 1}"})
