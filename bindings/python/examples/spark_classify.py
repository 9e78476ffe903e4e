#!/usr/bin/env python3
"""Classify every .txt file under INPUT with stance on Spark.

    spark_classify.py INPUT OUTPUT [--model FILE] [--all-files] [--master URL]

Each file is one document. The files are classified inside ``mapPartitions`` (the
model loaded once per partition, not per file), and OUTPUT (a directory, Spark's part
files) gets one JSON line per sentence with the fields of
``stance classify --format jsonl``: ``file`` (the file's base name), ``sentence``
(its index in the file), ``start``/``end`` (byte offsets in the file), ``text``,
``label`` and ``scores``.

On a cluster, ship the wheel with the job (``spark-submit --py-files`` does not
install compiled wheels; use an environment that has it installed, or an archive of
one, see the README). A model file given with ``--model`` is read on the driver and
broadcast, so it need not be on the executors.
"""

import argparse
import json
import os
import sys


def decode(data):
    """The document as the command line reads it: UTF-16 with its mark transcoded,
    anything else as (lossy) UTF-8 bytes for ``classify``; None for UTF-32."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data


def classify_files(files, model_bytes=None):
    """Classifies ``(path, bytes)`` pairs, yielding JSON lines; loads the model once."""
    import stance

    if model_bytes is None:
        model = stance.Classifier()
    else:
        model = stance.Classifier.from_bytes(model_bytes)
    for path, data in files:
        name = os.path.basename(path)
        doc = decode(bytes(data))
        if doc is None:
            print(f"spark_classify: {name}: UTF-32 text is not read; skipped", file=sys.stderr)
            continue
        for i, s in enumerate(model.classify(doc)):
            record = {"file": name, "sentence": i}
            record.update(s)
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="a directory (its .txt files, recursively) or a file or glob")
    ap.add_argument("output", help="output directory (must not exist)")
    ap.add_argument("--model", help="model file (default: the built-in model)")
    ap.add_argument("--all-files", action="store_true", help="every file, not only *.txt")
    ap.add_argument("--master", help="Spark master, e.g. local[2] (default: spark-submit's)")
    ap.add_argument("--partitions", type=int, help="partitions to read into (default: Spark's parallelism)")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("stance-classify").config(
        "spark.hadoop.mapreduce.input.fileinputformat.input.dir.recursive", "true"
    )
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    model_bytes = None
    if args.model:
        import stance

        model_bytes = sc.broadcast(stance.Classifier.load(args.model).to_bytes())
    files = sc.binaryFiles(args.input, minPartitions=args.partitions or sc.defaultParallelism)
    if not args.all_files:
        files = files.filter(lambda f: f[0].endswith(".txt"))

    def run(part):
        return classify_files(part, model_bytes.value if model_bytes is not None else None)

    files.mapPartitions(run).saveAsTextFile(args.output)
    spark.stop()


if __name__ == "__main__":
    main()
