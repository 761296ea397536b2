"""What every benchmark starts with: production settings (DEBUG off) on a fresh
PostgreSQL database of its own, migrated. Call before importing any model."""

import os
import warnings


def bench_django(default_database: str) -> str:
    """Set up Django on a new database (BENCH_DATABASE, or `default_database`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "majority_ready.settings.base")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    name = os.environ.get("BENCH_DATABASE", default_database)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"

    import django
    import psycopg
    from django.conf import settings

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')

    # No collectstatic for a benchmark: plain static URLs instead of the manifest's.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    django.setup()
    # WhiteNoise looks for collected static files, which a benchmark does not need.
    warnings.filterwarnings("ignore", message="No directory at")

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return name
