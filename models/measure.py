#!/usr/bin/env python3
"""Measures a stance model on real sentences we did not write (the figures in models/README.md).

usage: python3 models/measure.py [MODEL]      (no MODEL: the built-in one; build stance in release first)

- tv-dev: accuracy and macro-F1 on ../shared/datasets/tv-dev.csv (the development set);
- mr: share of film-review snippets where the model puts more probability on `positive`
  than `criticism` for positive snippets, and the reverse for negative ones;
- subj: share of objective sentences labelled `neutral` and of subjective ones labelled
  anything else.
The data is read from ../shared/datasets at run time; the script skips where it is absent.
"""
import csv, json, os, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
stance = os.path.join(root, "target", "release", "stance")
data = os.path.join(root, "..", "shared", "datasets")
if not os.path.isdir(data):
    print(f"measure: skipped: {data} is absent")
    sys.exit(0)
margs = ["--model", sys.argv[1]] if len(sys.argv) > 1 else []


def classify(texts):
    inp = "\n".join(t.replace("\n", " ") for t in texts) + "\n"
    out = subprocess.run([stance, "classify", "--lines", "--format", "jsonl"] + margs,
                         input=inp.encode(), capture_output=True, check=True).stdout.decode()
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    assert len(rows) == len(texts), (len(rows), len(texts))
    return rows


def read(name):
    with open(os.path.join(data, name), encoding="utf-8") as f:
        return list(csv.DictReader(f))


tv = read("tv-dev.csv")
r = classify([x["text"] for x in tv])
labels = ["anticipation", "criticism", "neutral", "positive"]
acc = sum(a["label"] == b["label"] for a, b in zip(tv, r)) / len(tv)
f1 = {}
for L in labels:
    tp = sum(a["label"] == L and b["label"] == L for a, b in zip(tv, r))
    p = sum(b["label"] == L for b in r)
    g = sum(a["label"] == L for a in tv)
    pr, rc = (tp / p if p else 0), (tp / g if g else 0)
    f1[L] = 2 * pr * rc / (pr + rc) if pr + rc else 0
mr = read("mr.csv")
rm = classify([x["text"] for x in mr])
ok = sum((b["scores"]["positive"] > b["scores"]["criticism"]) == (a["label"] == "positive")
         for a, b in zip(mr, rm))
sj = read("subj.csv")
rs = classify([x["text"] for x in sj])
obj = [b["label"] == "neutral" for a, b in zip(sj, rs) if a["label"] == "objective"]
sub = [b["label"] != "neutral" for a, b in zip(sj, rs) if a["label"] == "subjective"]
print(f"tv-dev accuracy {acc:.4f}, macro-F1 {sum(f1.values()) / 4:.4f} ("
      + ", ".join(f"{L} {f1[L]:.3f}" for L in labels) + ")")
print(f"mr: positive/criticism ordered right {ok / len(mr):.4f}")
print(f"subj: objective labelled neutral {sum(obj) / len(obj):.4f}, "
      f"subjective labelled other {sum(sub) / len(sub):.4f}")
