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
