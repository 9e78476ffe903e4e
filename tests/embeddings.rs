//! The semantic block: STVEC tables, training with them, model files that hold them.

mod common;

use common::*;
use stance::internals::features::embed::{write_table, Embedding, EmbeddingTable};
use stance::internals::features::TfidfConfig;
use stance::{Classifier, TrainSettings};
use std::borrow::Cow;
use std::sync::Arc;

/// A four-dimensional table: axis 0 is praise, 1 is blame, 2 the common words.
/// `superb` lies near `great` and `dreadful` near `awful`.
fn sense_table() -> Vec<u8> {
    let rows: &[(&str, [f32; 4])] = &[
        ("great", [1.0, 0.0, 0.1, 0.2]),
        ("superb", [0.9, 0.05, 0.1, -0.2]),
        ("awful", [0.0, 1.0, 0.1, 0.2]),
        ("dreadful", [0.05, 0.9, 0.1, -0.2]),
        ("the", [0.0, 0.0, 1.0, 0.0]),
        ("show", [0.0, 0.0, 0.8, 0.3]),
        ("was", [0.0, 0.0, 0.9, -0.1]),
        ("cast", [0.0, 0.0, 0.7, 0.4]),
    ];
    let keys: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let vecs: Vec<Vec<f32>> = rows.iter().map(|r| r.1.to_vec()).collect();
    let weights = vec![1.0; rows.len()];
    write_table(&keys, &weights, &vecs, "sense test table")
}

fn table(bytes: Vec<u8>) -> Arc<EmbeddingTable> {
    Arc::new(EmbeddingTable::from_bytes(Cow::Owned(bytes)).unwrap())
}

const POSITIVE: [&str; 5] = [
    "the show was great",
    "great cast",
    "a great season",
    "great",
    "it is great",
];
const CRITICISM: [&str; 5] = [
    "the show was awful",
    "awful cast",
    "an awful season",
    "awful",
    "it is awful",
];

fn train(embedding: Option<Embedding>, chars: bool) -> Classifier {
    let texts: Vec<&str> = POSITIVE.iter().chain(&CRITICISM).copied().collect();
    let labels: Vec<&str> = POSITIVE
        .iter()
        .map(|_| "positive")
        .chain(CRITICISM.iter().map(|_| "criticism"))
        .collect();
    let mut settings = TrainSettings {
        embedding,
        ..TrainSettings::default()
    };
    if !chars {
        settings.tfidf = TfidfConfig {
            char_min: 0,
            char_max: 0,
            ..TfidfConfig::default()
        };
    }
    Classifier::train(&texts, &labels, &settings, "test", "2026-12-03")
        .unwrap()
        .0
}

fn p(model: &Classifier, text: &str, label: &str) -> f32 {
    let c = model.labels().iter().position(|l| l == label).unwrap();
    model.predict(text).1[c]
}

/// A word TF-IDF never saw, whose vector lies near a trained word's, moves the
/// prediction toward that word's label; without the block it stays at the prior.
#[test]
fn the_block_carries_a_label_to_synonyms_tfidf_never_saw() {
    let e = Embedding::new(table(sense_table()), 1.0).unwrap();
    let with = train(Some(e), false);
    let without = train(None, false);
    for (text, label) in [
        ("superb", "positive"),
        ("the show was superb", "positive"),
        ("dreadful", "criticism"),
        ("the cast was dreadful", "criticism"),
    ] {
        let (a, b) = (p(&with, text, label), p(&without, text, label));
        assert!(
            a > 0.5 && a > b + 0.05,
            "{text:?}: {a} with the block, {b} without"
        );
    }
    // Unknown to both blocks: the two models agree on the prior.
    let (a, b) = (p(&with, "zzz", "positive"), p(&without, "zzz", "positive"));
    assert!((a - b).abs() < 0.05, "{a} {b}");
}

/// Rows of a table from a small deterministic generator.
fn spread_table(keys: &[&str], dim: usize) -> Vec<u8> {
    let mut x = 12345u64;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    let rows: Vec<Vec<f32>> = keys
        .iter()
        .map(|_| (0..dim).map(|_| next()).collect())
        .collect();
    let weights: Vec<f32> = keys.iter().map(|_| 0.5 + next()).collect();
    write_table(keys, &weights, &rows, "spread")
}

