#!/usr/bin/env bash
# Set up .venv (as the README's commands do) and the bench-only Argos Translate environment,
# then run the engine benchmark offline: engine throughput and memory (with raw CTranslate2 and
# Argos Translate beside newsl10n), end to end, `newsl10n --help` start-up; then bench/speedups.py
# (vocabulary shortlist, adaptive beam, the cold start by stage).
# Writes its section of bench/RESULTS.md. Arguments go to bench/bench_engines.py (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

# Argos Translate gets an environment of its own, never .venv: argostranslate 1.11 pins
# stanza==1.10.1 and sacremoses<0.2 and pulls spaCy, onnxruntime and (through stanza) torch,
# which would change the environment the project's tests and the other rows run in. Its
# ctranslate2 is pinned to .venv's, so both run the same CTranslate2. torch first: the CPU
# wheel (an open torch range pulls a multi-GB CUDA build).
ARGOS=bench/.work/argos-venv
CT2=$(.venv/bin/python -c "import ctranslate2; print(ctranslate2.__version__)")
SPM=$(.venv/bin/python -c "import sentencepiece; print(sentencepiece.__version__)")
if [ "$(cat "$ARGOS/.installed" 2>/dev/null)" != "argostranslate==1.11.0 ctranslate2==$CT2" ]; then
  rm -rf "$ARGOS"
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$ARGOS"
  if "$ARGOS/bin/python" -m pip install --quiet "torch==2.13.0" &&
     "$ARGOS/bin/python" -m pip install --quiet "argostranslate==1.11.0" "ctranslate2==$CT2" "sentencepiece==$SPM"; then
    echo "argostranslate==1.11.0 ctranslate2==$CT2" > "$ARGOS/.installed"
  else
    echo "Argos Translate could not be installed: bench/RESULTS.md will say so" >&2
  fi
fi
.venv/bin/python bench/bench_engines.py "$@"
# Issue 19's speed-ups (shortlist, adaptive beam) and the cold-start profile: a section of their own.
exec .venv/bin/python bench/speedups.py
