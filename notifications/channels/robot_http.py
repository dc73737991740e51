"""One POST to a group robot's webhook and its answer, as DingTalk and WeCom both shape it (``errcode``, ``errmsg``).

The network's troubles (timeouts, refused connections, 5xx) are temporary; what the platform says is sorted by the
robot's own table of temporary error codes, every other non-zero code being permanent.
"""

from __future__ import annotations

from typing import Any

import requests

from notifications.channels import PermanentFailure, TemporaryFailure


class RobotTimedOut(TemporaryFailure):
    """The platform did not answer in time: the message may have arrived or not (the platform cannot be asked)."""


class RobotUnreachable(TemporaryFailure):
    """No connection to the platform: nothing arrived."""


def post(url: str, params: dict[str, str], body: dict[str, Any], timeout_s: float, temporary: set[int]) -> dict[str, Any]:
    """Send ``body`` as JSON; the platform's answer when its ``errcode`` is 0, else the failure it amounts to."""
    try:
        response = requests.post(url, params=params, json=body, timeout=timeout_s)
    except requests.ConnectionError as exc:  # a connect timeout too: nothing was sent
        raise RobotUnreachable(f"robot unreachable: {type(exc).__name__}") from exc
    except requests.Timeout as exc:
        raise RobotTimedOut(f"robot timed out after {timeout_s:g} s: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TemporaryFailure(f"robot answered HTTP {response.status_code}")
    try:
        answer = response.json()
        code = int(answer.get("errcode", -2))
    except (ValueError, AttributeError, TypeError) as exc:
        raise PermanentFailure(f"robot answered HTTP {response.status_code} without its JSON") from exc
    if code == 0:
        return answer
    error = f"{code} {str(answer.get('errmsg', ''))[:150]}"
    raise TemporaryFailure(error) if code in temporary else PermanentFailure(error)
