# Two commands on a fresh machine with Python 3.11 and make:
#   make run    set up and start the order manager (SQLite) with the ChannelAdvisor sandbox as demo cart
#   make test   run the whole suite, on SQLite and then on PostgreSQL
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/ordermanager
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres test-sandbox lint format bench clean browser

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/ordermanager serve --demo

test: install lint browser test-sandbox test-sqlite test-postgres

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium package at $(CHROMIUM). Install it as root:"; \
	    echo "    apt-get update && apt-get install -y chromium"; \
	    exit 1; \
	  fi; }
	@test -x $(CHROMIUM)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test-sandbox: install
	$(BIN)/pytest -m sandbox $(PYTEST_ARGS)

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -m "not sandbox" $(PYTEST_ARGS)

# The PostgreSQL pass never skips: when the server is down it fails and says so.
test-postgres: install
	@$(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=5).close()" \
	  || (echo "PostgreSQL is not reachable at $(PG_URL): start it (see .ci/run)"; exit 1)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not sandbox" $(PYTEST_ARGS)

# All the figures of the README's benchmark table, in about 15 minutes. The local figures run on SQLite and on
# PostgreSQL (BENCH_PG_URL: a database of its own, emptied by the benchmark); scale-out runs on PostgreSQL
# only (its own database). Both are skipped, with a line saying so, when PostgreSQL is down.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/ordermanager_bench
bench: install
	$(BIN)/python bench/machine_speed.py
	$(BIN)/python bench/bench_sandbox.py
	env -u DATABASE_URL $(BIN)/python bench/bench_local.py
	$(BIN)/python bench/pg_database.py $(BENCH_PG_URL) \
	  && DATABASE_URL=$(BENCH_PG_URL) $(BIN)/python bench/bench_local.py || echo "local figures on SQLite only"
	env -u DATABASE_URL $(BIN)/python bench/bench_stack.py
	$(BIN)/python bench/pg_database.py $(BENCH_PG_URL)_scaleout \
	  && DATABASE_URL=$(BENCH_PG_URL)_scaleout $(BIN)/python bench/bench_scaleout.py --packages 600 \
	     --scenarios four-by-one,four-by-two,busy || echo "scale-out not measured"
	env -u DATABASE_URL $(BIN)/python bench/bench_web.py
	$(BIN)/python bench/machine_speed.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
