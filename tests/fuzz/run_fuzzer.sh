#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time: run_fuzzer.sh FUZZER SECONDS CORPUS SEEDS [libFuzzer options...]
# New inputs go to CORPUS (created if missing), SEEDS is read only. Exits non-zero on a finding; the input that
# found it is written beside CORPUS as crash-*, leak-*, timeout-* or oom-*.
set -euo pipefail
fuzzer=$1 seconds=$2 corpus=$3 seeds=$4
shift 4
mkdir -p "$corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$(dirname "$corpus")/" "$@" "$corpus" "$seeds"
