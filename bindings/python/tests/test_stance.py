"""The Python module gives what the command line gives."""

import ast
import csv
import json
import pickle
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import stance
from conftest import DOCS

SENTENCES = [
    "The finale was a triumph, funny and moving.",
    "The new season drags and the jokes fall flat.",
    "Season four arrives in June on the streaming service.",
    "The show follows a family running a bakery.",
    "",
    "Ça alors — quelle série magnifique !",
] * 50

TRAIN_ROWS = [
    ("A brilliant, moving season with terrific performances.", "positive"),
    ("The writing is sharp and the cast is wonderful!", "positive"),
    ("Funny, warm and beautifully made.", "positive"),
    ("The season was a tedious mess.", "criticism"),
    ("Dull, bloated and badly written.", "criticism"),
    ("The acting is wooden and the jokes fall flat.", "criticism"),
    ("Season three premieres in March.", "anticipation"),
    ("The show was renewed for another season.", "anticipation"),
]


@pytest.fixture(scope="module")
def model():
    return stance.Classifier()


def cli(stance_bin, *args, input=None, cwd=None):
    return subprocess.run(
        [stance_bin, *args], input=input, capture_output=True, cwd=cwd, check=False
    )


def test_builtin_model_has_labels(model):
    assert isinstance(model.labels, list)
    assert len(model.labels) >= 2
    assert all(isinstance(l, str) and l for l in model.labels)
    assert "Classifier" in repr(model)


def test_predict_proba_rows_sum_to_one_in_label_order(model):
    p = model.predict_proba(SENTENCES)
    assert p.shape == (len(SENTENCES), len(model.labels))
    assert p.dtype in (np.float32, np.float64)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    labels = model.predict(SENTENCES)
    assert labels == [model.labels[i] for i in p.argmax(axis=1)]


def test_threads_do_not_change_the_answer(model):
    one = model.predict_proba(SENTENCES, threads=1)
    for threads in (0, 2, 3):
        np.testing.assert_array_equal(one, model.predict_proba(SENTENCES, threads=threads))
    assert model.predict(SENTENCES, threads=1) == model.predict(SENTENCES, threads=2)
    with pytest.raises(ValueError, match="threads"):
        model.predict(SENTENCES, threads=100_000)


def test_predict_takes_any_iterable_of_str_but_not_a_str(model):
    assert model.predict(iter(SENTENCES[:3])) == model.predict(tuple(SENTENCES[:3]))
    assert model.predict([]) == []
    assert model.predict_proba([]).shape == (0, len(model.labels))
    with pytest.raises(TypeError, match="not one str"):
        model.predict("a sentence")
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        model.predict(["fine", 3])


def test_calls_from_several_python_threads_agree(model):
    want = model.predict(SENTENCES)
    got = [None] * 4

    def work(i):
        got[i] = model.predict(SENTENCES, threads=1)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [want] * 4


def test_predict_gives_the_command_lines_labels(model, stance_bin):
    lines = [s for s in SENTENCES[:6]]
    out = cli(stance_bin, "classify", "--lines", "--format", "labels",
              input="\n".join(lines).encode())
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == model.predict(lines)


