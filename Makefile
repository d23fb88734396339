# Two commands: `make demo` runs the product, `make test` runs the tests. Both set up
# everything they need (.venv, packages, database); with DATABASE_URL / REDIS_URL unset they
# use embedded PostgreSQL and Redis under .data/.
PY := .venv/bin/python
SERVICES := $(PY) scripts/with_services.py --
export DJANGO_SETTINGS_MODULE := rebalance_site.settings

.PHONY: demo test lint bench venv system-deps clean-data lock lock-check

# The development set, exact versions with their hashes (requirements-dev.lock, made by
# `make lock`): installed again only when the lock changes (the stamp is older than it).
.venv/installed: requirements-dev.lock
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install --quiet --require-hashes -r requirements-dev.lock
	touch .venv/installed

venv: .venv/installed

# requirements.in (runtime: the Dockerfile) and requirements-dev.in (+ development and test
# tools: .venv) -> requirements.lock and requirements-dev.lock, exact versions with hashes for
# Python 3.11 on linux x86_64. A pin that still satisfies its .in file is kept: after adding or
# removing a package only that package (and what it needs) changes. `make lock LOCK_ARGS=--upgrade`
# moves every pin to the newest release; `LOCK_ARGS="--upgrade-package django"` one package.
LOCK := .venv/bin/uv pip compile --quiet --no-config --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" $(LOCK_ARGS)
# A lock whose content did not change keeps its date (no reinstall of .venv).
define lock_compile
	cp $(2) $(2).tmp 2>/dev/null || true
	$(LOCK) $(1) -o $(2).tmp
	if cmp -s $(2).tmp $(2); then rm $(2).tmp; else mv $(2).tmp $(2); fi
endef
lock: venv
	$(call lock_compile,requirements.in,requirements.lock)
	$(call lock_compile,requirements-dev.in,requirements-dev.lock)
	$(PY) scripts/lock_check.py

# Fails when an .in file and its lock disagree (a package added or removed without `make lock`,
# a bound its pin does not satisfy, a pin without a hash). Reads files only: a newer upstream
# release never fails it.
lock-check: venv
	$(PY) scripts/lock_check.py

# Debian packages: Pango for weasyprint's PDFs, Chromium for the browser tests, poppler-utils
# (pdftotext) for the tests that read the text of a rendered PDF, postgresql-client (pg_dump,
# pg_restore) for the backup and restore round trip.
SYSTEM_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpango-1.0 \
		|| ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else echo "Install Debian packages: $(SYSTEM_PACKAGES)"; fi; \
	fi

# The house rules as tools (ruff.toml): formatting and lint run before the tests, and a
# failure stops `make test` there.
lint: venv
	$(PY) -m ruff format --check . && $(PY) -m ruff check .

test: venv system-deps lock-check lint
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=test-only $(SERVICES) $(PY) -m pytest tests

# The demo firms' pipeline, run once up front so every page has something to show, in one
# process (portal/management/commands/demo_prepare.py): migrate; seed_demo, whose two firms
# live their last sessions through the services side by side (scans, approvals, batches, last
# month's report; portal/services/demo_history.py); then each firm's latest day is scanned,
# checked and routed (a no-op after the history). Every step is idempotent, so a second
# `make demo` reuses what is there.
DEMO_PREPARE := $(PY) manage.py demo_prepare

demo: venv
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=demo-only EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend \
		$(SERVICES) sh -c '$(DEMO_PREPARE) && exec .venv/bin/honcho start -f Procfile'

# Benchmarks write into their own database (<name>_bench), never the demo's.
bench: venv
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=bench-only $(PY) scripts/with_services.py --db-suffix _bench -- sh -c 'for b in bench/bench_*.py; do $(PY) $$b || exit 1; done'

clean-data:
	rm -rf .data

# The demo's database and files, backed up and restored as docs/OPERATIONS.md describes for
# production: `make backup` writes backups/<UTC time>/; `make restore BACKUP=backups/<...>
# RESTORE_DB=<new database> RESTORE_MEDIA=<empty dir> RESTORE_HEADS=<empty dir>`.
.PHONY: backup restore
BACKUP_ENV := DJANGO_DEBUG=1 DJANGO_SECRET_KEY=demo-only
backup: venv system-deps
	$(BACKUP_ENV) $(SERVICES) $(PY) manage.py backup_create backups/$$(date -u +%Y%m%dT%H%M%SZ)
restore: venv system-deps
	@test -n "$(BACKUP)" -a -n "$(RESTORE_DB)" || { echo "usage: make restore BACKUP=backups/<time> RESTORE_DB=<new database> [RESTORE_MEDIA=dir RESTORE_HEADS=dir]"; exit 2; }
	$(BACKUP_ENV) $(SERVICES) $(PY) manage.py backup_restore $(BACKUP) --database $(RESTORE_DB) \
		$(if $(RESTORE_MEDIA),--media-root $(RESTORE_MEDIA)) $(if $(RESTORE_HEADS),--audit-head-dir $(RESTORE_HEADS))

# The reliability run (RELIABILITY=1 switches on the heavy parts): the isolation matrix, the RLS
# backstop, CSRF/escalation/login/header checks, absurd prices, export injection, concurrent
# beats, the heavy loops (1,000 wrong passwords, 1,000 concurrent audit inserts, 600 Hypothesis
# import mutations), the fuzz pass over every page, form and query parameter with the pipeline
# run after it, and tests/pipeline's long simulation (PIPELINE_SEEDS seeds of PIPELINE_DAYS
# days). Figures land in test-artifacts/reliability/. See docs/RELIABILITY.md.
.PHONY: reliability
reliability: venv
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=test-only RELIABILITY=1 $(SERVICES) $(PY) -m pytest tests/reliability tests/firms tests/pipeline -q

# The load test: gunicorn on 127.0.0.1 under Locust (200 users of 3 firms, 5 minutes by
# default; LOADTEST_DURATION / LOADTEST_USERS / LOADTEST_WORKERS / LOADTEST_THREADS override),
# in its own database (<name>_load). Figures: test-artifacts/loadtest/ and docs/RELIABILITY.md.
.PHONY: loadtest
loadtest: venv
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=load-only EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend \
		$(PY) scripts/with_services.py --db-suffix _load -- sh loadtest/run.sh
