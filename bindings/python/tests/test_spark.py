"""examples/spark_classify.py under a local Spark gives `stance classify`'s records."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DOCS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "spark_classify.py"


def need_spark():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark test skipped: no Java (install Debian's default-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("Spark test skipped: pyspark is not installed (pip install pyspark)")


def cli_records(stance_bin, folder, names):
    out = subprocess.run(
        [stance_bin, "classify", "--format", "jsonl", *names],
        capture_output=True, cwd=folder, check=True,
    )
    raw = out.stdout.splitlines()
    return [json.loads(l) for l in raw], raw


def test_spark_example_gives_the_command_lines_records(stance_bin, tmp_path):
    need_spark()
    docs = tmp_path / "docs"
    (docs / "more").mkdir(parents=True)
    files = dict(DOCS)
    files["more/latin1.txt"] = None  # bytes below: not valid UTF-8
    for name, text in files.items():
        data = text.encode("utf-8") if text is not None else (
            b"The caf\xe9 scenes are lovely. A caf\xe9 of its own next season?\n")
        (docs / name).write_bytes(data)
    (docs / "notes.md").write_text("Not a .txt file: left out.\n")
    out = tmp_path / "out"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), str(docs), str(out), "--master", "local[2]"],
        capture_output=True, env=env, timeout=600,
    )
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    lines = [l for p in sorted(out.glob("part-*")) for l in p.read_bytes().splitlines()]
    got = [json.loads(l) for l in lines]
    want, want_lines = [], []
    for name in files:
        folder = docs / Path(name).parent
        records, raw = cli_records(stance_bin, folder, [Path(name).name])
        want += records
        want_lines += raw
    # The same lines, byte for byte, and so the same fields.
    assert sorted(lines) == sorted(want_lines)
    key = lambda r: (r["file"], r["sentence"])
    got.sort(key=key)
    want.sort(key=key)
    assert len(got) == len(want) > 5
    assert {r["file"] for r in got} == {Path(n).name for n in files}
    for g, w in zip(got, want):
        assert list(g) == list(w)
        for field in ("file", "sentence", "start", "end", "text", "label", "scores"):
            assert g[field] == w[field], (g["file"], g["sentence"], field)


def test_partition_function_without_spark(stance_bin, tmp_path):
    """classify_files (what each partition runs): the built-in or a broadcast model,
    UTF-8 and UTF-16 files, as the command line reads them."""
    import importlib.util

    import stance

    spec = importlib.util.spec_from_file_location("spark_classify", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    doc = DOCS["review.txt"]
    files = {"a.txt": doc.encode("utf-8"), "b.txt": doc.encode("utf-16")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    pairs = [(f"file:{tmp_path}/{n}", d) for n, d in files.items()]
    model = stance.Classifier()
    for model_bytes in (None, model.to_bytes()):
        got = list(example.classify_files(pairs, model_bytes))
        assert len(got) == 2
        for name, lines in zip(files, got):
            _, want = cli_records(stance_bin, tmp_path, [name])
            assert lines.encode().splitlines() == want
