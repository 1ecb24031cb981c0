#!/usr/bin/env bash
# Run the test suite (or the given pytest arguments) several times in a row while busy workers,
# twice as many as there are cores, keep every core loaded: a test that waits on time rather than
# on state shows up here as a red run.
#   bash scripts/test_under_load.sh [--runs N] [--per-core K] [pytest args...]
# Defaults: 10 runs, 2 workers per core, `-q -n 2` (the whole suite, as scripts/test.sh runs it).
# The workers are stress-ng's CPU stressors when stress-ng is installed, else shell busy-loops;
# the script stops them when it ends. PYTHON names the interpreter (default .venv/bin/python).
# One line per run (pass/fail, seconds, load average), then a summary; each run's output is kept
# in artifacts/load/run-<i>.log. Exit status 1 when any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10
per_core=2
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --per-core) per_core="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- -q -n 2
case "$runs$per_core" in *[!0-9]*|"") echo "--runs and --per-core take whole numbers" >&2; exit 2 ;; esac
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || { echo "no interpreter at $python: run scripts/setup.sh or set PYTHON" >&2; exit 2; }

# Job control: every background job gets its own process group, which the trap can stop whole.
set -m
workers=$(( $(nproc) * per_core ))
load_pids=()
test_pid=""
stop_all() {
  if [ -n "$test_pid" ]; then
    # Ctrl+C to pytest's whole group (workers, browser, servers), so its fixtures clean up.
    kill -INT -- "-$test_pid" 2>/dev/null || true
    wait "$test_pid" 2>/dev/null || true
  fi
  for pid in "${load_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM
if command -v stress-ng >/dev/null; then
  stress-ng --cpu "$workers" --quiet &
  load_pids+=("$!")
  load_kind="stress-ng --cpu $workers"
else
  for _ in $(seq "$workers"); do
    bash -c 'while :; do :; done' &
    load_pids+=("$!")
  done
  load_kind="$workers shell busy-loops"
fi
echo "load: $load_kind on $(nproc) cores; pytest $*"

logs=artifacts/load
mkdir -p "$logs"
green=0
for i in $(seq "$runs"); do
  log="$logs/run-$i.log"
  start=$SECONDS
  # In the background and waited for, so that Ctrl+C or a kill reaches the trap at once rather
  # than when pytest ends.
  "$python" -m pytest -p no:cacheprovider "$@" >"$log" 2>&1 &
  test_pid=$!
  if wait "$test_pid"; then
    verdict=pass
    green=$((green + 1))
  else
    verdict=FAIL
  fi
  test_pid=""
  echo "run $i/$runs: $verdict in $((SECONDS - start)) s, load average $(cut -d' ' -f1 /proc/loadavg) ($log)"
  if [ "$verdict" = FAIL ]; then
    grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/    /' || tail -n 5 "$log" | sed 's/^/    /'
  fi
done
echo "summary: $green/$runs runs green under $load_kind on $(nproc) cores"
[ "$green" -eq "$runs" ]
