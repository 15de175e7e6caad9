# Two commands: `make run` (set up everything, serve http://127.0.0.1:8000) and `make test`.
# Both are idempotent: a second run only does what changed.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --quiet --disable-pip-version-check
# Local development: settings.py makes this clone's own random secret key under var/ (production sets one).
export DJANGO_LOCAL_DEV ?= 1
# WeasyPrint (PDF notices) and Chinese fonts; chromium only for the browser test.
SYSTEM_PACKAGES      := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
TEST_SYSTEM_PACKAGES := chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-deps test-system-deps migrate demo lint format bench clean

# The web server and a Celery worker with the beat schedule (scripts/run_local.py); no Redis needed: the
# broker is a folder under var/celery. One Ctrl+C stops both.
run: setup demo
	@echo "打开 http://$(HOST):$(PORT)/ 登录（演示账号见上）。按 Ctrl+C 停止。"
	$(PY) scripts/run_local.py --host $(HOST) --port $(PORT)

setup: system-deps $(VENV)/.installed migrate

system-deps:
	@scripts/install-system-deps.sh --fandol-fonts $(SYSTEM_PACKAGES)

test-system-deps: system-deps
	@scripts/install-system-deps.sh $(TEST_SYSTEM_PACKAGES)

$(VENV)/bin/python:
	@# Debian's own python3.11 needs python3.11-venv for `-m venv` (pyenv and python.org builds don't).
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || scripts/install-system-deps.sh python3.11-venv
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[test]"
	@touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py seed_demo

test: test-system-deps $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0
	@if command -v docker-compose >/dev/null 2>&1; then \
		echo "docker-compose config -q"; docker-compose -f docker-compose.yml config -q; \
	else echo "docker-compose 未安装：跳过 docker-compose.yml 校验"; fi
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed-test
	$(PY) bench/ledger_bench.py

clean:
	rm -rf $(VENV) var db.sqlite3
