import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "majorite-prete.example.fr",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/majorite_prete",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _check(env: dict, *command: str) -> subprocess.CompletedProcess:
    # Without the test settings' signing key, unless `env` gives one, nor what the
    # browser tests set for themselves (the deploy check refuses it).
    left_out = {"CERTIFICATES_SIGNING_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in left_out
    }
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ["check"])],
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


def test_an_unknown_email_url_scheme_stops_start_up():
    # django-environ's spelling, which dj-email-url does not know: SMTP on localhost
    # would have been tried instead.
    result = _check({**PRODUCTION, "EMAIL_URL": "dummymail://"})
    assert result.returncode != 0
    assert "EMAIL_URL : schéma inconnu" in result.stderr


def test_the_deploy_check_wants_a_certificate_signing_key(tmp_path):
    result = _check(PRODUCTION, "check", "--deploy")
    assert result.returncode != 0
    assert "certificates.E001" in result.stderr
    assert "CERTIFICATES_SIGNING_KEY ou CERTIFICATES_SIGNING_KEY_FILE" in result.stderr
    missing = tmp_path / "absente"
    result = _check(
        {**PRODUCTION, "CERTIFICATES_SIGNING_KEY_FILE": str(missing)},
        "check",
        "--deploy",
    )
    assert result.returncode != 0
    assert "est illisible" in result.stderr
    key = "z3u2i5muLyMNUJJQjpn5tmsfb9H4cXggceJvMGPB7b6S9kZ4"
    result = _check(
        {**PRODUCTION, "CERTIFICATES_SIGNING_KEY": key}, "check", "--deploy"
    )
    assert result.returncode == 0, result.stderr


def test_embedded_mode_needs_nothing(tmp_path):
    result = _check({"DEBUG": "true", "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    # Its secret key is its own, not a value published with the code.
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert key not in (ROOT / "majority_ready/settings/base.py").read_text()


def test_docker_compose_gives_no_default_secret_key():
    """`${SECRET_KEY:-…}` would start production with a published key: the file must
    say `${SECRET_KEY:?…}`, so that compose refuses to start without one."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    given = {
        name: service["environment"]["SECRET_KEY"]
        for name, service in compose["services"].items()
        if "SECRET_KEY" in service.get("environment", {})
    }
    assert set(given) == {"web", "worker", "beat"}
    for value in given.values():
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", value), value


def test_the_trusted_proxy_count_comes_from_the_environment(tmp_path):
    # Behind a reverse proxy, allauth's rate limits count each visitor's address.
    embedded = {"DEBUG": "true", "VAR_DIR": str(tmp_path)}
    result = _check({**embedded, "ALLAUTH_TRUSTED_PROXY_COUNT": "1"}, "diffsettings")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^ALLAUTH_TRUSTED_PROXY_COUNT = 1\b", result.stdout, re.M)
