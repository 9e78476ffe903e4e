//! The command line for people: inspect --format json and the train flags it prints,
//! shell completions, the man page.

mod common;
use common::*;

#[test]
fn inspect_json_and_its_train_flags_reproduce_the_model() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.model");
    let o = run(&[
        "train",
        TINY,
        "-o",
        s(&a),
        "--date",
        "2026-01-01",
        "--alpha",
        "0.5",
        "--no-stem",
        "--char-max",
        "4",
        "--max-features",
        "500",
        "--class-weight",
        "balanced",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(&["inspect", s(&a), "--format", "json", "--top", "3"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["labels"].as_array().unwrap().len(), 4);
    assert_eq!(v["top_terms"]["positive"].as_array().unwrap().len(), 3);
    assert_eq!(v["metadata"]["fit"]["alpha"], 0.5);
    let flags = v["train_flags"].as_str().unwrap().to_string();
    assert!(
        flags.contains("--no-stem") && flags.contains("--class-weight balanced"),
        "{flags}"
    );
    let b = d.path().join("b.model");
    let mut args = vec!["train", TINY, "-o", s(&b), "--date", "2026-01-01"];
    args.extend(flags.split(' '));
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let text = run(&["inspect", s(&a)]);
    assert!(
        text.stdout.contains(&format!("train     {flags}\n")),
        "{}",
        text.stdout
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        assert!(
            o.stdout.contains("classify") && o.stdout.contains("min-prob"),
            "{shell}"
        );
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
    let man = run(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH stance 1"));
    assert!(man.stdout.contains("classify"));
}

/// Runs `stance classify` on `stdin` with the given environment.
fn classify_env(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> String {
    use std::io::Write;
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("classify").args(args);
    for v in ["NO_COLOR", "CLICOLOR_FORCE", "COLUMNS"] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

const LONG: &[u8] = b"The second season of the show is a triumph from start to finish, sharper and funnier and braver than the first one ever managed to be in any of its episodes.\n";

#[test]
fn wrap_fits_80_columns_and_keeps_every_word() {
    let out = classify_env(
        &["--wrap", "--explain", "--top-k", "4"],
        &[("COLUMNS", "80")],
        LONG,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().all(|l| l.chars().count() <= 80), "{out}");
    assert!(!out.contains('…'));
    // The sentence's lines: the row and the continuation lines before `top:`.
    let row = lines.iter().position(|l| l.starts_with("    0  ")).unwrap();
    let mut words: Vec<&str> = lines[row].split_whitespace().skip(3).collect();
    for l in &lines[row + 1..] {
        if l.trim_start().starts_with("top:") {
            break;
        }
        words.extend(l.split_whitespace());
    }
    let want: Vec<&str> = std::str::from_utf8(LONG)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(words, want);
    let cut = classify_env(&[], &[("COLUMNS", "80")], LONG);
    assert!(
        cut.contains('…'),
        "without --wrap, piped output is cut as before"
    );
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let esc = |s: &str| s.contains('\u{1b}');
    assert!(!esc(&classify_env(&[], &[], LONG)), "piped: no colour");
    assert!(esc(&classify_env(&[], &[("CLICOLOR_FORCE", "1")], LONG)));
    let both = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    assert!(!esc(&classify_env(&[], &both, LONG)));
    let json = classify_env(&["-f", "jsonl"], &[("CLICOLOR_FORCE", "1")], LONG);
    assert!(!esc(&json), "colour is for the table only");
}
