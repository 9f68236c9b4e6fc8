# Houvast: `make run` to try it, `make test` to check it. See README.md.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# The Python named in .python-version, else the newest python3.12+ on PATH.
PYTHON ?= $(shell for c in python$$(cat .python-version 2>/dev/null) python3.14 python3.13 python3.12 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; break; fi; done)
DEV_ENV := DJANGO_DEBUG=1
# Python keeps compiled modules in __pycache__ even where the machine's environment says not to:
# otherwise every test worker, and every server and command a test starts, compiles the code again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test quick lint format bench check-content messages lock clean stack drill nginx

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (see .python-version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"

$(VENV)/.runtime: $(PY) pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --group runtime -c constraints.txt
	@touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PY) -m pip install --quiet --group test -c constraints.txt
	@touch $@

run: $(VENV)/.runtime
	@mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo
	@# The e-mail worker runs beside the server and stops with it.
	$(DEV_ENV) $(PY) manage.py task_worker --no-reload -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on every core: each test file on one worker (its servers and fixtures together),
# except that a file's test classes may go to different workers. One worker more than cores:
# much of the suite waits (on a browser, a server starting, a lock, a deadline), and the spare
# worker keeps the cores busy meanwhile.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
test: $(VENV)/.test
	$(PY) -m pytest -n $(WORKERS) --dist loadscope $(PYTEST_ARGS)

# The inner loop: every test that needs no browser, no PostgreSQL and no server process (and a
# fifth of the property tests' examples).
quick: $(VENV)/.test
	PROPERTY_EXAMPLES=100 $(PY) -m pytest -n $(WORKERS) --dist loadscope -m "not browser and not postgres and not server" $(PYTEST_ARGS)

# ruff, then mypy with django-stubs (pyproject.toml), failing on any error (the baseline
# .ci/mypy-baseline.txt is empty: see .ci/mypy_baseline.py).
lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) .ci/mypy_baseline.py

format: $(VENV)/.test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-content: $(VENV)/.runtime
	$(DEV_ENV) $(PY) manage.py check_content

# Update the English catalogue after changing interface text, then compile it.
messages: $(VENV)/.runtime
	$(DEV_ENV) $(PY) manage.py makemessages --locale en --no-obsolete --no-location --ignore ".venv/*" --ignore "var/*"
	$(DEV_ENV) $(PY) manage.py compilemessages --locale en --ignore ".venv/*"

# Pin every transitive dependency after changing pyproject.toml.
lock: $(VENV)/.test
	$(PY) -m pip freeze --exclude-editable | grep -v '^houvast' > constraints.txt

clean:
	rm -rf $(VENV) var

# Throughput, latency and memory of a production-like instance (see docs/benchmark.md).
bench: $(VENV)/.runtime nginx
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(PY) bench/run.py

# nginx from Debian, for the production stack and its drills (brotli where Debian has it).
nginx:
	@command -v nginx >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
	@test -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnginx-mod-http-brotli-filter >/dev/null 2>&1 || true

# The production layout of deploy/ on https://127.0.0.1:8443/ (STACK_PORT): nginx, 2 app servers,
# a worker, an SMTP sink; PostgreSQL and Redis from DATABASE_URL and REDIS_URL.
stack: $(VENV)/.test nginx
	$(PY) deploy/stack.py

# Fault drills against the stack: app server, worker, PostgreSQL and Redis killed mid-flight.
drill: $(VENV)/.test nginx
	$(PY) deploy/drill.py $(DRILLS)
