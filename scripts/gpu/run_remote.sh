#!/usr/bin/env bash
# Runs on the GPU host, from the repository root, inside a device-tool call.
#   run_remote.sh stage : copy the carried model pieces to /tmp/sqlfix_bundle (kept while the
#                         host stays warm) and print what the image holds.
#   run_remote.sh run   : the same, then install the carried wheels, reassemble and check the
#                         model (sha256), train, score on the test split, time generation, and
#                         write the adapter, metrics and logs to $OUT.
set -euo pipefail
STAGE=/tmp/sqlfix_bundle
mkdir -p "$STAGE"
for piece in .device_bundle/part*/model.gguf.part*; do
  [ -e "$piece" ] && cp "$piece" "$STAGE/"
done
ls -la "$STAGE"
if [ "${1:-}" = stage ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c 'import sys, torch, transformers, accelerate; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available(), transformers.__version__, accelerate.__version__)'
  python3 -m pip list 2>/dev/null | grep -iE '^(peft|pyarrow|fsspec|pandas|huggingface.hub|tokenizers|safetensors|matplotlib|filelock|typer|rich) ' || true
  exit 0
fi
: "${OUT:?OUT must name the folder whose files come back}"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .device_bundle/run/wheels/*.whl
export PYTHONPATH="/tmp/site:$PWD" SQLFIX_CACHE_DIR=/tmp/sqlfix_cache HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
python3 scripts/gpu/train_remote.py --bundle .device_bundle/run --pieces "$STAGE" --out "$OUT" 2>&1 | tee "$OUT/run.log"
