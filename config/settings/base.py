"""Settings shared by every environment; values come from environment variables (django-environ)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from config.log_formats import formatters

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A development default, clearly marked; production settings refuse it.
DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# The key that seals history rows and security events (audit.sealing). Held outside the database: whoever has the
# database alone cannot forge a seal. After a change, list the old key in AUDIT_PREVIOUS_KEYS so older seals verify.
DEVELOPMENT_AUDIT_KEY = "development-only-audit-key-never-use-in-production"
AUDIT_KEY = env("AUDIT_KEY", default=DEVELOPMENT_AUDIT_KEY)
AUDIT_PREVIOUS_KEYS = env.list("AUDIT_PREVIOUS_KEYS", default=[])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_guid",
    "csp",
    "audit",
    "users",
    "agencies",
    "coordination",
    "axes",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "coordination.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "users.request_origin.RequestOriginMiddleware",
    "users.middleware.SecurityLogMiddleware",
    "users.middleware.SecondFactorMiddleware",
    "users.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
# Default: a SQLite file in var/, in WAL mode with a busy timeout so web, worker and beat can share it.
# With DATABASE_URL set (postgres://...), PostgreSQL.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # No JIT compilation: it pays off for long analytical queries, while a page's queries take milliseconds and
    # compiling one costs far more (measured: a search of 160 ms took 900 ms once the planner's estimate tripped it).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Server-side prepared statements, off unless DATABASE_PREPARE_THRESHOLD names after how many runs a connection
    # prepares a statement. Measured at 100,000 items (BENCHMARKS.md): a kept plan saves the planning of the item
    # pages' many-table reads (5 ms each), but the generic plan PostgreSQL then settles on ignores the values: a
    # two-character search ran six times slower and the dashboard 1.6 times, so by default every statement is
    # planned for its values.
    _prepare = env.str("DATABASE_PREPARE_THRESHOLD", default="").strip().lower() or "off"
    if _prepare != "off":
        if not _prepare.isdigit():
            raise ImproperlyConfigured("DATABASE_PREPARE_THRESHOLD is a number of runs, or off.")
        DATABASES["default"]["OPTIONS"].update({"server_side_binding": True, "prepare_threshold": int(_prepare)})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "users.backends.DemoPasswordValidator"},
]
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = ["users.backends.LockoutBackend", "users.backends.TrackerBackend"]
# The demo data's one password (README). Development only: production settings refuse it everywhere.
REFUSE_DEMO_PASSWORD = False

# --- Sign-in protection, second factor, request ids --------------------------------------------------------------
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto and X-Forwarded-For (the last hop only).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Lockout (django-axes): an account after LOGIN_FAILURE_LIMIT failed sign-ins, an address after
# LOGIN_ADDRESS_FAILURE_LIMIT (higher: a ministry's staff may share one address), for LOGIN_LOCKOUT_MINUTES, or
# until a superuser lifts it in the admin. A successful sign-in forgets the failures before it.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "users.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # the tracker's own admin page lists lockouts (users.admin)
AXES_DISABLE_ACCESS_LOG = True  # the security log records sign-ins
AXES_CLIENT_IP_CALLABLE = "users.request_origin.client_address"
AXES_LOCKOUT_CALLABLE = "users.lockout.lockout_response"
AXES_VERBOSE = False
# Two-factor authentication (django-otp, TOTP with recovery codes): required of coordinators, directors and
# superusers where this is on (production's default), offered to everyone else who signs in.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Coordination tracker")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
RECOVERY_CODE_COUNT = 10
# Every request gets an id (taken from the proxy's X-Request-ID when it is a UUID), returned in the response,
# written in every log line and carried into the Celery tasks the request queues.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}

# Content Security Policy (django-csp), in every environment so that development and the browser tests run under
# the policy production serves: scripts, styles, fonts and requests from the tracker itself only (no inline script,
# no inline style, nothing from another host); pictures also as data: URIs (the admin's icons); no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Language and time ------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Where the daily anchors (each sealed table's newest end) are written: outside the database, backed up with the
# media files. Keep a copy elsewhere too (the superusers receive each one by email).
AUDIT_ANCHOR_DIR = Path(env.str("AUDIT_ANCHOR_DIR", default=str(MEDIA_ROOT / "audit-anchors")))

# --- Email ------------------------------------------------------------------------------------------------------
# Default: every email is written to a file under var/mail/ (the mailbox `make run` names), never to a terminal.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default=f"filemail:///{VAR_DIR / 'mail'}")  # environ drops one slash
vars().update(EMAIL_CONFIG)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])  # a backend class of one's own
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="tracker@localhost")
# The address people open the tracker at: links in emails point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default=urlparse(SITE_URL).hostname or "localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------------------------
# Default: a broker that needs no server (messages are files under var/celery). With REDIS_URL set: Redis.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT = "config.filesystem_broker:Transport"  # kombu's, with messages written whole
    for sub in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "coordination.beat:SingleBeatScheduler"
# A beat holds the schedule for this long at a time (renewed while it runs): a standby takes over within it.
BEAT_LEASE_SECONDS = env.int("BEAT_LEASE_SECONDS", default=60)
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=60)
# The relay publishes the work changes wrote to the outbox this often (coordination.queue): the longest a new
# notice waits before a worker has it, when the broker is up.
OUTBOX_RELAY_INTERVAL_SECONDS = env.int("OUTBOX_RELAY_INTERVAL_SECONDS", default=5)
# A request body (other than an uploaded file) larger than this is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# A webhook endpoint that fails this many times in a row is disabled and its owner told.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=10)
# Webhooks go to public addresses over https; these hosts (names or IP literals) are allowed whatever their
# address (a receiver inside the deployment's own network), and plain http only where this is switched on.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
# Unsent reminders and notifications are queued again once nobody has tried them for this long.
REMINDER_REQUEUE_AFTER_SECONDS = env.int("REMINDER_REQUEUE_AFTER_SECONDS", default=60)
# A delivery that has not finished this long after it claimed its rows is taken to have died with its worker.
REMINDER_CLAIM_TIMEOUT_SECONDS = env.float("REMINDER_CLAIM_TIMEOUT_SECONDS", default=300)
# Every outside call a delivery makes is bounded, and the bounds sit well inside a claim, so a worker that is alive
# has finished (sent and marked, or given up) long before its claim runs out and no second worker sends the same
# rows again. An SMTP send is up to SMTP_EXCHANGES exchanges with the server, each bounded by EMAIL_TIMEOUT; a
# webhook, a connection and an answer, each bounded by WEBHOOK_TIMEOUT_SECONDS; marking the rows sent is retried
# through a database outage for up to DELIVERY_MARK_RETRY_SECONDS. Refused at start-up when they do not fit twice.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
DELIVERY_MARK_RETRY_SECONDS = env.float("DELIVERY_MARK_RETRY_SECONDS", default=30)
SMTP_EXCHANGES = 10
DELIVERY_LONGEST_SECONDS = (
    max(SMTP_EXCHANGES * EMAIL_TIMEOUT, 2 * WEBHOOK_TIMEOUT_SECONDS) + DELIVERY_MARK_RETRY_SECONDS
)
if 2 * DELIVERY_LONGEST_SECONDS > REMINDER_CLAIM_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"REMINDER_CLAIM_TIMEOUT_SECONDS ({REMINDER_CLAIM_TIMEOUT_SECONDS:g}) must be at least twice the longest a "
        f"delivery can take ({DELIVERY_LONGEST_SECONDS:g} s: {SMTP_EXCHANGES} x EMAIL_TIMEOUT {EMAIL_TIMEOUT:g} or "
        f"2 x WEBHOOK_TIMEOUT_SECONDS {WEBHOOK_TIMEOUT_SECONDS:g}, plus DELIVERY_MARK_RETRY_SECONDS "
        f"{DELIVERY_MARK_RETRY_SECONDS:g}): a live worker's rows would be sent again by another."
    )
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "coordination.tasks.heartbeat_task",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
    },
    "sweep-reminders": {
        "task": "coordination.tasks.sweep_reminders_task",
        # 09:00 Japan time on weekdays, then every quarter hour until 17:45 to catch up a missed run; the task
        # itself skips holidays and the year-end closure.
        "schedule": crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"),
    },
    "relay-outbox": {
        "task": "coordination.tasks.relay_outbox_task",
        "schedule": OUTBOX_RELAY_INTERVAL_SECONDS,
    },
    "requeue-unsent-reminders": {
        "task": "coordination.tasks.requeue_reminders_task",
        "schedule": env.int("REMINDER_REQUEUE_INTERVAL_SECONDS", default=60),
    },
    "forget-old-idempotency-keys": {
        "task": "coordination.tasks.idempotency_records_purge_task",
        "schedule": 3600,
    },
    # The record's integrity (coordination.integrity): the chain heads written outside the database, then every
    # chain verified, every night.
    "anchor-record-chains": {
        "task": "coordination.tasks.audit_anchor_task",
        "schedule": crontab(minute=5, hour=0),
    },
    "verify-record-chains": {
        "task": "coordination.tasks.audit_verify_task",
        "schedule": crontab(minute=30, hour=2),
    },
}
# Off where the sweep is run another way (`send_reminders` from cron, or tests that sweep at a moment of their own
# and must not see beat sweep at the machine's time).
if not env.bool("REMINDER_SWEEP_SCHEDULED", default=True):
    del CELERY_BEAT_SCHEDULE["sweep-reminders"]

# Closed and cancelled items move to the archive this many days after they finished: out of the working lists,
# dashboards and reminders, still visible to whoever saw them, changed only by being reopened.
ARCHIVE_AFTER_DAYS = env.int("ARCHIVE_AFTER_DAYS", default=180)

# --- REST API ---------------------------------------------------------------------------------------------------
KNOX_TOKEN_MODEL = "users.ApiToken"
# knox's own migrations would create its default token table even though users.ApiToken replaces it.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": None, "AUTO_REFRESH": False, "AUTH_HEADER_PREFIX": "Token"}
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="1200/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.ApiTokenAuthentication",
        "users.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["coordination.api.permissions.HasCurrentRole"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "coordination.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        # Writes are JSON; the upload endpoints take multipart themselves.
        "coordination.api.parsers.StrictJSONParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "coordination.api.pagination.UpdatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["coordination.api.throttling.PerTokenThrottle"],
    "EXCEPTION_HANDLER": "coordination.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "coordination.api.schema.TrackerAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interagency coordination tracker API",
    "DESCRIPTION": (
        "Action items that a coordinating department assigns to ministries and agencies, with their workflow, "
        "progress updates, extension requests, concurrences, history and attachments. Authenticate with "
        "`Authorization: Token <key>` (or `Bearer <key>`). Errors are `application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI would otherwise fetch a validity badge from validator.swagger.io: nothing leaves the network.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coordination.api.schema.add_problem_responses",
    ],
}
# Attachments: the largest file accepted, and the content types accepted (each checked against the file's bytes).
API_ATTACHMENT_MAX_BYTES = env.int("API_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# An Office document (a ZIP archive) may expand to at most this much in all; more is refused as a ZIP bomb.
# Item imports (XLSX or CSV): the largest file taken.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
ATTACHMENT_MAX_UNCOMPRESSED_BYTES = env.int("ATTACHMENT_MAX_UNCOMPRESSED_BYTES", default=100 * 1024 * 1024)
# How long a POST's Idempotency-Key is remembered.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)

# --- Cache (API throttling) ------------------------------------------------------------------------------------
# Redis when REDIS_URL is set (shared by all web processes), else memory of each process. Throttling lets requests
# through when the cache cannot be reached: a cache outage must not become an API outage.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "tracker",
            # A Redis that is down or frozen costs a request half a second at most (and then nothing for a while:
            # coordination.api.throttling stops asking).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Logging ----------------------------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="plain")  # "json": one JSON object per line (production's default)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line written while a request is served, or a task that request queued runs, carries its id.
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"},
        "routine_tasks": {"()": "config.log_formats.QuietRoutineTasks"},
    },
    "formatters": formatters("request_id"),
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # The security log records sign-ins and lockouts; these libraries' own lines would repeat them on every request.
    "loggers": {
        "axes": {"level": "ERROR"},
        "django_guid": {"level": "WARNING"},
        # Celery's lines as a task is sent (beat), received (worker) and done, without the routine ones.
        **{
            name: {"filters": ["routine_tasks"]}
            for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace")
        },
    },
}

# --- History ----------------------------------------------------------------------------------------------------
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
