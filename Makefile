# Two commands a newcomer needs: `make run` (set up, start the daemon) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test setup lint bench demo clean

$(BIN)/monitor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/monitor

setup: $(BIN)/monitor

run: setup            ## install, then run the daemon with ./config.toml
	$(BIN)/monitor daemon

test: setup           ## install, then run the linter and the test suite
	$(BIN)/ruff check src spiders tests bench
	$(BIN)/python -m pytest -q -n 2

demo: setup
	$(BIN)/monitor demo

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
