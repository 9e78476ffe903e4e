//! Faults and odd input, round 2: each test is one case of the README's "What bad input
//! gets" table (rows from "-o through a symbolic link" on), named after it.

mod common;
use common::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// A CSV of `rows` rows with `labels` distinct labels (row `i` has label `i % labels`).
fn csv_with_labels(dir: &Path, rows: usize, labels: usize) -> std::path::PathBuf {
    let mut s = String::from("text,label\n");
    for i in 0..rows {
        s.push_str(&format!(
            "sentence {i} says w{} and v{},L{}\n",
            i % 97,
            i % 31,
            i % labels
        ));
    }
    write(dir, "many.csv", s.as_bytes())
}

#[cfg(unix)]
#[test]
fn output_through_a_symbolic_link_writes_the_file_it_names() {
    let d = tmp();
    let real = write(d.path(), "real.model", b"stale");
    let link = d.path().join("link.model");
    std::os::unix::fs::symlink("real.model", &link).unwrap();
    let o = run(&["train", TINY, "-o", s(&link)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let bytes = std::fs::read(&real).unwrap();
    assert!(
        bytes.starts_with(b"STANCEM\n"),
        "the target was not written"
    );
    // The model loads through the link and through the target alike.
    for m in [&link, &real] {
        let o = run_in(&["classify", "-m", s(m), "-f", "labels"], b"A fine show.\n");
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    // A dangling link gets its target created, and stays a link.
    let dangling = d.path().join("new.model");
    std::os::unix::fs::symlink("made.model", &dangling).unwrap();
    assert_eq!(run(&["train", TINY, "-o", s(&dangling)]).code, 0);
    assert!(d.path().join("made.model").is_file());
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn many_labels_are_refused_before_memory_runs_out() {
    let d = tmp();
    let data = csv_with_labels(d.path(), 6000, 3000);
    let model = d.path().join("m.model");
    let o = run(&["train", s(&data), "-o", s(&model)]);
    one_line_error(&o, "memory budget of 1024 MiB");
    assert!(o.stderr.contains("--memory-budget-mb"), "{}", o.stderr);
    assert!(o.stderr.contains("3000 labels"), "{}", o.stderr);
    assert!(!model.exists());
    // cv too, before any fold is fitted.
    one_line_error(
        &run(&["cv", s(&data), "--folds", "2"]),
        "--memory-budget-mb",
    );
    // More labels than a model file may hold are refused as the CSV is read, at the
    // line: `too_many_labels_are_refused_before_training` in tests/hostile.rs.
}

/// Runs stance with stdout a pipe whose reading end is closed at once.
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn closed_stdout_ends_quietly_in_every_command_and_format() {
    let d = tmp();
    let model = tiny_model(d.path());
    let m = s(&model);
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["evaluate", "-f", "json", "-m", m, TINY],
        vec!["evaluate", "-f", "text", "-m", m, TINY],
        vec!["cv", "--folds", "2", "-f", "json", TINY],
        vec!["cv", "--folds", "2", TINY],
        vec!["inspect", m],
        vec!["--help"],
    ];
    for f in ["table", "json", "jsonl", "csv", "labels"] {
        cases.push(vec!["classify", "-f", f, EXAMPLE]);
        cases.push(vec!["classify", "--explain", "-f", f, EXAMPLE]);
    }
    for args in &cases {
        let (code, err) = run_into_closed_pipe(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
    // train prints its summary after the model is written.
    let out = d.path().join("o.model");
    let (code, err) = run_into_closed_pipe(&["train", TINY, "-o", s(&out)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.is_file());
}

#[test]
fn utf16_input_is_decoded_and_a_utf8_bom_is_not_text() {
    let text = "The season was great. It returns in May.\n";
    let utf8 = jsonl(&run_in(&["classify", "-f", "jsonl"], text.as_bytes()).stdout);
    for big_endian in [false, true] {
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            bytes.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        let o = run_in(&["classify", "-f", "jsonl"], &bytes);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(o.stderr, "", "no warning for UTF-16");
        // The same records as the UTF-8 text: spans are offsets in the decoded text.
        assert_eq!(jsonl(&o.stdout), utf8, "big endian: {big_endian}");
    }
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let recs = jsonl(&run_in(&["classify", "-f", "jsonl"], &bom).stdout);
    assert_eq!(recs.len(), utf8.len());
    assert_eq!(recs[0]["text"], "The season was great.");
    // Offsets still count the raw bytes, the mark's 3 among them.
    assert_eq!(recs[0]["start"], 3);
    assert_eq!(
        recs[1]["end"].as_u64(),
        utf8[1]["end"].as_u64().map(|e| e + 3)
    );
    // UTF-32 is named and refused.
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    for c in "Hi.".chars() {
        utf32.extend((c as u32).to_le_bytes());
    }
    one_line_error(&run_in(&["classify"], &utf32), "UTF-32");
}

#[test]
fn lines_mode_gives_one_record_per_line_blank_lines_included() {
    let input = "A great season.\n\n   \nThe finale dragged.\r\n\nlast";
    let o = run_in(&["classify", "--lines", "-f", "jsonl"], input.as_bytes());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let recs = jsonl(&o.stdout);
    let lines: Vec<&str> = input.split('\n').collect();
    assert_eq!(recs.len(), lines.len());
    let mut offset = 0;
    for (r, line) in recs.iter().zip(&lines) {
        let t = line.trim();
        assert_eq!(r["text"], t);
        if t.is_empty() {
            // An empty sentence where its line starts.
            assert_eq!(r["start"], offset as u64);
            assert_eq!(r["end"], offset as u64);
        } else {
            let start = r["start"].as_u64().unwrap() as usize;
            assert_eq!(&input[start..start + t.len()], t);
        }
        offset += line.len() + 1;
    }
    let labels = run_in(&["classify", "--lines", "-f", "labels"], input.as_bytes()).stdout;
    assert_eq!(labels.lines().count(), lines.len());
}

#[test]
fn explain_works_in_every_format() {
    let input = b"The season was wonderful. It returns next spring.\n";
    let with = |f: &str| {
        let o = run_in(&["classify", "--explain", "-f", f], input);
        assert_eq!(o.code, 0, "{f}: {}", o.stderr);
        o.stdout
    };
    // CSV: a header naming the column, and every row as long as the header.
    let out = with("csv");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header = r.headers().unwrap().clone();
    assert_eq!(header.iter().next_back(), Some("explain"));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.len(), header.len());
        assert!(row[header.len() - 1].contains(':'), "{row:?}");
    }
    for f in ["jsonl", "json"] {
        let out = with(f);
        let v: Vec<serde_json::Value> = if f == "jsonl" {
            jsonl(&out)
        } else {
            let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
            doc["files"][0]["sentences"].as_array().unwrap().clone()
        };
        assert_eq!(v.len(), 2, "{f}");
        assert!(v
            .iter()
            .all(|r| !r["explain"].as_array().unwrap().is_empty()));
    }
    let table = with("table");
    assert_eq!(table.matches("why: ").count(), 2, "{table}");
    let labels = with("labels");
    assert_eq!(labels.lines().count(), 2);
    assert!(labels.lines().all(|l| l.contains('\t')), "{labels}");
    // Without --explain, CSV has no such column.
    let plain = run_in(&["classify", "-f", "csv"], input).stdout;
    assert!(!plain.lines().next().unwrap().contains("explain"));
}

#[test]
fn evaluate_warns_about_labels_the_model_does_not_know() {
    let d = tmp();
    let model = tiny_model(d.path());
    let some = write(
        d.path(),
        "some.csv",
        b"text,label\nA great season.,positive\nIt was dull.,boring\nAwful.,boring\n",
    );
    let o = run(&["evaluate", "-m", s(&model), s(&some)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let warning: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(warning.len(), 1, "{}", o.stderr);
    assert!(warning[0].starts_with("stance: warning: "));
    assert!(warning[0].contains("\"boring\", 2 rows"), "{}", warning[0]);
    let none = write(d.path(), "none.csv", b"text,label\nA,x\nB,y\n");
    one_line_error(
        &run(&["evaluate", "-m", s(&model), s(&none)]),
        "no label of the data (\"x\", \"y\") is one of the model's",
    );
}

#[test]
fn output_dash_writes_the_model_to_stdout() {
    let d = tmp();
    let file = d.path().join("file.model");
    assert_eq!(
        run(&["train", TINY, "-o", s(&file), "--date", "2026-01-01"]).code,
        0
    );
    let o = Command::new(BIN)
        .args(["train", TINY, "-o", "-", "--date", "2026-01-01"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    // The same bytes as the file; the summary went to stderr; no file named `-`.
    assert_eq!(o.stdout, std::fs::read(&file).unwrap());
    assert!(String::from_utf8_lossy(&o.stderr).contains("model written to stdout"));
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("-").exists());
    // `-o /dev/stdout` into a file gives the model alone too.
    if Path::new("/dev/stdout").exists() {
        let out = d.path().join("redirected.model");
        let o = Command::new(BIN)
            .args(["train", TINY, "-o", "/dev/stdout", "--date", "2026-01-01"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::fs::File::create(&out).unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&file).unwrap());
        assert!(Path::new("/dev/stdout").is_symlink() || !Path::new("/dev/stdout").is_file());
    }
}

#[test]
fn invisible_controls_are_escaped_in_the_table() {
    let input =
        "A great \u{202E}txt.exe season \u{200B}with \u{2066}isolates\u{2069} and \u{FEFF}marks.\n";
    let o = run_in(&["classify"], input.as_bytes());
    assert_eq!(o.code, 0, "{}", o.stderr);
    for c in ['\u{202E}', '\u{200B}', '\u{2066}', '\u{2069}', '\u{FEFF}'] {
        assert!(!o.stdout.contains(c), "{c:?} reached the table");
    }
    assert!(o.stdout.contains("\u{FFFD}txt.exe"), "{}", o.stdout);
    // Programs still get the exact text.
    let recs = jsonl(&run_in(&["classify", "-f", "jsonl"], input.as_bytes()).stdout);
    assert!(recs[0]["text"].as_str().unwrap().contains('\u{202E}'));
}

#[cfg(unix)]
#[test]
fn temporary_files_of_killed_writers_are_removed() {
    let d = tmp();
    // A process id that is not running: the largest a 64-bit Linux allows, plus one.
    let stale = write(
        d.path(),
        ".stance-model-4194305-AbC123.tmp",
        b"partial model",
    );
    let mine = format!(".stance-model-{}-XyZ789.tmp", std::process::id());
    let live = write(d.path(), &mine, b"being written");
    let other = write(d.path(), "notes.tmp", b"not ours");
    let model = d.path().join("m.model");
    assert_eq!(run(&["train", TINY, "-o", s(&model)]).code, 0);
    assert!(!stale.exists(), "the dead writer's file is still there");
    assert!(live.exists(), "a running writer's file was removed");
    assert!(other.exists());
    // The model's own temporary file is gone too.
    let left: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".stance-model-") && n != &mine)
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn output_inside_a_file_says_it_is_not_a_directory() {
    let d = tmp();
    let file = write(d.path(), "plain", b"x");
    let target = file.join("m.model");
    one_line_error(
        &run(&["train", TINY, "-o", s(&target)]),
        "plain is not a directory",
    );
    if Path::new("/dev/full").exists() {
        one_line_error(
            &run(&["train", TINY, "-o", "/dev/full/x"]),
            "/dev/full is not a directory",
        );
    }
}

#[cfg(unix)]
#[test]
fn a_streamed_model_declaring_a_huge_payload_fails_before_reading_it() {
    // A valid header declaring 4 GiB, then an endless stream of zeros on a pipe: the
    // start of the payload is checked before the rest is read.
    let mut header = b"STANCEM\n".to_vec();
    header.extend(3u32.to_le_bytes());
    header.extend((4u64 << 30).to_le_bytes());
    header.extend(0u32.to_le_bytes());
    let mut child = Command::new(BIN)
        .args(["inspect", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        let zeros = vec![0u8; 1 << 16];
        let _ = stdin.write_all(&header);
        let mut sent = 0u64;
        // At most 64 MiB: a reader that wants all 4 GiB makes the test fail below.
        while sent < 64 << 20 && stdin.write_all(&zeros).is_ok() {
            sent += zeros.len() as u64;
        }
        sent
    });
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    let sent = feeder.join().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("model file is malformed"), "{err}");
    assert!(sent < 64 << 20, "read {sent} bytes of a stream of zeros");
}

#[test]
fn a_csv_with_two_text_columns_is_refused() {
    let d = tmp();
    let model = d.path().join("m.model");
    for (csv, needle) in [
        (
            "text,label,text\na,x,b\nc,y,d\n",
            "line 1: the header names the text column \"text\" 2 times (columns 1, 3)",
        ),
        (
            "label,text,label\nx,a,y\ny,b,x\n",
            "the label column \"label\" 2 times (columns 1, 3)",
        ),
    ] {
        let f = write(d.path(), "two.csv", csv.as_bytes());
        one_line_error(&run(&["train", s(&f), "-o", s(&model)]), needle);
        one_line_error(&run(&["evaluate", s(&f)]), needle);
    }
    assert!(!model.exists());
}
