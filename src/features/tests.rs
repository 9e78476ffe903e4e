//! Tests of the whole featurizer: fitting a vocabulary, then featurizing with it.

use super::chars::tests::grams;
use super::fit::smoothed_idf;
use super::*;
use crate::tokens::{Tokenizer, TokenizerConfig};
use std::collections::HashMap;

/// Word n-grams only.
fn cfg(min_df: u32, max_df: f64, max_features: Option<u32>) -> TfidfConfig {
    TfidfConfig {
        min_df,
        max_df,
        max_features,
        char_min: 0,
        char_max: 0,
        ..TfidfConfig::default()
    }
}

/// The default settings with character n-grams of `min..=max` characters.
fn with_chars(min: u8, max: u8) -> TfidfConfig {
    TfidfConfig {
        char_min: min,
        char_max: max,
        ..TfidfConfig::default()
    }
}

#[test]
fn char_block_follows_words_and_is_normalised_on_its_own() {
    let c = with_chars(3, 3);
    let t = Tfidf::fit(&["goodness me", "bad"], TokenizerConfig::default(), c).unwrap();
    let n_words = t.terms().len();
    assert!(t.char_terms().contains("goo"));
    assert!(t.char_terms().contains(" me"));
    assert_eq!(t.n_features(), n_words + t.char_terms().len());
    assert_eq!(t.idf().len(), t.n_features());
    // "goo" is not a word term, but shares " go" and "goo" with "goodness".
    let mut row = Vec::new();
    t.transform_into("goo", &mut Scratch::default(), &mut row);
    assert!(row.iter().all(|p| p.0 as usize >= n_words));
    let names: Vec<String> = row.iter().map(|p| t.feature_name(p.0 as usize)).collect();
    assert_eq!(names, ["[_go]", "[goo]"]);
    let norm: f32 = row.iter().map(|p| p.1 * p.1).sum();
    assert!((norm - 1.0).abs() < 1e-5);
    // Both blocks: each has unit norm, words first.
    t.transform_into("bad goodness", &mut Scratch::default(), &mut row);
    let split = row.iter().position(|p| p.0 as usize >= n_words).unwrap();
    assert!(row[split..].iter().all(|p| p.0 as usize >= n_words));
    let w: f32 = row[..split].iter().map(|p| p.1 * p.1).sum();
    let ch: f32 = row[split..].iter().map(|p| p.1 * p.1).sum();
    assert!(
        (w - 1.0).abs() < 1e-5 && (ch - 1.0).abs() < 1e-5,
        "{w} {ch}"
    );
}

#[test]
fn char_block_sums_word_vectors_over_their_norms() {
    let c = with_chars(2, 2);
    let t = Tfidf::fit(&["aaa ab"], TokenizerConfig::default(), c).unwrap();
    let mut row = Vec::new();
    t.transform_into("aaa ab", &mut Scratch::default(), &mut row);
    let value = |g: &str| {
        let f = t.terms().len() + t.char_terms().iter().position(|x| x == g).unwrap();
        row.iter().find(|p| p.0 as usize == f).unwrap().1
    };
    // All n-grams have the same idf (one document). "aaa" is " a" + 2 "aa" + "a ",
    // "ab" is " a" + "ab" + "b ": squared norms 1 + 4 + 1 and 1 + 1 + 1, idf² apart.
    let idf = t.idf()[t.terms().len()];
    let norm = idf * (6.0f32 + 3.0).sqrt();
    for (g, count) in [
        (" a", 2.0),
        ("aa", 2.0),
        ("a ", 1.0),
        ("ab", 1.0),
        ("b ", 1.0),
    ] {
        assert!(
            (value(g) - count * idf / norm).abs() < 1e-6,
            "{g:?}: {} vs {}",
            value(g),
            count * idf / norm
        );
    }
}

/// Training text with the vocabulary's awkward cases: stems that are prefixes of
/// others (`a`, `ab`, `a-b` splits to `a` `b`), punctuation tokens, non-ASCII
/// letters, words repeated within a sentence, one-letter words.
const AWKWARD: [&str; 8] = [
    "A b ab a-b abc!",
    "ab a b? a b a",
    "Café cafés café x y z",
    "it's x-y ... -- z x y",
    "runner runs run, running?",
    "Ünïcode über x über",
    "b a ab abc a",
    "zz z z, y",
];

