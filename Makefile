# Two commands: `make demo` runs the product, `make test` runs the tests. Both set up
# everything they need (.venv, packages, database); with DATABASE_URL / REDIS_URL unset they
# use embedded PostgreSQL and Redis under .data/.
PY := .venv/bin/python
SERVICES := $(PY) scripts/with_services.py --
export DJANGO_SETTINGS_MODULE := rebalance_site.settings

.PHONY: demo test lint bench venv system-deps clean-data

.venv/installed: requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -r requirements.txt
	touch .venv/installed

venv: .venv/installed

# Debian packages: Pango for weasyprint's PDFs, Chromium for the browser tests, poppler-utils
# (pdftotext) for the tests that read the text of a rendered PDF.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpango-1.0; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
		else echo "Install Debian packages: chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0"; fi; \
	fi

# The house rules as tools (ruff.toml): formatting and lint run before the tests, and a
# failure stops `make test` there.
lint: venv
	$(PY) -m ruff format --check . && $(PY) -m ruff check .

test: venv system-deps lint
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=test-only $(SERVICES) $(PY) -m pytest tests

# The demo firms' pipeline, run once up front so every page has something to show: seed_demo
# lives the last sessions through the services (scans, approvals, batches, last month's
# report; portal/services/demo_history.py), then the latest day is scanned, checked and routed
# (a no-op after the history). Every step is idempotent, so a second `make demo` reuses what
# is there.
DEMO_FIRMS := harbor summit
DEMO_PREPARE := $(PY) manage.py migrate --no-input && $(PY) manage.py seed_demo \
	$(foreach f,$(DEMO_FIRMS), && $(PY) manage.py drift_scan $(f) --latest-prices \
	&& $(PY) manage.py compliance_check $(f) && $(PY) manage.py approvals_route_pending $(f) \
	&& $(PY) manage.py monthly_report $(f) --if-missing)

demo: venv
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=demo-only EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend \
		$(SERVICES) sh -c '$(DEMO_PREPARE) && exec .venv/bin/honcho start -f Procfile'

# Benchmarks write into their own database (<name>_bench), never the demo's.
bench: venv
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY=bench-only $(PY) scripts/with_services.py --db-suffix _bench -- sh -c 'for b in bench/bench_*.py; do $(PY) $$b || exit 1; done'

clean-data:
	rm -rf .data

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
