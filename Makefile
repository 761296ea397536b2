# Majorité prête — the commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# The site's public address, in every link it sends (e-mails, calendar, CMS):
# make run's own address unless told otherwise (HOST=0.0.0.0:8080 listens on every
# interface; then SITE_URL=http://<this machine's address>:8080).
SITE_URL ?= http://$(HOST)

# Services mode and tests: the local PostgreSQL and Redis unless told otherwise.
PG_URL ?= postgres://postgres@127.0.0.1:5432/majorite_prete
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test services install lint format migrations-check deploy-check compose-check bench bench-directory bench-certificates clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: $(BIN)/uv pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --extra dev --inexact --python $(BIN)/python
	touch $@

install: $(VENV)/.installed

## Embedded mode: SQLite, tasks in-process, e-mails in var/mail, demo data.
run: install
	mkdir -p var
	DEBUG=true SITE_URL=$(SITE_URL) $(BIN)/python manage.py migrate --noinput
	DEBUG=true SITE_URL=$(SITE_URL) $(BIN)/python manage.py load_demo
	DEBUG=true SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST)

## The whole test suite, against PostgreSQL and Redis (see DATABASE_URL, CELERY_BROKER_URL).
test: install
	$(BIN)/pytest

## Services mode: web + Celery worker + beat against PostgreSQL and Redis.
services: install
	createdb -h 127.0.0.1 -U postgres majorite_prete 2>/dev/null || true
	DEBUG=true DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) \
		$(BIN)/python manage.py migrate --noinput
	DEBUG=true DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) \
		$(BIN)/python manage.py load_demo
	DEBUG=true DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) \
		$(BIN)/honcho start -f Procfile.services

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djhtml --check templates

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djhtml templates

migrations-check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# `check --deploy` with the values a production server would have.
deploy-check: install
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		ALLOWED_HOSTS=majorite-prete.example.fr DATABASE_URL=$(PG_URL) \
		CELERY_BROKER_URL=$(REDIS_URL) CERTIFICATES_SIGNING_KEY=$$($(BIN)/python -c \
		"from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey; \
		from certificates.signing import secret_key_multibase; \
		print(secret_key_multibase(Ed25519PrivateKey.generate()))") \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# docker-compose.yml is valid once SECRET_KEY is set (a placeholder here, or yours),
# and refuses to start without one, e.g. with .env.example copied as it is.
compose-check:
	SECRET_KEY=$${SECRET_KEY:-compose-check-placeholder} \
		docker-compose -f docker-compose.yml config --quiet
	@env -u SECRET_KEY docker-compose --env-file .env.example -f docker-compose.yml \
		config --quiet 2>&1 | grep -q "SECRET_KEY est obligatoire" || \
		{ echo "docker-compose.yml starts without SECRET_KEY"; exit 1; }

clean:
	rm -rf $(VENV) var

## Benchmarks (PostgreSQL, Redis, Celery workers, SMTP sink on loopback); figures in the README.
bench: install
	$(BIN)/python tests/bench/bench_reminders.py
	$(BIN)/python tests/bench/bench_directory.py

## Only the directory's search, with 35,000 places (PostgreSQL only).
bench-directory: install
	$(BIN)/python tests/bench/bench_directory.py

## Certificate issuance: per process and against a bare ReportLab loop, then a batch
## of 10,000 through Celery with 2 worker processes.
bench-certificates: install
	$(BIN)/python tests/bench/bench_certificates.py
