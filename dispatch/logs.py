"""The app's own log lines, with their time and process: the web and worker processes write them to stderr, where a
supervisor keeps them. Without this only warnings reach stderr, with no time to line them up by."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    for name in ("dispatch", "notifications", "geo"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.setLevel(level)
            logger.addHandler(handler)
            logger.propagate = False
