#!/usr/bin/env python3
"""make_disagreements.py PASS_A_DIR PASS_B_DIR OUT [--exclude-dir DIR]
Writes the sentences the two passes label differently, each with the two previous and
the next sentence of its document as context, and the two candidate labels in alphabetical
order (which pass chose which is not shown). Rows already in --exclude-dir are skipped.
Reads labels.tsv's a/b columns too, so old passes need not be on disk."""
import collections, glob, os, sys
MAIN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.environ.get("STANCE_REAL_TSV", os.path.expanduser("~/.cache/stance/real.tsv"))
OUT = os.environ.get("STANCE_LABEL_WORK", "/work/corpus")
def read_dir(d):
    out = {}
    for p in sorted(glob.glob(os.path.join(d, "*.tsv"))):
        for line in open(p, encoding="utf-8"):
            line = line.rstrip("\n")
            if line:
                i, l = line.split("\t")
                out[i] = l
    return out
args = sys.argv[1:]
excl = {}
if "--exclude-dir" in args:
    k = args.index("--exclude-dir"); excl = read_dir(args[k + 1]); del args[k:k + 2]
pa, pb, out = read_dir(args[0]), read_dir(args[1]), args[2]
text = {}
for line in list(open(REAL, encoding="utf-8"))[1:]:
    i, t, _ = line.rstrip("\n").split("\t"); text[i] = t
docs = collections.OrderedDict(); a = {}; b = {}
for line in list(open(f"{MAIN}/labels.tsv", encoding="utf-8"))[1:]:
    p = line.rstrip("\n").split("\t")
    docs.setdefault(p[1], []).append(p[0])
    if p[5]: a[p[0]] = p[5]
    if p[6]: b[p[0]] = p[6]
a.update(pa); b.update(pb)
n = 0
with open(out, "w", encoding="utf-8") as f:
    for doc, ids in docs.items():
        for k, i in enumerate(ids):
            if i in a and i in b and a[i] != b[i] and i not in excl:
                n += 1
                f.write(f"\n### {i}\n")
                for j in ids[max(0, k - 2):k]:
                    f.write(f"  before: {text[j]}\n")
                f.write(f">>> SENTENCE: {text[i]}\n")
                if k + 1 < len(ids):
                    f.write(f"  after: {text[ids[k + 1]]}\n")
                f.write(f"  candidates: {' | '.join(sorted({a[i], b[i]}))}\n")
print(n, "disagreements ->", out)