/// Document frequencies counted the plain way: each sentence's terms as text
/// (stems joined by spaces) and its character n-grams, each once a sentence.
fn plain_df(docs: &[&str], config: &TfidfConfig) -> (HashMap<String, u32>, HashMap<String, u32>) {
    let tok = Tokenizer::new(TokenizerConfig::default());
    let (mut words, mut chars) = (HashMap::new(), HashMap::new());
    for doc in docs {
        let stems = tok.tokens(doc);
        let mut terms = std::collections::BTreeSet::new();
        for n in config.ngram_min..=config.ngram_max {
            for w in stems.windows(n as usize) {
                terms.insert(w.join(" "));
            }
        }
        let mut grams = std::collections::BTreeSet::new();
        let mut word = String::new();
        tok.for_each_surface(doc, &mut word, |s| {
            grams.extend(self::grams(s, config.char_min, config.char_max));
        });
        for t in terms {
            *words.entry(t).or_insert(0) += 1;
        }
        for g in grams {
            *chars.entry(g).or_insert(0) += 1;
        }
    }
    (words, chars)
}

/// The vocabulary is what counting each term by its text gives: the terms kept by
/// min_df, max_df and max_features (the most frequent, ties by text), sorted as
/// strings, with their idf.
#[test]
fn vocabulary_is_the_plain_count_of_each_term() {
    let configs = [
        with_chars(2, 4),
        TfidfConfig {
            ngram_max: 3,
            min_df: 2,
            ..with_chars(1, 3)
        },
        TfidfConfig {
            ngram_min: 2,
            ngram_max: 3,
            max_df: 0.3,
            ..cfg(1, 1.0, None)
        },
        cfg(1, 1.0, Some(7)),
    ];
    let n = AWKWARD.len();
    for config in configs {
        let t = Tfidf::fit(&AWKWARD, TokenizerConfig::default(), config).unwrap();
        let (words, chars) = plain_df(&AWKWARD, &config);
        let keep = |df: &HashMap<String, u32>, cap: Option<u32>| {
            let max = (config.max_df * n as f64).floor() as u32;
            let mut kept: Vec<(String, u32)> = df
                .iter()
                .map(|(t, &d)| (t.clone(), d))
                .filter(|&(_, d)| d >= config.min_df && (config.max_df >= 1.0 || d <= max))
                .collect();
            kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            kept.truncate(cap.map_or(usize::MAX, |c| c as usize));
            kept.sort();
            kept
        };
        let (w, c) = (keep(&words, config.max_features), keep(&chars, None));
        let names: Vec<&str> = w.iter().chain(&c).map(|p| p.0.as_str()).collect();
        let got: Vec<&str> = t.terms().iter().chain(t.char_terms().iter()).collect();
        assert_eq!(got, names, "{config:?}");
        let idf: Vec<f32> = w.iter().chain(&c).map(|p| smoothed_idf(n, p.1)).collect();
        assert_eq!(t.idf(), idf, "{config:?}");
    }
}

/// The scratch `fit_with_scratch` gives, its cache already full of the training
/// words, featurizes any text as a fresh scratch does, pruned words and n-grams
/// included.
#[test]
fn scratch_from_fitting_gives_the_rows_of_a_fresh_one() {
    let config = TfidfConfig {
        min_df: 2,
        ..with_chars(2, 3)
    };
    let (t, mut warm) =
        Tfidf::fit_with_scratch(&AWKWARD, TokenizerConfig::default(), config).unwrap();
    assert!(warm.n_entries() > 20);
    let mut cold = Scratch::default();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for text in AWKWARD.iter().chain(&["new words, café ab", "x y z zz"]) {
        t.transform_into(text, &mut warm, &mut a);
        t.transform_into(text, &mut cold, &mut b);
        assert_eq!(a, b, "{text}");
    }
}

/// A full cache starts over keeping its first entries (at most half), and rows
/// stay those of a fresh cache throughout.
#[test]
fn full_cache_keeps_its_first_entries() {
    let docs = [
        "the good show was very good",
        "a bad dull season, badly written",
        "the cast was great and the show moved fast",
    ];
    let t = Tfidf::fit(&docs, TokenizerConfig::default(), with_chars(2, 3)).unwrap();
    let mut small = Scratch::with_cache_limit(6);
    let (mut row, mut want) = (Vec::new(), Vec::new());
    let mut starts = Vec::new();
    for text in docs.iter().chain(&docs).chain(&["unseen words here now"]) {
        let (generation, held) = (small.generation(), small.n_entries());
        t.transform_into(text, &mut small, &mut row);
        t.transform_into(text, &mut Scratch::default(), &mut want);
        assert_eq!(row.len(), want.len(), "{text:?}");
        for (a, b) in row.iter().zip(&want) {
            assert!(
                a.0 == b.0 && (a.1 - b.1).abs() < 1e-6,
                "{text:?}: {a:?} {b:?}"
            );
        }
        if small.generation() != generation {
            starts.push((held, small.kept()));
        }
    }
    // The cache started over whenever it held 6 words or more, keeping half.
    assert!(starts.len() >= 3, "{starts:?}");
    assert!(
        starts
            .iter()
            .all(|&(held, kept)| held >= 6 && kept == held / 2),
        "{starts:?}"
    );
}

