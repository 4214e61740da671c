# Cellway: `make demo` to try it (`make demo PORT=8100` for another port), `make test` to test it.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
# The demo signs in with a password alone (serve_demo says so); production requires a second factor.
# Live chat is open around the clock in the demo (production's hours: CELLWAY_CHAT_HOURS, 08-20 by default).
DEMO_ENV := DJANGO_DEBUG=true CELLWAY_STAFF_MFA=off CELLWAY_CHAT_HOURS=00-24
PORT ?= 8000

.PHONY: install pdf-deps browser-deps demo serve test test-engines lint check bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Cellway needs Python 3.12+ (Django 6.1); install it or set PYTHON=/path/to/python3.12")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	# Compiled bytecode halves start-up where PYTHONDONTWRITEBYTECODE is set (uv does not compile by default).
	$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(PY) requirements/base.txt requirements/dev.txt
	touch $@

# WeasyPrint's Debian libraries (Pango, HarfBuzz) and fonts for patients' names in Chinese, Japanese, Korean
# and Arabic on quotes and invoices. Needs root (apt-get); without them the PDF tests skip and say why.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk fonts-hosny-amiri
pdf-deps:
	@if dpkg-query -W -f='$${Status}\n' $(PDF_PACKAGES) 2>/dev/null | grep -vq '^install ok installed$$' \
	  || [ "$$(dpkg-query -W -f='$${Status}\n' $(PDF_PACKAGES) 2>/dev/null | wc -l)" -ne "$(words $(PDF_PACKAGES))" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PDF_PACKAGES) >/dev/null; \
	fi

# Debian's headless Chromium and its driver, for the browser tests (marker `browser`; Selenium Manager is kept
# offline, so the browser must come from here). Needs root (apt-get); without them the browser tests skip and say why,
# unless CELLWAY_REQUIRE_BROWSER=1 (CI), which makes a missing browser fail the run.
BROWSER_PACKAGES := chromium chromium-driver
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	fi

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --verbosity 0
	$(DEMO_ENV) $(PY) manage.py demo_data
	$(DEMO_ENV) CELLWAY_PUBLIC_URL=http://127.0.0.1:$(PORT) $(PY) manage.py serve_demo --addr 127.0.0.1:$(PORT)

# Two processes (pytest-xdist), one a core: each has its own test database and Redis database. --dist loadgroup:
# the tests of a module that builds its data once (pytest.mark.xdist_group) all run on one worker.
test: install
	$(PY) -m pytest -n 2 --dist loadgroup

# The pure engines' tests, without Django (no settings, no database): a few seconds.
# The pymsprog comparison (outcomes/tests/test_against_pymsprog.py) is left to `make test`: it takes minutes.
ENGINE_TESTS := \
	cellway/cases/tests/test_stages.py cellway/cases/tests/test_search_key.py cellway/cases/tests/test_limits.py \
	cellway/billing/tests/test_pricing.py cellway/billing/tests/test_money.py cellway/billing/tests/test_cancellation.py cellway/plans/tests/test_screening_rule.py \
	cellway/records/tests/test_documents.py cellway/records/intake/tests \
	cellway/outcomes/tests/test_edss.py cellway/outcomes/tests/test_confirmed_change.py cellway/outcomes/tests/test_stats.py \
	cellway/cells/tests/test_isbt128.py cellway/cells/tests/test_endotoxin.py cellway/cells/tests/test_release_judgement.py \
	cellway/treatment/tests/test_vitals_engine.py cellway/evidence/tests/test_bibliography.py

test-engines: install
	$(PY) -m pytest -p no:django -W ignore::pytest.PytestConfigWarning $(ENGINE_TESTS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy cellway
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=cellway.settings_test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  DJANGO_ALLOWED_HOSTS=clinic.example CELLWAY_PUBLIC_URL=https://clinic.example $(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) bench/pages.py

clean:
	rm -rf $(VENV) var
