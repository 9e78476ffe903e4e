#!/usr/bin/env bash
# Rebuilds the built-in model, models/stance.model, from the corpus in models/corpus/.
# Reads only models/corpus/*.csv (in name order); the same corpus and settings give the
# same bytes. The settings are in models/build.args, one argument per line (the date
# recorded in the model is pinned there so a rebuild is byte for byte; change it when the
# corpus or settings change); tests/builtin.rs reads the same file to check the rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t args < models/build.args
exec cargo run --release --quiet -- train models/corpus "${args[@]}" \
  -o models/stance.model "$@"
