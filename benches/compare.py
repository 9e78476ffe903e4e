#!/usr/bin/env python3
"""Side-by-side speed of stance, scikit-learn and fastText on the film-review set.

Run through benches/compare.sh, which makes the Python environment and builds stance.
All three systems train on mr.csv and score the same 200,000 sentences (mr.csv's texts
cycled), one thread each, in one run on this machine. Every timing is repeated
(--repeat, default 3) and the best run is reported. Progress goes to stderr; the table
(or, with --json, one JSON document) goes to stdout.

What is timed:
  scikit-learn  TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True) +
                LogisticRegression(C=32, max_iter=1000): fit on mr.csv; predict_proba on
                a list of the 200,000 raw sentences (text in, probabilities out).
  fastText      train_supervised(wordNgrams=2, thread=1, defaults otherwise) on mr.csv
                in fastText format, its rows shuffled with a fixed seed (mr.csv is sorted
                by label and fastText's SGD reads its file in order: unshuffled, it learns
                to say "negative" to almost everything); predict(list of 200,000
                sentences, k=-1).
  stance        `stance train mr.csv -o MODEL` and `stance classify --model MODEL
                --lines --format labels --threads N FILE > /dev/null`, wall clock of the
                whole process (start-up, model load, reading the file, writing labels).
"""

import os

# One thread for every BLAS/OpenMP user: must be set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import csv
import itertools
import json
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SCORE_LINES = 200_000


def log(msg):
    print(f"compare: {msg}", file=sys.stderr, flush=True)


