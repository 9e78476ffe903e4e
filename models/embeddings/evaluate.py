#!/usr/bin/env python3
"""Evaluate the static block (vectors.bin) against TF-IDF alone and the full teacher.

  cv     MR and SUBJ, 10-fold stratified (seed 0), the same splits for every feature set:
         TF-IDF (word 1-2-grams, sublinear tf, l2; fitted on the training folds only)
         + LogisticRegression, alone; with the static block concatenated at each block
         weight; with the teacher's mean-pooled sentence embedding concatenated; and each
         dense block alone.
  tvdev  train on stance's synthetic corpus (models/corpus/*.csv), measure once on
         ../shared/datasets/tv-dev.csv (accuracy and macro-F1). Measure only: nothing is
         chosen from it.
  grouped  the real labelled TV corpus (~/.cache/stance/real.tsv joined with
         models/real/labels.tsv and docs.tsv, via models/real/grouped_cv.py's `load`), on
         grouped_cv.py's own folds (`folds`: 5 folds of whole documents, seed 7, and with
         --by source also one held-out repository at a time): TF-IDF alone, + each block at
         each weight, each block alone; multinomial LR, unweighted and class_weight
         balanced (as the built-in model trains). Accuracy and macro-F1, mean over folds
         and pooled over all held-out sentences. Skips when the corpus is absent.

The block is computed from the quantised table exactly as the Rust side does
(stvec.sentence_vectors): sum of weight*row over the known tokens / their count, l2.
Skips with a message when ../shared/datasets is absent.
"""

import argparse
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stvec  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "models", "real"))
import grouped_cv  # noqa: E402  (its corpus loader, folds and default path)


def tfidf():
    return TfidfVectorizer(tokenizer=stvec.surface_tokens, lowercase=False, token_pattern=None,
                           ngram_range=(1, 2), sublinear_tf=True, norm="l2", dtype=np.float64)


def lr(C, multiclass=False, class_weight=None):
    # Binary sets: liblinear. Four stances: multinomial (lbfgs), as stance's model is.
    if multiclass:
        return LogisticRegression(C=C, solver="lbfgs", max_iter=5000, class_weight=class_weight)
    return LogisticRegression(C=C, solver="liblinear", max_iter=2000)


def feats(X_tfidf, dense, w):
    if dense is None:
        return X_tfidf
    return sp.hstack([X_tfidf, sp.csr_matrix(w * dense)], format="csr")


def teacher_embeddings(texts, cache):
    import distill

    return distill.sentence_targets(distill.Cache(cache), texts)


def cv(texts, labels, blocks, weights, C, folds=10, seed=0, tfidf_too=True):
    """blocks: name -> dense matrix. Returns {config: (mean acc, std)}."""
    y = np.array(labels)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    res = {}
    for tr, te in skf.split(np.zeros(len(y)), y):
        vec = tfidf()
        Xtr = vec.fit_transform([texts[i] for i in tr])
        Xte = vec.transform([texts[i] for i in te])
        configs = [("tfidf", None, 0)] if tfidf_too else []
        for name, B in blocks.items():
            for w in weights:
                configs.append((f"tfidf+{name}@{w:g}", B, w))
        for cfg, B, w in configs:
            m = lr(C).fit(feats(Xtr, None if B is None else B[tr], w), y[tr])
            p = m.predict(feats(Xte, None if B is None else B[te], w))
            res.setdefault(cfg, []).append(accuracy_score(y[te], p))
    return {k: (100 * np.mean(v), 100 * np.std(v)) for k, v in res.items()}


