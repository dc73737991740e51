from datetime import date

from dispatch.domain.training import certificate_expiry, expiring_window


def test_a_certificate_runs_the_given_months_from_the_training_day():
    assert certificate_expiry(date(2026, 3, 15), 12) == date(2027, 3, 15)
    assert certificate_expiry(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert certificate_expiry(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert certificate_expiry(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_expiring_within_thirty_days_includes_today_and_the_thirtieth_day():
    assert expiring_window(date(2026, 11, 27), 30) == (date(2026, 11, 27), date(2026, 12, 27))
