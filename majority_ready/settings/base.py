"""Settings read from the environment (see .env.example).

With DEBUG on, everything has an embedded default (SQLite, tasks run in-process,
e-mails written to a folder). With DEBUG off, the values production must set are
required and start-up stops with a clear message when one is missing.
"""

import contextlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = Env()
env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG = env.bool("DEBUG", default=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def required(name: str, embedded_default: str) -> str:
    """A value production must set; embedded mode (DEBUG) falls back to a default."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return embedded_default
    raise ImproperlyConfigured(
        f"La variable d'environnement {name} est obligatoire quand DEBUG est désactivé "
        "(voir .env.example)."
    )


def embedded_secret_key() -> str:
    """Embedded mode: a random key made on the first start and kept in VAR_DIR (a
    published default would let anyone who reaches the server sign its tokens)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}")
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(50))
        # Whole or not at all, and the first process to start wins.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text().strip()


SECRET_KEY = required("SECRET_KEY", "") or embedded_secret_key()
# The site's public address: every absolute link it sends (e-mails, calendar feed,
# CMS e-mails) starts with it. `make run` sets it to its own address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Embedded mode also answers at SITE_URL's host (a classroom reaching this machine).
ALLOWED_HOSTS = required(
    "ALLOWED_HOSTS", f"127.0.0.1,localhost,{urlsplit(SITE_URL).hostname}"
).split(",")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused for its security token: a French page in the site's layout.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

PROJECT_APPS = [
    "core",
    "territories",
    "directory",
    "accounts",
    "curriculum",
    "assessments",
    "reminders",
    "certificates",
    "demo",
]
INSTALLED_APPS = [
    *PROJECT_APPS,
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
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CmsAccessMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "majority_ready.urls"
WSGI_APPLICATION = "majority_ready.wsgi.application"

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
                "curriculum.context_processors.site_chrome",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL counts as unset, as for the other required values.
    "default": dj_database_url.parse(
        required("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env.int("CONN_MAX_AGE", default=60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode serves a whole class at once (runserver is threaded): writers
    # take turns instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        # A writer waits up to this many seconds for the one write lock.
        "timeout": 20,
        # A transaction takes the write lock when it begins: two transactions that
        # read then write can no longer deadlock (SQLite refuses the upgrade at
        # once, whatever the timeout).
        "transaction_mode": "IMMEDIATE",
        # Readers and the writer do not block each other (write-ahead log), and a
        # commit waits for the disk only at checkpoints (a power cut may lose the
        # last commits, a stopped server loses none).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
if DEBUG:
    # The embedded database and e-mails live in VAR_DIR.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL"),
        }
        if env.str("CACHE_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "accounts.User"
# Database sessions that know their account, so that deleting an account ends them.
SESSION_ENGINE = "accounts.sessions"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Grants CMS access to the staff roles that work there; authenticates nobody.
    "accounts.backends.StaffRoleBackend",
]
# Who manages which help places: the directory asks the staff roles through this.
HELP_PLACE_PERMISSION_POLICY = "accounts.policies.help_place_permission_policy"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: e-mail login, verified e-mail, login by code, built-in rate limits.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Majorité prête] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Rate limits sized for a class: 35 pupils behind one school address sign up, sign
# in (with typos), ask for codes or new passwords within minutes. Per address, room
# for about three tries each; per account ("key"), allauth's strict defaults.
ACCOUNT_RATE_LIMITS = {
    # Every login form sent, right or wrong.
    "login": "150/m/ip",
    # Wrong passwords: the class's typos; 5 per account per 5 minutes.
    "login_failed": "100/10m/ip,5/5m/key",
    # Every sign-up form sent (mistakes included).
    "signup": "150/10m/ip",
    # E-mails asked for: a login code or a new password (3 or 5 a minute each).
    "request_login_code": "100/10m/ip,3/m/key",
    "reset_password": "100/10m/ip,5/m/key",
    "reset_password_from_key": "100/10m/ip",
}
# Wrong passport codes typed by informers (core.ratelimits): 10 per informer and 30
# per address in 10 minutes. A code has 22^8 values and lives 15 minutes: guessing
# one is hopeless.
PASSPORT_REDEEM_RATE_LIMITS = "10/10m/user,30/10m/ip"
# Proxies in front of the site that append the client's address to X-Forwarded-For
# (0: the address is the connection's own; behind one reverse proxy: 1, or every
# visitor shares the proxy's address and its rate limits).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail: SMTP from EMAIL_URL; in embedded mode, messages go to files in var/mail.
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Majorité prête <ne-pas-repondre@majorite-prete.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    email = env.dj_email_url("EMAIL_URL")
    # dj-email-url leaves the backend out for a scheme it does not know (such as
    # django-environ's "dummymail://"): Django would then try SMTP on localhost.
    if "EMAIL_BACKEND" not in email:
        raise ImproperlyConfigured(
            "EMAIL_URL : schéma inconnu. Utilisez smtp://, submission://, "
            "console://, file://, memory:// ou dummy:// (voir .env.example)."
        )
    vars().update(email)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    EMAIL_HOST = "localhost"
    EMAIL_PORT = 25
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Celery: with no broker, tasks run in-process (embedded mode).
CELERY_BROKER_URL = required("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# The queue of tasks that name none (workers listen to it unless told otherwise).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.float("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.float("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Each worker proves it can reach the database; /healthz shows the last beat.
    "heartbeat": {"task": "core.tasks.heartbeat_record", "schedule": 300.0},
    # Due reminder e-mails: wakes REMINDERS_SENDERS senders that drain them side by
    # side (by hand: manage.py send_reminders).
    "reminders-dispatch": {
        "task": "reminders.tasks.reminders_dispatch",
        "schedule": env.float("REMINDERS_DISPATCH_EVERY", default=60.0),
    },
    # Every learner's calendar, to move the 18-month horizon on and pick up rule
    # changes, in chunks of learners (by hand: manage.py sweep_deadlines).
    "deadlines-sweep": {
        "task": "reminders.tasks.deadlines_sweep",
        "schedule": crontab(hour=4, minute=30),
    },
    # Chunks of a sweep whose message or worker was lost go to the workers again.
    "deadlines-sweep-resume": {
        "task": "reminders.tasks.deadlines_sweep_resume",
        "schedule": 300.0,
    },
    # Unused accounts: the warning e-mail, then the deletion (by hand: manage.py
    # purge_inactive_accounts).
    "inactive-accounts-purge": {
        "task": "accounts.tasks.inactive_accounts_purge",
        "schedule": crontab(hour=3, minute=15),
    },
    # Every eligible learner still without a certificate, in chunks (by hand:
    # manage.py issue_certificates): a message lost after an attainment loses nothing.
    "certificates-sweep": {
        "task": "certificates.tasks.issuance_sweep",
        "schedule": crontab(hour=5, minute=0),
    },
    # Chunks of certificates whose message or worker was lost go to the workers again.
    "certificates-sweep-resume": {
        "task": "certificates.tasks.issuance_chunks_resume",
        "schedule": 300.0,
    },
    # The learners' e-mails about their certificates that were lost on the way.
    "certificates-notifications-resume": {
        "task": "certificates.tasks.certificate_notifications_resume",
        "schedule": 3600.0,
    },
    # Expired sessions, which Django never deletes by itself (by hand: manage.py
    # clearsessions).
    "sessions-clear-expired": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=45),
    },
}
# Senders woken per tick: the total number of worker processes (all machines).
REMINDERS_SENDERS = env.int("REMINDERS_SENDERS", default=2)
# No reminder is sent between these hours, Paris time ("" for none).
REMINDERS_QUIET_HOURS = env.str("REMINDERS_QUIET_HOURS", default="21:00-08:00")
# Seconds a sender works before handing over (inside CELERY_TASK_SOFT_TIME_LIMIT).
REMINDERS_SEND_BUDGET = env.float("REMINDERS_SEND_BUDGET", default=40.0)
# Learners per chunk of a sweep, and how long a chunk may stay pending before it is
# handed to the workers again (seconds).
DEADLINES_SWEEP_CHUNK = env.int("DEADLINES_SWEEP_CHUNK", default=500)
DEADLINES_SWEEP_RESUME_AFTER = env.int("DEADLINES_SWEEP_RESUME_AFTER", default=600)
# Certificates: the Ed25519 key that signs them, as a multibase secret key (z3u2…),
# or a file holding one; embedded mode makes one in VAR_DIR on the first start.
CERTIFICATES_SIGNING_KEY = env.str("CERTIFICATES_SIGNING_KEY", default="")
CERTIFICATES_SIGNING_KEY_FILE = env.str("CERTIFICATES_SIGNING_KEY_FILE", default="")
# The key's id in its public URL; change it with the key (rotation).
CERTIFICATES_SIGNING_KEY_ID = env.str("CERTIFICATES_SIGNING_KEY_ID", default="1")
# Earlier keys' public keys, so that what they signed still verifies:
# "1=z6Mk…,2=z6Mk…".
CERTIFICATES_PREVIOUS_KEYS = env.dict("CERTIFICATES_PREVIOUS_KEYS", default={})
# Learners per chunk of a batch, and how long a chunk may stay pending before it is
# handed to the workers again (seconds).
CERTIFICATES_CHUNK = env.int("CERTIFICATES_CHUNK", default=100)
CERTIFICATES_RESUME_AFTER = env.int("CERTIFICATES_RESUME_AFTER", default=600)
# Verifications by code per client address and minute (page and JSON together).
CERTIFICATES_VERIFY_PER_MINUTE = env.int("CERTIFICATES_VERIFY_PER_MINUTE", default=30)
HEALTHZ_BROKER_TIMEOUT = env.float("HEALTHZ_BROKER_TIMEOUT", default=2.0)

