"""CivicSkills settings, read from the environment (django-environ).

With no environment at all the site runs embedded: SQLite, eager Celery, local-memory
cache and console e-mail. Production sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL,
SECRET_KEY and DEBUG=0; a production start without SECRET_KEY fails on purpose.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random "
            "SECRET_KEY in the environment; for development set DEBUG=1 "
            "(`make setup` writes a .env that does)."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Applications ------------------------------------------------------------------------

DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "axes",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# Listed lowest layer first: audit <- assessments <- courses <- learning <- analytics,
# accounts <- cms.
LOCAL_APPS = [
    "audit",
    "assessments",
    "courses",
    "learning",
    "analytics",
    "accounts",
    "cms",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # H5P_CONTENT_ORIGIN serves H5P frames and files only, without cookies.
    "courses.h5p.origin.H5PContentOriginMiddleware",
    "cms.middleware.SecurityHeadersMiddleware",
    # django-csp, with the back office's own policy under /admin/
    # (cms/security_policy.py).
    "cms.security_policy.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who acts and from where, for the audit log's entries.
    "audit.context.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL or lone surrogate anywhere in the request is a 400, an id past 2**63 a
    # 404, before any view reads them (cms/input_checks.py).
    "cms.input_checks.BadInputMiddleware",
    "cms.middleware.IdleTimeoutMiddleware",
    # Absolute session lifetime, deactivated people, forced password change, 2FA.
    "accounts.middleware.SessionRulesMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "cms.middleware.UserLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that lock-outs see the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.site_shell",
            ],
        },
    },
]

# Data --------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a classroom: readers never wait for the writer
    # (WAL), a writer waits up to SQLITE_BUSY_TIMEOUT seconds for the lock, and
    # every transaction takes the write lock when it begins (IMMEDIATE), so that two
    # transactions that read and then write queue up instead of one failing at once
    # with "database is locked" (a deferred one cannot wait for the other).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Pages keep serving while Redis is away (cms.cache): reads miss, writes are
    # dropped, each after at most a second's wait. Sessions stay in the database.
    CACHES = {
        "default": {
            "BACKEND": "cms.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "civicskills",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "civicskills",
        }
    }

# Celery ------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = (
    env.str(
        "CELERY_RESULT_BACKEND",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
# A task is acknowledged when it has run: one whose pool process was killed goes
# back to the queue at once (reject_on_worker_lost), and one whose whole worker died
# is delivered again CELERY_VISIBILITY_TIMEOUT seconds after it was sent. That must
# exceed the hard time limit, or a task still running would be delivered twice (the
# tasks are idempotent and their claims leave live work alone, but it would wait).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=35 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    # Look for dead workers' messages every few seconds (kombu's default scans
    # only on every tenth of its 10 s sweeps).
    "unacked_restore_interval": min(10, max(1, _visibility_timeout // 4)),
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic work; every task is idempotent. django-celery-beat copies these into its
# tables, where an administrator can pause or re-time them.
CELERY_BEAT_SCHEDULE = {
    "roster-uploads-purge": {
        "task": "learning.roster_uploads_purge",
        "schedule": crontab(hour=3, minute=50),
    },
    "audit-purge": {
        "task": "audit.purge",
        "schedule": crontab(hour=3, minute=40),
    },
    "competency-levels-expire": {
        "task": "assessments.competency_levels_expire",
        "schedule": 60 * 60,
    },
    "quiz-attempts-close-expired": {
        "task": "assessments.attempts_close_expired",
        "schedule": 5 * 60,
    },
    # Editors schedule course pages in Wagtail ("go live at" / "expire at").
    "pages-publish-scheduled": {
        "task": "courses.publish_scheduled",
        "schedule": 60,
    },
    # Mandatory curricula: the nightly sync (new cycles, movers the roster missed),
    # then the morning reminders; a sweep re-sends e-mail a dead worker dropped.
    "assignments-sync-nightly": {
        "task": "learning.assignments_sync",
        "schedule": crontab(hour=2, minute=30),
    },
    "assignments-remind-daily": {
        "task": "learning.assignments_remind",
        "schedule": crontab(hour=8, minute=0),
    },
    # Tasks the broker could not take when they were asked for (learning.outbox).
    "outbox-relay": {
        "task": "learning.outbox_relay",
        "schedule": env.int("OUTBOX_RELAY_SECONDS", default=30),
    },
    "notifications-email-sweep": {
        "task": "learning.notifications_email_sweep",
        "schedule": 10 * 60,
    },
    # Yesterday's department snapshots (the trends), in the quiet hour after
    # midnight; a rerun writes nothing.
    "analytics-snapshot-daily": {
        "task": "analytics.snapshot_daily",
        "schedule": crontab(hour=1, minute=15),
    },
    # Leaders' monthly report for last month: tried every morning, sent once per
    # leader and month (so a day the worker was down only delays it).
    "analytics-monthly-reports": {
        "task": "analytics.monthly_reports_send",
        "schedule": crontab(hour=7, minute=30),
    },
}
# Days before the due date on which learners are reminded (then on the day, then
# weekly while overdue).
ASSIGNMENT_REMINDER_DAYS = env.list(
    "ASSIGNMENT_REMINDER_DAYS", cast=int, default=[7, 1]
)

# Authentication ----------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies stand in front of the app, each appending to (or the first
# overwriting) X-Forwarded-For. 0: the address is REMOTE_ADDR and X-Forwarded-For is
# ignored (a client could forge it). The lock-out and the audit log use this address.
REVERSE_PROXIES = env.int("REVERSE_PROXIES", default=0)
if REVERSE_PROXIES:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_PROXY_COUNT = REVERSE_PROXIES

# Signed-in sessions end after this many idle minutes (cms.middleware).
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Single sign-on and directory (accounts) ---------------------------------------------
# Each way in is off until its server is named; README "Sign-in" says which to choose.
# The person is always matched by employee number (normalised as the roster does);
# an identity with no matching person is refused, never created (but see
# LDAP_CREATE_UNKNOWN_IN_DEPARTMENT).

# LDAP / Active Directory (accounts.directory, ldap3): the sign-in form's name and
# password. Several servers: separate the URIs with spaces.
LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")
LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
LDAP_CA_CERT_FILE = env.str("LDAP_CA_CERT_FILE", default="")
# Service bind (empty: anonymous) then search; or, with LDAP_USER_DN_TEMPLATE
# (e.g. "uid=%(user)s,ou=people,dc=county,dc=example" or "%(user)s@county.example"),
# a direct bind as the person.
LDAP_BIND_DN = env.str("LDAP_BIND_DN", default="")
LDAP_BIND_PASSWORD = env.str("LDAP_BIND_PASSWORD", default="")
LDAP_USER_DN_TEMPLATE = env.str("LDAP_USER_DN_TEMPLATE", default="")
LDAP_USER_SEARCH_BASE = env.str("LDAP_USER_SEARCH_BASE", default="")
# %(user)s is the typed name (escaped); Active Directory: "(sAMAccountName=%(user)s)".
LDAP_USER_FILTER = env.str("LDAP_USER_FILTER", default="(employeeNumber=%(user)s)")
LDAP_EMPLOYEE_NUMBER_ATTRIBUTE = env.str(
    "LDAP_EMPLOYEE_NUMBER_ATTRIBUTE", default="employeeNumber"
)
LDAP_FULL_NAME_ATTRIBUTE = env.str("LDAP_FULL_NAME_ATTRIBUTE", default="displayName")
LDAP_EMAIL_ATTRIBUTE = env.str("LDAP_EMAIL_ATTRIBUTE", default="mail")
# Seconds to connect and to wait for each answer.
LDAP_TIMEOUT = env.int("LDAP_TIMEOUT", default=5)
# A department code: directory accounts with no person are created there (off: "").
LDAP_CREATE_UNKNOWN_IN_DEPARTMENT = env.str(
    "LDAP_CREATE_UNKNOWN_IN_DEPARTMENT", default=""
)
if LDAP_SERVER_URI:
    AUTHENTICATION_BACKENDS.append("accounts.directory.DirectoryBackend")

# OpenID Connect (accounts.oidc_backend, mozilla-django-oidc). The endpoints are
# those of the provider's /.well-known/openid-configuration.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
# The provider's end_session_endpoint: signing out here ends the session there.
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile")
# The claim (ID token or userinfo) that carries the employee number.
OIDC_EMPLOYEE_NUMBER_CLAIM = env.str(
    "OIDC_EMPLOYEE_NUMBER_CLAIM", default="employee_number"
)
OIDC_BUTTON_LABEL = env.str("OIDC_BUTTON_LABEL", default="")
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True
OIDC_CALLBACK_CLASS = "accounts.oidc_backend.CallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
if OIDC_OP_AUTHORIZATION_ENDPOINT:
    AUTHENTICATION_BACKENDS.append("accounts.oidc_backend.EmployeeNumberOIDCBackend")

# CAS 2.0 / 3.0 (accounts.cas_backend, django-cas-ng): the server's address, e.g.
# "https://sso.example/cas/".
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="")
CAS_VERSION = env.str("CAS_VERSION", default="3")
# The attribute that carries the employee number; empty: the CAS user name is it.
CAS_EMPLOYEE_NUMBER_ATTRIBUTE = env.str(
    "CAS_EMPLOYEE_NUMBER_ATTRIBUTE", default="employeeNumber"
)
CAS_BUTTON_LABEL = env.str("CAS_BUTTON_LABEL", default="")
CAS_TIMEOUT = env.int("CAS_TIMEOUT", default=10)
CAS_CREATE_USER = False
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"
CAS_IGNORE_REFERER = True
if CAS_SERVER_URL:
    AUTHENTICATION_BACKENDS.append("accounts.cas_backend.EmployeeNumberCASBackend")
INSTALLED_APPS.append("django_cas_ng")  # its session tickets, for single log-out

# Sign-in (accounts) ------------------------------------------------------------------

# Password rules (a level-3 MLPS 2.0 review): length, three of four character classes,
# not the person's own names or number, not common or guessable, not one of the last
# PASSWORD_HISTORY_COUNT; accounts.passwords explains each.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
# zxcvbn's score (0-4) a new password must reach.
PASSWORD_MIN_STRENGTH = env.int("PASSWORD_MIN_STRENGTH", default=2)
# Days after which a password must be changed; 0 (the default) never.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "accounts.passwords.CharacterClassValidator"},
    {"NAME": "accounts.passwords.PersonalInformationValidator"},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {
        "NAME": "accounts.passwords.GuessabilityValidator",
        "OPTIONS": {"min_score": PASSWORD_MIN_STRENGTH},
    },
    {
        "NAME": "accounts.passwords.HistoryValidator",
        "OPTIONS": {"count": PASSWORD_HISTORY_COUNT},
    },
]
# First sign-in codes: valid this many days, ended by a newer code or by leaving.
SIGNIN_CODE_DAYS = env.int("SIGNIN_CODE_DAYS", default=7)
# Code attempts allowed per employee number and per address in a window, on top of
# django-axes (which counts each wrong code as a failed sign-in too).
SIGNIN_CODE_ATTEMPTS_PER_PERSON = env.int("SIGNIN_CODE_ATTEMPTS_PER_PERSON", default=5)
SIGNIN_CODE_ATTEMPTS_PER_ADDRESS = env.int(
    "SIGNIN_CODE_ATTEMPTS_PER_ADDRESS", default=20
)
SIGNIN_CODE_WINDOW_MINUTES = env.int("SIGNIN_CODE_WINDOW_MINUTES", default=15)
# Failed password sign-ins from one address, whatever the name, before the address
# waits out the window (a password spray); high, since an office shares an address.
SIGNIN_FAILURES_PER_ADDRESS = env.int("SIGNIN_FAILURES_PER_ADDRESS", default=30)
SIGNIN_FAILURES_WINDOW_MINUTES = env.int("SIGNIN_FAILURES_WINDOW_MINUTES", default=15)
# Signed-in sessions end this many hours after sign-in, however active.
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
# E-mailed reset and activation links stay valid this long (Django's setting).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 60 * 60)
# Two-factor (TOTP) for the back office: always for site admins; for HR officers and
# leaders when this is on.
TWO_FACTOR_FOR_HR_AND_LEADERS = env.bool("TWO_FACTOR_FOR_HR_AND_LEADERS", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CivicSkills")
TWO_FACTOR_RECOVERY_CODES = 10
# Sessions of people a roster import deactivated in bulk end within minutes (those
# deactivated one by one end at once).
CELERY_BEAT_SCHEDULE["accounts-inactive-sessions-end"] = {
    "task": "accounts.inactive_sessions_end",
    "schedule": 5 * 60,
}


# Internationalisation ----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# The project's catalogue, then Chinese for Wagtail's own strings that Wagtail's
# catalogue lacks (a LOCALE_PATHS catalogue overrides an app's; kept apart so that
# makemessages for cms leaves it alone).
LOCALE_PATHS = [BASE_DIR / "cms" / "locale", BASE_DIR / "cms" / "wagtail_locale"]
LANGUAGE_COOKIE_NAME = "civicskills_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# Static and media --------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS: list[str] = []
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Extracted H5P packages: outside MEDIA_ROOT, so that only the access-checked
    # view serves them (never a web server's public media folder).
    "h5p": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("H5P_ROOT", default=str(BASE_DIR / "h5p-content")),
            "base_url": None,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# DEBUG serves app static folders straight away, no collectstatic needed for make run.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail ------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
vars().update(env.email_url_config(EMAIL_URL))
# Seconds a mail server may take to answer, so that a stalled one cannot hold a
# worker (and its claim on the message) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="CivicSkills <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Wagtail -----------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "CivicSkills"
WAGTAILADMIN_BASE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "docx",
    "key",
    "odt",
    "pdf",
    "pptx",
    "rtf",
    "txt",
    "xlsx",
    # Lesson videos and their captions are self-hosted documents.
    "mp4",
    "webm",
    "vtt",
]
# Played and read in the page rather than downloaded.
WAGTAILDOCS_INLINE_CONTENT_TYPES = [
    "application/pdf",
    "text/plain",
    "video/mp4",
    "video/webm",
    "text/vtt",
]
# Government intranets: no calls home, no avatars from outside.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Nor the "what's new" banner linking to Wagtail's guide on the internet (the help
# menu's links are taken out in cms.wagtail_hooks).
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Everyone resets a password through the site's own sign-in pages (accounts), which
# follow the sign-in rules; the back office's reset form is switched off.
WAGTAIL_PASSWORD_RESET_ENABLED = False

# The audit log keeps entries this many days (a level-3 MLPS review asks for at least
# 180); a daily task deletes older ones.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=3 * 365)
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Security ----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Wagtail's live preview and the H5P player embed same-origin frames.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
    )
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Platform settings -------------------------------------------------------------------

# H5P uploads are code: limits on what an upload may unpack to (zip bombs).
H5P_MAX_UPLOAD_BYTES = env.int("H5P_MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
H5P_MAX_TOTAL_BYTES = env.int("H5P_MAX_TOTAL_BYTES", default=300 * 1024 * 1024)
H5P_MAX_FILES = env.int("H5P_MAX_FILES", default=5000)
H5P_MAX_RATIO = env.int("H5P_MAX_RATIO", default=100)
# Uploaded H5P code never runs as the site (courses.h5p.serving): each activity plays
# in a sandboxed frame with an opaque origin. H5P_CONTENT_ORIGIN, e.g.
# "https://h5p.example.gov.cn", serves frames and package files from a second host
# name of this app instead (no session cookie is sent or accepted there; never set
# SESSION_COOKIE_DOMAIN to a parent domain of both). Empty: this site's own host.
H5P_CONTENT_ORIGIN = env.str("H5P_CONTENT_ORIGIN", default="").rstrip("/")
if H5P_CONTENT_ORIGIN:
    _h5p_origin = urlsplit(H5P_CONTENT_ORIGIN)
    if _h5p_origin.scheme not in ("http", "https") or not _h5p_origin.hostname or (
        _h5p_origin.path or _h5p_origin.query or _h5p_origin.fragment
    ):
        raise ImproperlyConfigured(
            "H5P_CONTENT_ORIGIN must be an origin such as https://h5p.example.gov.cn"
        )
    ALLOWED_HOSTS.append(_h5p_origin.hostname)
# How long a lesson page's signed links to its activities' files keep working.
H5P_CONTENT_URL_HOURS = env.int("H5P_CONTENT_URL_HOURS", default=12)

# Content-Security-Policy (django-csp) on every page of the site: scripts, styles,
# fonts, media and requests from this site only (nothing is loaded from elsewhere),
# no plugins, no <base>, forms posted here only. Inline style attributes stay allowed
# (progress bars set their width). H5P activities are framed from this site or from
# H5P_CONTENT_ORIGIN; their frames and files carry their own sandbox policy, which
# this leaves alone. The back office has its own policy (below).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "media-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF] + ([H5P_CONTENT_ORIGIN] if H5P_CONTENT_ORIGIN else []),
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# The back office (Wagtail's admin under /admin/): the same, with what Wagtail's
# screens need besides: image previews of files being uploaded (blob:), and inline
# scripts only with the response's nonce, which only Wagtail's own widget start-up
# calls get (cms/security_policy.py).
BACK_OFFICE_PATH_PREFIX = "/admin/"
BACK_OFFICE_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "frame-src": [SELF] + ([H5P_CONTENT_ORIGIN] if H5P_CONTENT_ORIGIN else []),
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# The LRS (learning/xapi): a result counts only for a launch issued at most this many
# hours before and at least this many seconds before its statement arrives.
XAPI_LAUNCH_VALID_HOURS = env.int("XAPI_LAUNCH_VALID_HOURS", default=24)
XAPI_MIN_ATTEMPT_SECONDS = env.int("XAPI_MIN_ATTEMPT_SECONDS", default=5)
# Statement bytes one learner (or one tool) may store per day, and statement
# requests per minute per learner or tool and per address.
XAPI_DAILY_BYTES = env.int("XAPI_DAILY_BYTES", default=5 * 1024 * 1024)
XAPI_POSTS_PER_MINUTE = env.int("XAPI_POSTS_PER_MINUTE", default=120)
XAPI_POSTS_PER_MINUTE_PER_ADDRESS = env.int(
    "XAPI_POSTS_PER_MINUTE_PER_ADDRESS", default=600
)
# Rate limits (audit/limits.py): per person and per client address, counted in the
# cache. Lesson pages beat twice a minute per open tab; uploads are H5P packages,
# rosters and framework/question imports; exports are every CSV/XLSX/PDF/JSON
# download of records (dashboards, compliance, reports, code sheets, /me/ data,
# the audit log); password-reset requests count per address and per e-mail asked.
LESSON_BEATS_PER_MINUTE = env.int("LESSON_BEATS_PER_MINUTE", default=20)
LESSON_BEATS_PER_MINUTE_PER_ADDRESS = env.int(
    "LESSON_BEATS_PER_MINUTE_PER_ADDRESS", default=1200
)
UPLOADS_PER_HOUR = env.int("UPLOADS_PER_HOUR", default=30)
UPLOADS_PER_HOUR_PER_ADDRESS = env.int("UPLOADS_PER_HOUR_PER_ADDRESS", default=120)
EXPORTS_PER_HOUR = env.int("EXPORTS_PER_HOUR", default=60)
EXPORTS_PER_HOUR_PER_ADDRESS = env.int("EXPORTS_PER_HOUR_PER_ADDRESS", default=300)
PASSWORD_RESETS_PER_HOUR = env.int("PASSWORD_RESETS_PER_HOUR", default=3)
PASSWORD_RESETS_PER_HOUR_PER_ADDRESS = env.int(
    "PASSWORD_RESETS_PER_HOUR_PER_ADDRESS", default=20
)
# Reading time counts only from lesson pages the server rendered to the learner at
# most this many minutes before the beat (reloading the page renews it).
LESSON_VIEW_MINUTES = env.int("LESSON_VIEW_MINUTES", default=60)
# Roster imports: refused before parsing above these sizes (zip bombs, runaway files).
ROSTER_MAX_BYTES = env.int("ROSTER_MAX_BYTES", default=50 * 1024 * 1024)
# A 200,000-row workbook unpacks to about 100 MB; its shared strings are read into
# memory whole, so keep the bound well below the web worker's memory.
ROSTER_MAX_UNPACKED_BYTES = env.int(
    "ROSTER_MAX_UNPACKED_BYTES", default=400 * 1024 * 1024
)
ROSTER_MAX_ROWS = env.int("ROSTER_MAX_ROWS", default=300_000)
# An uploaded roster (names, phones, e-mails of all staff) is deleted once applied, and
# after this many days if never applied; its report stays.
ROSTER_UPLOAD_RETENTION_DAYS = env.int("ROSTER_UPLOAD_RETENTION_DAYS", default=30)
# A full roster that would record more than this share of the active people in scope
# as leavers is applied only once HR types how many (a file cut short, a wrong sheet).
ROSTER_CONFIRM_DEACTIVATE_SHARE = env.float(
    "ROSTER_CONFIRM_DEACTIVATE_SHARE", default=0.10
)


# Answers saved this long after a quiz's deadline still count (network delays).
QUIZ_DEADLINE_GRACE_SECONDS = env.int("QUIZ_DEADLINE_GRACE_SECONDS", default=30)
# The organisation that issues certificates, printed at the top of each certificate
# PDF and on its verification page, e.g. "某某县委组织部 · Organisation Department
# of X County".
CERTIFICATE_ISSUER = env.str(
    "CERTIFICATE_ISSUER", default="CivicSkills 公务员在线学习平台 · CivicSkills"
)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-pass-2026")
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
SITE_TITLE = _("CivicSkills")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
