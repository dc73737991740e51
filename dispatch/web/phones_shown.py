"""Phone numbers on pages are masked (138****1234) for everyone by default; whoever may see a number in full
(``dispatch.domain.scope``) shows it with a deliberate click (``?phones=full``), and that is recorded in the audit."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from dispatch.domain.phone import mask, readable
from dispatch.services import audit


@dataclass
class PhonesShown:
    """Whether this page was asked to show numbers in full, and the one audit record of it when any were shown."""

    PARAMETERS = ("phones",)

    asked_for: bool
    what: str
    which: object
    recorded: bool = False

    @classmethod
    def asked(cls, what: str, which: object = "") -> PhonesShown:
        return cls(request.args.get("phones") == "full", what, which)

    def number(self, e164: str | None, entitled: bool) -> str:
        if not (self.asked_for and entitled):
            return mask(e164)
        if not self.recorded:
            self.recorded = True
            audit.record("phone.revealed", object_type=self.what, object_id=self.which, detail={"path": request.path})
        return readable(e164)

    def context(self, entitled: bool) -> dict:
        """What the page's 显示完整号码 / 隐藏号码 link needs: shown only to someone who may see a number in full."""
        if not entitled:
            return {"phones_link": None}
        arguments = {**(request.view_args or {}), **request.args.to_dict()}
        if self.asked_for:
            arguments.pop("phones", None)
        else:
            arguments["phones"] = "full"
        return {"phones_link": url_for(request.endpoint, **arguments), "phones_shown": self.asked_for}
