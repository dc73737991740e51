"""Configuration: embedded defaults on a laptop, and production refusing to start without what it needs."""

from __future__ import annotations

import pytest

from dispatch.config import Config, ConfigError, database_url
from dispatch.personal_data.cipher import new_key

PERSONAL_DATA_SETTINGS = ("PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY")


@pytest.fixture(autouse=True)
def personal_data_keys(monkeypatch):
    """Production refuses to start without the keys of personal data; the tests of other settings give them."""
    monkeypatch.setenv("PERSONAL_DATA_KEYS", f"1:{new_key()}")
    monkeypatch.setenv("PERSONAL_DATA_HASH_KEY", new_key(32))


def test_the_embedded_default_needs_nothing_set(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") and config.embedded
    assert config.SESSION_COOKIE_SECURE is False and len(config.SECRET_KEY) == 64


def test_production_refuses_to_start_without_a_shared_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/dispatch")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config()


@pytest.mark.parametrize("name", ["SECRET_KEY", "METRICS_TOKEN"])
def test_a_secret_left_at_the_templates_placeholder_stops_the_start(monkeypatch, name):
    """deploy/dispatch.env.example says change-me where a secret goes: a server must not sign sessions, one-tap links
    and audit seals with a key printed in the repository."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/dispatch")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv(name, "change-me")
    with pytest.raises(ConfigError, match=f"{name} is still the template's placeholder"):
        Config()


def test_production_cookies_are_secure_by_default(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    assert Config().SESSION_COOKIE_SECURE is True


def test_postgres_urls_use_the_psycopg3_driver():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_the_public_url_follows_the_port_the_app_is_served_on(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "5099")
    assert Config().PUBLIC_URL == "http://127.0.0.1:5099"


def test_passwords_expire_after_90_days_in_production_and_never_in_the_embedded_demo(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "PASSWORD_MAX_AGE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    embedded = Config()
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/dispatch")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    production = Config()
    assert (embedded.PASSWORD_MAX_AGE_DAYS, production.PASSWORD_MAX_AGE_DAYS) == (0, 90)
    assert (production.PASSWORD_MIN_LENGTH, production.PASSWORD_MIN_CLASSES, production.PASSWORD_HISTORY) == (10, 3, 5)


def test_demo_logins_are_allowed_only_in_the_embedded_demo_unless_production_says_so(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "ALLOW_DEMO_LOGINS"):
        monkeypatch.delenv(name, raising=False)
    assert Config().ALLOW_DEMO_LOGINS is True
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert Config().ALLOW_DEMO_LOGINS is False
    monkeypatch.setenv("ALLOW_DEMO_LOGINS", "1")
    assert Config().ALLOW_DEMO_LOGINS is True


@pytest.mark.parametrize("missing", PERSONAL_DATA_SETTINGS)
def test_production_refuses_to_start_without_the_keys_of_personal_data(monkeypatch, missing):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/dispatch")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        Config()


def test_a_key_that_is_not_16_bytes_of_base64_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("PERSONAL_DATA_KEYS", "1:c2hvcnQ=")
    with pytest.raises(ConfigError, match="16 bytes"):
        Config()


def test_the_embedded_default_keeps_generated_personal_data_keys_readable_by_its_owner_only(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", *PERSONAL_DATA_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("dispatch.config.INSTANCE_DIR", tmp_path)
    first, again = Config(), Config()
    assert (first.PERSONAL_DATA_KEYS, first.PERSONAL_DATA_HASH_KEY) == (again.PERSONAL_DATA_KEYS, again.PERSONAL_DATA_HASH_KEY)
    assert first.PERSONAL_DATA_KEYS.startswith("1:")
    for name in PERSONAL_DATA_SETTINGS:
        assert (tmp_path / name.lower()).stat().st_mode & 0o777 == 0o600
