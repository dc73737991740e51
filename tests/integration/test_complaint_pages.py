"""Complaint pages: anyone files one from an organization's page, and the managing body decides it in its inbox."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Complaint


def test_a_complaint_filed_from_the_organization_page_is_decided_in_the_inbox(world, browser):
    grid = browser(world.grid)
    filed = grid.send("POST", f"/organizations/{world.org_a1.id}/complaints", None,
                      data={"summary": "清淤时占用消防通道", "contact": "13800001111"}, content_type="multipart/form-data")  # fmt: skip
    assert filed.status_code == 302
    assert "投诉已送达" in grid.get(filed.headers["Location"]).get_data(as_text=True)

    duty = browser(world.duty)
    inbox = duty.get("/complaints").get_data(as_text=True)
    assert "清淤时占用消防通道" in inbox and "13800001111" in inbox
    complaint = db.session.scalar(select(Complaint))
    decided = duty.send("POST", f"/complaints/{complaint.id}/decision", None, data={"outcome": "upheld", "note": "已约谈"},
                        content_type="multipart/form-data")  # fmt: skip
    assert decided.status_code == 302
    db.session.refresh(complaint)
    assert complaint.status.value == "upheld"

    leader_view = browser(world.leader).get("/complaints?status=all").get_data(as_text=True)
    assert "清淤时占用消防通道" in leader_view and "13800001111" not in leader_view


def test_an_empty_complaint_is_refused_and_nothing_is_written(world, browser):
    refused = browser(world.grid).send("POST", f"/organizations/{world.org_a1.id}/complaints", None, data={"summary": ""},
                                       content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(Complaint.id))) == 0
