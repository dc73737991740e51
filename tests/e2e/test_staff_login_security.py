"""Production mode as a county would run it (PostgreSQL, Redis, the gevent web process, a worker), with the guards
on: a duty officer cannot get in on the password alone, enrols the second factor in Chromium by scanning (here:
reading) the QR code's key and typing the code the app would show, and logs in with a code after that; a brute-force
script meets the lock and the address's budget, and every attempt is in an audit whose chain still holds."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pyotp
import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from dispatch.config import database_url
from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import ROOT, LiveServer, serve
from tests.e2e.csp import RECORD_VIOLATIONS, violations
from tests.e2e.test_browser_pages import BOARD, SCREENSHOTS

GUARDS_ON = {
    "TWO_FACTOR": "1",
    "RATE_LIMIT_LOGIN": "30/minute;300/hour",
    "LOGIN_LOCK_ATTEMPTS": "5",
    "LOGIN_LOCK_WINDOW_MINUTES": "15",
    "LOGIN_LOCK_MINUTES": "15",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve("production", tmp_path_factory, settings=lambda _port: GUARDS_ON) as live:
        yield live


def password_login(url: str, username: str, password: str, address: str | None = None) -> requests.Response:
    http = requests.Session()
    page = http.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": username, "password": password}
    return http.post(f"{url}/login", data=form, timeout=10, allow_redirects=False)


def audit_rows(server: LiveServer, action: str, result: str | None = None) -> int:
    engine = create_engine(database_url(server.env["DATABASE_URL"]))
    query = "SELECT count(*) FROM audit_records WHERE action = :action" + (" AND result = :result" if result else "")
    with engine.connect() as connection:
        count = connection.execute(text(query), {"action": action, "result": result}).scalar_one()
    engine.dispose()
    return count


def audit_verify(server: LiveServer) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"]
    return subprocess.run(command, cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)


def type_the_password(page, url: str, then: str) -> None:
    """The duty officer's first step, in the browser: the login form, and the page it leads to."""
    page.goto(f"{url}/login")
    page.fill("#username", "demo-duty")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(then)


def test_a_duty_officer_enrols_the_second_factor_in_the_browser_and_then_needs_it(server, chromium):
    password_only = password_login(server.url, "demo-duty", DEMO_PASSWORD)
    assert password_only.status_code == 302 and password_only.headers["Location"].endswith("/login/second-factor/enrol")

    context = chromium.new_context(**BOARD)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    type_the_password(page, server.url, then="**/login/second-factor/enrol")
    expect(page.locator(".qr svg")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "second-factor-enrol.png", full_page=True)
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    recovery = page.locator(".recovery-codes li").first.inner_text()
    page.click("a.button.primary")
    page.wait_for_url("**/board")
    assert violations(page) == []
    context.close()

    # The next login asks for the code: a wrong one is refused, the next one the app shows lets the officer in.
    context = chromium.new_context(**BOARD)
    page = context.new_page()
    type_the_password(page, server.url, then="**/login/second-factor")
    page.fill("#code", "000000")
    page.click("button[type=submit]")
    expect(page.locator("p.error")).to_contain_text("验证码错误")
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("button[type=submit]")
    page.wait_for_url("**/board")
    context.close()

    # A recovery code stands in once for the phone.
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{server.url}/login", timeout=10).text).group(1)
    http.post(f"{server.url}/login", data={"csrf_token": token, "username": "demo-duty", "password": DEMO_PASSWORD}, timeout=10)
    prompt = http.get(f"{server.url}/login/second-factor", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', prompt).group(1)
    used = http.post(f"{server.url}/login/second-factor", data={"csrf_token": token, "code": recovery}, timeout=10)
    assert used.status_code == 200 and "剩余恢复码：9 个" in used.text
    assert http.get(f"{server.url}/api/me", timeout=10).json()["username"] == "demo-duty"


def test_a_brute_force_script_meets_the_lock_and_the_budget_and_is_all_on_the_record(server):
    guesses = [password_login(server.url, "demo-admin", f"guess-{number}").status_code for number in range(25)]
    assert guesses == [401] * 4 + [429] * 21
    assert password_login(server.url, "demo-admin", DEMO_PASSWORD).status_code == 429, "locked, right password or not"
    # The address's budget of 30 a minute is spent: a hundred names from it meet 429 at once.
    names = [password_login(server.url, f"someone-{number}", "password123").status_code for number in range(100)]
    assert set(names) == {429} or names.index(429) <= 4
    assert audit_rows(server, "login.password", "failed") + audit_rows(server, "login.password", "locked") >= 25
    assert audit_rows(server, "rate_limited", "refused") >= 70
    verified = audit_verify(server)
    assert verified.returncode == 0 and "database: chain holds" in verified.stdout, verified.stdout + verified.stderr
