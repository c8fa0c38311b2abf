#!/usr/bin/env bash
# Set up .venv (as the README's commands do), then run the engine benchmark offline:
# engine throughput and memory, end to end into five locales, `newsl10n --help` start-up.
# Writes its section of bench/RESULTS.md. Arguments go to bench/bench_engines.py (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python bench/bench_engines.py "$@"
