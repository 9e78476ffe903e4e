#!/usr/bin/env bash
# Rebuilds the built-in model, models/stance.model, from the corpus in models/corpus/.
# Reads only models/corpus/*.csv (in name order); the same corpus and settings give the
# same bytes. The date recorded in the model is pinned here so a rebuild is byte for byte;
# change it when the corpus or settings change.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -- train models/corpus \
  --date 2026-11-22 \
  --alpha 1.0 --class-weight balanced \
  -o models/stance.model "$@"
