"""The app's own log lines, with their time and process: the web and worker processes write them to stderr, where a
supervisor keeps them. Production writes one JSON object a line (``dispatch/telemetry/json_lines.py``: every request,
every job, every refused webhook, with the request's id); the embedded default writes plain lines for a person at a
terminal, the same fields after the message."""

from __future__ import annotations

import logging

from dispatch.telemetry.json_lines import JsonLines

FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"


class PlainLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        text = super().format(record)
        return f"{text} " + " ".join(f"{key}={value}" for key, value in fields.items()) if fields else text


def configure(level: int = logging.INFO, *, json_lines: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if json_lines else PlainLines())
    for name in ("dispatch", "notifications", "geo", "rq"):  # RQ's own lines too, so a worker's log is one format
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.setLevel(level)
            logger.addHandler(handler)
            logger.propagate = False
