# Two commands: `make run` serves the demo, `make test` runs every check. Both set up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATRON_DATA_DIR ?= $(CURDIR)/var
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test setup venv lint pytest pytest-postgres browser-deps bench bench-fit bench-score bench-hostile bench-outreach bench-loyalty clean

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

setup: venv
	$(BIN)/patron setup --demo

# Plain HTTP on the loopback address: the documented LAN mode. Behind a TLS proxy, leave
# PATRON_HTTPS unset and the production security settings apply.
run: setup
	PATRON_HTTPS=false $(BIN)/patron serve --with-worker

test: venv browser-deps lint pytest pytest-postgres

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

pytest: venv
	$(BIN)/pytest -q

pytest-postgres: venv
	@if $(BIN)/python scripts/postgres_ready.py "$(POSTGRES_URL)"; then \
		DATABASE_URL="$(POSTGRES_URL)" $(BIN)/pytest -q -p no:cacheprovider -m "not processes"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(POSTGRES_URL) does not answer, and CI must not skip it." >&2; exit 1; \
	else \
		echo "NOTICE: PostgreSQL at $(POSTGRES_URL) does not answer: the PostgreSQL pass is skipped."; \
	fi

browser-deps:
	@bash scripts/install_system_packages.sh

bench: venv
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/import_throughput.py --memory-rows 2000000

# lifetimes 0.11.3 needs older numpy/scipy/pandas: it gets a virtualenv of its own, and
# patron.analytics (numpy and scipy only) is timed beside it in the same process.
.venv-bench/.installed:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check \
		"lifetimes==0.11.3" "pandas<2" "numpy<2" "scipy<1.12"
	touch $@

bench-fit: .venv-bench/.installed
	.venv-bench/bin/python bench/fit_speed.py

bench-score: venv
	$(BIN)/python bench/score_end_to_end.py

bench-hostile: venv
	$(BIN)/python bench/hostile_inputs.py

clean:
	rm -rf $(VENV) .venv-bench var .pytest_cache

bench-outreach: venv
	$(BIN)/python bench/plan_and_queue.py
	$(BIN)/python bench/segments.py
	$(BIN)/python bench/delivery.py

bench-loyalty: venv
	cd bench && ../$(BIN)/python ledger.py
	cd bench && ../$(BIN)/python recommend_speed.py
	cd bench && ../$(BIN)/python recommend_quality.py
