"""The log format of production: one JSON object a line, with the time, level, logger, process, message, the fields
a line was given (``extra={"fields": {...}}``) and, inside a request, the request's id."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if (request_id := _request_id()) is not None:
            line.setdefault("request_id", request_id)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _request_id() -> str | None:
    from dispatch.telemetry.requests import request_id

    return request_id()
