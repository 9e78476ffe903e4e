#!/usr/bin/env python3
"""Two-stage stance on the folds of grouped_cv.py: stance or not, then which stance.

    python3 models/real/two_stage_cv.py [--real TSV] [--folds 5] [--by doc|source]
        [--synthetic] [--stance BIN] [--json] [--confusion]
        [--stage1 "ARGS"] [--stage2 "ARGS"] [-- TRAIN_ARGS...]

Each training fold (the same folds as grouped_cv.py: its `folds` function, same seed)
is written twice to a temporary directory: stage 1 with every non-neutral label
relabelled `opinion` (neutral against opinion), stage 2 with the neutral rows left out
(positive, criticism, anticipation). Each trains `stance train` with TRAIN_ARGS (default:
models/build.args), or with --stage1 / --stage2 for that stage alone (a string split
like a shell's). The held-out sentences are scored by both models with `stance classify
--lines --format jsonl` and combined as P(neutral) = P1(neutral) and
P(x) = P1(opinion) * P2(x); the label is the most probable. Prints accuracy and macro-F1
per fold and pooled, and stage 1's own accuracy (neutral against opinion), as text, or
JSON with --json. Standard-library Python; text is written only to a temporary directory.
"""
import json, os, shlex, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grouped_cv import arguments, build_args, folds, load, print_confusion, scores, synthetic, write_csv  # noqa: E402


def train(stance, tmp, name, pairs, args):
    data = os.path.join(tmp, name + ".csv")
    model = os.path.join(tmp, name + ".model")
    write_csv(data, pairs)
    subprocess.run([stance, "train", data, "-o", model] + args, check=True, capture_output=True)
    return model


def probabilities(stance, model, texts):
    inp = "".join(t + "\n" for t in texts).encode()
    out = subprocess.run([stance, "classify", "--lines", "--format", "jsonl", "--model", model],
                         input=inp, check=True, capture_output=True).stdout.decode()
    probs = [json.loads(l)["scores"] for l in out.split("\n") if l]
    assert len(probs) == len(texts), (len(probs), len(texts))
    return probs


def combine(p1, p2):
    """P(neutral) = P1(neutral), P(x) = P1(opinion) * P2(x) for the stances x."""
    p = {"neutral": p1["neutral"]}
    for x, q in p2.items():
        p[x] = p1["opinion"] * q
    return p


def main():
    ap = arguments()
    ap.add_argument("--stage1", help="training arguments of stage 1 alone (default: TRAIN_ARGS)")
    ap.add_argument("--stage2", help="training arguments of stage 2 alone (default: TRAIN_ARGS)")
    ap.add_argument("train_args", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(a.real):
        print(f"two_stage_cv: skipped: {a.real} is absent (run models/real/regenerate)")
        return
    targs = a.train_args or build_args()
    args1 = shlex.split(a.stage1) if a.stage1 is not None else targs
    args2 = shlex.split(a.stage2) if a.stage2 is not None else targs
    rows = load(a.real)
    synth = synthetic() if a.synthetic else []
    out, allg, allp, all1 = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, test in folds(rows, a.by, a.folds, a.seed):
            held = {id(r) for r in test}
            pairs = [(r[2], r[3]) for r in rows if id(r) not in held] + synth
            m1 = train(a.stance, tmp, "stage1", [(t, l if l == "neutral" else "opinion") for t, l in pairs], args1)
            m2 = train(a.stance, tmp, "stage2", [(t, l) for t, l in pairs if l != "neutral"], args2)
            texts = [r[2] for r in test]
            p1s = probabilities(a.stance, m1, texts)
            p2s = probabilities(a.stance, m2, texts)
            pred = []
            for p1, p2 in zip(p1s, p2s):
                p = combine(p1, p2)
                pred.append(max(sorted(p), key=p.get))
            gold = [r[3] for r in test]
            stage1 = sum((g == "neutral") == (p1["neutral"] >= p1["opinion"]) for g, p1 in zip(gold, p1s)) / len(gold)
            acc, mf1, per = scores(gold, pred)
            out.append({"fold": name, "n": len(test), "accuracy": acc, "macro_f1": mf1, "f1": per,
                        "stage1_accuracy": stage1})
            allg += gold
            allp += pred
            all1.append(stage1 * len(gold))
            if not a.json:
                print(f"{name:40} n={len(test):5}  acc {acc:.4f}  macro-F1 {mf1:.4f}  stage 1 acc {stage1:.4f}",
                      flush=True)
    acc, mf1, per = scores(allg, allp)
    stage1 = sum(all1) / len(allg)
    labels = sorted(set(allg))
    confusion = {g: {p: sum(1 for x, y in zip(allg, allp) if x == g and y == p) for p in sorted(set(allp))}
                 for g in labels}
    summary = {"by": a.by, "synthetic": a.synthetic, "stage1_args": args1, "stage2_args": args2, "folds": out,
               "pooled": {"n": len(allg), "accuracy": acc, "macro_f1": mf1, "f1": per, "stage1_accuracy": stage1},
               "confusion": confusion}
    if a.json:
        print(json.dumps(summary, indent=1))
    else:
        print(f"{'pooled':40} n={len(allg):5}  acc {acc:.4f}  macro-F1 {mf1:.4f}  " +
              " ".join(f"{k} {v:.3f}" for k, v in sorted(per.items())) + f"  stage 1 acc {stage1:.4f}")
        if a.confusion:
            print_confusion(confusion)


if __name__ == "__main__":
    main()
