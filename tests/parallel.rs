//! The parallel classify stream (chunks split, scored and formatted on worker threads)
//! against the serial one (`--threads 1`): the same bytes on stdout and on stderr, for
//! every format, on generated text long enough for many chunks, with the faults the
//! stream must carry through (invalid UTF-8, CRLF, a line over the 1 MB cap, a
//! sentence over the 4 KB cap), with --min-prob, --top-k, --verdict and --wrap, on a
//! web page, and on the sample articles when present.

mod common;

use common::*;
use std::process::{Command, Stdio};

const ALL: [&str; 6] = ["jsonl", "json", "csv", "table", "labels", "html"];

/// stdout and stderr of `stance classify ARGS FILE`, as bytes.
fn classify(args: &[&str], file: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let o = Command::new(BIN)
        .arg("classify")
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run stance");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (o.stdout, o.stderr)
}

/// About 800 KB of made-up sentences in paragraphs (seeded), with invalid bytes, CRLF,
/// quotes and abbreviations, then a line over the 1 MB cap.
fn generated() -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "season",
        "finale",
        "was",
        "a",
        "triumph",
        "slow",
        "we",
        "cannot",
        "wait",
        "for",
        "it",
        "Dr.",
        "J.",
        "R.",
        "U.S.",
        "cast",
        "plot",
        "drags",
        "premieres",
        "in",
        "March",
        "“great”",
        "isn’t",
        "3.5",
        "episodes",
        "Netflix.com",
        "e.g.",
        "café",
    ];
    const ENDS: &[&str] = &[". ", "? ", "! ", "… ", ".” ", "...", ". ", "."];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut out = Vec::new();
    let mut long_sentence = false;
    while out.len() < 800 << 10 {
        for _ in 0..1 + next(6) {
            for i in 0..3 + next(25) {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend_from_slice(WORDS[next(WORDS.len())].as_bytes());
            }
            out.extend_from_slice(ENDS[next(ENDS.len())].as_bytes());
            if next(200) == 0 {
                out.extend_from_slice(b"\xff\xfe");
            }
        }
        out.extend_from_slice([&b"\n\n"[..], b"\n", b"\r\n"][next(3)]);
        if out.len() > 400 << 10 && !long_sentence {
            // A sentence over 4 KB, in a line under 1 MB.
            out.extend_from_slice("word ".repeat(1200).as_bytes());
            out.push(b'\n');
            long_sentence = true;
        }
    }
    // A line over the 1 MB cap (cut at a space; `input::lines` tests the other cuts),
    // of few sentences (cut at 4 KB).
    out.extend_from_slice("word ".repeat(220_000).as_bytes());
    out.extend_from_slice(b"\nThe end.");
    out
}

fn same_as_serial(file: &std::path::Path, formats: &[&str], extra: &[&str]) {
    for &format in formats {
        let mut args = vec!["--format", format];
        args.extend_from_slice(extra);
        let serial = classify(&[&args[..], &["--threads", "1"]].concat(), file);
        // More workers than cores.
        let parallel = classify(&[&args[..], &["--threads", "3"]].concat(), file);
        assert!(
            parallel.0 == serial.0,
            "{format} {extra:?}: stdout with 3 threads differs from 1 thread's"
        );
        assert_eq!(
            String::from_utf8_lossy(&parallel.1),
            String::from_utf8_lossy(&serial.1),
            "{format} {extra:?}: stderr with 3 threads"
        );
        assert!(!serial.0.is_empty());
    }
}

#[test]
fn parallel_output_is_the_serial_output_on_generated_text() {
    let dir = tmp();
    let file = write(dir.path(), "generated.txt", &generated());
    same_as_serial(&file, &ALL, &[]);
    same_as_serial(&file, &["jsonl", "table"], &["--lines"]);
    // The three warnings, each once, in the order their lines come.
    let (_, err) = classify(&["--format", "labels", "--threads", "2"], &file);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(
        err.lines().next().unwrap().contains("not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.lines()
            .nth(1)
            .unwrap()
            .contains("a sentence longer than"),
        "{err}"
    );
    assert!(
        err.lines().nth(2).unwrap().contains("a line longer than"),
        "{err}"
    );
}

#[test]
fn parallel_output_is_the_serial_output_with_explanations() {
    let dir = tmp();
    let text = generated();
    let file = write(dir.path(), "generated.txt", &text[..600_000]);
    same_as_serial(&file, &["csv", "table", "labels"], &["--explain"]);
}

#[test]
fn parallel_output_is_the_serial_output_with_decisions_and_wrapping() {
    let dir = tmp();
    let text = generated();
    let file = write(dir.path(), "generated.txt", &text[..600_000]);
    let decide = ["--min-prob", "0.6", "--top-k", "2", "--verdict", "--wrap"];
    same_as_serial(&file, &ALL, &decide);
}

#[test]
fn parallel_output_is_the_serial_output_on_a_web_page() {
    let dir = tmp();
    let text = String::from_utf8_lossy(&generated()[..300_000]).into_owned();
    let mut page = String::from("<html><head><title>A made-up page</title></head><body>");
    for line in text.lines() {
        page.push_str("<p>");
        page.push_str(&line.replace('&', "&amp;").replace('<', "&lt;"));
        page.push_str("</p>\n");
    }
    page.push_str("</body></html>");
    let file = write(dir.path(), "page.html", page.as_bytes());
    same_as_serial(&file, &ALL, &[]);
    same_as_serial(&file, &["csv", "html"], &["--min-prob", "0.6", "--explain"]);
}

#[test]
fn parallel_output_is_the_serial_output_on_sample_articles_if_present() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/articles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: sample articles not found at {}", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    // Repeated to about 1 MB, for several chunks.
    let mut all = Vec::new();
    while all.len() < 1 << 20 {
        for p in &paths {
            all.extend(std::fs::read(p).unwrap());
            all.push(b'\n');
        }
    }
    let tmpdir = tmp();
    let file = write(tmpdir.path(), "articles.txt", &all);
    same_as_serial(&file, &ALL, &[]);
}
