//! Helpers shared by the integration tests: running the binary and checking its errors.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_stance");
pub const TINY: &str = "tests/data/tiny.csv";

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs stance with `stdin`, killing it (and failing) if it runs past `limit`.
pub fn run_limited(args: &[&str], stdin: &[u8], limit: Duration) -> Out {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn stance");
    let mut si = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = si.write_all(&input);
    });
    let read_all = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = read_all(Box::new(child.stdout.take().unwrap()));
    let err = read_all(Box::new(child.stderr.take().unwrap()));
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stance {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    feeder.join().unwrap();
    Out {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

pub fn run_in(args: &[&str], stdin: &[u8]) -> Out {
    run_limited(args, stdin, Duration::from_secs(60))
}

pub fn run(args: &[&str]) -> Out {
    run_in(args, b"")
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

pub fn tiny_model(dir: &Path) -> PathBuf {
    let m = dir.join("tiny.model");
    let o = run(&["train", TINY, "-o", s(&m), "--date", "2026-01-01"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    m
}

/// Exit 1 with exactly one error line holding `needle`, no panic.
pub fn one_line_error(o: &Out, needle: &str) {
    assert_eq!(o.code, 1, "stdout: {} stderr: {}", o.stdout, o.stderr);
    let lines: Vec<&str> = o.stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(lines.len(), 1, "{}", o.stderr);
    assert!(
        lines[0].contains(needle),
        "expected {needle:?} in {:?}",
        lines[0]
    );
    assert!(!o.stderr.contains("panicked"));
    assert!(
        !lines[0].chars().any(|c| c.is_control()),
        "control characters in {:?}",
        lines[0]
    );
}

pub fn jsonl(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

pub const EXAMPLE: &str = "tests/example-article.txt";

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
