//! Hostile input through the binary: binary files, overlong lines and sentences,
//! model files from strangers, CSV from spreadsheets, full disks and killed training.
//! Each test proves a row of the README's "What bad input gets" table.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn assert_probabilities(recs: &[serde_json::Value]) {
    for r in recs {
        let sum: f64 = r["scores"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-4, "{r}");
    }
}

// ---- classify ----

#[test]
fn binary_input_is_classified_with_one_warning() {
    let mut input: Vec<u8> = (0..=255u8).cycle().take(40_000).collect();
    input.extend_from_slice(b"\x00\x00PK\x03\x04 The season was great. \xff\xfe\n");
    let o = run_in(&["classify", "--format", "jsonl"], &input);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("not valid UTF-8"), "{}", o.stderr);
    let recs = jsonl(&o.stdout);
    assert!(recs.len() > 10);
    let mut prev = 0;
    for r in &recs {
        let (a, b) = (r["start"].as_u64().unwrap(), r["end"].as_u64().unwrap());
        assert!(prev <= a && a < b && b as usize <= input.len());
        prev = b;
    }
    assert_probabilities(&recs);
}

#[test]
fn overlong_sentence_is_cut_with_a_warning_and_nothing_lost() {
    let words: Vec<String> = (0..3000).map(|i| format!("word{i}")).collect();
    let input = words.join(" ");
    let o = run_in(&["classify", "--format", "jsonl"], input.as_bytes());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("a sentence longer than 4096 bytes was cut into pieces"),
        "{}",
        o.stderr
    );
    let recs = jsonl(&o.stdout);
    assert!(recs.len() >= 5);
    let texts: Vec<&str> = recs.iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(texts.iter().all(|t| t.len() <= 4096));
    assert_eq!(texts.join(" "), input);
}

#[test]
fn overlong_line_is_cut_with_a_warning_and_nothing_lost() {
    // Over the 1 MiB line cap, with no sentence end in it.
    let input: String = (0..300_000).map(|i| format!("w{} ", i % 97)).collect();
    assert!(input.len() > 1 << 20);
    let o = run_in(&["classify", "--format", "jsonl"], input.as_bytes());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o
        .stderr
        .contains("a line longer than 1048576 bytes was cut into pieces"));
    assert!(o
        .stderr
        .contains("a sentence longer than 4096 bytes was cut"));
    assert_eq!(o.stderr.lines().count(), 2, "{}", o.stderr);
    let recs = jsonl(&o.stdout);
    let mut covered = 0;
    for r in &recs {
        let (a, b) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        assert!(
            input[covered..a].trim().is_empty(),
            "bytes {covered}..{a} lost"
        );
        assert_eq!(&input[a..b], r["text"].as_str().unwrap());
        covered = b;
    }
    assert!(input[covered..].trim().is_empty());
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let input = b"Great season \x1b[2J\x1b[31mred\x1b[0m, a bell \x07 and a NUL \x00.\n";
    let o = run_in(&["classify"], input);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        !o.stdout.contains(|c: char| c.is_control() && c != '\n'),
        "{:?}",
        o.stdout
    );
    assert!(o.stdout.contains("\u{FFFD}[31mred"), "{}", o.stdout);
    // JSON escapes them, so programs still get the exact text.
    let recs = jsonl(&run_in(&["classify", "--format", "jsonl"], input).stdout);
    assert!(recs[0]["text"].as_str().unwrap().contains("\x1b[31mred"));
}

#[test]
fn a_full_stdout_is_an_error_that_says_so() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let o = Command::new(BIN)
        .args([
            "classify",
            "tests/example-article.txt",
            "tests/example-article.txt",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        err.trim(),
        "stance: error: cannot write the output: No space left on device (os error 28)"
    );
}

// ---- model files from strangers ----

