"""Schemathesis over a live server's OpenAPI document, as one logged-in user: how many requests it made, how many
the server failed with a 5xx, and every distinct way an answer broke the document."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import get_args

import schemathesis
from pydantic_core.core_schema import ErrorType
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

SEED = 20260712  # fixed, with Hypothesis derandomized: the same cases on every run, so CI is stable
EXAMPLES_PER_OPERATION = 10  # of the fuzzing phase; the coverage phase adds its own fixed boundary cases (~50 each)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
    "negative_data_rejection",
    "refused_for_its_shape",
)
REFUSALS = ["400", "401", "403", "404", "406", "413", "415", "422", "428", "5xx"]  # schemathesis's, and 413, 415
# pydantic's own error types are about a request's shape; our codes (skill.unknown, incident.transition) are about what
# it means. value_error and assertion_error are raised by our own validators.
SHAPE_ERRORS = frozenset(get_args(ErrorType)) - {"value_error", "assertion_error"} | {"null_not_allowed"}


@schemathesis.check
def refused_for_its_shape(ctx, response, case) -> bool | None:
    """A request the document calls valid may be refused for what it means (an unknown skill, a closed need), but
    never for its shape: that is the document and the validator disagreeing."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    shape = {error["code"] for error in response.json()["error"]["errors"]} & SHAPE_ERRORS
    if shape:
        raise AssertionError(f"a request valid per the document was refused for its shape: {sorted(shape)}")
    return None


@dataclass
class Report:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # operation and failure -> the request that shows it

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def successes(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    def record(self, finished: events.ScenarioFinished) -> None:
        self.cases += len(finished.recorder.cases)
        self.statuses.update(i.response.status_code for i in finished.recorder.interactions.values() if i.response is not None)
        for checks in finished.recorder.checks.values():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    key = f"{finished.recorder.label}: {failure.title}: {failure.message.splitlines()[0] if failure.message else ''}"
                    self.failures.setdefault(key, check.failure_info.code_sample)

    def __str__(self) -> str:
        found = "\n".join(f"- {failure}\n  {request}" for failure, request in sorted(self.failures.items()))
        return (
            f"{self.cases} cases, answers {dict(sorted(self.statuses.items()))}, {len(self.failures)} distinct failures\n{found}"
        )


def fuzz(url: str, http, examples: int = EXAMPLES_PER_OPERATION) -> Report:
    """Run every phase but the stateful one over every operation, as the user ``http`` is logged in as."""
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json", config=_config(url, http, examples))
    report = Report()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            report.record(event)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            report.failures[f"{getattr(event, 'label', 'the run')}: error"] = repr(getattr(event, "value", event))
    return report


def _config(url: str, http, examples: int) -> SchemathesisConfig:
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": url,
            "request-timeout": 30,
            "headers": {"Cookie": cookie, "X-CSRFToken": http.headers["X-CSRFToken"]},
            "generation": {"mode": "all", "max-examples": examples, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                # A body over the upload limit (413) or of a type the operation does not read (415) is refused too.
                "negative_data_rejection": {"enabled": True, "expected-statuses": REFUSALS},
            },
        }
    )