def grouped(a, table, weights, teacher_weights):
    if not os.path.exists(a.real):
        print(f"skipped: {a.real} is absent (run models/real/regenerate)")
        return 0
    rows = grouped_cv.load(a.real)  # (doc, source, text, label), labelled rows only
    texts = [r[2] for r in rows]
    y = np.array([r[3] for r in rows])
    pos = {id(r): i for i, r in enumerate(rows)}
    toks = [stvec.surface_tokens(t) for t in texts]
    cover = np.mean([sum(t in table.index for t in x) / max(1, len(x)) for x in toks])
    blocks = {"static": (stvec.sentence_vectors(table, toks, table.rows()), weights)}
    if not a.no_teacher:
        # Embed the whole file in file order (the cache key is the list of texts; the build
        # embeds the same list), then pick the labelled rows.
        every = stvec.read_real_tsv(a.real)
        E = teacher_embeddings(every, a.cache)
        at = {t: i for i, t in enumerate(every)}
        blocks["teacher"] = (E[[at[t] for t in texts]], teacher_weights)
    cws = [None if c == "none" else c for c in a.class_weight.split(",")]
    configs = [("tfidf", None, 0)]
    for name, (B, ws) in blocks.items():
        configs += [(f"tfidf+{name}@{w:g}", B, w) for w in ws]
    for name, (B, _) in blocks.items():
        configs.append((f"{name} alone", B, None))
    for by in a.by.split(","):
        groups = grouped_cv.folds(rows, by, a.folds, a.seed)
        t0 = time.time()
        res = {}  # (cw, cfg) -> per-fold (acc, mf1); pooled predictions
        pooled = {}
        gold_all = []
        for gname, test in groups:
            te = np.array(sorted(pos[id(r)] for r in test))
            mask = np.ones(len(rows), bool)
            mask[te] = False
            tr = np.flatnonzero(mask)
            vec = tfidf()
            Xtr = vec.fit_transform([texts[i] for i in tr])
            Xte = vec.transform([texts[i] for i in te])
            gold_all.append(y[te])
            for cw in cws:
                for cfg, B, w in configs:
                    if w is None:  # the dense block alone
                        ftr, fte = B[tr], B[te]
                    else:
                        ftr = feats(Xtr, None if B is None else B[tr], w)
                        fte = feats(Xte, None if B is None else B[te], w)
                    p = lr(a.C, multiclass=True, class_weight=cw).fit(ftr, y[tr]).predict(fte)
                    k = (cw or "none", cfg)
                    res.setdefault(k, []).append((accuracy_score(y[te], p),
                                                  f1_score(y[te], p, average="macro")))
                    pooled.setdefault(k, []).append(p)
            print(f"  [{by}] {gname}: n={len(te)} done [{time.time() - t0:.0f}s]", file=sys.stderr, flush=True)
        g = np.concatenate(gold_all)
        what = (f"{a.folds} folds of whole documents (grouped_cv.folds, seed {a.seed})" if by == "doc"
                else f"leave one source out ({len(groups)} sources)")
        print(f"\nreal TV corpus (n={len(rows)}, {len(set(r[0] for r in rows))} documents), {what}, "
              f"multinomial LR C={a.C}, token coverage {100 * cover:.1f}%  [{time.time() - t0:.0f}s]")
        for cw in cws:
            cwn = cw or "none"
            base = np.mean([x[0] for x in res[(cwn, "tfidf")]])
            print(f"  class_weight={cwn}: mean over folds acc / macro-F1 (Δacc vs TF-IDF), pooled acc / macro-F1")
            for cfg, _, _ in configs:
                v = np.array(res[(cwn, cfg)])
                pp = np.concatenate(pooled[(cwn, cfg)])
                print(f"    {cfg:22s} {100 * v[:, 0].mean():6.2f} / {100 * v[:, 1].mean():6.2f}"
                      f"  ({100 * (v[:, 0].mean() - base):+6.2f})   pooled {100 * accuracy_score(g, pp):6.2f}"
                      f" / {100 * f1_score(g, pp, average='macro'):6.2f}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["cv", "tvdev", "grouped"])
    ap.add_argument("--table", default=os.path.join(HERE, "vectors.bin"))
    ap.add_argument("--datasets", default=os.path.join(REPO, "..", "shared", "datasets"))
    ap.add_argument("--corpus", default=os.path.join(REPO, "models", "corpus"))
    ap.add_argument("--weights", default="0.125,0.25,0.5,1")
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--no-teacher", action="store_true", help="skip the full-transformer rows")
    ap.add_argument("--sets", default="mr,subj")
    ap.add_argument("--cache", default=os.environ.get("STVEC_CACHE", "/work/embed-scratch/cache"))
    ap.add_argument("--real", default=grouped_cv.default_real(), help="grouped: the corpus")
    ap.add_argument("--by", default="doc", help="grouped: doc, source or doc,source (as grouped_cv.py)")
    ap.add_argument("--folds", type=int, default=5, help="grouped: document folds")
    ap.add_argument("--seed", type=int, default=7, help="grouped: grouped_cv.py's fold seed")
    ap.add_argument("--teacher-weights", default="0.25,0.5,1", help="grouped: weights of the teacher block")
    ap.add_argument("--class-weight", default="none,balanced", help="grouped: none and/or balanced")
    a = ap.parse_args(argv)

    if a.mode == "grouped":
        table = stvec.read_table(a.table)
        print(f"table: {a.table}: {len(table.keys)} entries x {table.dim}; {table.name}")
        return grouped(a, table, [float(x) for x in a.weights.split(",")],
                       [float(x) for x in a.teacher_weights.split(",")])

    if not os.path.isdir(a.datasets):
        print(f"skipped: {a.datasets} is absent (the third-party data sets are not shipped)")
        return 0
    table = stvec.read_table(a.table)
    print(f"table: {a.table}: {len(table.keys)} entries x {table.dim}; {table.name}")
    weights = [float(x) for x in a.weights.split(",")]
    rows = table.rows()

    if a.mode == "cv":
        for s in a.sets.split(","):
            texts, labels = stvec.read_csv(os.path.join(a.datasets, f"{s}.csv"))
            toks = [stvec.surface_tokens(t) for t in texts]
            cover = np.mean([sum(t in table.index for t in x) / max(1, len(x)) for x in toks])
            blocks = {"static": stvec.sentence_vectors(table, toks, rows)}
            if not a.no_teacher:
                blocks["teacher"] = teacher_embeddings(texts, a.cache)
            t0 = time.time()
            res = cv(texts, labels, blocks, weights, a.C)
            print(f"\n{s.upper()} (n={len(texts)}, 10-fold, LR C={a.C}, token coverage {100 * cover:.1f}%)"
                  f"  [{time.time() - t0:.0f}s]")
            base = res["tfidf"][0]
            for k, (m, sd) in res.items():
                print(f"  {k:28s} {m:6.2f} ± {sd:4.2f}   {m - base:+.2f}")
    else:
        tr_x, tr_y = stvec.synthetic_corpus(a.corpus)
        te_x, te_y = stvec.read_csv(os.path.join(a.datasets, "tv-dev.csv"))
        vec = tfidf()
        Xtr, Xte = vec.fit_transform(tr_x), vec.transform(te_x)
        blocks = {"static": (stvec.sentence_vectors(table, [stvec.surface_tokens(t) for t in tr_x], rows),
                             stvec.sentence_vectors(table, [stvec.surface_tokens(t) for t in te_x], rows))}
        if not a.no_teacher:
            blocks["teacher"] = (teacher_embeddings(tr_x, a.cache), teacher_embeddings(te_x, a.cache))
        print(f"\ntv-dev (n={len(te_x)}), trained on the synthetic corpus (n={len(tr_x)}), LR C={a.C}, multinomial")
        configs = [("tfidf", None, None, 0)] + [(f"tfidf+{n}@{w:g}", B[0], B[1], w)
                                                for n, B in blocks.items() for w in weights]
        for cfg, Btr, Bte, w in configs:
            m = lr(a.C, multiclass=True).fit(feats(Xtr, Btr, w), tr_y)
            p = m.predict(feats(Xte, Bte, w))
            print(f"  {cfg:28s} acc {100 * accuracy_score(te_y, p):6.2f}   macro-F1 "
                  f"{100 * f1_score(te_y, p, average='macro'):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
