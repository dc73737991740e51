"""``flask create-user``, ``seed-demo``, ``setup`` and ``generate-synthetic``: what an operator types on day one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dispatch.demo.seed import DEMO_PASSWORD
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import User
from dispatch.services.identity.users import authenticate
from tests.integration.csv_files import row_counts, run_cli

PASSWORD = "A long enough passphrase 7"


def scope_options(world, role: Role) -> list[str]:
    return {
        Role.ADMIN: ["--county", world.county_a.id],
        Role.DUTY_OFFICER: ["--subdistrict", world.sub_a1.id],
        Role.ORG_LEADER: ["--organization", world.org_a1.id],
        Role.GRID_WORKER: ["--cell", world.cell_a1.id, "--cell", world.cell_a1b.id],
    }[role]


def user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_create_user_gives_each_role_its_jurisdiction_and_the_user_can_log_in(app, world, browser, role):
    result = run_cli(app, "create-user", "zhang.wei", "--role", role.value, "--password", PASSWORD, "--name", "张伟",
                     *scope_options(world, role))  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"created zhang.wei ({role.value})"
    created = user("zhang.wei")
    assert (created.role, created.display_name) == (role, "张伟")
    expected = {
        Role.ADMIN: {"county_id": world.county_a.id},
        Role.DUTY_OFFICER: {"county_id": world.county_a.id, "subdistrict_id": world.sub_a1.id},
        Role.ORG_LEADER: {"county_id": world.county_a.id, "organization_id": world.org_a1.id},
        Role.GRID_WORKER: {"cells": sorted([world.cell_a1.id, world.cell_a1b.id])},
    }[role]
    actual = {"cells": sorted(c.id for c in created.cells)} | {
        key: getattr(created, key) for key in ("county_id", "subdistrict_id", "organization_id")
    }
    assert {key: actual[key] for key in expected} == expected
    assert browser().login("zhang.wei", PASSWORD).status_code == 302
    assert created.must_change_password  # someone else knows it: changed at first login


@pytest.mark.parametrize(
    "role, scope",
    [("admin", "county"), ("duty_officer", "subdistrict"), ("org_leader", "organization"), ("grid_worker", "cells")],
)
def test_a_role_without_its_scope_is_refused_in_either_language(app, world, role, scope):
    before = row_counts()

    chinese = run_cli(app, "create-user", "li.na", "--role", role, "--password", PASSWORD)
    english = run_cli(app, "create-user", "li.na", "--role", role, "--password", PASSWORD, "--lang", "en")

    assert chinese.exit_code == english.exit_code == 2
    assert f"{scope}: 该角色需要指定管辖范围：{scope}" in chinese.stderr
    assert f"{scope}: this role needs its jurisdiction: {scope}" in english.stderr
    assert row_counts() == before


@pytest.mark.parametrize(
    "role, option, field",
    [("admin", "--county", "county"), ("duty_officer", "--subdistrict", "subdistrict"),
     ("org_leader", "--organization", "organization"), ("grid_worker", "--cell", "cells")],
)  # fmt: skip
def test_a_scope_that_does_not_exist_is_named_and_nothing_is_created(app, world, role, option, field):
    before = row_counts()

    result = run_cli(app, "create-user", "li.na", "--role", role, option, 9999, "--password", PASSWORD, "--lang", "en")

    assert result.exit_code == 2
    assert f"{field}: no such {field}:" in result.stderr and "9999" in result.stderr
    assert user("li.na") is None and row_counts() == before


def test_a_weak_password_is_refused(app, world):
    result = run_cli(app, "create-user", "li.na", "--role", "admin", "--county", world.county_a.id, "--password", "123456789",
                     "--lang", "en")  # fmt: skip

    assert result.exit_code == 2
    assert "password: the password needs at least 10 characters" in result.stderr
    assert "password: the password needs at least 3 of:" in result.stderr
    assert user("li.na") is None


def test_a_taken_username_is_refused(app, world):
    command = ["create-user", "li.na", "--role", "admin", "--county", world.county_a.id, "--password", PASSWORD]
    assert run_cli(app, *command).exit_code == 0

    again = run_cli(app, *command[:-1], "Another passphrase 8", "--lang", "en")

    assert again.exit_code == 2
    assert "username: the username is taken" in again.stderr
    assert can_log_in("li.na", PASSWORD)


def can_log_in(username: str, password: str) -> bool:
    return authenticate(username, password) is not None


def test_the_password_can_be_typed_at_a_hidden_prompt(app, world):
    result = app.test_cli_runner().invoke(
        args=["create-user", "li.na", "--role", "admin", "--county", str(world.county_a.id)], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert can_log_in("li.na", PASSWORD)


def test_seed_demo_twice_adds_nothing_the_second_time_and_prints_the_same_logins(app):
    first = run_cli(app, "seed-demo")
    counts = row_counts()
    second = run_cli(app, "seed-demo")

    assert first.exit_code == second.exit_code == 0
    assert second.stdout == first.stdout
    assert row_counts() == counts
    assert f"password 密码: {DEMO_PASSWORD}" in first.stdout
    assert {"demo-admin", "demo-duty", "demo-leader", "demo-grid"} <= set(first.stdout.split())


def test_the_demo_district_looks_like_a_real_one(app):
    run_cli(app, "seed-demo")

    counts = row_counts()

    assert counts["counties"] == 1
    assert 8 <= counts["subdistricts"] <= 20
    assert 30 <= counts["communities"] <= 120
    assert 200 <= counts["grid_cells"] <= 600
    assert 200 <= counts["organizations"] <= 600
    assert 1_000 <= counts["members"] <= 10_000
    assert counts["certifications"] > 0 and counts["organization_cells"] >= counts["organizations"]


def test_every_demo_login_can_log_in_with_the_demo_password(app, browser):
    result = run_cli(app, "seed-demo")
    usernames = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  demo-")]

    assert len(usernames) >= 4
    for username in usernames:
        client = browser()
        assert client.login(username, DEMO_PASSWORD).status_code == 302, username
        assert client.get("/api/me").status_code == 200, username  # the demo is not asked to change its password
    assert browser().login(usernames[0], "wrong password").status_code != 302


def test_setup_without_the_demo_leaves_an_empty_database_empty_and_with_it_seeds_the_demo(app):
    bare = run_cli(app, "setup", "--no-demo")
    assert bare.exit_code == 0, bare.stderr
    assert row_counts()["counties"] == 0

    by_default = run_cli(app, "setup")
    production = bool(app.config["REDIS_URL"])
    assert by_default.exit_code == 0 and (row_counts()["counties"] == 0) == production  # the demo seeds itself only when embedded

    seeded = run_cli(app, "setup", "--demo")

    assert seeded.exit_code == 0, seeded.stderr
    assert "demo-admin" in seeded.stdout and row_counts()["grid_cells"] > 0


SMALL = ["--cells", 200, "--organizations", 100, "--members", 500]
FILES = ("cells.geojson", "organizations.csv", "members.csv")


def generate(app, directory, seed: int):
    result = run_cli(app, "generate-synthetic", directory, "--seed", seed, *SMALL)
    assert result.exit_code == 0, result.stderr
    return result


def test_synthetic_data_is_the_same_for_the_same_seed_and_differs_for_another(app, tmp_path):
    result = generate(app, tmp_path / "a", 7)
    generate(app, tmp_path / "b", 7)
    generate(app, tmp_path / "c", 8)

    assert json.loads(result.stdout) == {"cells": 200, "organizations": 100, "members": 500}
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name


def test_synthetic_data_imports_cleanly_with_the_three_import_commands(app, tmp_path):
    generate(app, tmp_path, 3)

    places = run_cli(app, "import-places", tmp_path / "cells.geojson")
    organizations = run_cli(app, "import-organizations", tmp_path / "organizations.csv")
    members = run_cli(app, "import-members", tmp_path / "members.csv")

    assert places.exit_code == 0, places.stderr
    assert organizations.exit_code == 0, organizations.stderr
    assert members.exit_code == 0, members.stderr
    assert json.loads(places.stdout)["cells"] == 200
    assert json.loads(organizations.stdout) == {"organizations": 100}
    assert json.loads(members.stdout)["members"] == 500
    counts = row_counts()
    assert (counts["grid_cells"], counts["organizations"], counts["members"]) == (200, 100, 500)
