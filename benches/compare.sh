#!/usr/bin/env bash
# Side-by-side speed of stance, scikit-learn and fastText on the film-review set.
#
#   bash benches/compare.sh            # table on stdout, progress on stderr
#   bash benches/compare.sh --json     # the same figures as one JSON document
#
# Makes (or reuses) a Python virtual environment outside the repo with scikit-learn,
# fasttext-wheel and numpy<2 (fasttext-wheel's batch predict returns wrong
# probabilities under numpy 2), builds stance in release, and runs benches/compare.py.
# Other arguments go to compare.py (--repeat N, --lines N, --startup-runs N).
#
# Environment:
#   STANCE_COMPARE_VENV    the venv (default ~/.cache/stance-compare-venv)
#   STANCE_COMPARE_DATA    the labelled CSV (default ../shared/datasets/mr.csv from the repo root)
#   STANCE_COMPARE_PYTHON  the Python that makes the venv (default python3)
#
# No data is copied into the repo: the scoring set and models go to a temp directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${STANCE_COMPARE_DATA:-$root/../shared/datasets/mr.csv}"
venv="${STANCE_COMPARE_VENV:-$HOME/.cache/stance-compare-venv}"
python="${STANCE_COMPARE_PYTHON:-python3}"

log() { echo "compare: $*" >&2; }

if [[ ! -f "$data" ]]; then
    log "skipped: the film-review set $data is not there (set STANCE_COMPARE_DATA to use another copy)"
    exit 0
fi

# The venv is ready when all three import and numpy is 1.x.
ready() {
    [[ -x "$venv/bin/python" ]] && "$venv/bin/python" - <<'EOF' >/dev/null 2>&1
import numpy, sklearn, fasttext
assert int(numpy.__version__.split(".")[0]) < 2
EOF
}

if ready; then
    log "using the Python environment $venv"
else
    log "making the Python environment $venv (scikit-learn, fasttext-wheel, numpy<2)"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        scikit-learn fasttext-wheel 'numpy<2' >&2
    ready || { log "the environment $venv still cannot import numpy<2, sklearn and fasttext"; exit 1; }
fi

log "building stance (cargo build --release)"
build_log="$(mktemp "${TMPDIR:-/tmp}/stance-compare-build.XXXXXX")"
trap 'rm -f "$build_log"' EXIT
if ! (cd "$root" && cargo build --release) >"$build_log" 2>&1; then
    cat "$build_log" >&2
    log "cargo build --release failed"
    exit 1
fi
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps \
    | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
stance="$target_dir/release/stance"

"$venv/bin/python" "$root/benches/compare.py" --stance "$stance" --data "$data" "$@"
