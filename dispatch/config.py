"""Configuration: one class reading the environment, with embedded defaults.

Embedded default: SQLite in ``instance/``, in-process jobs, no Redis, outbox SMS.
Production: set ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from dispatch.domain.failover import parse_failover
from dispatch.personal_data.cipher import Keyring, KeySettingError, new_key, parse_key, parse_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("DISPATCH_INSTANCE_DIR", PROJECT_ROOT / "instance"))


def database_url(raw: str | None) -> str:
    """Normalize a database URL; PostgreSQL URLs use the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'dispatch.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw.removeprefix(prefix)
    return raw


class ConfigError(RuntimeError):
    """A setting the app cannot run without, said plainly at start-up."""


def production() -> bool:
    """Production is the PostgreSQL + Redis column; the embedded default sets neither."""
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"))


# What deploy/dispatch.env.example and the README's examples put where a secret goes: a server started with one of
# these would sign sessions, one-tap links and the audit seals with a key anyone can read.
PLACEHOLDERS = frozenset({"change-me", "changeme", "change_me", "secret", "password", "<secret>"})


def not_a_placeholder(name: str, value: str) -> str:
    if value.strip().lower() in PLACEHOLDERS:
        raise ConfigError(
            f"{name} is still the template's placeholder ({value!r}): generate one (deploy/dispatch.env.example says how)"
        )
    return value


def secret_key() -> str:
    """The environment's key; in the embedded default, one generated once and kept in the instance folder.

    Production must set it: every web process behind the load balancer has to sign sessions with the same key.
    """
    if key := os.environ.get("SECRET_KEY"):
        return not_a_placeholder("SECRET_KEY", key)
    if production():
        raise ConfigError("SECRET_KEY must be set in production (DATABASE_URL or REDIS_URL is set)")
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def personal_data_keys() -> tuple[str, str]:
    """``PERSONAL_DATA_KEYS`` (``1:<base64 16 bytes>,2:…``, the highest id seals new values) and
    ``PERSONAL_DATA_HASH_KEY`` (base64, the lookup hash's own key); in the embedded default each is generated once
    into the instance folder. Production must set both: every process has to open what the others sealed."""
    keys = os.environ.get("PERSONAL_DATA_KEYS") or _instance_key("PERSONAL_DATA_KEYS", lambda: f"1:{new_key()}")
    hash_key = os.environ.get("PERSONAL_DATA_HASH_KEY") or _instance_key("PERSONAL_DATA_HASH_KEY", lambda: new_key(32))
    try:
        Keyring(parse_keys(keys), parse_key(hash_key))
    except KeySettingError as exc:
        raise ConfigError(f"PERSONAL_DATA_KEYS or PERSONAL_DATA_HASH_KEY: {exc}") from exc
    return keys, hash_key


def _instance_key(setting: str, make: Callable[[], str]) -> str:
    if production():
        raise ConfigError(f"{setting} must be set in production (DATABASE_URL or REDIS_URL is set)")
    path = INSTANCE_DIR / setting.lower()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    try:  # created readable by its owner only, and by one process only when several start at once
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(make())
    return path.read_text().strip()


PUSH_TOKEN_MIN = 16  # the push address is the only secret Aliyun's pushes carry


def push_token(token: str | None) -> str | None:
    if token is not None and len(token) < PUSH_TOKEN_MIN:
        raise ConfigError(f"ALIYUN_PUSH_TOKEN must be at least {PUSH_TOKEN_MIN} characters: it is the pushes' only secret")
    return token


def networks(setting: str, text: str) -> tuple:
    """Comma-separated addresses or networks (``100.104.0.0/16, 127.0.0.1``); a wrong one stops the start."""
    import ipaddress

    found = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{setting}: {part!r} is not an address or a network") from exc
    return tuple(found)