/// A model file around `m`'s encoding, with a correct header and checksum but none of
/// the checks saving makes.
fn model_file(m: &stance::internals::modelfile::ModelData) -> Vec<u8> {
    let payload = postcard::to_allocvec(m).unwrap();
    let mut f = stance::internals::modelfile::MAGIC.to_vec();
    f.extend_from_slice(&stance::internals::modelfile::FORMAT_VERSION.to_le_bytes());
    f.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    f.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    f.extend_from_slice(&payload);
    f
}

#[test]
fn a_device_or_directory_as_model_fails_fast() {
    // Reading /dev/zero whole would never end; the header is enough to refuse it.
    if Path::new("/dev/zero").exists() {
        let o = run_limited(
            &["classify", "--model", "/dev/zero"],
            b"x",
            Duration::from_secs(20),
        );
        one_line_error(&o, "/dev/zero: not a stance model file");
    }
    one_line_error(
        &run_in(&["classify", "--model", "tests"], b"x"),
        "tests: is a directory",
    );
}

#[test]
fn stranger_model_files_get_a_reason() {
    let d = tempfile::tempdir().unwrap();
    let good = std::fs::read(tiny_model(d.path())).unwrap();
    let classify = |name: &str, bytes: &[u8]| {
        let p = write(d.path(), name, bytes);
        run_in(&["classify", "--model", s(&p)], b"Season two is great.")
    };
    // A 24-byte file declaring a 4 GiB payload: refused without reading or reserving it.
    let mut h = good[..24].to_vec();
    h[12..20].copy_from_slice(&(4u64 << 30).to_le_bytes());
    one_line_error(
        &classify("h.model", &h),
        "truncated (0 of 4294967296 payload bytes)",
    );
    h[12..20].copy_from_slice(&(5u64 << 30).to_le_bytes());
    one_line_error(&classify("cap.model", &h), "over the cap");
    let mut long = good.clone();
    long.extend_from_slice(b"junk");
    one_line_error(&classify("l.model", &long), "4 bytes after its payload");
    // A correct checksum over a weight that would make every score NaN.
    let mut m = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    m.weights[0] = f32::INFINITY;
    let f = model_file(&m);
    one_line_error(
        &classify("w.model", &f),
        "weight 0 is inf, not a finite number",
    );
    // A label that would send an escape sequence to the terminal.
    let mut m = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    m.labels[0] = "\x1b[2J".into();
    let f = model_file(&m);
    one_line_error(
        &classify("label.model", &f),
        "label \"\\u{1b}[2J\" is empty or holds a control character",
    );
    let mut m = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    let mut stems: Vec<&str> = m.stems.split('\n').collect();
    stems[5] = "\x1b]0;pwned\x07";
    m.stems = stems.join("\n");
    let f = model_file(&m);
    one_line_error(
        &classify("term.model", &f),
        "word 5 holds a control character",
    );
    // At the very start of the list too (its place is then 0, found by the fuzzer).
    let mut m = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    m.stems.insert(0, '\x07');
    one_line_error(
        &classify("first.model", &model_file(&m)),
        "word 0 holds a control character",
    );
    // Word terms are stored as packed word ids (21 bits each, each id plus 1): one
    // naming a word past the list, and one term stored twice.
    let mut m = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    m.terms[2] = m.stems.split('\n').count() as u64 + 1;
    one_line_error(
        &classify("ids.model", &model_file(&m)),
        "term 2 names a word that is not in the list",
    );
    let mut m = stance::internals::modelfile::ModelData::from_bytes(&good).unwrap();
    m.terms[3] = m.terms[1];
    let out = classify("twice.model", &model_file(&m));
    one_line_error(&out, "term 3 appears twice");
    assert!(out.stderr.contains("twice.model"), "{}", out.stderr);
}

// ---- CSV from spreadsheets ----