#[test]
fn vocabulary_has_unigrams_and_bigrams_sorted() {
    let t = Tfidf::fit(
        &["good show", "bad show"],
        TokenizerConfig::default(),
        cfg(1, 1.0, None),
    )
    .unwrap();
    assert_eq!(
        t.terms().to_vec(),
        ["bad", "bad show", "good", "good show", "show"]
    );
}

#[test]
fn min_df_max_df_and_max_features_prune() {
    let docs = ["good show", "bad show", "good plot"];
    let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(2, 1.0, None)).unwrap();
    assert_eq!(t.terms().to_vec(), ["good", "show"]);
    let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(1, 0.5, None)).unwrap();
    assert!(!t.terms().contains("show"));
    assert!(t.terms().contains("bad show"));
    let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(1, 1.0, Some(2))).unwrap();
    assert_eq!(t.terms().to_vec(), ["good", "show"]);
}

#[test]
fn idf_is_smoothed() {
    let t = Tfidf::fit(&["a b", "a"], TokenizerConfig::default(), cfg(1, 1.0, None)).unwrap();
    let idf_a = t.idf()[t.terms().iter().position(|x| x == "a").unwrap()];
    let idf_b = t.idf()[t.terms().iter().position(|x| x == "b").unwrap()];
    assert!((idf_a - 1.0).abs() < 1e-6);
    assert!((idf_b - ((3.0f32 / 2.0).ln() + 1.0)).abs() < 1e-6);
}

#[test]
fn rows_are_sublinear_and_l2_normalised() {
    let t = Tfidf::fit(
        &["good good good bad", "x"],
        TokenizerConfig::default(),
        cfg(1, 1.0, None),
    )
    .unwrap();
    let mut row = Vec::new();
    t.transform_into(
        "good good good bad unseen",
        &mut Scratch::default(),
        &mut row,
    );
    let norm: f32 = row.iter().map(|p| p.1 * p.1).sum();
    assert!((norm - 1.0).abs() < 1e-5);
    let f = |term: &str| t.terms().iter().position(|x| x == term).unwrap() as u32;
    let good = row.iter().find(|p| p.0 == f("good")).unwrap().1;
    let bad = row.iter().find(|p| p.0 == f("bad")).unwrap().1;
    // same idf, tf 3 vs 1: ratio is 1 + ln 3
    assert!((good / bad - (1.0 + 3.0f32.ln())).abs() < 1e-4);
    // the bigram "bad unseen" is not in the vocabulary; "good good" is
    assert!(row.iter().any(|p| p.0 == f("good good")));
    let mut ids: Vec<u32> = row.iter().map(|p| p.0).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), row.len(), "each feature once");
}

#[test]
fn unknown_text_gives_an_empty_row() {
    let t = Tfidf::fit(
        &["good show"],
        TokenizerConfig::default(),
        cfg(1, 1.0, None),
    )
    .unwrap();
    let mut row = vec![(9, 9.0)];
    t.transform_into("zzz qqq", &mut Scratch::default(), &mut row);
    assert!(row.is_empty());
}

#[test]
fn stems_join_inflected_forms() {
    let t = Tfidf::fit(
        &["renewed shows"],
        TokenizerConfig::default(),
        cfg(1, 1.0, None),
    )
    .unwrap();
    let m = t.transform_batch(&["renewing show", "renewed shows"], Scratch::default());
    assert_eq!(m.row(0), m.row(1));
}

#[test]
fn fitting_numbers_stems_as_terms_given_as_text_do() {
    // Fitting makes its stems and keys from ranks; `from_terms` from the text.
    for (min, max) in [(1, 1), (1, 2), (1, 3), (2, 3)] {
        let c = TfidfConfig {
            ngram_min: min,
            ngram_max: max,
            ..TfidfConfig::default()
        };
        let tc = TokenizerConfig::default();
        let fitted = Tfidf::fit(&AWKWARD, tc, c).unwrap();
        let terms = TermList::from_terms(&fitted.terms().to_vec());
        let none = TermList::from_terms::<&str>(&[]);
        let idf = fitted.idf()[..fitted.n_terms()].to_vec();
        let c_words = TfidfConfig {
            char_min: 0,
            char_max: 0,
            ..c
        };
        let given = Tfidf::from_terms(tc, c_words, terms, none, idf).unwrap();
        assert_eq!(
            given.stems().to_vec(),
            fitted.stems().to_vec(),
            "{min}-{max}"
        );
        assert_eq!(given.term_keys(), fitted.term_keys(), "{min}-{max}");
    }
}

#[test]
fn trigrams_when_asked() {
    let c = TfidfConfig {
        ngram_max: 3,
        ..cfg(1, 1.0, None)
    };
    let t = Tfidf::fit(&["not very good"], TokenizerConfig::default(), c).unwrap();
    assert!(t.terms().contains("not veri good"));
}
