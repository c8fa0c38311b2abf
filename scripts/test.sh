#!/usr/bin/env bash
# Set up .venv and run the whole test suite (offline: tests build their own tiny models).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
