"""A province-scale synthetic registry for benchmarks, deterministic by seed, written as import files.

The files go through the real importers, so a benchmark of the import measures what a county would run.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from pathlib import Path

from dispatch.domain.credit_code import ALPHABET, make_credit_code
from dispatch.domain.skills import SKILL_SEEDS
from geo.cells import GridIndex
from geo.synthetic import SyntheticGrid, organization_points, province_grid

SKILL_CODES = [s.code for s in SKILL_SEEDS]
MOBILE_PREFIXES = ("138", "139", "150", "151", "158", "186", "187", "188", "135", "136")


def generate(
    directory: Path,
    seed: int = 1,
    cells: int = 100_000,
    organizations: int = 100_000,
    members: int = 1_000_000,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write cells.geojson, organizations.csv and members.csv for a synthetic province."""
    directory.mkdir(parents=True, exist_ok=True)
    grid = province_grid(seed=seed, n=cells)
    say = progress or (lambda _message: None)
    say("cells")
    _write_cells(directory / "cells.geojson", grid)
    say("organizations")
    orgs = _write_organizations(directory / "organizations.csv", grid, organizations, random.Random(seed))
    say("members")
    _write_members(directory / "members.csv", orgs, members, random.Random(seed + 1))
    return {"cells": len(grid), "organizations": organizations, "members": members}


def _codes(grid: SyntheticGrid, i: int) -> dict[str, str]:
    return {
        "county": f"S{grid.county_ids[i]:04d}",
        "subdistrict": f"S{grid.county_ids[i]:04d}-{grid.subdistrict_ids[i]:05d}",
        "community": f"C{grid.community_ids[i]:06d}",
        "cell": f"G{grid.cell_ids[i]:07d}",
    }


def _write_cells(path: Path, grid: SyntheticGrid) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"type":"FeatureCollection","features":[\n')
        for start in range(0, len(grid), 10_000):
            rings = grid.rings(start, start + 10_000)
            for offset, ring in enumerate(rings):
                handle.write(
                    ("," if start + offset else "") + json.dumps(_feature(grid, start + offset, ring), ensure_ascii=False) + "\n"
                )
        handle.write("]}\n")


def _feature(grid: SyntheticGrid, i: int, ring) -> dict:
    codes = _codes(grid, i)
    properties = {
        "county_code": codes["county"], "county_name": f"合成县{grid.county_ids[i]}",
        "subdistrict_code": codes["subdistrict"], "subdistrict_name": f"合成街道{grid.subdistrict_ids[i]}",
        "community_code": codes["community"], "community_name": f"合成社区{grid.community_ids[i]}",
        "code": codes["cell"], "name": f"合成网格{grid.cell_ids[i]}",
    }  # fmt: skip
    coordinates = [[[round(float(lon), 7), round(float(lat), 7)] for lon, lat in ring]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": coordinates}}


def _write_organizations(path: Path, grid: SyntheticGrid, count: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """Returns (community code, name, skills) of every organization, for the members file."""
    lons, lats = organization_points(seed=rng.randrange(1 << 30), n=count, grid=grid)
    home_cells = GridIndex(grid.cells()).cells_at(lons, lats)  # each organization belongs where its base is
    written = []
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "name",
                "status",
                "credit_code",
                "community_code",
                "cell_codes",
                "base_lon",
                "base_lat",
                "skills",
                "leader_name",
                "leader_phone",
            ]
        )
        for n in range(count):
            codes = _codes(grid, int(home_cells[n]) - 1)  # cell ids are dense and 1-based
            skills = rng.sample(SKILL_CODES, rng.randint(1, 4))
            status = rng.choices(("registered", "filed", "guided"), (3, 5, 2))[0]
            credit = _credit_code(n) if status == "registered" else ""
            name = f"合成应急志愿队{n + 1:06d}"
            writer.writerow(
                [
                    name,
                    status,
                    credit,
                    codes["community"],
                    codes["cell"],
                    f"{lons[n]:.6f}",
                    f"{lats[n]:.6f}",
                    ";".join(f"{s}:{rng.randint(2, 40)}" for s in skills),
                    f"负责人{n + 1}",
                    _mobile(n),
                ]
            )
            written.append((codes["community"], name, skills))
    return written


def _write_members(path: Path, orgs: list[tuple[str, str, list[str]]], count: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community_code", "organization_name", "name", "phone", "skills", "certifications"])
        for n in range(count):
            community, name, skills = orgs[n % len(orgs)]
            skill = rng.choice(skills)
            certificate = (
                f"{skill}:{2026 + rng.randint(0, 3)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}:合成培训中心"
                if rng.random() < 0.3
                else ""
            )
            writer.writerow([community, name, f"队员{n + 1}", _mobile(10_000_000 + n), skill, certificate])


def _mobile(n: int) -> str:
    """A distinct, valid-looking mainland mobile number for every n below 100 million."""
    prefix = MOBILE_PREFIXES[n // 10_000_000 % len(MOBILE_PREFIXES)]
    return f"{prefix}{n % 100_000_000:08d}"


def _credit_code(n: int) -> str:
    serial = "".join(ALPHABET[(n // 31**k) % 31] for k in range(7))
    return make_credit_code("5", "1", "330000", "MJ" + serial)
