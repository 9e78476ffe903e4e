//! The fuzz targets' code paths, built and run by `cargo test` (CI does not fuzz): the
//! bodies of `fuzz/fuzz_targets/*` (in `fuzz/checks.rs`) on seeds, on hand-made hostile
//! inputs, on systematic mutations of a real model file, and on every input a fuzzer
//! run ever crashed on (inlined as bytes, with the fix it led to).

#[path = "../fuzz/checks.rs"]
mod checks;

use stance::internals::input::Labelled;
use stance::internals::modelfile::{ModelData, MAX_MAGNITUDE};
use stance::{Classifier, TrainSettings};
use std::sync::OnceLock;

/// A small real model file (trained in-process on tests/data/tiny.csv).
fn tiny_model_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tiny.csv"));
        let mut d = Labelled::default();
        stance::internals::input::parse_labelled(&csv.unwrap(), &Default::default(), &mut d)
            .unwrap();
        let (m, _) = Classifier::train(
            &d.texts,
            &d.labels,
            &TrainSettings::default(),
            "tiny.csv",
            "2026-01-01",
        )
        .unwrap();
        m.to_bytes().unwrap()
    })
}

// ---- split_tokenize ----

#[test]
fn split_tokenize_on_seeds_and_edge_cases() {
    let article = include_bytes!("example-article.txt");
    let mut long_word = b"x".repeat(10_000);
    long_word.extend_from_slice(b" end. Next\n");
    let cases: Vec<&[u8]> = vec![
        b"",
        b"\n\n\r\n \t",
        article,
        b"\xff\xfe\x00\x01 binary \x00\x00. More\x85text\xc2\x85\xe2\x80\xa8x",
        b"Dr. J. R. Smith said... Well\xe2\x80\xa6 Maybe! \"Why?\" she asked.",
        b"\xe2\x80",        // a char cut short at the end
        b"a\r\rb\x0b\x0cc", // every kind of line break
        "e\u{301}\u{301}\u{301}. Ok".as_bytes(),
        &long_word,
    ];
    for c in cases {
        checks::split_tokenize(c);
    }
}

// ---- csv_reader ----

#[test]
fn csv_reader_on_hostile_files() {
    let many_cols = format!("{}\n", vec!["c"; 5000].join(","));
    let cases: Vec<&[u8]> = vec![
        b"",
        b"\xef\xbb\xbf",
        b"\xff\xfet\x00e\x00x\x00t\x00",
        b"text,label\n",
        b"text,label\r\na,b\r\n",
        b"text,label\n\"unclosed,x\n",
        b"text,label\na,\nb,\n",
        b"text,label\n,\n",
        b"text;label\na;b\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"text,label\na,b,c\n",
        b"text,text,label,label\na,b,c,d\n",
        b"\"te\"\"xt\",label\na,b\n",
        b"text,label\n\"a\"b,c\n",
        b"text,label\na,\"b\n\"\n",
        many_cols.as_bytes(),
    ];
    for c in cases {
        checks::csv_reader(c);
    }
}

// ---- model_loader / model_payload ----

#[test]
fn a_real_model_loads_and_scores() {
    checks::model_loader(tiny_model_bytes());
    checks::model_payload(&tiny_model_bytes()[24..]);
    checks::check_scores(&Classifier::builtin().unwrap());
}

#[test]
fn every_truncation_and_many_corruptions_of_a_model_are_refused_or_sound() {
    let good = tiny_model_bytes();
    for cut in (0..good.len())
        .step_by(97)
        .chain(good.len() - 30..good.len())
    {
        assert!(Classifier::from_bytes(&good[..cut]).is_err());
        checks::model_loader(&good[..cut]);
    }
    // Corruptions with a correct checksum reach the decoder and the shape checks.
    let payload = &good[24..];
    let mut p = payload.to_vec();
    // About 300 positions spread over the whole payload (each decode builds a model).
    for i in (0..p.len()).step_by((p.len() / 300).max(23)) {
        for flip in [0x01, 0x80, 0xFF] {
            p[i] ^= flip;
            checks::model_payload(&p);
            p[i] ^= flip;
        }
    }
}