fn three_label_model(e: Embedding) -> Classifier {
    let rows = [
        ("A brilliant, moving season!", "positive"),
        ("The writing is sharp and the cast wonderful.", "positive"),
        ("A tedious mess of a season.", "criticism"),
        ("Dull, bloated and badly written...", "criticism"),
        ("Season three premieres in March.", "anticipation"),
        ("The show was renewed for another season.", "anticipation"),
    ];
    let (texts, labels): (Vec<&str>, Vec<&str>) = rows.iter().copied().unzip();
    let settings = TrainSettings {
        embedding: Some(e),
        ..TrainSettings::default()
    };
    Classifier::train(&texts, &labels, &settings, "test", "2026-12-03")
        .unwrap()
        .0
}

const KEYS: [&str; 14] = [
    "a",
    "season",
    "!",
    "the",
    "is",
    "and",
    "cast",
    "wonderful",
    "tedious",
    "mess",
    ".",
    "march",
    "renewed",
    "'s",
];

/// The fast scorer's probabilities are those of the model written out by hand: the
/// TF-IDF row's scores, plus the block's weights times the normalised sum of the
/// tokens' vectors (in f64), then the softmax.
#[test]
fn the_dense_score_is_the_reference_computation() {
    let t = table(spread_table(&KEYS, 24));
    let m = three_label_model(Embedding::new(t.clone(), 0.5).unwrap());
    let k = m.labels().len();
    let nf = m.tfidf().n_features();
    let w = m.dense_weights();
    assert_eq!(w.len(), 24 * k);
    let mut scratch = stance::internals::features::Scratch::default();
    let mut row = Vec::new();
    let mut word = String::new();
    for text in [
        "A wonderful season!",
        "It's a tedious mess, the cast is wonderful.",
        "Renewed in March.",
        "nothing known here",
        "",
    ] {
        m.tfidf().transform_into(text, &mut scratch, &mut row);
        let mut z = vec![0f32; k];
        m.model().scores_into(&row, &mut z);
        let mut z: Vec<f64> = z.into_iter().map(f64::from).collect();
        let mut v = [0f64; 24];
        stance::internals::tokens::for_each_surface(text, &mut word, true, |s| {
            if let Some(i) = t.lookup(s) {
                for (a, b) in v.iter_mut().zip(t.vector(i)) {
                    *a += f64::from(b);
                }
            }
        });
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            for (j, x) in v.iter().enumerate() {
                for (c, zc) in z.iter_mut().enumerate() {
                    *zc += 0.5 * x / norm * f64::from(w[j * k + c]);
                }
            }
        }
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|x| (x - max).exp()).sum();
        let want: Vec<f64> = z.iter().map(|x| (x - max).exp() / sum).collect();
        let got = m.predict(text).1;
        for (a, b) in got.iter().zip(&want) {
            assert!(
                (f64::from(*a) - b).abs() < 1e-5,
                "{text:?}: {got:?} vs {want:?}"
            );
        }
        // The whole row, block included, scored by the model, agrees too.
        let mut full = Vec::new();
        m.row_into(text, &mut stance::ScoreScratch::default(), &mut full);
        assert!(full.iter().all(|&(f, _)| (f as usize) < nf + 24));
        let mut q = vec![0f32; k];
        m.model().probabilities_into(&full, &mut q);
        for (a, b) in got.iter().zip(&q) {
            assert!((a - b).abs() < 1e-5, "{text:?}: {got:?} vs {q:?}");
        }
    }
}

/// A model with a table from a file holds the table: it saves, loads and scores the
/// same, bit for bit, and saves the same bytes again.
#[test]
fn a_model_with_an_embedded_table_round_trips() {
    let m = three_label_model(Embedding::new(table(spread_table(&KEYS, 8)), 0.25).unwrap());
    let bytes = m.to_bytes().unwrap();
    assert_eq!(&bytes[8..12], &4u32.to_le_bytes(), "version 4");
    let back = Classifier::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    let e = back.embedding().unwrap();
    assert!(!e.table.is_builtin() && e.weight == 0.25 && e.dim() == 8);
    for text in ["A wonderful season!", "the mess", "", "zzz"] {
        assert_eq!(back.predict(text), m.predict(text), "{text:?}");
    }
    // Through a file too.
    let dir = tmp();
    let path = dir.path().join("e.model");
    m.save(&path).unwrap();
    let loaded = Classifier::load(&path).unwrap();
    assert_eq!(
        loaded.predict("A wonderful season!"),
        m.predict("A wonderful season!")
    );
}

