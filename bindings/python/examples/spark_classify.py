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
    """Classifies ``(path, bytes)`` pairs, yielding each file's JSON lines (those of
    ``stance classify --format jsonl``, byte for byte); loads the model once."""
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
        lines = model.classify_jsonl(doc, name)
        if lines:
            # One element per document (its lines; saveAsTextFile ends the last one):
            # far fewer elements to hand from Python to the JVM than one per sentence.
            yield lines[:-1]


def classify_to(spark, input, output, model=None, all_files=False, partitions=None):
    """The job: the files under ``input`` classified into the directory ``output``.

    Files are listed and read by Spark's ``binaryFile`` source, which packs small
    files into splits (far faster than ``SparkContext.binaryFiles`` on many files);
    ``partitions`` (default: as read) repartitions them first."""
    sc = spark.sparkContext
    model_bytes = sc.broadcast(model.to_bytes()) if model is not None else None
    reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    if not all_files:
        reader = reader.option("pathGlobFilter", "*.txt")
    files = reader.load(input).select("path", "content").rdd
    if partitions:
        files = files.repartition(partitions)

    def run(part):
        return classify_files(
            ((r[0], r[1]) for r in part),
            model_bytes.value if model_bytes is not None else None,
        )

    files.mapPartitions(run).saveAsTextFile(output)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="a directory (its .txt files, recursively) or a file or glob")
    ap.add_argument("output", help="output directory (must not exist)")
    ap.add_argument("--model", help="model file (default: the built-in model)")
    ap.add_argument("--all-files", action="store_true", help="every file, not only *.txt")
    ap.add_argument("--master", help="Spark master, e.g. local[2] (default: spark-submit's)")
    ap.add_argument("--partitions", type=int, help="repartition the files into N partitions first")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("stance-classify")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    model = None
    if args.model:
        import stance

        model = stance.Classifier.load(args.model)
    classify_to(spark, args.input, args.output, model, args.all_files, args.partitions)
    spark.stop()


if __name__ == "__main__":
    main()
