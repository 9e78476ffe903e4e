#!/usr/bin/env bash
# Rebuilds the built-in model, models/stance.model, from our own sentences
# (models/corpus/*.csv, in name order) and the real corpus (models/real/: 14,130 labelled
# sentences of public TV writing, referenced by repository, commit and path; its text is
# regenerated here, never committed). The settings are in models/build.args, one argument
# per line (the date recorded in the model is pinned there so a rebuild is byte for byte);
# tests/builtin.rs reads the same file to check the rebuild.
#
# The real text is written to ${XDG_CACHE_HOME:-~/.cache}/stance/real.csv. Set
# STANCE_MIRROR_ROOT to a directory of bare mirrors (<owner>+<name>/repo) to read the
# repositories from there; otherwise models/real/regenerate clones them (git, network).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/stance"
mirror=()
if [ -n "${STANCE_MIRROR_ROOT:-}" ]; then mirror=(--mirror-root "$STANCE_MIRROR_ROOT"); fi
models/real/regenerate "${mirror[@]}" --csv "$cache/real.csv"
mapfile -t args < models/build.args
exec cargo run --release --quiet -- train models/corpus "$cache/real.csv" "${args[@]}" \
  -o models/stance.model "$@"
