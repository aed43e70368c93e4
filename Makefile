# One command runs the local stack, one runs every check. uv is installed if missing.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: help uv-installed install run test lint format bench clean

help:
	@echo "make run    - install and start the whole local stack (Ctrl-C stops it)"
	@echo "make test   - install and run the lock check, format check, lint and tests"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make format - format and fix lint in place"

uv-installed:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv-installed
	$(UV) sync --frozen

run: install
	$(UV) run --frozen python -m actormaker.devstack

test: install
	$(UV) lock --check
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .
	$(UV) run --frozen pytest

lint: install
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: install
	$(UV) run --frozen python bench/bus.py
	$(UV) run --frozen python bench/img2img.py
	$(UV) run --frozen python bench/s3sync.py
	$(UV) run --frozen python bench/datagen.py

clean:
	rm -rf var .pytest_cache .ruff_cache
