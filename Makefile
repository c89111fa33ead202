# CivicSkills: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The address in e-mailed links and the Wagtail site's port follow PORT (seed_demo
# sets the site); set SITE_URL yourself to use another host name.
SITE_URL ?= http://127.0.0.1:$(PORT)
export DJANGO_SETTINGS_MODULE ?= cms.settings.base

.PHONY: setup run test lint typecheck bench loadtest messages lock clean

H5P_PLAYER := courses/static/courses/vendor/h5p-standalone
REPORT_FONTS := analytics/fonts
NOTO_SC := node_modules/@expo-google-fonts/noto-sans-sc

setup: $(VENV)/.installed node_modules/.installed $(H5P_PLAYER)/.copied $(REPORT_FONTS)/.copied .env messages ## set up (idempotent)

# Development and CI get the runtime lock plus the tools' lock, both hash-checked.
# A production server installs requirements.lock alone:
#   pip install --require-hashes -r requirements.lock
$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements.lock -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && touch $@; \
	else echo "node/npm not found: skipping front-end packages (H5P player)"; fi

# The H5P player is served from our own static files (never a CDN).
$(H5P_PLAYER)/.copied: node_modules/.installed
	@if [ -d node_modules/h5p-standalone/dist ]; then \
		rm -rf $(H5P_PLAYER) && mkdir -p $(H5P_PLAYER) && \
		cp -R node_modules/h5p-standalone/dist/. $(H5P_PLAYER)/ && touch $@; \
	else echo "h5p-standalone not installed: lessons show H5P activities as unavailable"; fi

# The leadership report PDF embeds this TrueType CJK font (subset), so it renders in
# any viewer; the files are copied from npm, never committed (analytics/fonts/.gitignore).
$(REPORT_FONTS)/.copied: node_modules/.installed
	@if [ -d $(NOTO_SC)/400Regular ]; then \
		cp $(NOTO_SC)/400Regular/NotoSansSC_400Regular.ttf \
			$(NOTO_SC)/700Bold/NotoSansSC_700Bold.ttf $(REPORT_FONTS)/ && touch $@; \
	else echo "Noto Sans SC not installed: the leadership report PDF is unavailable"; fi

# A development .env: DEBUG on and a random key. Production sets its own environment.
.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "wrote .env for development (DEBUG=1)"

# Compiled catalogues are committed; with GNU gettext present they are rebuilt here.
messages: $(VENV)/.installed ## compile translations (.po -> .mo)
	@if command -v msgfmt >/dev/null 2>&1; then \
		for app in cms learning courses assessments analytics accounts audit; do \
			if [ -d $$app/locale ]; then \
				(cd $$app && DEBUG=1 ../$(PY) ../manage.py compilemessages --verbosity 0); \
			fi; \
		done; \
	else echo "msgfmt not found: using the committed .mo catalogues"; fi

run: setup ## migrate, build the demo county and serve on 127.0.0.1:$(PORT)
	$(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	@echo "CivicSkills on http://127.0.0.1:$(PORT)/"
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed typecheck ## ruff, import layers, types, migrations in step with models
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run --noinput > /dev/null

typecheck: $(VENV)/.installed ## mypy (django-stubs) over services, selectors and the policy
	DJANGO_SETTINGS_MODULE=cms.settings.test $(VENV)/bin/mypy

# Tests run in parallel (pytest-xdist, one PostgreSQL test database per worker) and keep
# their databases between runs (--reuse-db); CI passes --create-db. PYTEST_WORKERS=0
# runs them in one process. Workers take two tests at a time, so that none waits
# behind a long test while another has run out.
PYTEST_WORKERS ?= auto
test: setup lint ## the whole suite (honours DATABASE_URL, REDIS_URL, CELERY_BROKER_URL)
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) -m pytest \
		-n $(PYTEST_WORKERS) --maxschedchunk=2 $(PYTEST_ARGS)

bench: setup ## benchmarks, results in benchmarks/results/
	DJANGO_SETTINGS_MODULE=cms.settings.base $(PY) benchmarks/run.py

# 200 learners of the demo county for at most 120 s against gunicorn and a Celery
# worker on 127.0.0.1, then a count of what was kept. Needs DATABASE_URL (PostgreSQL, a
# disposable database: it is seeded and 200 learners get a new password), REDIS_URL,
# CELERY_BROKER_URL; LOADTEST_PORT picks gunicorn's port. See benchmarks/README.md.
loadtest: setup ## load without loss, results in benchmarks/results/load-latest.json
	$(PY) benchmarks/loadtest.py $(LOADTEST_ARGS)

# Pins already in a lock are kept; upgrade one with LOCK_ARGS="--upgrade-package NAME".
# The dev lock is compiled against the runtime lock, so shared packages agree.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet \
	--generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
	--no-emit-trusted-host $(LOCK_ARGS)
lock: $(VENV)/.installed ## recompile requirements.lock and requirements-dev.lock (hashed)
	$(PIP_COMPILE) --output-file=requirements.lock requirements.in
	$(PIP_COMPILE) --allow-unsafe --output-file=requirements-dev.lock requirements-dev.in

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
