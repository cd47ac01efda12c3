# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint bench bench-memory bench-pages soak eval-dupes browser redis-server postgresql-client worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(FLASK) db upgrade
	$(FLASK) seed-demo --first-start
	PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT)

# Debian's chromium drives the browser tests; Playwright cannot download its own browser here.
# From npm, pinned in package-lock.json: axe-core checks every page for WCAG 2.1 A/AA violations, and
# oidc-provider is the OpenID Connect provider the single sign-on tests start (tests/oidc_provider.py).
browser: node_modules/.installed
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --ignore-scripts --silent
	touch $@

# The backup test runs the real pg_dump and pg_restore; the client must be as new as the server.
postgresql-client:
	@command -v pg_dump >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql-client-15; }

# The outage tests start and stop Redis servers of their own.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server; }

test: $(VENV)/.dev browser redis-server postgresql-client
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

test-fast: $(VENV)/.dev node_modules/.installed redis-server postgresql-client
	$(BIN)/python -m pytest -n 2 -q -m "not browser" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

worker: $(VENV)/.runtime
	$(FLASK) worker

# Benchmarks (figures as ratios to a baseline measured in the same run). On PostgreSQL: DATABASE_URL=…
# The similarity engine's speed gives every idea a synthetic vector (BENCH_SEMANTIC=synthetic, see
# bench/speed.py; BENCH_SEMANTIC= measures the lexical channels alone), then web workers' memory at 100,000 ideas.
BENCH_SEMANTIC ?= synthetic
bench: $(VENV)/.dev
	BENCH_SEMANTIC=$(BENCH_SEMANTIC) $(BIN)/python -m bench
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.merge
	$(BIN)/python -m bench.worker_memory 100000

# The memory of 1, 2 and 4 gunicorn workers before and after they answer similar-ideas requests (demo data,
# and BENCH_MEMORY_IDEAS synthetic ideas with vectors, e.g. 100000)
bench-memory: $(VENV)/.dev
	$(BIN)/python -m bench.worker_memory $(BENCH_MEMORY_IDEAS)

# The pages under load on PostgreSQL at 10k and 100k ideas (DATABASE_URL names the server), against a
# minimal Flask app measured in the same run; wrk drives them, from Debian. BENCH_PAGES_ARGS="--sizes
# 10000 --duration 3 --only ideas" for a quick look. Tables go to stdout and bench/results/.
bench-pages: $(VENV)/.dev
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.pages $(BENCH_PAGES_ARGS)

# Mixed load on gunicorn and an RQ worker for 10 minutes, on a database `ideapool_soak` of the PostgreSQL server
# DATABASE_URL names and a redis-server of its own: 0 errors, < 10 % memory growth. SOAK_ARGS="--minutes 2" for a look.
soak: $(VENV)/.dev redis-server
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# Duplicate detection on the labelled data: the engine against Decidim's and Fider's methods and
# BM25, on a scratch PostgreSQL database (EVAL_DATABASE_URL; pg_trgm needed). EVAL_SAMPLE=small
# runs a sample in about a minute and fails when the engine falls below the best baseline.
eval-dupes: $(VENV)/.runtime
	$(BIN)/python -m bench.dupes --check $(if $(EVAL_SAMPLE),--sample $(EVAL_SAMPLE))

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