def best_of(repeat, fn):
    """Run fn() `repeat` times; return (best seconds, all seconds, last result)."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, result


def read_mr(path):
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            # One sentence per line downstream: no line breaks inside a text.
            text = " ".join(row["text"].split())
            if text:
                texts.append(text)
                labels.append(row["label"].strip())
    return texts, labels


def run(cmd, stdout=subprocess.DEVNULL, env=None, stdin=None):
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env, stdin=stdin)
    if proc.returncode != 0:
        sys.exit(f"compare: {' '.join(cmd)} failed ({proc.returncode}):\n"
                 + proc.stderr.decode(errors="replace"))
    return proc


def gnu_time():
    path = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(path):
        return None
    try:
        out = subprocess.run([path, "-v", "true"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if b"Maximum resident set size" in out.stderr else None


def max_rss_mb(cmd, stdout_path):
    """Peak resident memory of `cmd` in MB (MiB), and how it was measured."""
    with open(stdout_path, "wb") as out:
        tool = gnu_time()
        if tool:
            proc = subprocess.run([tool, "-v", *cmd], stdout=out, stderr=subprocess.PIPE)
            if proc.returncode != 0:
                sys.exit(f"compare: {' '.join(cmd)} failed:\n" + proc.stderr.decode(errors="replace"))
            m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
            return int(m.group(1)) / 1024, "GNU time -v"
        # RUSAGE_CHILDREN is the peak over every child waited for so far, so measure
        # from a fresh Python whose only child is stance.
        probe = ("import resource, subprocess, sys\n"
                 "r = subprocess.run(sys.argv[1:], stdout=sys.stdout, stderr=subprocess.DEVNULL)\n"
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode,"
                 " file=sys.stderr)\n")
        proc = subprocess.run([sys.executable, "-c", probe, *cmd], stdout=out,
                              stderr=subprocess.PIPE)
        kb, code = proc.stderr.split()[-2:]
        if int(code) != 0:
            sys.exit(f"compare: {' '.join(cmd)} failed ({int(code)})")
        return int(kb) / 1024, "getrusage(RUSAGE_CHILDREN)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stance", required=True, help="path to the release stance binary")
    ap.add_argument("--data", required=True, help="mr.csv (columns text,label)")
    ap.add_argument("--lines", type=int, default=SCORE_LINES,
                    help=f"sentences to score (default {SCORE_LINES})")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; best is kept")
    ap.add_argument("--startup-runs", type=int, default=20,
                    help="runs of the 1-line start-up timing; median is kept")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    args = ap.parse_args()

    import fasttext
    import sklearn
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass

    texts, labels = read_mr(args.data)
    log(f"{len(texts)} labelled texts in {args.data}")
    work = tempfile.mkdtemp(prefix="stance-compare-")
    try:
        return bench(args, texts, labels, work, fasttext, sklearn,
                     TfidfVectorizer, LogisticRegression, make_pipeline)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(args, texts, labels, work, fasttext, sklearn,
          TfidfVectorizer, LogisticRegression, make_pipeline):
    # The scoring set: mr.csv's texts cycled to --lines lines, one sentence a line.
    score_path = os.path.join(work, "score.txt")
    sentences = list(itertools.islice(itertools.cycle(texts), args.lines))
    with open(score_path, "w", encoding="utf-8") as f:
        for s in sentences:
            f.write(s + "\n")
    words = sum(len(s.split()) for s in sentences) / len(sentences)
    log(f"scoring set: {len(sentences)} sentences, {words:.1f} words each on average")
    n = len(sentences)
    figures = {}

    # ---- scikit-learn -----------------------------------------------------------
    def sk_fit():
        pipe = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(C=32, max_iter=1000),
        )
        return pipe.fit(texts, labels)

    log("scikit-learn: fit")
    sk_train, sk_train_all, pipe = best_of(args.repeat, sk_fit)
    log("scikit-learn: predict_proba")
    sk_score, sk_score_all, sk_proba = best_of(args.repeat, lambda: pipe.predict_proba(sentences))
    sk_labels = pipe.classes_[np.argmax(sk_proba, axis=1)]
    figures["scikit-learn"] = dict(
        train_s=sk_train, score_s=sk_score, train_runs=sk_train_all, score_runs=sk_score_all,
        features=len(pipe[0].vocabulary_), iterations=int(pipe[1].n_iter_[0]))

    # ---- fastText -----------------------------------------------------------------
    ft_path = os.path.join(work, "mr.ft.txt")
    ft_rows = list(zip(texts, labels))
    random.Random(0).shuffle(ft_rows)
    with open(ft_path, "w", encoding="utf-8") as f:
        for t, l in ft_rows:
            f.write(f"__label__{l} {t}\n")

    log("fastText: train_supervised")
    ft_train, ft_train_all, ft_model = best_of(
        args.repeat, lambda: fasttext.train_supervised(input=ft_path, wordNgrams=2, thread=1, verbose=0))
    log("fastText: predict k=-1")
    ft_score, ft_score_all, (ft_lab, ft_prob) = best_of(
        args.repeat, lambda: ft_model.predict(sentences, k=-1))
    ft_labels = np.array([l[0].replace("__label__", "", 1) for l in ft_lab])
    ft_top = np.array([p[0] for p in ft_prob])
    ft_sums = np.array([float(np.sum(p)) for p in ft_prob])
    if abs(ft_sums - 1).max() > 1e-3:
        log(f"warning: fastText probabilities sum to {ft_sums.min():.4f}..{ft_sums.max():.4f}, "
            "not 1 (numpy 2 with fasttext-wheel?)")
    figures["fastText"] = dict(
        train_s=ft_train, score_s=ft_score, train_runs=ft_train_all, score_runs=ft_score_all,
        max_top_probability=float(ft_top.max()), probability_sum_min=float(ft_sums.min()),
        probability_sum_max=float(ft_sums.max()))

    # ---- stance ---------------------------------------------------------------------
    one = dict(os.environ, RAYON_NUM_THREADS="1")
    model = os.path.join(work, "mr.model")
    log("stance: train")
    st_train, st_train_all, _ = best_of(
        args.repeat, lambda: run([args.stance, "train", args.data, "-o", model], env=one))
    figures["stance"] = dict(train_s=st_train, train_runs=st_train_all)
    for threads in (1, 2):
        cmd = [args.stance, "classify", "--model", model, "--lines", "--format", "labels",
               "--threads", str(threads), score_path]
        log(f"stance: classify --threads {threads}")
        secs, runs, _ = best_of(args.repeat, lambda: run(cmd))
        figures[f"stance --threads {threads}"] = dict(score_s=secs, score_runs=runs)

    # Start-up: built-in model, one line, median of --startup-runs.
    one_line = os.path.join(work, "one.txt")
    with open(one_line, "w") as f:
        f.write(sentences[0] + "\n")
    # If the built-in model does not load (a binary built from a tree whose model
    # format moved on), say so and time start-up with the mr.csv model instead.
    startup_cmd = [args.stance, "classify", "--lines", "--format", "labels", "--threads", "1",
                   one_line]
    startup_model, builtin_error = "built-in", None
    probe = subprocess.run(startup_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if probe.returncode != 0:
        builtin_error = probe.stderr.decode(errors="replace").strip()
        log(f"warning: the built-in model fails ({builtin_error}); "
            "timing start-up with the mr.csv model instead")
        startup_cmd[2:2] = ["--model", model]
        startup_model = "mr.csv model (built-in failed)"
    log(f"stance: start-up, {startup_model}, 1 line x {args.startup_runs}")
    startup = []
    for _ in range(args.startup_runs):
        t0 = time.perf_counter()
        run(startup_cmd)
        startup.append(time.perf_counter() - t0)

    # Peak memory of the 1-thread scoring run; its labels also check the output.
    log("stance: peak memory of classify --threads 1")
    st_out = os.path.join(work, "stance.labels")
    rss, rss_how = max_rss_mb([args.stance, "classify", "--model", model, "--lines", "--format",
                               "labels", "--threads", "1", score_path], st_out)
    with open(st_out, encoding="utf-8") as f:
        st_labels = np.array(f.read().split())
    if len(st_labels) != n:
        sys.exit(f"compare: stance wrote {len(st_labels)} labels for {n} lines")

    # ---- report ----------------------------------------------------------------------
    for v in figures.values():
        if "score_s" in v:
            v["sentences_per_s"] = n / v["score_s"]
    sk, ft = figures["scikit-learn"], figures["fastText"]
    st1 = figures["stance --threads 1"]
    stn = figures["stance --threads 2"]
    st = figures["stance"]
    ratios = {
        # Speed ratios: stance's speed over the other's, > 1 means stance is faster.
        "scoring_stance_over_sklearn": st1["sentences_per_s"] / sk["sentences_per_s"],
        "scoring_stance_over_fasttext": st1["sentences_per_s"] / ft["sentences_per_s"],
        # Two workers (classify's default on a 2-core machine) over fastText's one thread,
        # and over stance's one.
        "scoring_stance_2_threads_over_fasttext": stn["sentences_per_s"] / ft["sentences_per_s"],
        "scoring_stance_2_threads_over_1": stn["sentences_per_s"] / st1["sentences_per_s"],
        "training_stance_over_sklearn": sk["train_s"] / st["train_s"],
        "training_stance_over_fasttext": ft["train_s"] / st["train_s"],
    }
    gold = np.array(labels)
    k = min(len(gold), n)
    train_accuracy = {
        "scikit-learn": float(np.mean(sk_labels[:k] == gold[:k])),
        "fastText": float(np.mean(ft_labels[:k] == gold[:k])),
        "stance": float(np.mean(st_labels[:k] == gold[:k])),
    }
    agreement = {
        "stance_vs_sklearn": float(np.mean(st_labels == sk_labels)),
        "stance_vs_fasttext": float(np.mean(st_labels == ft_labels)),
        "sklearn_vs_fasttext": float(np.mean(sk_labels == ft_labels)),
    }
    doc = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "scikit_learn": sklearn.__version__,
                    "fasttext": _version("fasttext-wheel")},
        "data": {"train_rows": len(texts), "score_sentences": n,
                 "words_per_sentence": round(words, 1), "repeat": args.repeat},
        "systems": figures,
        "ratios": ratios,
        "stance_startup_s": {"median": statistics.median(startup), "min": min(startup),
                             "runs": len(startup), "model": startup_model,
                             "builtin_model_error": builtin_error},
        "stance_max_rss_mb": {"classify_threads_1": rss, "measured_with": rss_how},
        "training_accuracy": train_accuracy,
        "label_agreement": agreement,
    }
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print_table(doc, n)


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None


def print_table(doc, n):
    d, s, r = doc["data"], doc["systems"], doc["ratios"]
    print(f"Training: mr.csv, {d['train_rows']} rows. Scoring: {n} sentences "
          f"(~{d['words_per_sentence']:g} words each). One thread each, best of {d['repeat']}.")
    print()
    print(f"{'system':<22}{'train s':>10}{'score s':>10}{'sentences/s':>14}")
    rows = [("scikit-learn", s["scikit-learn"]), ("fastText", s["fastText"]),
            ("stance --threads 1", {**s["stance"], **s["stance --threads 1"]}),
            ("stance --threads 2", {**s["stance"], **s["stance --threads 2"]})]
    for name, v in rows:
        print(f"{name:<22}{v['train_s']:>10.2f}{v['score_s']:>10.2f}{v['sentences_per_s']:>14,.0f}")
    print()
    print("Speed ratio, stance (1 thread) / other; > 1 means stance is faster:")
    print(f"{'':<22}{'scoring':>10}{'training':>10}")
    print(f"{'stance / scikit-learn':<22}{r['scoring_stance_over_sklearn']:>9.2f}x"
          f"{r['training_stance_over_sklearn']:>9.2f}x")
    print(f"{'stance / fastText':<22}{r['scoring_stance_over_fasttext']:>9.2f}x"
          f"{r['training_stance_over_fasttext']:>9.2f}x")
    print(f"stance --threads 2 scores at {r['scoring_stance_2_threads_over_fasttext']:.2f}x "
          f"fastText's rate, {r['scoring_stance_2_threads_over_1']:.2f}x its own on one thread")
    print()
    su, rss = doc["stance_startup_s"], doc["stance_max_rss_mb"]
    print(f"stance start-up ({su['model']}, 1 line): {su['median'] * 1000:.1f} ms median "
          f"of {su['runs']}")
    if su["builtin_model_error"]:
        print(f"  built-in model error: {su['builtin_model_error']}")
    print(f"stance peak memory (classify --threads 1, {n} lines): "
          f"{rss['classify_threads_1']:.1f} MB ({rss['measured_with']})")
    a = doc["label_agreement"]
    print(f"label agreement: stance~sklearn {a['stance_vs_sklearn']:.3f}, "
          f"stance~fastText {a['stance_vs_fasttext']:.3f}, "
          f"sklearn~fastText {a['sklearn_vs_fasttext']:.3f}")
    t = doc["training_accuracy"]
    print(f"accuracy on mr.csv itself: scikit-learn {t['scikit-learn']:.3f}, "
          f"fastText {t['fastText']:.3f}, stance {t['stance']:.3f}")
    ft = s["fastText"]
    print(f"fastText probabilities: top at most {ft['max_top_probability']:.6f}, "
          f"sum per sentence {ft['probability_sum_min']:.6f}..{ft['probability_sum_max']:.6f}")
    m = doc["machine"]
    print(f"python {m['python']}, numpy {m['numpy']}, scikit-learn {m['scikit_learn']}, "
          f"fasttext-wheel {m['fasttext']}, {m['cpus']} CPUs")


if __name__ == "__main__":
    main()