/// Crafted model files: each must fail fast, without allocating what it declares.
#[test]
fn declared_sizes_are_checked_before_allocating() {
    let msg = |b: &[u8]| format!("{:#}", Classifier::from_bytes(b).unwrap_err());
    let good = tiny_model_bytes();

    // A 24-byte file declaring a 4 GiB payload.
    let mut h = good[..24].to_vec();
    h[12..20].copy_from_slice(&(4u64 << 30).to_le_bytes());
    assert!(
        msg(&h).contains("truncated (0 of 4294967296"),
        "{}",
        msg(&h)
    );
    h[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(msg(&h).contains("over the cap"), "{}", msg(&h));

    // A valid checksum over a payload declaring 2^60 labels (postcard varint): postcard
    // sees fewer bytes left than that and gives no size hint, so nothing is reserved.
    let huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
    let m = msg(&checks::wrap_payload(&huge));
    assert!(m.contains("malformed"), "{m}");

    // 10,001 empty labels: bytes enough for the count, but over the cap.
    let mut p = vec![0x91, 0x4E]; // varint 10001
    p.extend(std::iter::repeat_n(0u8, 10_001));
    let m = msg(&checks::wrap_payload(&p));
    assert!(
        m.contains("declares 10001 labels, over the cap of 10000"),
        "{m}"
    );

    // The real labels and settings, then a vocabulary declaring 2^40 terms.
    let data = ModelData::from_bytes(good).unwrap();
    let mut p = postcard::to_allocvec(&data.labels).unwrap();
    let rest = postcard::to_allocvec(&(data.tokenizer, data.tfidf)).unwrap();
    p.extend_from_slice(&rest);
    p.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    let m = msg(&checks::wrap_payload(&p));
    assert!(m.contains("malformed"), "{m}");
}

#[test]
fn weights_that_would_overflow_scoring_are_refused() {
    let good = ModelData::from_bytes(tiny_model_bytes()).unwrap();
    for (field, v) in [
        ("weight", f32::NAN),
        ("weight", 1e30),
        ("intercept", f32::INFINITY),
        ("idf value", -3e38),
        ("idf value", MAX_MAGNITUDE * 2.0),
    ] {
        let mut d = good.clone();
        match field {
            "weight" => d.weights[7] = v,
            "intercept" => d.intercepts[1] = v,
            _ => d.idf[3] = v,
        }
        // Saving refuses too, so no such file is ever written by stance itself.
        assert!(d.to_bytes().is_err());
        let payload = postcard::to_allocvec(&d).unwrap();
        let e = format!(
            "{:#}",
            Classifier::from_bytes(&checks::wrap_payload(&payload)).unwrap_err()
        );
        assert!(
            e.contains(field) && e.contains("not a finite number"),
            "{e}"
        );
    }
    // Why the cap: weights that are finite but huge overflow scoring to NaN.
    let mut d = good.clone();
    d.weights.iter_mut().for_each(|w| *w = 3e38);
    d.intercepts.iter_mut().for_each(|w| *w = 3e38);
    let (_, p) = Classifier::from_data(d)
        .unwrap()
        .predict("The season was great");
    assert!(p.iter().any(|v| !v.is_finite()), "{p:?}");
    // At the cap, scores are still probabilities that sum to 1.
    let mut d = good.clone();
    d.weights.iter_mut().for_each(|w| *w = MAX_MAGNITUDE);
    d.weights[0] = -MAX_MAGNITUDE;
    d.intercepts.iter_mut().for_each(|w| *w = -MAX_MAGNITUDE);
    d.idf.iter_mut().for_each(|w| *w = MAX_MAGNITUDE);
    checks::check_scores(&Classifier::from_data(d).unwrap());
}

// ---- crashes found by fuzzing (each inlined, with what it broke) ----
//
// A crash found goes here as a test calling its target's function on the inlined bytes.

/// `model_payload`, 2026-11-23, on model format 3: a payload whose list of words starts
/// with a control character (0x0b). `check_values` named the word as (words before it)
/// minus 1, which overflowed: a panic where overflow is checked (debug builds, fuzzing),
/// item 18446744073709551615 in the message elsewhere. Fixed by counting the line breaks
/// before it (commit f397d54).
#[test]
fn fuzz_crash_control_character_first_in_the_word_list() {
    checks::model_payload(&[
        0x01, 0x01, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xd9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x40, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]);
}
