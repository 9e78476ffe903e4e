#!/usr/bin/env python3
"""Writes labelling batches for the rows of labels.tsv that still need a pass.
batch-bNN: rows with pass a but no pass b (need pass b); batch-nNN: rows with neither."""
import collections, os
MAIN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.environ.get("STANCE_REAL_TSV", os.path.expanduser("~/.cache/stance/real.tsv"))
OUT = os.environ.get("STANCE_LABEL_WORK", "/work/corpus")
text = {}
with open(REAL, encoding="utf-8") as f:
    next(f)
    for line in f:
        i, t, _ = line.rstrip("\n").split("\t")
        text[i] = t
meta = {}
with open(f"{MAIN}/docs.tsv", encoding="utf-8") as f:
    next(f)
    for line in f:
        p = line.rstrip("\n").split("\t")
        meta[p[0]] = (p[1], p[5])
rows = collections.defaultdict(list)
with open(f"{MAIN}/labels.tsv", encoding="utf-8") as f:
    next(f)
    for line in f:
        p = line.rstrip("\n").split("\t")
        i, doc, a, b = p[0], p[1], p[5], p[6]
        if a and b:
            continue
        kind = "b" if a else "n"
        rows[kind].append((doc, i))
for kind, rs in rows.items():
    docs = collections.OrderedDict()
    for doc, i in rs:
        docs.setdefault(doc, []).append(i)
    batches, cur = [], []
    for doc, ids in docs.items():
        cur.append((doc, ids))
        if sum(len(x) for _, x in cur) >= 500:
            batches.append(cur); cur = []
    if cur:
        batches.append(cur)
    for n, b in enumerate(batches, 1):
        name = f"{OUT}/batches/batch-{kind}{n:02d}.txt"
        with open(name, "w", encoding="utf-8") as out:
            for doc, ids in b:
                repo, k = meta[doc]
                out.write(f"\n## document {doc} (kind: {k}; source: {repo})\n")
                for i in ids:
                    out.write(f"{i}\t{text[i]}\n")
        print(name, sum(len(x) for _, x in b), len(b))
