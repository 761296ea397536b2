"""Test settings: local PostgreSQL and Redis by default, speed-only overrides."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/majorite_prete"
)
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# A key for tests only (Ed25519, multibase), shared with the workers they start.
os.environ.setdefault(
    "CERTIFICATES_SIGNING_KEY", "z3u2i5muLyMNUJJQjpn5tmsfb9H4cXggceJvMGPB7b6S9kZ4"
)

from .base import *  # noqa: E402,F403
from .base import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks in-process; the worker tests send through the real broker.
CELERY_TASK_ALWAYS_EAGER = True
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Serve static files from the apps' folders, as in development (no collectstatic).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
