//! Every command through the binary, and the bad inputs it must answer with a clear
//! one-line error (exit 1), a usage error (exit 2), or quietly (exit 0).

mod common;
use common::*;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn classify_jsonl_accounts_for_every_sentence_with_spans_and_scores() {
    let input = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE)).unwrap();
    let o = run(&["classify", EXAMPLE, "--format", "jsonl"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let recs = jsonl(&o.stdout);
    let expected = stance::internals::sentences::split(std::str::from_utf8(&input).unwrap()).len();
    assert_eq!(recs.len(), expected);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r["file"], EXAMPLE);
        assert_eq!(r["sentence"], i);
        let (a, b) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(r["text"].as_str().unwrap().as_bytes(), &input[a..b]);
        let scores = r["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 4);
        let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-4, "scores sum to {sum}");
        let label = r["label"].as_str().unwrap();
        let best = scores
            .iter()
            .max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap()))
            .unwrap()
            .0;
        assert_eq!(label, best);
    }
}

#[test]
fn classify_table_shows_rows_and_a_summary() {
    let o = run_in(
        &["classify"],
        b"The show was renewed for a second season. It was dull.\n",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("== - =="), "{}", o.stdout);
    assert!(o.stdout.contains("It was dull."));
    assert!(o.stdout.contains("summary: 2 sentences:"), "{}", o.stdout);
}

