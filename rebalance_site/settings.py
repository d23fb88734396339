"""Settings, read from the environment (see .env.example)."""

import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key" if DEBUG else None)
# The key of the audit chain's HMAC and of its published heads. It must not be
# stored in the database; by default it is derived from SECRET_KEY (set AUDIT_HMAC_KEY to rotate
# SECRET_KEY independently: changing the audit key breaks verification of every keyed entry).
AUDIT_HMAC_KEY = (
    env_str("AUDIT_HMAC_KEY", "")
    or hashlib.sha256(f"rebalance.audit-hmac:{SECRET_KEY}".encode()).hexdigest()
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
# The site's own address: portal links in emails are built from this, never from Host.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "firms",
    "portfolios",
    "reconciliation",
    "drift",
    "compliance",
    "notifications",
    "approvals",
    "portal",
    "trading",
    "reporting",
    "ops",
    "webhooks",
]

MIDDLEWARE = [
    # Request counts and latencies by view (django-prometheus): first and last of the stack.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id of every log line (and of the tasks the request enqueues).
    "rebalance_site.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # /healthz, /readyz, /metrics: answered here (with the security headers), before the host
    # check, sessions, login and the firm scope; SECURE_REDIRECT_EXEMPT spares them the redirect.
    "ops.middleware.OpsEndpointsMiddleware",
    # Inside CSP/security so its 400 carries their headers.
    "rebalance_site.input_guard.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rebalance_site.middleware.FirmScopeMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "rebalance_site.urls"
WSGI_APPLICATION = "rebalance_site.wsgi.application"

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
                "firms.views.firm",
                "trading.views.execution_banner_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Two logins. DATABASE_URL names the login that owns the schema: only
# migrate, flush and the platform jobs inside firms.services.db_security.owner_role() use it (alias
# "owner"). The application itself ("default") logs in as DATABASE_APP_LOGIN, a LOGIN role that
# is NOSUPERUSER NOBYPASSRLS, owns nothing and is a member of DATABASE_APP_ROLE only: RESET ROLE
# on its connection returns to that login, never to the owner. migrate creates the login if it is
# missing (password DATABASE_APP_PASSWORD when set; none needed with trust/peer auth).
# DATABASE_APP_URL overrides the derived address (same server and database, the app login).
_owner_db = dj_database_url.parse(
    env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rebalance"),
    conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "rebalance_app")
DATABASE_APP_LOGIN = env_str("DATABASE_APP_LOGIN", "rebalance_app_login")
DATABASE_APP_PASSWORD = env_str("DATABASE_APP_PASSWORD", "")
if env_str("DATABASE_APP_URL", ""):
    _app_db = dj_database_url.parse(
        env_str("DATABASE_APP_URL"), conn_max_age=_owner_db["CONN_MAX_AGE"], conn_health_checks=True
    )
else:
    _app_db = {**_owner_db, "USER": DATABASE_APP_LOGIN, "PASSWORD": DATABASE_APP_PASSWORD}
# The application's connection binds parameters on the server and lets psycopg prepare a
# statement once it has run DATABASE_PREPARE_THRESHOLD times on that connection: the ORM's joins
# are then planned once per connection instead of on every request (planning was half of
# PostgreSQL's time on the list pages; docs/RELIABILITY.md, "Plain request path"). The owner's
# connection (migrate, flush, DDL) keeps client-side binding: DDL takes no bound parameters.
_app_db["OPTIONS"] = {
    **_app_db.get("OPTIONS", {}),
    "server_side_binding": True,
    "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 5),
}
DATABASES = {"default": _app_db, "owner": _owner_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# RedisCache that falls back to a per-process memory cache while Redis is unreachable
# (rebalance_site/cache.py): logins and pages keep working; rate limits are then per process.
CACHES = {"default": {"BACKEND": "rebalance_site.cache.FallbackRedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Nothing in the product reads a task's result. Publishing a task that keeps its result makes
# the publisher subscribe to the result in Redis, and with Redis down that subscription retries
# for ~20 s per call before failing: results are off unless a caller asks (ignore_result=False).
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
}
# A publish with Redis down fails at once (refused) or within ~3-4 s (no answer to the connect
# or to the command), never hangs; firms.tasks then logs it and leaves the work to its sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# visibility_timeout: a message not acknowledged within it (acks_late: a task still running, or
# its worker dead) is delivered again. It must stay far above the longest task (the trade batch
# and the drift scan: ~15 s at 10k proposals / 100k accounts). A task that outlives it anyway
# runs twice, which the product tolerates (tests/reliability/test_visibility_timeout.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_timeout": 3.0,  # a publish on a silent connection fails instead of waiting forever
    "socket_connect_timeout": 2.0,
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] < 100:
    # A short timeout (fault tests): workers look for timed-out messages every second instead
    # of kombu's ~100 s (unacked_restore_interval 10 s x throttle 10).
    CELERY_BROKER_TRANSPORT_OPTIONS.update(unacked_restore_interval=1, unacked_restore_throttle=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "America/New_York"
CELERY_TASK_ALWAYS_EAGER = False
# The queue tasks are published to when the caller names none ("celery"). The worker tests set
# it for their worker, so the follow-up tasks a task publishes reach that worker too.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")

# --- Auth (django-allauth) ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "firms.services.accounts.FirmAccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# The login throttle counts per client IP. Behind a reverse proxy every request comes from the
# proxy's address, so set how many proxies of yours sit in front of the app (allauth then
# reads the client from X-Forwarded-For, counting that many hops from the right), or the
# header your proxy puts the client's address in (e.g. X-Real-IP, CF-Connecting-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER", "") or None
ACCOUNT_LOGOUT_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Rebalance <no-reply@rebalance.local>")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "firms.services.api_tokens.HashedTokenAuthentication",  # keys stored as SHA-256 only
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["firms.views.IsFirmStaff"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rebalance_site.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rebalance API",
    "DESCRIPTION": "Book of business, drift, proposals, approvals, orders and reports — per firm.",
    "VERSION": "1.0.0",
    # Swagger UI served from the sidecar package: no CDN, and CSP-friendly (no inline script).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema describes routes, not data: anyone may read it; every route still needs a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Choice sets whose field names (status) other components also use.
    "ENUM_NAME_OVERRIDES": {
        "WebhookEndpointStatusEnum": "webhooks.choices.EndpointStatus",
        "WebhookDeliveryStatusEnum": "webhooks.choices.DeliveryStatus",
        "ComplianceRuleKindEnum": "drift.choices.RuleKind",
        "RoutingRuleKindEnum": "approvals.choices.RuleKind",
        "TemplateKindEnum": "notifications.choices.Kind",
        "StepRoleEnum": "approvals.choices.StepRole",
        "FirmRoleEnum": "firms.choices.Role",
    },
}

# --- Locale, time ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"  # display; storage is UTC (USE_TZ)
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["rebalance_site.formats"]  # dates as "Dec 4, 2026" (formats/en)

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / ".data" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production (DJANGO_DEBUG=0): `collectstatic` (run when the image is built) writes every file
# under STATIC_ROOT with a content hash in its name, gzip and brotli copies beside it, and a
# manifest; WhiteNoise serves them from the web process with a year's cache. A name missing from
# the manifest is an error: a process with DEBUG off must have run collectstatic. Development
# keeps Django's plain storage and no WhiteNoise: runserver serves the files as they are edited.
if not DEBUG:
    # Right after the security middleware (its HTTPS redirect and HSTS come first).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # Source maps (the API docs' bundles: most of the bytes) are fetched by a developer's tools
    # only: served as they are, not compressed at every collectstatic.
    from whitenoise.compress import Compressor

    WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Where the daily signed audit heads are appended (one file per firm). Put it on storage the
# database's owner cannot write (another host, a WORM bucket mount) for the anchor to count.
AUDIT_HEAD_DIR = Path(env_str("AUDIT_HEAD_DIR", str(BASE_DIR / ".data" / "audit-heads")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))

# --- Upload limits --------------------------------------------------------------------
# A request's non-file fields at most DATA_UPLOAD_MAX_MEMORY_SIZE (Django answers 400 beyond);
# a file above FILE_UPLOAD_MAX_MEMORY_SIZE streams to a temporary file instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Each uploaded book file (portfolios.importer): refused with an error naming the limit, and
# nothing written, above this many bytes or data rows.
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 250_000)
# Custodians' positions files dropped for the reconciliation task, one folder per firm id
# (reconciliation.tasks.reconcile_stored_file reads <inbox>/<firm id>/<name> only).
RECONCILIATION_INBOX = Path(
    env_str("RECONCILIATION_INBOX", str(BASE_DIR / ".data" / "reconciliation"))
)

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: Chromium sends "Origin: null" on form POSTs under
# no-referrer, which fails CSRF origin checks; same-origin still sends nothing to other sites.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Database sessions (Django's), the row keyed by a hash of the cookie: rebalance_site/sessions.py.
SESSION_ENGINE = "rebalance_site.sessions"
CSRF_COOKIE_HTTPONLY = True
# Probes and the metrics scraper reach the app over plain HTTP inside the deployment.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The beat's drift scan of a firm runs as shards of whole households, about this many accounts
# each, in parallel on every worker (drift.services.scan_shards; measured in docs/SCALING.md).
# A pending shard whose message is older than DRIFT_SCAN_SHARD_REDO_S (a lost message, a worker
# killed mid-shard) is enqueued again by the scan's due check; it must stay above one shard's run.
DRIFT_SCAN_SHARD_SIZE = env_int("DRIFT_SCAN_SHARD_SIZE", 5_000)
DRIFT_SCAN_SHARD_REDO_S = env_int("DRIFT_SCAN_SHARD_REDO_S", 600)

# The simulated custodian (trading.adapters.simulated): how long it takes to acknowledge a
# submission, in seconds (0 locally; fault tests slow it to kill a worker mid-batch).
TRADING_SIMULATED = {"latency_s": env_float("TRADING_SIMULATED_LATENCY_S", 0.0)}

# --- Logs, health, metrics, error tracking (docs/OPERATIONS.md) -------------------------
# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, firm_id, user_id,
# request_id, task_id: rebalance_site.log_format); plain: readable lines for development.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or plain")
_JSON = LOG_FORMAT == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Portal link tokens never reach a log line (rebalance_site.log_filters): access log and
    # 404/410 warnings. Every line carries its firm, user, request and task ids (log_context).
    "filters": {
        "portal_tokens": {"()": "rebalance_site.log_filters.PortalTokenFilter"},
        "context": {"()": "rebalance_site.log_context.LogContextFilter"},
        "quiet_forbidden": {"()": "rebalance_site.log_filters.QuietForbiddenFilter"},
    },
    "formatters": {
        "json": {"()": "rebalance_site.log_format.JsonLineFormatter"},
        "plain": {"()": "rebalance_site.log_format.PlainFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["portal_tokens", "context"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _JSON else "django.server",
            "filters": ["portal_tokens", "context"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # weasyprint narrates every rendering step at INFO; keep its warnings only.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["portal_tokens"],
        },
        "django.request": {"filters": ["portal_tokens", "quiet_forbidden"]},
    },
}
# /readyz calls the platform not ready once the beat heartbeat (firms.tasks.heartbeat, every
# 60 s) is older than this: beat or every worker is down.
READYZ_BEAT_MAX_AGE_S = env_int("READYZ_BEAT_MAX_AGE_S", 180)
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it refuses everything.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# The Celery queues whose length /metrics reports (Redis LLEN on the broker).
METRICS_CELERY_QUEUES = env_list("METRICS_CELERY_QUEUES", CELERY_TASK_DEFAULT_QUEUE)
# Error tracking (Sentry SDK): on only when SENTRY_DSN is set; no personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from .sentry import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# --- Compliance and routing -----------------------------------------------------------
# Proposals per compliance transaction and per routing transaction (docs/SCALING.md, "Compliance,
# routing and outbox": chosen by measurement on the drift bench's book).
COMPLIANCE_CHECK_BATCH = env_int("COMPLIANCE_CHECK_BATCH", 4000)
APPROVALS_ROUTE_BATCH = env_int("APPROVALS_ROUTE_BATCH", 4000)

# --- Notifications --------------------------------------------------------------------
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # seconds; well inside the sending timeout below
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 60)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600)
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 10)
# A message left in "sending" longer than this (its worker died) is reclaimed by the sweep.
NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = env_int("NOTIFICATIONS_SENDING_TIMEOUT_SECONDS", 600)

