# The two commands: `make run` and `make test`. Each installs what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
# Without a GPU, take the CPU build of torch (pinned: it is the one a plain
# pip finds as a local file on our CI machines). With one, let pip pick a
# CUDA build inside the range pyproject allows. Override: make test TORCH=...
TORCH ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo 'torch>=2.4,<3' || echo 'torch==2.13.0')
HOST ?= 127.0.0.1
PORT ?= 8000

FRONTEND := frontend

.PHONY: install run test lint typecheck pytest bench clean frontend-build frontend-check e2e types

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install -q '$(TORCH)'
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# The tests also cover the optional Ray backend; `make run` never needs Ray.
$(VENV)/.ray-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[ray]'
	touch $@

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

frontend-build: $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npm run build

run: install frontend-build
	$(VENV)/bin/layerlab serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

typecheck: install
	$(VENV)/bin/mypy

# Speed and memory tests run alone after the rest, so parallel tests do not skew them.
pytest: install $(VENV)/.ray-installed
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup -m "not serial"
	$(VENV)/bin/pytest -q -m serial || test $$? -eq 5

test: lint typecheck pytest frontend-check e2e

# The page's contract types come from the server's documents: regenerate after changing
# a model that crosses the API or the stream (tests fail while the files are stale).
types: install $(FRONTEND)/node_modules/.installed
	$(PY) -m server.schema_export $(FRONTEND)/src/api/generated
	cd $(FRONTEND) && npm run gen:types

# Frontend: strict types, lint, unit tests; then the browser tests in Chromium against a real server.
frontend-check: $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npm run typecheck && npm run lint && npm test

e2e: install frontend-build
	cd $(FRONTEND) && npm run test:e2e

bench: install frontend-build
	$(PY) bench/core_step.py --threads 1
	$(PY) bench/server_throughput.py
	$(PY) bench/stream_latency.py
	$(PY) bench/concurrency.py
	$(PY) bench/probe_overhead.py
	$(PY) bench/checkpoint_cost.py
	$(PY) bench/kill_loss.py
	$(PY) bench/landscape_cost.py
	$(PY) bench/classroom.py
	$(PY) bench/fused.py
	cd $(FRONTEND) && npx vitest run --config vitest.bench.config.ts

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis $(FRONTEND)/node_modules $(FRONTEND)/dist
