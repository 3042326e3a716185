# The few commands people type. `make run` and `make test` work on a fresh clone: they set up everything.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run cluster test lint install migrate seed messages clean bench bench-quick

$(STAMP):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo $(SEED_ARGS)

run: seed
	@echo ""
	@echo "  Interagency coordination tracker"
	@echo "    Admin:   http://127.0.0.1:$(PORT)/admin/"
	@echo "    Health:  http://127.0.0.1:$(PORT)/health/  (database, broker, worker and beat)"
	@echo "    API:     http://127.0.0.1:$(PORT)/api/v1/  docs: http://127.0.0.1:$(PORT)/api/docs/"
	@echo "             a token: .venv/bin/python manage.py issue_token mod-liaison"
	@echo "    Demo logins, all with the password demo-pass-2026 (development only):"
	@echo "      coordinator, director           NSS security cooperation department"
	@echo "      stratcom-coordinator            strategic communications center"
	@echo "      mod-liaison, mofa-liaison, mlit-liaison, jcg-liaison, mic-liaison,"
	@echo "      mhlw-liaison, meti-liaison, mof-liaison, atla-liaison   (primary liaisons)"
	@echo "      mod-alternate, mofa-alternate   (alternate liaisons)"
	@echo "      admin                           (superuser)"
	@echo "    Emails:  written to var/mail/ (one file per batch), not shown here"
	@echo "  Web, Celery worker and beat start now; Ctrl-C stops all three."
	@echo ""
	@$(BIN)/python manage.py run_processes --procfile Procfile

# The production topology on one machine, to try it or to smoke-test a release: two gunicorn web processes
# (127.0.0.1:8001 and :8002, as a reverse proxy would spread requests over them), two Celery workers and one beat,
# with production settings behind the proxy switch (send X-Forwarded-Proto: https, as the proxy would). It uses
# DATABASE_URL and REDIS_URL when set (PostgreSQL and Redis), else the embedded defaults; SECRET_KEY, if unset,
# is made up for the run, and AUDIT_KEY, if unset, made up once and kept in var/cluster-audit-key (the seals it
# makes must verify at the next start). Ctrl-C stops everything.
CLUSTER_ENV = DJANGO_SETTINGS_MODULE=config.settings.production BEHIND_PROXY=true \
	SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')}" \
	AUDIT_KEY="$${AUDIT_KEY:-$$(cat var/cluster-audit-key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" EMAIL_URL="$${EMAIL_URL:-filemail:///$(CURDIR)/var/mail}"
var/cluster-audit-key: | install
	@mkdir -p var && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $@ && chmod 600 $@
cluster: migrate var/cluster-audit-key
	@env $(CLUSTER_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@echo "  Web: http://127.0.0.1:$${WEB1_PORT:-8001}/ and http://127.0.0.1:$${WEB2_PORT:-8002}/ (production settings:"
	@echo "  plain http answers only with X-Forwarded-Proto: https, as from the proxy). Ctrl-C stops all."
	@env $(CLUSTER_ENV) $(BIN)/python manage.py run_processes --procfile Procfile.cluster

# The suite in three runs, each with every core busy: everything but the end-to-end tests in one process per core
# (pytest-xdist); the end-to-end tests, which start real workers and servers (each test its own database, broker
# and ports), two at a time, since they mostly wait on their children; and in one process the few tests whose
# cases share one node id (a parallel run would run only one of them).
test: install
	$(BIN)/python -m pytest -m "not e2e and not serial" -n auto --dist loadgroup
	$(BIN)/python -m pytest -m "e2e and not serial" -n 2
	$(BIN)/python -m pytest -m serial

# The benchmark (BENCHMARKS.md): scratch PostgreSQL databases beside DATABASE_URL (the loopback server by default;
# the configured database itself is never touched) at 10,000 and 100,000 items, Redis database 14 for its queue.
# bench-quick is the same at smaller sizes in a few minutes, written to docs/benchmarks/quick.md.
BENCH_ENV = DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
	REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}"
bench: install
	@env $(BENCH_ENV) $(BIN)/python manage.py benchmark --sizes 10000,100000
bench-quick: install
	@env $(BENCH_ENV) $(BIN)/python manage.py benchmark --sizes 1000,5000 --rounds 15 --throughput-seconds 1 \
		--walks 2 --output docs/benchmarks/quick.md

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Refresh the Japanese catalogue from the source, then compile it (needs GNU gettext); commit both files.
messages: install
	$(BIN)/python manage.py makemessages -l ja --no-obsolete --ignore=.venv --ignore=tests --ignore=var
	$(BIN)/python manage.py compilemessages -l ja --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