def test_classify_gives_the_command_lines_records(model, stance_bin, tmp_path):
    for name, doc in DOCS.items():
        (tmp_path / name).write_text(doc, encoding="utf-8")
        out = cli(stance_bin, "classify", "--format", "jsonl", name, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        want = [json.loads(l) for l in out.stdout.decode().splitlines()]
        got = model.classify(doc)
        assert len(got) == len(want) > 0
        for g, w in zip(got, want):
            assert set(g) == {"start", "end", "text", "label", "scores"}
            for key in ("start", "end", "text", "label", "scores"):
                assert g[key] == w[key], (name, key)


def test_classify_jsonl_is_the_command_lines_output_byte_for_byte(model, stance_bin, tmp_path):
    docs = {name: doc.encode() for name, doc in DOCS.items()}
    docs["broken.txt"] = b"Bad \xff bytes in a line. Then a good sentence!\n"
    docs["empty.txt"] = b""
    for name, raw in docs.items():
        (tmp_path / name).write_bytes(raw)
        out = cli(stance_bin, "classify", "--format", "jsonl", name, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert model.classify_jsonl(raw, name).encode() == out.stdout
        if name != "broken.txt":
            assert model.classify_jsonl(raw.decode(), name).encode() == out.stdout
    assert model.classify_jsonl("One. Two.").count("\n") == 2
    assert '"file":"-"' in model.classify_jsonl("One.")


def test_classify_offsets_are_utf8_byte_offsets(model):
    for doc in DOCS.values():
        raw = doc.encode("utf-8")
        sentences = model.classify(doc)
        for s in sentences:
            assert raw[s["start"]:s["end"]].decode("utf-8") == s["text"]
            assert s["label"] in model.labels
            assert abs(sum(s["scores"].values()) - 1.0) < 1e-5
            assert list(s["scores"]) == model.labels


def test_classify_bytes_keeps_raw_offsets_past_invalid_utf8(model):
    raw = b"A \xff\xfe broken line of text. The second sentence is fine."
    sentences = model.classify(raw)
    assert len(sentences) == 2
    first, second = sentences
    assert "\ufffd" in first["text"]
    assert raw[second["start"]:second["end"]].decode() == second["text"]
    assert model.classify(raw.replace(b"\xff\xfe", b"xx"))[1]["start"] == second["start"]
    with pytest.raises(TypeError):
        model.classify(42)


def test_save_load_and_pickle_keep_the_model(model, tmp_path):
    path = tmp_path / "copy.model"
    model.save(path)
    back = stance.Classifier.load(str(path))
    assert back.labels == model.labels
    np.testing.assert_array_equal(back.predict_proba(SENTENCES), model.predict_proba(SENTENCES))
    assert stance.Classifier.from_bytes(model.to_bytes()).predict(SENTENCES) == model.predict(SENTENCES)
    unpickled = pickle.loads(pickle.dumps(model))
    assert unpickled.predict(SENTENCES) == model.predict(SENTENCES)


def test_bad_model_files_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.model"):
        stance.Classifier.load(tmp_path / "nothing.model")
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"this is not a model file at all")
    with pytest.raises(ValueError, match="junk.model"):
        stance.Classifier.load(junk)
    with pytest.raises(ValueError):
        stance.Classifier.from_bytes(b"junk")
    with pytest.raises(OSError, match="does not exist"):
        stance.Classifier().save(tmp_path / "no" / "dir" / "m.model")


def rows():
    return [t for t, _ in TRAIN_ROWS], [l for _, l in TRAIN_ROWS]


def test_train_learns_its_labels():
    texts, labels = rows()
    m = stance.train(texts, labels, date="2025-01-31")
    assert m.labels == sorted(set(labels))
    p = m.predict_proba(texts)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    right = sum(a == b for a, b in zip(m.predict(texts), labels))
    assert right >= len(texts) - 1


def test_train_gives_the_command_lines_model(stance_bin, tmp_path):
    texts, labels = rows()
    data = tmp_path / "rows.csv"
    with open(data, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(TRAIN_ROWS)
    for flags, kwargs in [
        ([], {}),
        (["--alpha", "0.5", "--no-stem", "--class-weight", "balanced", "--ngram-max", "1"],
         dict(alpha=0.5, no_stem=True, class_weight="balanced", ngram_max=1)),
        (["--no-char-ngrams", "--nb-weight", "0"], dict(no_char_ngrams=True, nb_weight=0)),
    ]:
        out = cli(stance_bin, "train", str(data), "-o", str(tmp_path / "m.model"),
                  "--date", "2025-01-31", *flags)
        assert out.returncode == 0, out.stderr
        theirs = stance.Classifier.load(tmp_path / "m.model")
        ours = stance.train(texts, labels, date="2025-01-31", **kwargs)
        assert ours.labels == theirs.labels
        np.testing.assert_array_equal(ours.predict_proba(SENTENCES), theirs.predict_proba(SENTENCES))


def test_the_stubs_defaults_are_the_command_lines():
    stub = Path(stance.__file__).with_name("__init__.pyi")
    tree = ast.parse(stub.read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "train")
    names = [a.arg for a in fn.args.kwonlyargs]
    defaults = {n: ast.literal_eval(d) for n, d in zip(names, fn.args.kw_defaults)}
    assert len(defaults) > 15
    texts, labels = rows()
    defaults["date"] = "2025-01-31"
    plain = stance.train(texts, labels, date="2025-01-31")
    assert stance.train(texts, labels, **defaults).to_bytes() == plain.to_bytes()


def test_bad_settings_raise_the_command_lines_message(stance_bin, tmp_path):
    texts, labels = rows()
    data = tmp_path / "rows.csv"
    data.write_text("text,label\n" + "".join(f"{t.replace(',', '')},{l}\n" for t, l in TRAIN_ROWS))
    for flag, kwargs in [
        ("--alpha=-1", dict(alpha=-1)),
        ("--ngram-max=7", dict(ngram_max=7)),
        ("--date=31/01/2025", dict(date="31/01/2025")),
        ("--nb-smoothing=0", dict(nb_smoothing=0)),
        ("--max-df=0", dict(max_df=0)),
    ]:
        out = cli(stance_bin, "train", str(data), "-o", str(tmp_path / "x.model"), flag)
        assert out.returncode != 0
        message = out.stderr.decode().strip().removeprefix("stance: error: ")
        with pytest.raises(ValueError) as e:
            stance.train(texts, labels, **kwargs)
        assert str(e.value) == message


def test_bad_rows_raise_value_error():
    texts, labels = rows()
    with pytest.raises(ValueError, match="8 texts but 7 labels"):
        stance.train(texts, labels[:-1])
    with pytest.raises(ValueError, match=r"texts\[2\]: empty text"):
        stance.train(texts[:2] + ["  "] + texts[3:], labels)
    with pytest.raises(ValueError, match=r"labels\[0\]: empty label"):
        stance.train(texts, [" "] + labels[1:])
    with pytest.raises(ValueError, match="at least 2 different labels"):
        stance.train(texts, ["same"] * len(texts))
    with pytest.raises(ValueError, match="no rows"):
        stance.train([], [])
    with pytest.raises(ValueError, match="unexpected argument '--no-such-setting'"):
        stance.train(texts, labels, no_such_setting=1)
    # Labels are trimmed, as in a CSV file.
    assert stance.train(texts, [l + " " for l in labels]).labels == sorted(set(labels))
