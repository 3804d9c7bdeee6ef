#!/usr/bin/env bash
# Flake hunt (not run in CI): run the reliability and end-to-end suites N times in a row
# and log pass/fail per run. Usage: scripts/flake-loop.sh [N=20] [LOG=var/log/flake-loop.log]
# Each run's pytest output goes to var/log/flake-loop/run-<i>.log; the summary to LOG.
set -u
cd "$(dirname "$0")/.."
runs=${1:-20}
log=${2:-var/log/flake-loop.log}
mkdir -p var/log/flake-loop
passed=0
echo "$(date -u +%FT%TZ) start: $runs runs of tests/reliability/ tests/e2e/ on $(nproc) cores" >> "$log"
for i in $(seq 1 "$runs"); do
    out=var/log/flake-loop/run-$i.log
    start=$(date +%s)
    if CI=true .venv/bin/python -m pytest -q -p no:cacheprovider tests/reliability/ tests/e2e/ > "$out" 2>&1; then
        result=pass; passed=$((passed + 1))
    else
        result="FAIL: $(grep -E '^(FAILED|ERROR) ' "$out" | tr '\n' ' ' | cut -c1-400)"
    fi
    echo "$(date -u +%FT%TZ) run $i/$runs $(( $(date +%s) - start ))s $result" | tee -a "$log"
done
echo "$(date -u +%FT%TZ) done: $passed/$runs runs passed" | tee -a "$log"
[ "$passed" -eq "$runs" ]
