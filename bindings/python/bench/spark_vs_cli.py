"""examples/spark_classify.py on local[2] against `stance classify --format jsonl DIR`.

    python spark_vs_cli.py STANCE_BIN [DOCS] [SENTENCES_PER_DOC]

Writes DOCS made-up documents, then times: the example run whole (its own process:
JVM start, reading, classifying, writing part files); its job alone in a Spark session
already started and warmed up (what a long-running cluster job sees); and the command
line on the same directory (JSON lines to a file). Prints sentences/s of each.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sentences import sentences

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "spark_classify.py"


def main():
    binary = sys.argv[1]
    docs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    per_doc = int(sys.argv[3]) if len(sys.argv) > 3 else 250
    tmp = Path(tempfile.mkdtemp())
    folder = tmp / "docs"
    folder.mkdir()
    all_sentences = sentences(docs * per_doc)
    for d in range(docs):
        chunk = all_sentences[d * per_doc:(d + 1) * per_doc]
        lines = [" ".join(chunk[i:i + 5]) for i in range(0, len(chunk), 5)]
        (folder / f"doc{d:05}.txt").write_text("\n".join(lines) + "\n")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    t = time.perf_counter()
    subprocess.run([sys.executable, str(EXAMPLE), str(folder), str(tmp / "out"),
                    "--master", "local[2]"], env=env, check=True, capture_output=True)
    spark = time.perf_counter() - t
    n = sum(1 for p in (tmp / "out").glob("part-*") for _ in open(p))
    os.environ.update(env)
    sys.path.insert(0, str(EXAMPLE.parent))
    import spark_classify
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]")
               .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    sc = session.sparkContext
    sc.addPyFile(str(EXAMPLE))
    sc.setLogLevel("ERROR")
    spark_classify.classify_to(session, str(folder / "doc00000.txt"), str(tmp / "warm"))
    t = time.perf_counter()
    spark_classify.classify_to(session, str(folder), str(tmp / "job"))
    job = time.perf_counter() - t
    session.stop()
    t = time.perf_counter()
    with open(tmp / "cli.jsonl", "w") as out:
        subprocess.run([binary, "classify", "--format", "jsonl", str(folder)], stdout=out, check=True)
    cli = time.perf_counter() - t
    m = sum(1 for _ in open(tmp / "cli.jsonl"))
    assert n == m, f"Spark wrote {n} records, the command line {m}"
    print(f"{docs} documents, {n} sentences")
    print(f"Spark local[2], whole run: {spark:.1f} s  {n / spark:,.0f} sentences/s")
    print(f"Spark local[2], the job in a warm session: {job:.1f} s  {n / job:,.0f} sentences/s")
    print(f"command line:   {cli:.1f} s  {m / cli:,.0f} sentences/s")
    print(f"Spark / command line rate: whole run {cli / spark:.2f}x, warm job {cli / job:.2f}x")


if __name__ == "__main__":
    main()
