#!/usr/bin/env python3
"""The settings sweep behind the shipped table (results: sweep.tsv).

Builds each variant table with distill.py into a scratch folder and measures it with
evaluate.py's cross-validation on one data set (MR or SUBJ; same 10-fold splits):
TF-IDF alone and TF-IDF + static block at the given block weights.

  sweep.py SET VARIANT... [--weights 0.125,0.25,0.5] [--folds 10]
  VARIANT = name:opt=value,opt=value   (distill.py options without the dashes)
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import distill  # noqa: E402
import evaluate  # noqa: E402
import stvec  # noqa: E402

from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

SCRATCH = os.environ.get("STVEC_SCRATCH", "/work/embed-scratch")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("set")
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--weights", default="0.125,0.25,0.5")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--real", default="/work/corpus/real.tsv")
    ap.add_argument("--results", default=os.path.join(HERE, "sweep.tsv"))
    a = ap.parse_args()
    weights = [float(w) for w in a.weights.split(",")]
    datasets = os.path.join(distill.REPO, "..", "shared", "datasets")
    texts, labels = stvec.read_csv(os.path.join(datasets, f"{a.set}.csv"))
    y = np.array(labels)
    toks = [stvec.surface_tokens(t) for t in texts]
    skf = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
    splits = list(skf.split(np.zeros(len(y)), y))[: a.folds]
    fold_X = []
    for tr, te in splits:
        vec = evaluate.tfidf()
        fold_X.append((vec.fit_transform([texts[i] for i in tr]), vec.transform([texts[i] for i in te])))
    base = []
    for (tr, te), (Xtr, Xte) in zip(splits, fold_X):
        base.append(accuracy_score(y[te], evaluate.lr(a.C).fit(Xtr, y[tr]).predict(Xte)))
    base = 100 * np.mean(base)
    print(f"{a.set} tfidf alone: {base:.2f} ({a.folds} folds)", flush=True)
    for spec in a.variants:
        name, _, opts = spec.partition(":")
        argv = ["--real", a.real, "--out", os.path.join(SCRATCH, "tables", name + ".bin")]
        for kv in filter(None, opts.split(",")):
            k, v = kv.split("=")
            argv += ["--" + k.replace("_", "-"), v.replace("+", ",")]
        t0 = time.time()
        distill.main(argv)
        table = stvec.read_table(os.path.join(SCRATCH, "tables", name + ".bin"))
        B = stvec.sentence_vectors(table, toks)
        accs = {w: [] for w in weights}
        alone = []
        for (tr, te), (Xtr, Xte) in zip(splits, fold_X):
            for w in weights:
                m = evaluate.lr(a.C).fit(evaluate.feats(Xtr, B[tr], w), y[tr])
                accs[w].append(accuracy_score(y[te], m.predict(evaluate.feats(Xte, B[te], w))))
        line = [a.set, name, opts or "-", f"{a.folds}", f"{base:.2f}"] + \
               [f"{w:g}:{100 * np.mean(v):.2f}" for w, v in accs.items()]
        print("\t".join(line), f"[{time.time() - t0:.0f}s]", flush=True)
        with open(a.results, "a") as f:
            f.write("\t".join(line) + "\n")


if __name__ == "__main__":
    main()
