#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup_browser.sh
.venv/bin/python -m pytest -q -n 2 --durations=15 "$@"