# Wagtail
WAGTAIL_SITE_NAME = "Majorité prête"
# The CMS signs in through the site's login, where e-mail and password are managed.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
# The CMS e-mails' links (review requests, approvals, comments).
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx"]

# Security (production values; embedded mode relaxes them).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The onboarding accepts ages in this range (years, inclusive).
LEARNER_MIN_AGE = 15
LEARNER_MAX_AGE = 25
# Days an invitation to a staff role stays valid (/espace/roles/).
ROLE_INVITATION_TTL_DAYS = env.int("ROLE_INVITATION_TTL_DAYS", default=14)

# Accounts nobody has logged into for this many days are deleted, after a warning
# e-mail sent INACTIVE_ACCOUNT_NOTICE_DAYS before. The privacy notice says "deux
# ans" and "30 jours": change its text (curriculum/content) with these values.
INACTIVE_ACCOUNT_DELETE_AFTER_DAYS = env.int(
    "INACTIVE_ACCOUNT_DELETE_AFTER_DAYS", default=730
)
INACTIVE_ACCOUNT_NOTICE_DAYS = env.int("INACTIVE_ACCOUNT_NOTICE_DAYS", default=30)

# Logs go to the standard error, one line per record: plain text, or JSON lines for
# a log collector (LOG_FORMAT=json). Background work logs what it did at INFO.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT vaut « text » ou « json ».")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
        },
        "json": {"()": "core.logging.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {app: {"level": LOG_LEVEL} for app in PROJECT_APPS},
}
# Workers log through this configuration too (Celery would replace it otherwise).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
