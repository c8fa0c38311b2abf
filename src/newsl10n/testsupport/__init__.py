"""Test support: models built on this machine for tests, benchmarks and offline demos, never for
translation. :mod:`.randommodels` writes random-weight Marian models (plumbing, speed and
enforcement; ``newsl10n models random`` for offline demos); :mod:`.copymodel` trains the en->en
copy model that places tokens (term placement), cached under ``~/.cache/newsl10n``."""