def gevent_patched() -> bool:
    """True in a process that ``python wsgi.py`` monkey-patched for gevent (a web process in production)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings read from the environment when the app is created."""

    def __init__(self) -> None:
        self.SECRET_KEY = secret_key()
        self.SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RQ_QUEUE = os.environ.get("RQ_QUEUE", "dispatch")
        self.SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "dispatch-socketio")
        self.SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or ("gevent" if gevent_patched() else "threading")
        local = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", local)
        # Secure cookies in production (behind TLS); the embedded default serves plain http on 127.0.0.1.
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", production() or self.PUBLIC_URL.startswith("https"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
        self.SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_ABSOLUTE_TIMEOUT
        # The cookie lives as long as the session may, from the login; signing it again on every answer would only move
        # an expiry the server enforces anyway (the sessions table), at a cost on every request. Changed, it is re-sent.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(2 * 1024 * 1024)))
        # PostgreSQL ends a transaction left idle this long (a frozen process's), so its row locks stop nobody for
        # longer; the app's own transactions never wait on anything that long (the geocoder's timeout is shorter).
        self.DB_IDLE_TRANSACTION_S = float(os.environ.get("DB_IDLE_TRANSACTION_S", "5"))
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own timeouts
        self.BABEL_DEFAULT_LOCALE = "zh"
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
        self.LANGUAGES = ("zh", "en")
        self.PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
        # Optional online geocoder: a geopy service name, its options as JSON, and the coordinate system it answers in.
        self.GEOCODER = os.environ.get("GEOCODER") or None
        self.GEOCODER_OPTIONS = json.loads(os.environ.get("GEOCODER_OPTIONS") or "{}")
        self.GEOCODER_SYSTEM = os.environ.get("GEOCODER_SYSTEM", "wgs84")
        self.GEOCODER_TIMEOUT_S = float(os.environ.get("GEOCODER_TIMEOUT_S", "3"))
        # Duty group robots (registered on /duty-groups): each platform's rate per robot (both document 20 a minute),
        # the bytes one message may hold, and, in tests only, a local fake of the platform's API.
        self.DINGTALK_PER_MINUTE = int(os.environ.get("DINGTALK_PER_MINUTE", "20"))
        self.WECOM_PER_MINUTE = int(os.environ.get("WECOM_PER_MINUTE", "20"))
        self.DINGTALK_MAX_BYTES = int(os.environ.get("DINGTALK_MAX_BYTES", "4000"))
        self.WECOM_MAX_BYTES = int(os.environ.get("WECOM_MAX_BYTES", "4000"))  # the platform refuses past 4096
        self.DINGTALK_API_BASE = os.environ.get("DINGTALK_API_BASE") or None
        self.WECOM_API_BASE = os.environ.get("WECOM_API_BASE") or None
        self.ROBOT_TIMEOUT_S = float(os.environ.get("ROBOT_TIMEOUT_S", "5"))  # a slow platform holds up the drain
        # Messages: Twilio when configured (production), else the outbox backend and its phone simulator page.
        self.TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID") or None
        self.TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN") or None
        self.TWILIO_FROM = os.environ.get("TWILIO_FROM") or None
        self.TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE") or None  # tests: a local fake of Twilio's API
        self.TWILIO_TIMEOUT_S = float(os.environ.get("TWILIO_TIMEOUT_S", "10"))
        # Aliyun SMS (mainland China, two-way): keys, the approved signature and each message kind's template code;
        # its delivery reports and replies are pushed to /aliyun/<ALIYUN_PUSH_TOKEN>/report and /reply.
        self.ALIYUN_ACCESS_KEY_ID = os.environ.get("ALIYUN_ACCESS_KEY_ID") or None
        self.ALIYUN_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_ACCESS_KEY_SECRET") or None
        self.ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME") or None
        self.ALIYUN_SMS_TEMPLATES = os.environ.get("ALIYUN_SMS_TEMPLATES") or None  # notifications/channels/aliyun_templates.py
        self.ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT") or None  # tests: a local fake
        self.ALIYUN_TIMEOUT_S = float(os.environ.get("ALIYUN_TIMEOUT_S", "10"))
        self.ALIYUN_PUSH_TOKEN = push_token(os.environ.get("ALIYUN_PUSH_TOKEN") or None)
        self.ALIYUN_PUSH_FROM = networks("ALIYUN_PUSH_FROM", os.environ.get("ALIYUN_PUSH_FROM", ""))  # pushes come from
        # Which technology plays each role (notifications/channels/configured.py); empty: follow the credentials.
        self.SMS_CHANNEL = os.environ.get("SMS_CHANNEL", "")
        self.VOICE_CHANNEL = os.environ.get("VOICE_CHANNEL", "")
        # Channels whose offer messages carry the one-tap link (a domestic SMS links only to a domain filed with its
        # template: there the template itself carries the link; Twilio's China route carries no links at all).
        self.OFFER_LINKS = tuple(
            name.strip() for name in os.environ.get("OFFER_LINKS", "outbox,twilio").split(",") if name.strip()
        )
        self.SMS_PER_SECOND = float(os.environ.get("SMS_PER_SECOND", "0"))  # per sender number; 0: no cap
        self.SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "5"))
        try:
            self.FAILOVER = parse_failover(os.environ.get("FAILOVER"))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        # Map tiles for the board: a URL template in WGS-84 (e.g. an OpenStreetMap mirror). None: the map draws the
        # grid cells and needs on a plain background, which works with no tile server reachable.
        self.MAP_TILES = os.environ.get("MAP_TILES") or None
        self.MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION", "")
        self.MAP_TILES_SYSTEM = os.environ.get("MAP_TILES_SYSTEM", "wgs84")  # gcj02 for AMap or Tencent tiles
        # Login protection (等保 身份鉴别): wrong passwords lock a login name; each client address is rate limited.
        self.LOGIN_LOCK_ATTEMPTS = int(os.environ.get("LOGIN_LOCK_ATTEMPTS", "5"))
        self.LOGIN_LOCK_WINDOW = timedelta(minutes=float(os.environ.get("LOGIN_LOCK_WINDOW_MINUTES", "15")))
        self.LOGIN_LOCK_PERIOD = timedelta(minutes=float(os.environ.get("LOGIN_LOCK_MINUTES", "15")))
        # Per client address (limits' notation: "30/minute;300/hour"). A street office's staff may share one address.
        self.RATE_LIMIT_LOGIN = os.environ.get("RATE_LIMIT_LOGIN", "30/minute;300/hour")
        self.RATE_LIMIT_LOGIN_CODE = os.environ.get("RATE_LIMIT_LOGIN_CODE", "10/minute;60/hour")
        self.RATE_LIMIT_API = os.environ.get("RATE_LIMIT_API", "1200/minute")
        self.RATE_LIMIT_WEBHOOKS = os.environ.get("RATE_LIMIT_WEBHOOKS", "6000/minute")
        # The one-tap offer links (/t/<token>), opened with no login: a leader's phone, or many behind one carrier address.
        self.RATE_LIMIT_LINKS = os.environ.get("RATE_LIMIT_LINKS", "120/minute;1200/hour")
        self.RATELIMIT_ENABLED = env_flag("RATE_LIMITS", True)
        # Shared by every web process in production (Redis); the embedded default has one process.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATE_LIMIT_STORAGE") or self.REDIS_URL or "memory://"
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATE_LIMIT_PREFIX", "dispatch-limits")
        # Retry-After is set on the 429 itself (dispatch/api/errors.py): Flask-Limiter's own headers would also
        # overwrite the Retry-After of other answers (a 503 while the database is away).
        self.RATELIMIT_HEADERS_ENABLED = False
        self.RATELIMIT_STRATEGY = "moving-window"  # a fixed window lets twice the budget through across its edge
        # Redis restarting must not turn every request into an error: each process counts on its own meanwhile.
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        # Behind nginx (deploy/), the client's address is the one the proxies put in X-Forwarded-For.
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        # /metrics with "Authorization: Bearer <token>"; without one, only straight from this machine (dispatch/web/metrics.py).
        self.METRICS_TOKEN = not_a_placeholder("METRICS_TOKEN", os.environ.get("METRICS_TOKEN", ""))
        # Passwords (等保 身份鉴别): length and classes (of lower, upper, digit, other), never the login name; expiry in
        # days (0: never; 90 in production) and how many recent passwords may not come back.
        self.PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
        self.PASSWORD_MIN_CLASSES = int(os.environ.get("PASSWORD_MIN_CLASSES", "3"))
        self.PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90" if production() else "0"))
        self.PASSWORD_HISTORY = int(os.environ.get("PASSWORD_HISTORY", "5"))
        # Production refuses to start while a demo account keeps the demo password, unless this says otherwise (the
        # test harnesses and benchmarks that run production mode with the demo district).
        self.ALLOW_DEMO_LOGINS = env_flag("ALLOW_DEMO_LOGINS", not production())
        # Two factors (TOTP) for administrators and duty officers: required in production unless TWO_FACTOR=0.
        self.TWO_FACTOR_REQUIRED = env_flag("TWO_FACTOR", production())
        self.TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "社区应急派单")
        # The audit trail's seal key; without one, a key derived from SECRET_KEY (set AUDIT_KEY and never change it).
        self.AUDIT_KEY = os.environ.get("AUDIT_KEY") or None
        self.AUDIT_ARCHIVE_DIR = os.environ.get("AUDIT_ARCHIVE_DIR") or str(INSTANCE_DIR / "audit-archive")
        # What signs the one-tap offer links; without one, a key derived from SECRET_KEY (changing either voids the links sent).
        self.OFFER_LINK_KEY = os.environ.get("OFFER_LINK_KEY") or None
        # Phones at rest (PIPL): SM4-GCM keys by id and the lookup hash's key (dispatch/personal_data/).
        self.PERSONAL_DATA_KEYS, self.PERSONAL_DATA_HASH_KEY = personal_data_keys()
        self.TESTING = False

    @property
    def embedded(self) -> bool:
        return self.REDIS_URL is None

    def as_dict(self) -> dict[str, object]:
        return {key: getattr(self, key) for key in dir(self) if key.isupper()}