#[test]
fn spreadsheet_csv_trains() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = b"\xef\xbb\xbfid,text,label,notes,\r\n".to_vec();
    for (i, (t, l)) in [
        ("\"A brilliant,\r\nmoving season.\"", " positive "),
        ("The writing is sharp.", "positive\t"),
        (
            "\"Dull, \"\"bloated\"\" and badly written.\"",
            "  criticism",
        ),
        ("A boring waste of a great cast.", "criticism"),
    ]
    .iter()
    .enumerate()
    {
        csv.extend_from_slice(format!("{i},{t},{l},,\r\n").as_bytes());
    }
    let f = write(d.path(), "export.csv", &csv);
    let m = d.path().join("m.model");
    let o = run(&["train", s(&f), "-o", s(&m)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("trained on 4 rows"), "{}", o.stdout);
    let i = run(&["inspect", s(&m)]);
    assert!(
        i.stdout.contains("labels    criticism, positive"),
        "{}",
        i.stdout
    );
}

#[test]
fn csv_problems_get_the_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 8] = [
        (
            "label.csv",
            b"text,label\nGreat.,\"posi\ntive\"\n",
            "label.csv: line 2: the label \"posi\\ntive\" holds a control character",
        ),
        (
            "empty.csv",
            b"",
            "empty.csv: file is empty: expected a header with columns \"text\" and \"label\"",
        ),
        (
            "nolabels.csv",
            b"text,label\r\nGreat.,\r\nDull., \r\nSoon.,\r\n",
            "nolabels.csv: the \"label\" column is empty in every row (3 rows)",
        ),
        (
            "utf16.csv",
            b"\xff\xfet\x00e\x00x\x00t\x00,\x00l\x00a\x00b\x00e\x00l\x00\n\x00",
            "utf16.csv: line 1: the file is UTF-16 text; save it as CSV in UTF-8",
        ),
        (
            "semicolons.csv",
            b"text;label\nGreat.;positive\n",
            "the file seems separated by ';'",
        ),
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            "image.csv: line 1: no column \"text\" in the header (columns: \u{FFFD}PNG)",
        ),
        (
            "extra.csv",
            b"text,label\nGreat.,positive\nDull.,criticism,oops\n",
            "extra.csv: line 3: row has 3 fields, the header has 2",
        ),
        (
            "wide.csv",
            &[b"col,".repeat(6000), b"\n".to_vec()].concat(),
            "… 5989 more",
        ),
    ];
    for (name, content, needle) in cases {
        let f = write(d.path(), name, content);
        let o = run(&["train", s(&f), "-o", s(&d.path().join("m"))]);
        one_line_error(&o, needle);
        assert!(o.stderr.len() < 1000, "{}", o.stderr);
        assert!(!d.path().join("m").exists(), "no model written for {name}");
    }
}

#[test]
fn many_rows_are_read_in_order() {
    // A quick stand-in for a million rows (measured by hand in release, see README).
    let mut csv = String::from("text,label\n");
    for i in 0..50_000 {
        let (t, l) = if i % 2 == 0 {
            ("\"great, lovely\"", "positive")
        } else {
            ("dull and slow", " criticism ")
        };
        csv.push_str(&format!("{t} {i},{l}\n"));
    }
    let mut d = stance::internals::input::Labelled::default();
    stance::internals::input::parse_labelled(csv.as_bytes(), &Default::default(), &mut d).unwrap();
    assert_eq!(d.len(), 50_000);
    assert_eq!(d.texts[49_999], "dull and slow 49999");
    assert_eq!(d.labels[49_999], "criticism");
    assert_eq!(d.label_set(), ["criticism", "positive"]);
}

#[test]
fn too_many_labels_are_refused_before_training() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("label,text\n");
    for i in 0..10_001 {
        csv.push_str(&format!("row {i},text {i}\n"));
    }
    let f = write(d.path(), "swapped.csv", csv.as_bytes());
    one_line_error(
        &run(&["train", s(&f), "-o", s(&d.path().join("m"))]),
        "line 10002: more than 10000 different labels, the cap",
    );
}

