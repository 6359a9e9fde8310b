# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Each creates .venv when missing and installs only what changed since the last time.

VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench venv venv-dev chromium clean

run: venv  ## install the app's requirements and start it
	$(BIN)/streamlit run app.py

test: venv-dev chromium  ## install test tools and Chromium, then lint and run every test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: venv-dev
	$(BIN)/ruff check .

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
