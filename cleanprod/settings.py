"""Settings for the Hanoi Cleaner Production Portal.

One module, driven by environment variables (django-environ):

- ``DJANGO_DEBUG``: ``true`` for local development; off by default.
- ``DJANGO_SECRET_KEY``: required when debug is off.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names.
- ``DATABASE_URL``: PostgreSQL in production and CI; an SQLite file under ``var/`` when unset.
- ``REDIS_URL``: Celery broker, result backend and cache; tasks run eagerly when unset.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: production must set it

# Demo data (published passwords) only where debug is configured on; tests force DEBUG off, so the
# configured value is kept apart. Elsewhere seed_demo needs --allow-production.
SEED_DEMO_ALLOWED = DEBUG

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "cleanprod.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "enterprises",
    "assessments",
    "training",
    "periods",
    "programme",
    "reporting",
    "notifications",
    "guidance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cleanprod.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cleanprod.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Bare error answers (a 405, a plain-text 400) get the portal's error page.
    "cleanprod.errors.ErrorPageMiddleware",
    # A NUL character anywhere in the query or the form answers 400 with a message.
    "cleanprod.middleware.RejectNulMiddleware",
    "accounts.middleware.SessionAgeMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    # A page's form submitted twice (a double click) has one effect and one message.
    "accounts.submissions.FormTokenMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cleanprod.urls"
WSGI_APPLICATION = "cleanprod.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
            # {% csrf_token %} also writes the page's form token (accounts.submissions).
            "builtins": ["accounts.submissions"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A persistent connection is checked before each request reuses it: a restarted PostgreSQL costs a
# reconnection, not an error page. (Only tests switch it off, to show what it saves.)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DJANGO_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The development server and its worker (``make run``) share the file: readers do not wait for
    # a writer (WAL), and a writer waits for another instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.throttle.AddressThrottleBackend",  # one address failing against many accounts
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # set-password links for new accounts last three days

# django-axes: lock an account + IP pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the TLS proxy the client address is the right-most X-Forwarded-For entry added by the
# DJANGO_PROXY_COUNT trusted proxies (accounts.throttle.client_address), never one the client wrote;
# without it every user would share the proxy's address and lock each other out. Optionally the
# header is believed only from DJANGO_TRUSTED_PROXIES (addresses or networks of the proxies).
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"
# One address failing against many accounts (password spraying) is stopped for the cool-off after
# this many failures over all usernames; high enough for an office behind one NAT address.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
# Password-reset requests: (requests, seconds) per client address and per e-mail address.
PASSWORD_RESET_ADDRESS_LIMIT = (10, 3600)
PASSWORD_RESET_EMAIL_LIMIT = (3, 3600)
ENROLMENT_LINK_LIMIT = (3, 3600)  # second-factor enrolment links per account

# A session ends when the browser closes, and at the latest SESSION_COOKIE_AGE seconds after
# sign-in however busy it was (accounts.middleware.SessionAgeMiddleware).
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Second factor (django-otp, TOTP): any user may turn it on; DOIT staff and administrators must.
OTP_TOTP_ISSUER = "SXSH Hà Nội"
OTP_TOTP_THROTTLE_FACTOR = 1  # after n wrong codes the next try waits 2^(n-1) seconds
AXES_SENSITIVE_PARAMETERS = ["otp_token"]  # wrong codes count as failed sign-ins, never logged
OTP_PENDING_SECONDS = 300  # time allowed between the password and the code
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin lists authenticators without their secret keys

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cleanprod.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Grouping is asked for where a figure is shown (|intcomma, |floatformat:"g"), never implied: ids,
# years and versions in links and hidden fields must stay plain ("22339", not "22.339").
USE_THOUSAND_SEPARATOR = False

# --- Static and private files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Private files (imports in progress, evidence, built reports) are never served under a public
# URL: views stream them after a scope check. Production may point this at object storage.
PRIVATE_ROOT = env.path("DJANGO_PRIVATE_ROOT", default=VAR_DIR / "private")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 50_000

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis down = cache misses, not errors (cleanprod.cache); sessions live in the database.
    CACHES = {"default": {"BACKEND": "cleanprod.cache.FaultTolerantRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without Redis, ``CELERY_QUEUE_DIR`` (set by ``make run``) gives a queue on the local file system
# (kombu's filesystem transport, no extra service): a worker beside the development server builds
# the reports while pages return at once. With neither, tasks run eagerly in-process.
CELERY_QUEUE_DIR = env("CELERY_QUEUE_DIR", default="")
CELERY_BROKER_URL = REDIS_URL or ("filesystem://" if CELERY_QUEUE_DIR else "memory://")
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or CELERY_QUEUE_DIR)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}  # periodic tasks are added by the apps that own them
# Builds that stopped showing life (heartbeat) are taken back within about two and a half minutes.
CELERY_BEAT_SCHEDULE["reporting-sweep-stale-jobs"] = {"task": "reporting.tasks.sweep_stale_reports", "schedule": 60.0}
# Report jobs the queue could not take (Redis was down), or whose message it lost, are sent again.
CELERY_BEAT_SCHEDULE["reporting-dispatch-queued-jobs"] = {
    "task": "reporting.tasks.dispatch_queued_reports",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["sweep-abandoned-imports"] = {
    "task": "reporting.tasks.sweep_abandoned_imports",
    "schedule": 3600.0,
}
# Files no row refers to (and partial writes) are deleted after a day, so a failure never keeps
# the private files' volume full.
CELERY_BEAT_SCHEDULE["sweep-unreferenced-files"] = {
    "task": "reporting.tasks.sweep_unreferenced_files",
    "schedule": 3600.0,
}
# The daily digest of notifications, for the users who chose it, at the end of the working day.
CELERY_BEAT_SCHEDULE["notifications-daily-digest"] = {
    "task": "notifications.tasks.send_notification_digests",
    "schedule": crontab(hour=17, minute=0),
}
# The sector guidance statistics are refreshed after every change of verified data; once a night
# too, in case a refresh was lost (a worker stopped, or a write that sends no signal).
CELERY_BEAT_SCHEDULE["guidance-refresh-statistics"] = {
    "task": "guidance.tasks.refresh_sector_statistics",
    "schedule": crontab(hour=2, minute=30),
}
# Every dashboard (the city's and each commune's, every year kept, every language) whose figures are
# missing or older than the data is queued for the workers once a night, so that nobody waits for a
# first computation in the morning (each dashboard once, however often the task runs).
CELERY_BEAT_SCHEDULE["reporting-fill-dashboards"] = {
    "task": "reporting.dashboard.fill_dashboards",
    "schedule": crontab(hour=1, minute=30),
}
# Data calls: the enterprises' reminders every morning, the officers' digest of the reports still
# missing in their commune every Monday morning (each sent once, however often the task runs).
CELERY_BEAT_SCHEDULE["data-call-reminders"] = {
    "task": "assessments.tasks.send_data_call_reminders",
    "schedule": crontab(hour=7, minute=30),
}
CELERY_BEAT_SCHEDULE["data-call-weekly-digest"] = {
    "task": "assessments.tasks.send_data_call_digests",
    "schedule": crontab(hour=8, minute=0, day_of_week=1),
}
# Fail fast when Redis is unreachable: a report request then says the queue is unavailable and
# keeps the job queued, instead of hanging the page.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"socket_connect_timeout": 2}
if CELERY_QUEUE_DIR and not REDIS_URL:
    _queue = Path(CELERY_QUEUE_DIR)
    for _folder in ("in", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "in"),
        "data_folder_out": str(_queue / "in"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="sxsh@congthuong.hanoi.gov.vn")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- Forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Security (production) ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# Sent on every response by cleanprod.middleware.ContentSecurityPolicyMiddleware. No inline script
# or style anywhere: scripts and styles come from static/, Bootstrap's icons are data: images.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}