#[test]
fn settings_that_leave_no_terms_name_the_file() {
    let d = tempfile::tempdir().unwrap();
    let rows = b"text,label\ngood show,a\nbad show,b\nnice plot,a\ndull plot,b\n";
    let f = write(d.path(), "few.csv", rows);
    for cmd in ["train", "cv"] {
        let mut args = vec![cmd, s(&f), "--min-df", "5"];
        let model = d.path().join("m");
        match cmd {
            "train" => args.extend(["-o", s(&model)]),
            _ => args.extend(["--folds", "2"]),
        }
        let o = run(&args);
        one_line_error(&o, "no terms left in the vocabulary");
        assert!(o.stderr.contains(s(&f)), "{}", o.stderr);
    }
}

// ---- writing the model ----

#[test]
fn train_refuses_to_overwrite_its_data_or_write_where_it_cannot() {
    let d = tempfile::tempdir().unwrap();
    let data = write(d.path(), "data.csv", &std::fs::read(TINY).unwrap());
    let before = std::fs::read(&data).unwrap();
    one_line_error(
        &run(&["train", s(&data), "-o", s(&data)]),
        "refusing to overwrite it with a model",
    );
    one_line_error(
        &run(&["train", s(d.path()), "-o", s(&d.path().join("./data.csv"))]),
        "refusing to overwrite it with a model",
    );
    assert_eq!(std::fs::read(&data).unwrap(), before);
    one_line_error(
        &run(&[
            "train",
            TINY,
            "-o",
            s(&d.path().join("no/such/dir/m.model")),
        ]),
        "does not exist",
    );
    one_line_error(&run(&["train", TINY, "-o", s(d.path())]), "is a directory");
}

fn leftover_temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn full_disk_leaves_the_old_model_and_says_so() {
    if !Path::new("/bin/sh").exists() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let m = tiny_model(d.path());
    let before = std::fs::read(&m).unwrap();
    // A file size limit of 2 KiB makes the model write fail as a full disk would
    // (EFBIG instead of ENOSPC; SIGXFSZ ignored so the write returns the error).
    let script = format!(
        "ulimit -f 4 && trap '' XFSZ && exec '{BIN}' train {TINY} -o '{}'",
        s(&m)
    );
    let o = Command::new("/bin/sh")
        .args(["-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let o = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    one_line_error(&o, "cannot write the model (the old file is unchanged)");
    assert_eq!(std::fs::read(&m).unwrap(), before);
    assert!(leftover_temp_files(d.path()).is_empty());
    // With no old file, it says nothing was written.
    let new = d.path().join("new.model");
    let script = script.replace(s(&m), s(&new));
    let o = Command::new("/bin/sh")
        .args(["-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("no file was written"));
    assert!(!new.exists());
}

#[test]
fn killed_training_leaves_the_old_model_intact() {
    let d = tempfile::tempdir().unwrap();
    let m = tiny_model(d.path());
    let before = std::fs::read(&m).unwrap();
    let mut csv = String::from("text,label\n");
    for i in 0..3000 {
        let label = ["positive", "criticism", "anticipation", "neutral"][i % 4];
        csv.push_str(&format!(
            "sentence {i} word{} word{} about {label},{label}\n",
            i % 89,
            i % 31
        ));
    }
    let big = write(d.path(), "big.csv", csv.as_bytes());
    let mut killed = 0;
    for delay_ms in [0, 5, 30, 100, 250, 500] {
        let mut child = Command::new(BIN)
            .args(["train", s(&big), "-o", s(&m)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no clean-up code runs
        let status = child.wait().unwrap();
        let now = std::fs::read(&m).unwrap();
        if status.success() {
            // Training finished before the kill: a complete new model, then start over.
            stance::Classifier::from_bytes(&now).expect("a complete model");
            std::fs::write(&m, &before).unwrap();
        } else {
            killed += 1;
            assert_eq!(now, before, "killed after {delay_ms} ms: the model changed");
        }
    }
    assert!(
        killed >= 3,
        "training too quick to be killed: {killed} kills"
    );
}
