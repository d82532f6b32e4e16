"""The one settings module. Every knob is an environment variable; see README "Configuration"."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (for container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(env_str("PATRON_DATA_DIR", str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into DATA_DIR/secret_key."""
    given = env_str("SECRET_KEY")
    if given:
        return given
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "axes",
    "csp",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "patron.core",
    "patron.accounts",
    "patron.parties",
    "patron.commerce",
    "patron.insight",
    "patron.outreach",
    "patron.feedback",
    "patron.loyalty",
    "patron.web",
    "ninja",  # the API docs page's own files (no CDN)
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "patron.web.middleware.MemberLanguage",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "patron.web.middleware.DatabaseUnavailable",
    "patron.api.idempotency.IdempotentPosts",
]

ROOT_URLCONF = "patron.urls"
WSGI_APPLICATION = "patron.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "patron.web.context.patron",
            ],
        },
    }
]


def _sqlite_size_cap() -> str:
    """PATRON_SQLITE_MAX_MB caps the database file (a shop's small disk shared with other
    things): past it, writes fail as on a full disk, and Patron says so."""
    megabytes = env_int("PATRON_SQLITE_MAX_MB", 0)
    return f" PRAGMA max_page_count={megabytes * 256};" if megabytes else ""


def _databases() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        return {"default": dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)}
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("PATRON_SQLITE_PATH", str(DATA_DIR / "patron.sqlite3")),
            # Tests use a file too, not SQLite's shared in-memory database: the browser tests
            # run the background worker beside the live server, and only a file (in WAL
            # mode) lets them write at once without "table is locked" errors.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
            "OPTIONS": {
                # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue on the
                # busy timeout instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                # Background work waits long for a busy database; `patron serve` lowers this
                # for web requests, which answer "busy, try again" rather than hang.
                "timeout": env_int("PATRON_DB_BUSY_TIMEOUT", 30),
                # A 64 MB page cache: with the default 2 MB, index pages of a large orders
                # table go back to disk on every batch (imports slowed 2x past 500k orders).
                # The write-ahead log is copied into the database every 16,384 pages (64 MB)
                # instead of 1,000: an import's batch wrote more than 1,000, so every commit
                # copied and synced the pages its index updates touched again (7% of an
                # import of new customers).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                    " PRAGMA wal_autocheckpoint=16384;" + _sqlite_size_cap()
                ),
            },
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "patron.web.clients.client_address"  # the client behind a proxy
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing directory
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security. PATRON_HTTPS=false is the documented plain-HTTP mode for a shop's LAN.
HTTPS = env_bool("PATRON_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Trust X-Forwarded-Proto only behind a proxy that sets it (PATRON_BEHIND_PROXY=true); without
# one, any client could claim HTTPS.
PATRON_BEHIND_PROXY = env_bool("PATRON_BEHIND_PROXY", False)
if PATRON_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Flash messages kept in the session, not in a cookie of their own: one of them is a new
# member's generated password, which a cookie would carry readable (signed, not encrypted).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Patron's own knobs.
PATRON_DEFAULT_REGION = env_str("PATRON_DEFAULT_REGION", "KR")
PATRON_DEFAULT_CURRENCY = env_str("PATRON_DEFAULT_CURRENCY", "KRW")
PATRON_IMPORT_MAX_BYTES = env_int("PATRON_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
# Orders per import transaction. Each commit writes every page its batch touched: a batch
# of 20,000 rows writes the index pages that 5,000-row batches wrote four times once (a
# million-row import: 16,657-17,786 rows/s against 15,234-16,091). It holds SQLite's write
# lock about a second, within the 5 s a web request waits (PATRON_WEB_DB_WAIT).
PATRON_IMPORT_BATCH_ROWS = env_int("PATRON_IMPORT_BATCH_ROWS", 20_000)
PATRON_MERGE_UNDO_DAYS = env_int("PATRON_MERGE_UNDO_DAYS", 30)
PATRON_UPLOAD_KEEP_HOURS = env_int("PATRON_UPLOAD_KEEP_HOURS", 72)
# Uploads are counted as they arrive and refused past the import limit, before the disk fills.
FILE_UPLOAD_HANDLERS = [
    "patron.web.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Classification thresholds (patron.analytics.classify.ClassifyThresholds field names).
PATRON_CLASSIFY = {
    key: float(os.environ[f"PATRON_CLASSIFY_{key.upper()}"])
    if key == "tailored_share"
    else int(os.environ[f"PATRON_CLASSIFY_{key.upper()}"])
    for key in (
        "client_points",
        "repeat_tailored",
        "repeat_span_days",
        "repeat_bookings",
        "repeat_bookings_span_days",
        "tailored_share",
        "tenure_days",
        "b2b_repeat_orders",
    )
    if os.environ.get(f"PATRON_CLASSIFY_{key.upper()}")
}

# Insight: the transaction model (bgnbd, mbgnbd, paretonbd) and CLV discounting.
PATRON_SCORE_MODEL = env_str("PATRON_SCORE_MODEL", "bgnbd")
PATRON_MONTHLY_DISCOUNT_RATE = float(env_str("PATRON_MONTHLY_DISCOUNT_RATE", "0.01"))

# -- Keeping in touch (README "Keeping in touch"). ----------------------------------------------
# Email: EMAIL_HOST set means SMTP; EMAIL_BACKEND may name a django-anymail backend (with its
# ANYMAIL settings as ANYMAIL_* variables); with neither, messages print on the console.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
ANYMAIL = {
    key[len("ANYMAIL_") :]: value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_") and value
}
# The business (its name, contact, senders, provider and keys, quiet hours) is kept by its
# owners on the Business settings page (core.business). Each variable below, when set, pins
# that field for operators: it wins over the page. Unset, they are empty.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "")
# The business as its messages name it (정보통신망법 §50④: sender's name and contact).
PATRON_SENDER_NAME = env_str("PATRON_SENDER_NAME", "")
PATRON_SENDER_CONTACT = env_str("PATRON_SENDER_CONTACT", "")
# Where people's links (unsubscribe, preferences, RSVP) point: the address they reach Patron at.
PATRON_SITE_URL = env_str("PATRON_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The public sign-up form: sign-ups an hour from one client address (a shop's own tablet
# signs up many customers), and from everyone.
PATRON_SUBSCRIBE_HOURLY_PER_CLIENT = env_int("PATRON_SUBSCRIBE_HOURLY_PER_CLIENT", 20)
PATRON_SUBSCRIBE_HOURLY = env_int("PATRON_SUBSCRIBE_HOURLY", 200)
# The language of messages to a party whose own language is not known.
PATRON_MESSAGE_LANGUAGE = env_str(
    "PATRON_MESSAGE_LANGUAGE", "ko" if PATRON_DEFAULT_REGION == "KR" else "en"
)
# Advertising is held between these hours, Korean time (§50③), unless the party agreed to it.
# "21-8" by default (the Business settings page); these pin them.
PATRON_QUIET_HOURS = (
    tuple(int(h) for h in env_str("PATRON_QUIET_HOURS").split("-", 1))
    if env_str("PATRON_QUIET_HOURS")
    else None
)
PATRON_EMAIL_QUIET_HOURS = (
    env_bool("PATRON_EMAIL_QUIET_HOURS", True) if env_str("PATRON_EMAIL_QUIET_HOURS") else None
)
# The share of a promotion's audience kept out at random to measure what it did (percent; a
# campaign or a cadence may set its own).
PATRON_PROMOTION_HOLDOUT = env_int("PATRON_PROMOTION_HOLDOUT", 10)
# API calls allowed per token (django-ninja's rate: "600/m", "20/s").
PATRON_API_RATE = env_str("PATRON_API_RATE") or "600/m"
# A load balancer's health check may ask over plain HTTP, inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# §50① proviso: advertise the same goods within 6 months of a party's purchase without consent.
PATRON_TRANSACTION_EXCEPTION = env_bool("PATRON_TRANSACTION_EXCEPTION", False)
# SMS and KakaoTalk: the provider (solapi, nhn, or "" for none), its credentials, the
# registered sender number, and the free 080 refusal number for advertising texts.
PATRON_SMS_PROVIDER = env_str("PATRON_SMS_PROVIDER", "")
PATRON_SMS_SENDER = env_str("PATRON_SMS_SENDER", "")
PATRON_SMS_OPTOUT_NUMBER = env_str("PATRON_SMS_OPTOUT_NUMBER", "")
PATRON_SOLAPI_API_KEY = env_str("PATRON_SOLAPI_API_KEY")
PATRON_SOLAPI_API_SECRET = env_str("PATRON_SOLAPI_API_SECRET")
PATRON_SOLAPI_URL = env_str("PATRON_SOLAPI_URL", "https://api.solapi.com")
PATRON_NHN_APP_KEY = env_str("PATRON_NHN_APP_KEY")
PATRON_NHN_SECRET_KEY = env_str("PATRON_NHN_SECRET_KEY")
# NHN Cloud's hosts since February 2026 (TOAST-DOCS/SMS and /Alimtalk, ko/api-guide.md).
PATRON_NHN_SMS_URL = env_str("PATRON_NHN_SMS_URL", "https://sms.api.nhncloudservice.com")
PATRON_NHN_ALIMTALK_APP_KEY = env_str("PATRON_NHN_ALIMTALK_APP_KEY")
PATRON_NHN_ALIMTALK_URL = env_str(
    "PATRON_NHN_ALIMTALK_URL", "https://kakaotalk-bizmessage.api.nhncloudservice.com"
)
PATRON_KAKAO_SENDER_KEY = env_str("PATRON_KAKAO_SENDER_KEY")  # Solapi pfId / NHN senderKey
# Delivery: messages a courier takes at once, and tries before a message is given up.
PATRON_OUTBOX_BATCH = env_int("PATRON_OUTBOX_BATCH", 50)
PATRON_OUTBOX_MAX_ATTEMPTS = env_int("PATRON_OUTBOX_MAX_ATTEMPTS", 8)
PATRON_OUTBOX_RETRY_SECONDS = env_int("PATRON_OUTBOX_RETRY_SECONDS", 60)
# When KakaoTalk cannot deliver a 알림톡 (no KakaoTalk, blocked), the provider sends the text
# as an SMS instead (both Solapi and NHN Cloud support it).
PATRON_KAKAO_SMS_FALLBACK = env_bool("PATRON_KAKAO_SMS_FALLBACK", True)
# The daily planner (cadences, reconfirmations) runs once a day from this hour, Korean time.
PATRON_PLAN_HOUR = env_int("PATRON_PLAN_HOUR", 9)
