# Kindred: every target sets up .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: sandbox run test test-all lint format bench clean venv train-pitch places

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Kindred needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create a virtual environment: on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,postgres]'
	@touch $(STAMP)

venv: $(STAMP)

sandbox: $(STAMP)
	$(BIN)/python bot.py sandbox

run: $(STAMP)
	$(BIN)/python bot.py run

# The fast suite: everything but the tests marked slow (pyproject.toml).
# Two processes on two cores (xdist), each test file in one of them, so a module's bot
# starts once; the few slow tests (marked `slow`) are left to test-all.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

# Everything, slow tests included (what .ci/run runs).
test-all: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python -m bench

# Refit the pitch check on ../shared/pitch-train (or $$PITCH_TRAIN_DIR): writes
# coaching/pitch/model.json and docs/pitch-model.md. Needs scikit-learn (the train extra).
# Rebuild the gazetteer behind "type a city" time zones (coaching/data/places.json.gz).
places: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[data]'
	$(BIN)/python -m tools.build_places

train-pitch: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[train]'
	$(BIN)/python -m tools.train_pitch

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
