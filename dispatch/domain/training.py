"""Training rules on plain values: when a certificate earned at a session runs out, and which run out soon."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def certificate_expiry(held_on: date, months: int) -> date:
    """The last valid day of a certificate earned on ``held_on`` for ``months`` months (31 Jan + 1 month: 28/29 Feb)."""
    month_index = held_on.month - 1 + months
    year, month = held_on.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(held_on.day, calendar.monthrange(year, month)[1]))


def expiring_window(today: date, days: int) -> tuple[date, date]:
    """The expiry dates counted as "expiring within ``days``": from today (still valid today) to today + days."""
    return today, today + timedelta(days=days)