/// A model with the built-in table refers to it (the file stays small) and checks its
/// CRC when loaded.
#[test]
fn a_model_with_the_builtin_table_refers_to_it_by_crc() {
    let t = EmbeddingTable::builtin().unwrap();
    let m = three_label_model(Embedding::new(t, 0.25).unwrap());
    let bytes = m.to_bytes().unwrap();
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let back = Classifier::from_bytes(&bytes).unwrap();
    assert!(back.embedding().unwrap().table.is_builtin());
    assert_eq!(back.predict("A fine season."), m.predict("A fine season."));
    let mut data = m.to_data();
    if let Some(stance::internals::modelfile::EmbeddingData {
        table: stance::internals::modelfile::TableRef::Builtin { crc, .. },
        ..
    }) = &mut data.embedding
    {
        *crc ^= 1;
    } else {
        panic!("a reference to the built-in table");
    }
    let e = Classifier::from_bytes(&data.to_bytes().unwrap()).unwrap_err();
    assert!(format!("{e:#}").contains("CRC"), "{e:#}");
}

/// Training without the flag and with `--embeddings none` writes the same bytes, a
/// version 3 file (the format from before the block).
#[test]
fn no_block_is_the_old_format_byte_for_byte() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a.model"), dir.path().join("b.model"));
    let o = run(&["train", TINY, "-o", s(&a), "--date", "2026-01-01"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(&[
        "train",
        TINY,
        "-o",
        s(&b),
        "--date",
        "2026-01-01",
        "--embeddings",
        "none",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(a, b);
    assert_eq!(&a[8..12], &3u32.to_le_bytes());
}

/// The command line trains, inspects, evaluates and cross-validates with a table file;
/// a damaged or missing table is one error line naming the file.
#[test]
fn the_command_line_uses_a_table_file_and_refuses_a_bad_one() {
    let dir = tmp();
    let keys = [
        "the",
        "season",
        "was",
        "a",
        "great",
        "show",
        "!",
        ".",
        "wonderful",
    ];
    let good = write(dir.path(), "t.stvec", &spread_table(&keys, 6));
    let model = dir.path().join("m.model");
    let o = run(&[
        "train",
        TINY,
        "-o",
        s(&model),
        "--embeddings",
        s(&good),
        "--embedding-weight",
        "0.5",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(&["inspect", s(&model), "--top", "2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("semantic  embedded table, 9 words x 6 dims"),
        "{}",
        o.stdout
    );
    let o = run(&["evaluate", TINY, "-m", s(&model)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(&["cv", TINY, "--folds", "3", "--embeddings", s(&good)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x40;
    let bad = write(dir.path(), "bad.stvec", &bytes);
    let out = dir.path().join("x.model");
    for (table, needle) in [
        (s(&bad).to_string(), "checksum"),
        (
            dir.path().join("absent.stvec").display().to_string(),
            "cannot read",
        ),
        (s(dir.path()).to_string(), "is a directory"),
    ] {
        let o = run(&["train", TINY, "-o", s(&out), "--embeddings", &table]);
        one_line_error(&o, needle);
        assert!(o.stderr.contains(&table), "{}", o.stderr);
    }
    let o = run(&[
        "train",
        TINY,
        "-o",
        s(&out),
        "--embeddings",
        s(&good),
        "--embedding-weight",
        "0",
    ]);
    one_line_error(&o, "--embedding-weight");
    assert!(!out.exists());
}

/// `--explain` counts the block as one term, `[semantic block]`, when it is what
/// carries a synonym's label.
#[test]
fn explain_names_the_block_as_one_term() {
    let e = Embedding::new(table(sense_table()), 1.0).unwrap();
    let m = train(Some(e), false);
    let c = m.labels().iter().position(|l| l == "positive").unwrap();
    let terms = m.explain_text("superb", &mut stance::ScoreScratch::default(), c, 5);
    assert_eq!(terms.len(), 1, "{terms:?}");
    assert_eq!(terms[0].0, "[semantic block]");
    assert!(terms[0].1 > 0.0);
}
