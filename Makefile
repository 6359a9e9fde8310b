# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Each creates .venv when missing (with the first Python >= 3.11 on PATH: python3.11, 3.12, 3.13,
# or PYTHON=...) and installs only what changed since the last time, rnnviz itself included.

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run serve test lint lessons bench venv venv-dev chromium clean

run: venv  ## start the app for this computer only (http://localhost:8501)
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

serve: venv  ## start the app for a classroom: listens on every network interface, on purpose
	@echo "serve: listening on all interfaces, port $(PORT): anyone who can reach this machine can use the app"
	$(BIN)/streamlit run app.py --server.address 0.0.0.0 --server.port $(PORT) --server.headless true

test: venv-dev chromium  ## install test tools and Chromium, then lint and run every test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: venv-dev
	$(BIN)/ruff check .

lessons: venv  ## train every preset on seeds 0-9 and check its claims (several minutes)
	$(BIN)/python -m rnnviz lessons --seeds 0-9

bench: venv-dev  ## print the benchmark tables (not part of the tests)
	$(BIN)/python -m bench.bench_pages

venv:
	@bash scripts/setup_venv.sh requirements.txt

venv-dev:
	@bash scripts/setup_venv.sh requirements-dev.txt

chromium:
	@bash scripts/ensure_chromium.sh

clean:
	rm -rf $(VENV) test-output .pytest_cache .ruff_cache
