#!/usr/bin/env bash
# Rebuilds the built-in model, models/stance.model, from the corpus in models/corpus/.
# Reads only models/corpus/*.csv (in name order); the same corpus and settings give the
# same bytes. The date recorded in the model is pinned here so a rebuild is byte for byte;
# change it when the corpus or settings change. tests/builtin.rs repeats these settings
# (BUILD_ARGS there) to check the rebuild: change both together.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -- train models/corpus \
  --date 2026-11-23 \
  --alpha 0.3 --class-weight none --nb-scale \
  -o models/stance.model "$@"
