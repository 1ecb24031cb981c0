#!/usr/bin/env bash
# The main job on the embedded default: set up (with the 1.5B base model), repair a failing
# query on the DuckDB demo database with the rules and this machine's default model (the 1.5B
# adapter: on a GPU, or in int4 on a CPU, converted once on first use), write SQL for a
# question, then open the SQL editor at http://127.0.0.1:8501 (Ctrl+C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
SQLFIX_QUALITY_MODEL=1 bash scripts/setup.sh
SQLFIX=.venv/bin/sqlfix
echo "== sqlfix fix (rules + bundled model) on demo://shop"
$SQLFIX fix "SELEC country, count(*) AS users FROM users GROUP BY contry ORDER BY users DESC" --db demo://shop || true
echo "== sqlfix ask on demo://shop"
$SQLFIX ask "How many orders are there per status?" --db demo://shop || true
echo "== sqlfix ui: open http://127.0.0.1:${PORT:-8501}"
exec $SQLFIX ui --db demo://shop --port "${PORT:-8501}"
