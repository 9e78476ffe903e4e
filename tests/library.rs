//! The library's one-call API gives what the command line gives.

mod common;
use common::*;

#[test]
fn classify_gives_the_records_of_the_command_line() {
    let model = stance::Classifier::builtin().unwrap();
    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE))
            .unwrap();
    let ours = model.classify(&doc);
    let cli = jsonl(&run(&["classify", "-f", "jsonl", EXAMPLE]).stdout);
    assert_eq!(ours.len(), cli.len());
    assert!(ours.len() > 5);
    for (s, r) in ours.iter().zip(&cli) {
        assert_eq!(s.start as u64, r["start"].as_u64().unwrap());
        assert_eq!(s.end as u64, r["end"].as_u64().unwrap());
        assert_eq!(s.text, r["text"].as_str().unwrap());
        assert_eq!(s.label, r["label"].as_str().unwrap());
        for (l, p) in model.labels().iter().zip(&s.probabilities) {
            assert_eq!(*p as f64, r["scores"][l].as_f64().unwrap() as f32 as f64);
        }
    }
}

#[test]
fn batch_scores_match_lines_mode_on_any_number_of_threads() {
    let model = stance::Classifier::builtin().unwrap();
    let texts: Vec<String> = (0..3000)
        .map(|i| {
            format!(
                "Season {i} was {} and returns in spring.",
                ["great", "dull", "fine"][i % 3]
            )
        })
        .collect();
    let one = model.predict_proba_batch(&texts, 1);
    assert_eq!(one, model.predict_proba_batch(&texts, 2));
    assert_eq!(one, model.predict_proba_batch(&texts, 0));
    let input = texts.join("\n");
    let cli = jsonl(&run_in(&["classify", "--lines", "-f", "jsonl"], input.as_bytes()).stdout);
    let k = model.labels().len();
    let labels = model.predict_batch(&texts, 2);
    for (i, r) in cli.iter().enumerate() {
        assert_eq!(model.labels()[labels[i]], r["label"].as_str().unwrap());
        let p = &one[i * k..i * k + k];
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
    assert_eq!(cli.len(), texts.len());
}

#[test]
fn library_defaults_are_the_command_lines() {
    let (cli, _) = stance::cli::train_settings(Vec::<String>::new()).unwrap();
    assert_eq!(cli, stance::TrainSettings::default());
    // So a model fitted by the library equals `stance train`'s on the same rows.
    let d = tempfile::tempdir().unwrap();
    let csv = d.path().join("rows.csv");
    std::fs::write(
        &csv,
        "text,label\na triumph of a season,good\na dull mess,bad\nwhat a triumph,good\nsuch a mess,bad\n",
    )
    .unwrap();
    let rows = stance::read_labelled(std::slice::from_ref(&csv), &Default::default()).unwrap();
    let ours = stance::TrainSettings::default().fit(&rows).unwrap();
    let out = d.path().join("m.model");
    let r = run(&[
        "train",
        csv.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--date",
        "1970-01-01",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let theirs = stance::Classifier::load(&out).unwrap();
    assert_eq!(ours.labels(), theirs.labels());
    for text in ["A triumph.", "A mess.", "Neither."] {
        assert_eq!(ours.predict(text), theirs.predict(text));
    }
}
