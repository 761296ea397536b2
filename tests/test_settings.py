import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "majorite-prete.example.fr",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/majorite_prete",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _check(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "majority_ready.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"]
)
def test_production_values_are_required(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _check(env)
    assert result.returncode != 0
    assert f"La variable d'environnement {missing} est obligatoire" in result.stderr


def test_production_settings_start_when_complete():
    result = _check(PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_embedded_mode_needs_nothing(tmp_path):
    result = _check({"DEBUG": "true", "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
