//! Property tests on arbitrary text: the splitter's spans are in order, do not overlap,
//! lie on char boundaries and together cover every non-whitespace byte; every sentence
//! gets exactly one output record from `classify`; every record's scores sum to 1.

#[path = "../fuzz/checks.rs"]
mod checks;
mod common;

use common::*;
use proptest::prelude::*;
use std::process::Command;
use std::sync::OnceLock;

/// Pieces that exercise the splitter's rules, glued at random.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{1,9}".prop_map(|w| w),
        3 => Just(" ".to_string()),
        1 => prop::sample::select(vec![
            ". ", ".", "? ", "! ", "?!", "…", "...", ". .", "\n", "\r\n", "\r", "\n\n",
            "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}", "\t", "\u{A0}", "\u{3000}",
            "Dr. ", "J. R. ", "U.S. ", "No. 5", "3.5", "e.g. ", "\"", "'", "”", "“", "(", ")",
            "’s", "n't", "é", "ß", "İ", "ﬁ", "日本語。", "👍🏽", "e\u{301}", "\u{200B}", "-",
            "—", ",", ";", ":", "www.example.Com", "name.Surname@host", "A", "Z.", "a.m.",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(piece(), 0..200).prop_map(|v| v.concat()),
        1 => any::<String>(),
        // Runs long enough to be cut at MAX_SENTENCE_BYTES.
        1 => (prop::collection::vec(piece(), 0..20), 4000usize..9000, prop::bool::ANY).prop_map(
            |(v, n, spaced)| {
                let unit = if spaced { "ab " } else { "ab" };
                format!("{}{}{}", v.concat(), unit.repeat(n / unit.len()), v.concat())
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn sentence_spans_are_ordered_disjoint_on_boundaries_and_cover_the_text(t in text()) {
        // Panics (and so fails, with the shrunk text) on any broken promise.
        let (spans, cuts) = checks::split_checked(&t);
        let tokenizer = stance::internals::tokens::Tokenizer::new(Default::default());
        for s in &spans {
            checks::check_tokens(s.text(&t), &tokenizer);
        }
        let over = t
            .split(['\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'])
            .any(|l| l.trim().len() > stance::internals::sentences::MAX_SENTENCE_BYTES);
        prop_assert!(cuts == 0 || over);
    }

    /// Dense in what the UAX #29 rules look at (terminators, closers, spaces, marks,
    /// format chars, upper and lower case, digits): the fast splitter against the full
    /// rules (`split_checked` compares them).
    #[test]
    fn fast_splitter_equals_full_rules_on_terminator_dense_text(
        t in "[aBz9 .!?\"')(“”’\u{301}\u{200b}\u{a0}。！…؟‼\u{2024}\u{fe52}\t,]{0,400}"
    ) {
        checks::split_checked(&t);
    }

    #[test]
    fn arbitrary_bytes_split_and_stream_without_loss(b in prop::collection::vec(any::<u8>(), 0..600)) {
        checks::split_tokenize(&b);
    }
}

fn tiny_model() -> &'static std::path::Path {
    // In cargo's scratch directory for tests (a temporary directory held in a static
    // would never be removed).
    static MODEL: OnceLock<std::path::PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("properties-tiny.model");
        let o = Command::new(BIN)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["train", "tests/data/tiny.csv", "-o", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        path
    })
}

fn classify_jsonl(input: &[u8], model: &std::path::Path) -> Vec<serde_json::Value> {
    let o = run_in(
        &["classify", "--format", "jsonl", "--model", s(model)],
        input,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    jsonl(&o.stdout)
}

proptest! {
    // Each case runs the binary, so fewer cases; the texts are long and varied.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_sentence_gets_one_record_whose_scores_sum_to_1(t in text()) {
        let spans = stance::internals::sentences::split(&t);
        let recs = classify_jsonl(t.as_bytes(), tiny_model());
        prop_assert_eq!(recs.len(), spans.len());
        for (i, (r, s)) in recs.iter().zip(&spans).enumerate() {
            prop_assert_eq!(r["sentence"].as_u64(), Some(i as u64));
            prop_assert_eq!(r["start"].as_u64(), Some(s.start as u64));
            prop_assert_eq!(r["end"].as_u64(), Some(s.end as u64));
            prop_assert_eq!(r["text"].as_str(), Some(s.text(&t)));
            let scores = r["scores"].as_object().unwrap();
            prop_assert_eq!(scores.len(), 4);
            let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
            prop_assert!((sum - 1.0).abs() < 1e-4, "scores {:?} sum to {}", scores, sum);
            prop_assert!(scores.contains_key(r["label"].as_str().unwrap()));
        }
    }
}
