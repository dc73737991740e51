"""Names templates use: the language, and labels for roles, statuses and managing bodies."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import lazy_gettext as _l

from dispatch.i18n import language

ROLE_LABELS = {
    "admin": _l("Civil affairs admin"),
    "duty_officer": _l("Duty officer"),
    "org_leader": _l("Organization leader"),
    "grid_worker": _l("Grid worker"),
}
STATUS_LABELS = {"registered": _l("Registered"), "filed": _l("Filed"), "guided": _l("Guided")}
BODY_LABELS = {
    "county": _l("county civil affairs"),
    "subdistrict": _l("the subdistrict"),
    "community": _l("the community committee"),
}


LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # what the people using the pages read on their clocks


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def helpers() -> dict:
        return {
            "lang": language(),
            "role_label": lambda role: str(ROLE_LABELS.get(role, role)),
            "status_label": lambda status: str(STATUS_LABELS.get(status, status)),
            "body_label": lambda body: str(BODY_LABELS.get(body, body)),
            "place": lambda place: place.label(language()),
            "local_zone": LOCAL_ZONE,
            "colon": "：" if language() == "zh" else ": ",  # between a label and its value
            "enclose": lambda text: f"（{text}）" if language() == "zh" else f" ({text})",
        }