# --- Webhooks -------------------------------------------------------------------------
# Signed deliveries to the firm's endpoints (webhooks.services.delivery; docs/WEBHOOKS.md).
# An attempt that failed is tried again after base, 2×base, 4×base… seconds (capped), by the
# minute sweep; after WEBHOOKS_MAX_ATTEMPTS the delivery is `failed` (a replay tries again).
WEBHOOKS_RETRY_BASE_SECONDS = env_int("WEBHOOKS_RETRY_BASE_SECONDS", 30)
WEBHOOKS_RETRY_MAX_SECONDS = env_int("WEBHOOKS_RETRY_MAX_SECONDS", 6 * 3600)
WEBHOOKS_MAX_ATTEMPTS = env_int("WEBHOOKS_MAX_ATTEMPTS", 8)
WEBHOOKS_TIMEOUT_SECONDS = env_float("WEBHOOKS_TIMEOUT_SECONDS", 10.0)
# A delivery left in "sending" longer than this (its worker died) is tried again by the sweep.
WEBHOOKS_SENDING_TIMEOUT_SECONDS = env_int("WEBHOOKS_SENDING_TIMEOUT_SECONDS", 300)
# How long the secret replaced by a rotation still signs (both signatures are sent).
WEBHOOKS_ROTATION_OVERLAP_SECONDS = env_int("WEBHOOKS_ROTATION_OVERLAP_SECONDS", 24 * 3600)
# Endpoints must resolve to public addresses; these networks are allowed anyway (comma-separated
# CIDRs). Local development (DJANGO_DEBUG=1) and the tests allow the loopback network.
WEBHOOKS_ALLOWED_NETWORKS = env_list(
    "WEBHOOKS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128" if DEBUG else ""
)
