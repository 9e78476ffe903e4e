#!/usr/bin/env python3
"""Document-grouped cross-validation of stance's trainer on the real corpus.

    python3 models/real/grouped_cv.py [--real TSV] [--folds 5] [--by doc|source]
        [--synthetic] [--stance BIN] [-- TRAIN_ARGS...]

Reads the regenerated corpus (`regenerate`'s output: id, text, label; default
$STANCE_REAL_TSV or ~/.cache/stance/real.tsv) joined with models/real/labels.tsv and
docs.tsv; rows with no final label are left out. `--by doc` puts whole documents in
folds (a document's sentences never sit on both sides; folds are filled by walking
documents in a seeded shuffle), `--by source` holds out one repository at a time.
With --synthetic, models/corpus/*.csv (our own sentences) join every training fold.
Each fold trains `stance train` with TRAIN_ARGS (default: models/build.args) and
scores the held-out sentences with `stance classify --lines`; prints accuracy and
macro-F1 per fold and pooled over all held-out sentences, as text, or JSON with --json.
Standard-library Python; text is written only to a temporary directory.
"""
import argparse, collections, csv, glob, json, os, random, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load(real):
    text = {}
    with open(real, encoding="utf-8") as f:
        next(f)
        for line in f:
            i, t, _ = line.rstrip("\n").split("\t")
            text[i] = t
    repo = {}
    with open(os.path.join(HERE, "docs.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            repo[p[0]] = p[1]
    rows = []
    with open(os.path.join(HERE, "labels.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[4] and p[0] in text:
                rows.append((p[1], repo[p[1]], text[p[0]], p[4]))
    return rows


def write_csv(path, pairs):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(pairs)


def scores(gold, pred):
    labels = sorted(set(gold))
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    f1s = []
    for l in labels:
        tp = sum(g == l and p == l for g, p in zip(gold, pred))
        fp = sum(g != l and p == l for g, p in zip(gold, pred))
        fn = sum(g == l and p != l for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, sum(f1s) / len(f1s), dict(zip(labels, f1s))


def folds(rows, by, n, seed):
    """The held-out groups, [(name, rows)]: `by` "doc" fills n folds with whole documents
    walked in a shuffle seeded by `seed`; "source" holds out one repository at a time."""
    if by == "doc":
        docs = sorted({r[0] for r in rows})
        random.Random(seed).shuffle(docs)
        fold_of = {d: k % n for k, d in enumerate(docs)}
        return [(f"fold {k + 1}", [r for r in rows if fold_of[r[0]] == k]) for k in range(n)]
    return [(src, [r for r in rows if r[1] == src]) for src in sorted({r[1] for r in rows})]


def synthetic():
    """Our own sentences, models/corpus/*.csv in name order, as (text, label)."""
    synth = []
    for p in sorted(glob.glob(os.path.join(ROOT, "models", "corpus", "*.csv"))):
        with open(p, encoding="utf-8", newline="") as f:
            synth += [(r["text"], r["label"]) for r in csv.DictReader(f)]
    return synth


def build_args():
    """The built-in model's training settings, models/build.args (one argument a line)."""
    return [l for l in open(os.path.join(ROOT, "models", "build.args")).read().split("\n") if l]


def print_confusion(confusion):
    """Prints a confusion matrix {gold: {predicted: count}}, rows gold, columns predicted."""
    cols = sorted(next(iter(confusion.values())))
    print("gold \\ predicted " + " ".join(f"{c:>12}" for c in cols))
    for g in sorted(confusion):
        print(f"{g:17} " + " ".join(f"{confusion[g][c]:12}" for c in cols))


def default_real():
    """Where models/real/regenerate's output is looked for: $STANCE_REAL_TSV, else the cache."""
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "stance", "real.tsv")
    return os.environ.get("STANCE_REAL_TSV", cache)


def arguments():
    """The options grouped_cv.py and two_stage_cv.py share (TRAIN_ARGS comes last)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", default=default_real())
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--by", choices=("doc", "source"), default="doc")
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--confusion", action="store_true", help="print the pooled confusion matrix")
    return ap


def main():
    ap = arguments()
    ap.add_argument("train_args", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(a.real):
        print(f"grouped_cv: skipped: {a.real} is absent (run models/real/regenerate)")
        return
    targs = a.train_args or build_args()
    rows = load(a.real)
    groups = folds(rows, a.by, a.folds, a.seed)
    synth = synthetic() if a.synthetic else []
    out, allg, allp = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, test in groups:
            held = {id(r) for r in test}
            train = [(r[2], r[3]) for r in rows if id(r) not in held] + synth
            write_csv(os.path.join(tmp, "train.csv"), train)
            model = os.path.join(tmp, "m.model")
            subprocess.run([a.stance, "train", os.path.join(tmp, "train.csv"), "-o", model] + targs,
                           check=True, capture_output=True)
            inp = "".join(r[2] + "\n" for r in test).encode()
            res = subprocess.run([a.stance, "classify", "--lines", "--format", "labels", "--model", model],
                                 input=inp, check=True, capture_output=True).stdout.decode().split("\n")
            pred = [l for l in res if l][: len(test)]
            assert len(pred) == len(test), (len(pred), len(test))
            gold = [r[3] for r in test]
            acc, mf1, per = scores(gold, pred)
            out.append({"fold": name, "n": len(test), "accuracy": acc, "macro_f1": mf1, "f1": per})
            allg += gold
            allp += pred
            if not a.json:
                print(f"{name:40} n={len(test):5}  acc {acc:.4f}  macro-F1 {mf1:.4f}", flush=True)
    acc, mf1, per = scores(allg, allp)
    labels = sorted(set(allg))
    confusion = {g: {p: sum(1 for x, y in zip(allg, allp) if x == g and y == p) for p in sorted(set(allp))}
                 for g in labels}
    summary = {"by": a.by, "synthetic": a.synthetic, "train_args": targs, "folds": out,
               "pooled": {"n": len(allg), "accuracy": acc, "macro_f1": mf1, "f1": per},
               "confusion": confusion}
    if a.json:
        print(json.dumps(summary, indent=1))
    else:
        print(f"{'pooled':40} n={len(allg):5}  acc {acc:.4f}  macro-F1 {mf1:.4f}  " +
              " ".join(f"{k} {v:.3f}" for k, v in sorted(per.items())))
        if a.confusion:
            print_confusion(confusion)


if __name__ == "__main__":
    main()
