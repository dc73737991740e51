"""A job for the queue tests: appends a line to a file, so a test can see that (and how often) it ran."""

from __future__ import annotations

from flask import current_app


def record(path: str, value: str) -> None:
    with open(path, "a") as handle:
        handle.write(f"{value} {current_app.name}\n")
