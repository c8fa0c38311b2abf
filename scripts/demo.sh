#!/usr/bin/env bash
# Set up .venv and translate the sample article into German and Arabic.
# With the Hugging Face hub reachable it uses the real Helsinki-NLP opus-mt models from
# pipeline.yaml. Without it, it builds random-weight demo models locally: their output is
# nonsense, but the run shows the whole pipeline (segments, bundles, pages) offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${OUT:-out}
if .venv/bin/python -c "import urllib.request; urllib.request.urlopen('https://huggingface.co', timeout=5)" 2>/dev/null; then
  .venv/bin/newsl10n translate examples/new-start-dialogue.txt --to de,ar --out "$OUT"
else
  echo "Hugging Face hub not reachable: building random-weight demo models in models/demo (their output is nonsense)." >&2
  .venv/bin/newsl10n models random de ar --out models/demo --corpus examples/new-start-dialogue.txt
  .venv/bin/newsl10n translate examples/new-start-dialogue.txt --to de,ar \
    --model de=models/demo/en-de --model ar=models/demo/en-ar --out "$OUT"
fi
echo "Bundles written to $OUT/new-start-dialogue/{de,ar}/" >&2