#[test]
fn classify_json_has_files_sentences_and_summary() {
    let o = run(&["classify", EXAMPLE, "-", "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "empty stdin prints nothing");
    let f = &files[0];
    let n = f["sentences"].as_array().unwrap().len();
    assert_eq!(f["summary"]["sentences"], n);
    let counted: u64 = f["summary"]["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, n);
    let mean: f64 = f["summary"]["mean_scores"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((mean - 1.0).abs() < 1e-4);
}

#[test]
fn classify_csv_and_labels_formats() {
    let o = run(&["classify", EXAMPLE, "--format", "csv"]);
    assert_eq!(o.code, 0);
    let mut r = csv::Reader::from_reader(o.stdout.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&h[..5], ["file", "sentence", "start", "end", "label"]);
    assert_eq!(h.last().unwrap(), "text");
    assert_eq!(h.len(), 5 + 4 + 1);
    let rows = r.records().count();
    let l = run(&["classify", EXAMPLE, "--format", "labels"]);
    assert_eq!(l.stdout.lines().count(), rows);
    assert!(l
        .stdout
        .lines()
        .all(|x| ["positive", "criticism", "anticipation", "neutral"].contains(&x)));
}

#[test]
fn lines_mode_scores_each_line_whole() {
    let input = b"first line. still the first\n\n  second line  \n";
    let o = run_in(&["classify", "--lines", "--format", "jsonl"], input);
    let recs = jsonl(&o.stdout);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["text"], "first line. still the first");
    assert_eq!(recs[1]["text"], "");
    assert_eq!(recs[2]["text"], "second line");
    assert_eq!(recs[2]["start"], 31);
    assert_eq!(recs[2]["end"], 42);
}

#[test]
fn threads_keep_input_order() {
    // Over two batches of 8,192 sentences: the next batch is read while one is scored.
    let mut input = String::new();
    for i in 0..20_000 {
        input.push_str(&format!("Sentence number {i} is about the renewed show.\n"));
    }
    let one = run_in(
        &["classify", "--lines", "--format", "jsonl", "--threads", "1"],
        input.as_bytes(),
    );
    let two = run_in(
        &["classify", "--lines", "--format", "jsonl", "--threads", "2"],
        input.as_bytes(),
    );
    assert_eq!(one.stdout, two.stdout);
    let records = jsonl(&two.stdout);
    assert_eq!(records.len(), 20_000);
    for i in [0, 8191, 8192, 16384, 19_999] {
        assert_eq!(records[i]["sentence"], i);
        assert_eq!(
            records[i]["text"],
            format!("Sentence number {i} is about the renewed show.")
        );
    }
}

#[test]
fn explain_lists_terms_in_every_format() {
    let o = run_in(
        &["classify", "--explain", "--format", "jsonl"],
        b"The show has been renewed for a second season.\n",
    );
    let r = &jsonl(&o.stdout)[0];
    let terms = r["explain"].as_array().unwrap();
    assert!(!terms.is_empty() && terms.len() <= 5);
    assert!(terms
        .iter()
        .all(|t| t["weight"].as_f64().unwrap() > 0.0 && t["term"].is_string()));
    let t = run_in(
        &["classify", "--explain"],
        b"The show has been renewed for a second season.\n",
    );
    assert!(t.stdout.contains("why: "), "{}", t.stdout);
    let c = run_in(
        &["classify", "--explain", "--format", "csv"],
        b"The show has been renewed.\n",
    );
    assert!(c.stdout.lines().next().unwrap().ends_with(",text,explain"));
    assert!(c.stdout.lines().nth(1).unwrap().contains(':'));
}

/// Explanations name the words of the sentence, not stems or character n-grams: with a
/// model of stems and character n-grams (the tiny model: `train`'s defaults), every
/// explained term is a run of the sentence's own (lower-cased) words.
#[test]
fn explanations_show_the_words_of_the_sentence() {
    let d = tmp();
    let m = tiny_model(d.path());
    let text = "The premiere was dreadful and boring, sadly, though the acting looked promising.";
    let o = run_in(
        &[
            "classify",
            "--model",
            s(&m),
            "--explain",
            "--explain-terms",
            "20",
            "--format",
            "jsonl",
        ],
        format!("{text}\n").as_bytes(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r = &jsonl(&o.stdout)[0];
    let terms: Vec<&str> = r["explain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert!(terms.len() >= 3, "{terms:?}");
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    for t in &terms {
        for w in t
            .split(' ')
            .filter(|w| w.chars().any(char::is_alphanumeric))
        {
            assert!(
                words.contains(&w),
                "{t:?} is not made of the sentence's words: {terms:?}"
            );
        }
        assert!(!t.starts_with('['), "{t:?} is a character n-gram");
    }
    // Stemming would have shown these as `sad` and `promis`.
    assert!(
        terms.iter().any(|t| t
            .split(' ')
            .any(|w| w == "sadly" || w == "promising" || w == "boring")),
        "{terms:?}"
    );
    // Each name appears once: features made by the same words add up.
    let mut seen = terms.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), terms.len(), "{terms:?}");
}

#[test]
fn train_is_reproducible_and_its_model_classifies() {
    let d = tmp();
    let a = tiny_model(d.path());
    let b = d.path().join("again.model");
    let o = run(&["train", TINY, "-o", s(&b), "--date", "2026-01-01"]);
    assert!(o.stdout.contains("training accuracy"), "{}", o.stdout);
    assert!(
        o.stdout.contains("positive") && o.stdout.contains("6 rows"),
        "{}",
        o.stdout
    );
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same data and settings, same bytes"
    );
    let c = run_in(
        &["classify", "--model", s(&a), "--format", "labels"],
        b"A brilliant and moving season.\n",
    );
    assert_eq!(c.stdout, "positive\n");
}

#[test]
fn train_accepts_custom_columns_and_any_label_set() {
    let d = tmp();
    let csv = write(d.path(), "q.csv", b"id,sentence,kind\n1,how do I get there,question\n2,where is it,question\n3,it is here,answer\n4,go left at the door,answer\n");
    let m = d.path().join("q.model");
    let o = run(&[
        "train",
        s(&csv),
        "-o",
        s(&m),
        "--text-column",
        "sentence",
        "--label-column",
        "kind",
        "--alpha",
        "0.1",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let c = run_in(
        &["classify", "--model", s(&m), "--lines", "--format", "jsonl"],
        b"where do I go\n",
    );
    let r = &jsonl(&c.stdout)[0];
    assert_eq!(r["scores"].as_object().unwrap().len(), 2);
    assert_eq!(r["label"], "question");
}

#[test]
fn evaluate_reports_text_and_json() {
    let d = tmp();
    let m = tiny_model(d.path());
    let o = run(&["evaluate", TINY, "--model", s(&m), "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let acc = v["accuracy"].as_f64().unwrap();
    assert!(acc > 0.9, "training rows are learnt: {acc}");
    assert_eq!(v["per_class"]["neutral"]["support"], 6);
    let labels = v["confusion"]["labels"].as_array().unwrap();
    let matrix = v["confusion"]["matrix"].as_array().unwrap();
    assert_eq!(labels.len(), 4);
    let total: u64 = matrix
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(total, 24);
    let t = run(&["evaluate", TINY, "--model", s(&m)]);
    assert!(
        t.stdout.contains("macro-F1") && t.stdout.contains("confusion"),
        "{}",
        t.stdout
    );
}

#[test]
fn cv_reports_mean_and_std() {
    let o = run(&["cv", TINY, "--folds", "3", "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["folds"], 3);
    let a = v["accuracy_mean"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&a));
    assert!(v["accuracy_std"].as_f64().unwrap() >= 0.0);
    assert!(v["macro_f1_mean"].is_number() && v["macro_f1_std"].is_number());
    let again = run(&["cv", TINY, "--folds", "3", "--format", "json"]);
    assert_eq!(o.stdout, again.stdout, "seeded folds are reproducible");
    let bad = run(&["cv", TINY, "--folds", "1"]);
    assert_eq!(bad.code, 1);
}

#[test]
fn inspect_shows_labels_settings_counts_and_terms() {
    let o = run(&["inspect"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for l in ["positive", "criticism", "anticipation", "neutral"] {
        assert!(
            o.stdout.contains(&format!("top terms for {l}: ")),
            "{}",
            o.stdout
        );
    }
    assert!(o.stdout.contains("rows per label") && o.stdout.contains("alpha"));
}

/// The featurizer and naive Bayes flags reach the model file: `inspect` reads them back,
/// and character n-grams show among the top terms as `[...]`.
#[test]
fn feature_flags_reach_the_model() {
    let d = tmp();
    let (default, plain) = (d.path().join("default"), d.path().join("plain"));
    assert_eq!(run(&["train", TINY, "-o", s(&default)]).code, 0);
    let o = run(&[
        "train",
        TINY,
        "-o",
        s(&plain),
        "--no-char-ngrams",
        "--nb-weight",
        "0",
        "--no-punctuation",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let shown = |m: &std::path::Path| {
        let o = run(&["inspect", s(m), "--top", "40"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
    };
    let (a, b) = (shown(&default), shown(&plain));
    assert!(
        a.contains("char ngrams 2-5 (") && a.contains("punctuation true"),
        "{a}"
    );
    assert!(a.contains("nb_weight 0.3, nb_smoothing 0.5"), "{a}");
    assert!(
        a.contains(" [_"),
        "character n-grams among the top terms: {a}"
    );
    assert!(
        b.contains("char ngrams none") && b.contains("punctuation false"),
        "{b}"
    );
    assert!(b.contains("nb_weight 0,") && !b.contains(" [_"), "{b}");
    // Bad values are usage errors, named.
    let o = run(&["train", TINY, "-o", s(&plain), "--char-min", "6"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("character n-gram range 6-5"),
        "{}",
        o.stderr
    );
    let o = run(&["train", TINY, "-o", s(&plain), "--nb-weight=-1"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("naive Bayes weight"), "{}", o.stderr);
    let o = run(&["cv", TINY, "--nb-smoothing", "0"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("--nb-smoothing"), "{}", o.stderr);
}

#[test]
fn linfa_solver_refuses_a_problem_over_the_memory_budget() {
    let d = tmp();
    let model = d.path().join("m");
    let linfa = |extra: &[&str]| {
        let mut args = vec!["train", TINY, "-o", s(&model), "--solver", "linfa"];
        args.extend_from_slice(extra);
        run(&args)
    };
    let o = linfa(&["--memory-budget-mb", "0"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("memory budget"), "{}", o.stderr);
    assert!(!model.exists());
    let ok = linfa(&[]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

#[test]
fn a_directory_is_classified_file_by_file_in_path_order() {
    let d = tmp();
    std::fs::create_dir_all(d.path().join("sub")).unwrap();
    write(d.path(), "b.txt", b"The finale was superb.\n");
    write(
        &d.path().join("sub"),
        "a.txt",
        b"Season two arrives in May. It drags.\n",
    );
    write(d.path(), "notes.md", b"not read\n");
    let recs = jsonl(&run(&["classify", "-f", "jsonl", s(d.path())]).stdout);
    let files: Vec<String> = recs
        .iter()
        .map(|r| {
            std::path::Path::new(r["file"].as_str().unwrap())
                .strip_prefix(d.path())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(files, ["b.txt", "sub/a.txt", "sub/a.txt"]);
}

// ---- bad input ----

#[test]
fn missing_file_and_directory_are_named() {
    one_line_error(&run(&["classify", "no/such/file.txt"]), "no/such/file.txt");
    let empty = tmp();
    one_line_error(
        &run(&["classify", s(empty.path())]),
        "directory holds no .txt or .html or .htm files",
    );
    // the good file is still classified
    let o = run(&["classify", "missing.txt", EXAMPLE, "--format", "labels"]);
    assert_eq!(o.code, 1);
    assert!(!o.stdout.is_empty());
}

#[test]
fn empty_input_prints_nothing() {
    let d = tmp();
    let e = write(d.path(), "empty.txt", b"  \n\n\t\n");
    let o = run(&["classify", s(&e)]);
    assert_eq!((o.code, o.stdout.as_str(), o.stderr.as_str()), (0, "", ""));
}

#[test]
fn invalid_utf8_warns_once_and_keeps_offsets() {
    let d = tmp();
    let input = b"Caf\xe9 society was renewed. The show is great \xff\xfe fun.\nMore \xe9 here.\n";
    let f = write(d.path(), "latin1.txt", input);
    let o = run(&["classify", s(&f), "--format", "jsonl"]);
    assert_eq!(o.code, 0);
    assert_eq!(o.stderr.matches("warning").count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("latin1.txt"));
    let recs = jsonl(&o.stdout);
    assert_eq!(recs.len(), 3);
    let r = &recs[1];
    let (a, b) = (
        r["start"].as_u64().unwrap() as usize,
        r["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        String::from_utf8_lossy(&input[a..b]),
        r["text"].as_str().unwrap()
    );
}

#[test]
fn bad_csv_gets_the_file_and_line() {
    let d = tmp();
    let cases: [(&str, &[u8], &str); 6] = [
        ("nocol.csv", b"sentence,label\na,b\n", "no column \"text\""),
        ("ragged.csv", b"text,label\na,x\nb,y\nc\n", "line 4"),
        ("quote.csv", b"text,label\na,x\n\"b,y\nc,x\n", "line 3"),
        (
            "emptytext.csv",
            b"text,label\na,x\n  ,y\n",
            "line 3: empty text",
        ),
        (
            "emptylabel.csv",
            b"text,label\na,x\nb,\n",
            "line 3: empty label",
        ),
        (
            "onelabel.csv",
            b"text,label\na,x\nb,x\n",
            "at least 2 different labels",
        ),
    ];
    for (name, content, needle) in cases {
        let f = write(d.path(), name, content);
        let o = run(&["train", s(&f), "-o", s(&d.path().join("m"))]);
        one_line_error(&o, needle);
        assert!(o.stderr.contains(name), "{}", o.stderr);
        assert!(!d.path().join("m").exists(), "no model written for {name}");
    }
}

#[test]
fn failed_training_leaves_the_old_model_intact() {
    let d = tmp();
    let m = tiny_model(d.path());
    let before = std::fs::read(&m).unwrap();
    let bad = write(d.path(), "bad.csv", b"text,label\na,x\n");
    assert_eq!(run(&["train", s(&bad), "-o", s(&m)]).code, 1);
    assert_eq!(std::fs::read(&m).unwrap(), before);
    if Path::new("/dev/full").exists() {
        let o = run(&["train", TINY, "-o", "/dev/full"]);
        one_line_error(&o, "/dev/full");
    }
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn bad_model_files_are_refused_with_a_reason() {
    let d = tmp();
    let good = std::fs::read(tiny_model(d.path())).unwrap();
    let not_ours = write(d.path(), "x.model", b"hello, I am a text file\n");
    one_line_error(
        &run(&["classify", "--model", s(&not_ours)]),
        "not a stance model file",
    );
    let truncated = write(d.path(), "t.model", &good[..good.len() / 2]);
    one_line_error(&run(&["classify", "--model", s(&truncated)]), "truncated");
    let mut v = good.clone();
    v[8] = 99;
    let other = write(d.path(), "v.model", &v);
    one_line_error(
        &run(&["classify", "--model", s(&other)]),
        "format version 99",
    );
    let mut c = good.clone();
    let last = c.len() - 3;
    c[last] ^= 0x55;
    let corrupt = write(d.path(), "c.model", &c);
    one_line_error(&run(&["classify", "--model", s(&corrupt)]), "checksum");
    // a consistent checksum over inconsistent shapes
    let mut data = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    data.weights.pop();
    let bad = write(d.path(), "s.model", &data.to_bytes().unwrap());
    one_line_error(&run(&["classify", "--model", s(&bad)]), "inconsistent");
    one_line_error(&run(&["classify", "--model", "nope.model"]), "nope.model");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["classify", "--format", "yaml"]).code, 2);
    assert_eq!(run(&["train"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
    assert_eq!(
        run(&["classify", "--threads", "100000"]).code,
        2,
        "a thread count is capped"
    );
    let h = run(&["classify", "--help"]);
    assert_eq!(h.code, 0);
    assert!(h.stdout.contains("--lines") && h.stdout.contains("--format"));
}

#[test]
fn closed_stdout_ends_quietly() {
    let mut child = Command::new(BIN)
        .args(["classify", "--lines", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let line = b"The new season premieres in March and I cannot wait.\n";
        for _ in 0..200_000 {
            if stdin.write_all(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    feeder.join().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}
