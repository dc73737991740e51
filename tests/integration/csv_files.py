"""Small import files built in a test, the CLI run on them, and what "the database is unchanged" compares."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import (
    Certification,
    Community,
    County,
    GridCell,
    Member,
    Organization,
    OrganizationSkill,
    Subdistrict,
    User,
)
from dispatch.models.organizations import member_skills, organization_cells

# The headers Excel users in China write (see dispatch.schemas.rows for the aliases).
ORGANIZATION_HEADER_ZH = [
    "名称",
    "类型",
    "统一社会信用代码",
    "社区代码",
    "服务网格",
    "经度",
    "纬度",
    "技能",
    "负责人",
    "负责人手机",
]
MEMBER_HEADER_ZH = ["社区代码", "组织名称", "姓名", "手机", "技能", "证书"]
TABLES = (County, Subdistrict, Community, GridCell, Organization, OrganizationSkill, Member, Certification, User)


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write a CSV as Excel would (CRLF lines) in the given encoding: utf-8, utf-8-sig, gbk or gb18030."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run_cli(app, *args: object):
    """Run ``flask <args>`` in the test's app context; the result has exit_code, stdout and stderr."""
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def row_counts() -> dict[str, int]:
    """Rows in every registry table, to show that a failed import wrote nothing."""
    counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}
    for table in (organization_cells, member_skills):
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


def error_lines(stderr: str) -> list[str]:
    """The per-row lines of a failed import's report (the indented ones under the headline)."""
    return [line.strip() for line in stderr.splitlines() if line.startswith("  ")]
