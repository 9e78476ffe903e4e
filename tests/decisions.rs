//! Decisions made with the scores: --min-prob, --top-k and --verdict in every format,
//! evaluate --predictions/--errors, and cv's per-fold and per-class figures.

mod common;
use common::*;

const TEXT: &[u8] = b"The second season is a triumph, funny and brave.\n\
The middle episodes drag and the finale is a mess.\n\
A third season has been confirmed for next spring.\n\
The show follows two nurses in a night ward.\n\
Well, it is a show.\n";

fn records(extra: &[&str]) -> Vec<serde_json::Value> {
    let o = run_in(&[&["classify", "--format", "jsonl"], extra].concat(), TEXT);
    assert_eq!(o.code, 0, "{}", o.stderr);
    jsonl(&o.stdout)
}

fn top_prob(r: &serde_json::Value) -> f64 {
    r["scores"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .fold(0.0, f64::max)
}

#[test]
fn min_prob_labels_sentences_uncertain_in_every_format() {
    let plain = records(&[]);
    let mut tops: Vec<f64> = plain.iter().map(top_prob).collect();
    tops.sort_by(f64::total_cmp);
    // A threshold between the two middle sentences' top probabilities.
    let p = (tops[1] + tops[2]) / 2.0;
    let ps = format!("{p}");
    let want: Vec<String> = plain
        .iter()
        .map(|r| match top_prob(r) < p {
            true => "uncertain".to_string(),
            false => r["label"].as_str().unwrap().to_string(),
        })
        .collect();
    assert!(want.iter().any(|l| l == "uncertain") && want.iter().any(|l| l != "uncertain"));
    let mp = ["--min-prob", ps.as_str()];
    let got: Vec<String> = records(&mp)
        .iter()
        .map(|r| r["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want, "jsonl");
    let labels = run_in(&[&["classify", "-f", "labels"], &mp[..]].concat(), TEXT);
    assert_eq!(labels.stdout.lines().collect::<Vec<_>>(), want, "labels");
    let csv = run_in(&[&["classify", "-f", "csv"], &mp[..]].concat(), TEXT);
    let col: Vec<String> = csv::Reader::from_reader(csv.stdout.as_bytes())
        .records()
        .map(|r| r.unwrap()[4].to_string())
        .collect();
    assert_eq!(col, want, "csv");
    let json = run_in(&[&["classify", "-f", "json"], &mp[..]].concat(), TEXT);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let f = &v["files"][0];
    let n_unc = want.iter().filter(|l| *l == "uncertain").count();
    assert_eq!(f["summary"]["uncertain"], n_unc);
    let counted: u64 = f["summary"]["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize + n_unc, want.len());
    let table = run_in(&[&["classify"], &mp[..]].concat(), TEXT);
    assert!(
        table.stdout.contains(&format!("uncertain {n_unc} (")),
        "{}",
        table.stdout
    );
    let rows = table
        .stdout
        .lines()
        .filter(|l| l.contains("  uncertain  "))
        .count();
    assert_eq!(rows, n_unc, "{}", table.stdout);
    let html = run_in(&[&["classify", "-f", "html"], &mp[..]].concat(), TEXT);
    let spans = html
        .stdout
        .matches("data-label=\"uncertain\" data-index")
        .count();
    assert_eq!(spans, n_unc);
    let bad = run_in(&["classify", "--min-prob", "2"], TEXT);
    one_line_error(&bad, "--min-prob 2");
}

#[test]
fn top_k_lists_the_best_labels_in_order() {
    for r in records(&["--top-k", "2"]) {
        let top = r["top"].as_array().unwrap();
        assert_eq!(top.len(), 2);
        assert_eq!(top[0]["label"], r["label"]);
        let (p0, p1) = (
            top[0]["prob"].as_f64().unwrap(),
            top[1]["prob"].as_f64().unwrap(),
        );
        assert!(p0 >= p1);
        assert_eq!(
            p1,
            r["scores"][top[1]["label"].as_str().unwrap()]
                .as_f64()
                .unwrap()
        );
    }
    assert!(records(&[])[0].get("top").is_none());
    let csv = run_in(&["classify", "-f", "csv", "--top-k", "9"], TEXT);
    let mut rd = csv::Reader::from_reader(csv.stdout.as_bytes());
    let head = rd.headers().unwrap().clone();
    assert_eq!(&head[head.len() - 1], "top");
    let row = rd.records().next().unwrap().unwrap();
    assert_eq!(
        row[row.len() - 1].split(';').count(),
        4,
        "at most every label"
    );
    let table = run_in(&["classify", "--top-k", "2"], TEXT);
    assert_eq!(table.stdout.matches("top: ").count(), 5, "{}", table.stdout);
}

#[test]
fn verdict_is_the_share_of_each_stance_and_the_net_score() {
    let o = run_in(&["classify", "-f", "json", "--verdict"], TEXT);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let s = &v["files"][0]["summary"];
    let c = |l: &str| s["counts"][l].as_f64().unwrap();
    let verdict = &s["verdict"];
    let opinion = c("positive") + c("criticism");
    assert_eq!(verdict["opinion_sentences"].as_f64().unwrap(), opinion);
    if opinion > 0.0 {
        let net = (c("positive") - c("criticism")) / opinion;
        assert!((verdict["net"].as_f64().unwrap() - net).abs() < 1e-12);
    } else {
        assert!(verdict["net"].is_null());
    }
    let share_sum: f64 = verdict["shares"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((share_sum - 1.0).abs() < 1e-9);
    assert!((verdict["shares"]["neutral"].as_f64().unwrap() - c("neutral") / 5.0).abs() < 1e-12);
    let table = run_in(&["classify", "--verdict"], TEXT);
    assert!(table.stdout.contains("\nverdict: "), "{}", table.stdout);
    let plain = run_in(&["classify"], TEXT);
    assert!(!plain.stdout.contains("verdict"));
}

#[test]
fn evaluate_writes_predictions_and_errors() {
    let d = tempfile::tempdir().unwrap();
    let model = tiny_model(d.path());
    // The tiny set with every label moved on by one: many rows are now wrong.
    let tiny = std::fs::read_to_string(TINY).unwrap();
    let mut rd = csv::Reader::from_reader(tiny.as_bytes());
    let names = ["anticipation", "criticism", "neutral", "positive"];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["text", "label"]).unwrap();
    for (i, r) in rd.records().enumerate() {
        let r = r.unwrap();
        let label = if i % 3 == 0 {
            let at = names.iter().position(|n| *n == &r[1]).unwrap();
            names[(at + 1) % 4]
        } else {
            &r[1]
        };
        w.write_record([&r[0], label]).unwrap();
    }
    let data = write(d.path(), "shifted.csv", &w.into_inner().unwrap());
    let pred = d.path().join("pred.csv");
    let o = run(&[
        "evaluate",
        s(&data),
        "-m",
        s(&model),
        "-f",
        "json",
        "--predictions",
        s(&pred),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&pred)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 24);
    let right = rows.iter().filter(|r| r[1] == r[2]).count();
    assert!((report["accuracy"].as_f64().unwrap() - right as f64 / 24.0).abs() < 1e-12);
    for r in &rows {
        assert_eq!(&r[3], if r[1] == r[2] { "true" } else { "false" });
        let p: f64 = (4..8).map(|i| r[i].parse::<f64>().unwrap()).sum();
        assert!((p - 1.0).abs() < 1e-4);
    }
    let errors = run(&["evaluate", s(&data), "-m", s(&model), "--errors"]);
    assert_eq!(errors.code, 0, "{}", errors.stderr);
    let wrong: Vec<csv::StringRecord> = csv::Reader::from_reader(errors.stdout.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(wrong.len(), 24 - right);
    assert!(!wrong.is_empty() && wrong.iter().all(|r| r[1] != r[2] && &r[3] == "false"));
}

#[test]
fn cv_gives_per_fold_and_per_class_figures_and_a_confusion_matrix() {
    let o = run(&["cv", TINY, "--folds", "3", "-f", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let folds = v["per_fold"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    assert_eq!(
        folds
            .iter()
            .map(|f| f["rows"].as_u64().unwrap())
            .sum::<u64>(),
        24
    );
    let mean: f64 = folds
        .iter()
        .map(|f| f["accuracy"].as_f64().unwrap())
        .sum::<f64>()
        / 3.0;
    assert!((mean - v["accuracy_mean"].as_f64().unwrap()).abs() < 1e-12);
    let m = v["pooled"]["confusion"]["matrix"].as_array().unwrap();
    let total: u64 = m
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(total, 24);
    assert_eq!(v["pooled"]["per_class"]["positive"]["support"], 6);
    let t = run(&["cv", TINY, "--folds", "3"]);
    for needle in [
        "fold      rows",
        "every held-out row pooled",
        "precision",
        "confusion",
    ] {
        assert!(t.stdout.contains(needle), "{needle} in {}", t.stdout);
    }
}
