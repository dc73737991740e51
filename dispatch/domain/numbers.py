"""Numbers as people type them."""

from __future__ import annotations

import math


def finite_number(text: str) -> float | None:
    """A typed number (``120.15``, ``1e-5``, `` 30 ``) as a float; None for anything else, infinities and NaN too."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
