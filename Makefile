# kb-service: `make run` installs and starts on the embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test bench clean-data

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# CPU PyTorch first, or pip pulls gigabytes of CUDA packages for sentence-transformers.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kb ingest samples/
	$(BIN)/kb docs list
	$(BIN)/kb search "How many days of annual leave do employees get?" -k 3

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/ingest.py

clean-data:
	rm -rf data/
