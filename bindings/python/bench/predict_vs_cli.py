"""Classifier.predict on N sentences against `stance classify --lines --format labels`.

    python predict_vs_cli.py STANCE_BIN [N] [RUNS]

Times, in turn, RUNS calls of predict (in this process, model loaded once) and RUNS
runs of the command line on the same sentences as a file (its whole process: start,
model, reading, scoring, writing), and prints the median of each and their ratio.
"""

import statistics
import subprocess
import sys
import tempfile
import time

import stance
from sentences import sentences


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    texts = sentences(n)
    model = stance.Classifier()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(texts) + "\n")
        path = f.name
    want = model.predict(texts)
    out = subprocess.run([binary, "classify", "--lines", "--format", "labels", path],
                         capture_output=True, check=True).stdout.decode().splitlines()
    assert out == want, "the command line and predict disagree"
    py, cli, load = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        model.predict(texts)
        py.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([binary, "classify", "--lines", "--format", "labels", path],
                       stdout=subprocess.DEVNULL, check=True)
        cli.append(time.perf_counter() - t)
        t = time.perf_counter()
        stance.Classifier()
        load.append(time.perf_counter() - t)
    p, c, l = (statistics.median(v) for v in (py, cli, load))
    print(f"{n} sentences, {runs} runs each, medians")
    print(f"predict:        {p:.3f} s  {n / p:,.0f} sentences/s")
    print(f"predict + load: {p + l:.3f} s  {n / (p + l):,.0f} sentences/s (Classifier() {l:.3f} s)")
    print(f"command line:   {c:.3f} s  {n / c:,.0f} sentences/s")
    print(f"predict / command line rate: {c / p:.2f}x (with the model's load: {c / (p + l):.2f}x)")


if __name__ == "__main__":
    main()
