//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` (run by
//! `cargo fuzz`) and `tests/fuzz_regressions.rs` (built and run by `cargo test`, so CI
//! compiles every fuzzed code path and replays every crash the fuzzer ever found).
//!
//! Each function takes arbitrary bytes and panics only when an invariant breaks.

#![allow(dead_code)]

use stance::internals::input::{self as data, Columns, Labelled};
use stance::internals::input::{decode_lossy, LineReader};
use stance::internals::modelfile::{self, ModelData};
use stance::internals::sentences::{self, Span, MAX_SENTENCE_BYTES};
use stance::internals::tokens::{Tokenizer, TokenizerConfig};
use stance::Classifier;

/// Line breaks of the splitter: a sentence never contains one.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Checks the splitter's promises about `spans` of `text`: in order, not overlapping,
/// on char boundaries, non-empty, trimmed, no line break inside, at most
/// `MAX_SENTENCE_BYTES` long, and together covering every non-whitespace char.
pub fn check_spans(text: &str, spans: &[Span]) {
    let mut prev_end = 0;
    for (i, s) in spans.iter().enumerate() {
        assert!(s.start < s.end, "span {i} {s:?} is empty");
        assert!(
            s.start >= prev_end,
            "span {i} {s:?} overlaps or is out of order"
        );
        assert!(s.end <= text.len(), "span {i} {s:?} runs past the text");
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "span {i} {s:?} is not on char boundaries"
        );
        assert!(s.len() <= MAX_SENTENCE_BYTES, "span {i} {s:?} is too long");
        let t = s.text(text);
        assert_eq!(t, t.trim(), "span {i} {s:?} is not trimmed");
        assert!(
            !t.contains(is_line_break),
            "span {i} {s:?} has a line break"
        );
        // Everything between two spans is whitespace.
        let gap = &text[prev_end..s.start];
        assert!(
            gap.chars().all(char::is_whitespace),
            "text {prev_end}..{} lost: {gap:?}",
            s.start
        );
        prev_end = s.end;
    }
    let tail = &text[prev_end..];
    assert!(
        tail.chars().all(char::is_whitespace),
        "text {prev_end}.. lost: {tail:?}"
    );
}

/// Splits and checks, returning the spans and how many overlong runs were cut.
pub fn split_checked(text: &str) -> (Vec<Span>, usize) {
    let mut spans = Vec::new();
    let cuts = sentences::split_counting_cuts(text, &mut spans);
    check_spans(text, &spans);
    assert_eq!(
        spans,
        sentences::split(text),
        "split and split_counting_cuts differ"
    );
    // The fast splitter against the full UAX #29 rules on every chunk.
    let mut full = Vec::new();
    let full_cuts = sentences::reference::split_counting_cuts(text, &mut full);
    assert_eq!(
        (&spans, cuts),
        (&full, full_cuts),
        "the fast splitter and the reference differ on {text:?}"
    );
    let longest_line = text.split(is_line_break).map(str::len).max().unwrap_or(0);
    if longest_line <= MAX_SENTENCE_BYTES {
        assert_eq!(cuts, 0, "a cut reported where no line is over the limit");
    }
    if cuts == 0 {
        // Nothing was cut, so no two sentences can be glued back into an overlong one.
        assert!(spans.iter().all(|s| s.len() <= MAX_SENTENCE_BYTES));
    }
    (spans, cuts)
}

/// Tokenizes one sentence, checking every token is non-empty and has no whitespace.
pub fn check_tokens(sentence: &str, tokenizer: &Tokenizer) {
    let mut word = String::new();
    let mut n = 0;
    tokenizer.for_each_surface(sentence, &mut word, |t| {
        assert!(!t.is_empty(), "empty token in {sentence:?}");
        assert!(
            !t.contains(char::is_whitespace),
            "token {t:?} has whitespace"
        );
        n += 1;
    });
    let stems = tokenizer.tokens(sentence);
    assert_eq!(stems.len(), n, "stemming changed the token count");
}

/// Target `split_tokenize`: arbitrary bytes, read both as the whole text (lossy UTF-8)
/// and as `classify` reads them (LineReader with a small line cap chosen by the first
/// byte), split into sentences and tokenized.
pub fn split_tokenize(data: &[u8]) {
    let tokenizer = Tokenizer::new(TokenizerConfig::default());
    let text = String::from_utf8_lossy(data);
    let (spans, _) = split_checked(&text);
    for s in &spans {
        check_tokens(s.text(&text), &tokenizer);
    }

    // The streaming path: lines tile the input, offsets map back to the raw bytes.
    let max_line = 8 + data.first().map_or(0, |&b| b as usize) * 4;
    let mut reader = LineReader::with_max_line(data, max_line);
    // The same input read again into one reused `Line` must give the same lines.
    let mut again = LineReader::with_max_line(data, max_line);
    let mut reused = stance::internals::input::Line::default();
    let mut pos = 0u64;
    let mut spans = Vec::new();
    while let Some(line) = reader.next_line().expect("reading a slice cannot fail") {
        assert!(again
            .read_line(&mut reused)
            .expect("reading a slice cannot fail"));
        assert_eq!(
            reused, line,
            "read_line into a reused Line differs from next_line"
        );
        assert_eq!(line.offset, pos, "line does not start where the last ended");
        let raw_end = line.raw_offset(line.text.len());
        assert!(raw_end as usize <= data.len());
        let raw = &data[line.offset as usize..raw_end as usize];
        assert!(raw.len() <= max_line.max(8), "line over the cap");
        assert!(!raw.contains(&b'\n'), "line holds a line feed");
        assert_eq!(
            decode_lossy(raw).0,
            line.text,
            "line text is not its raw bytes"
        );
        pos = raw_end;
        if data.get(pos as usize) == Some(&b'\n') && !line.cut {
            pos += 1;
        }
        spans.clear();
        sentences::split_into(&line.text, &mut spans);
        check_spans(&line.text, &spans);
        let mut prev = line.offset;
        for s in &spans {
            let (a, b) = (line.raw_offset(s.start), line.raw_offset(s.end));
            assert!(
                prev <= a && a < b && b <= raw_end,
                "raw offsets out of order"
            );
            prev = b;
        }
    }
    assert!(!again
        .read_line(&mut reused)
        .expect("reading a slice cannot fail"));
    assert_eq!(pos as usize, data.len(), "the lines do not cover the input");
}

/// Target `csv_reader`: arbitrary bytes as a labelled CSV file. Ok or Err, never a
/// panic; rows read are whole (a non-blank text and a trimmed, non-empty label each).
pub fn csv_reader(data: &[u8]) {
    let mut out = Labelled::default();
    let cols = Columns::default();
    match data::parse_labelled(data, &cols, &mut out) {
        Ok(()) => {
            assert_eq!(out.texts.len(), out.labels.len());
            for (t, l) in out.texts.iter().zip(&out.labels) {
                assert!(!t.trim().is_empty(), "blank text accepted");
                assert!(!l.is_empty() && l.trim() == l, "bad label {l:?} accepted");
            }
            let _ = data::check_trainable(&out, "fuzz.csv");
        }
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(!msg.is_empty());
            assert!(msg.len() < 4096, "error message of {} bytes", msg.len());
        }
    }
}

const PROBES: [&str; 4] = [
    "The new season premieres in March and I cannot wait!",
    "Dull, bloated and badly written.",
    "",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 ? !",
];

/// Scores sentences with a model that loaded, checking every score is a probability
/// and they sum to 1.
pub fn check_scores(model: &Classifier) {
    let k = model.labels().len();
    assert!(k >= 2);
    for p in PROBES {
        let (label, scores) = model.predict(p);
        assert_eq!(scores.len(), k);
        assert!(label < k);
        assert!(
            scores
                .iter()
                .all(|s| s.is_finite() && (0.0..=1.0).contains(s)),
            "scores {scores:?} are not probabilities"
        );
        let sum: f32 = scores.iter().sum();
        assert!((sum - 1.0).abs() < 1e-3, "scores {scores:?} sum to {sum}");
    }
}

/// Target `model_loader`: arbitrary bytes as a model file. A clear error, or a model
/// that scores sentences with probabilities summing to 1.
pub fn model_loader(data: &[u8]) {
    match Classifier::from_bytes(data) {
        Ok(model) => check_scores(&model),
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.starts_with("model file") || msg.starts_with("not a stance model"));
            assert!(msg.len() < 4096, "error message of {} bytes", msg.len());
        }
    }
}

/// Wraps a payload in a correct header and checksum.
pub fn wrap_payload(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + payload.len());
    out.extend_from_slice(modelfile::MAGIC);
    out.extend_from_slice(&modelfile::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// CRC-32 (IEEE), as the model file uses (kept here so the checks need no extra crate).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Target `model_payload`: arbitrary bytes as the payload of a model file with a
/// correct header and checksum, so every input reaches the decoder and shape checks.
pub fn model_payload(data: &[u8]) {
    let file = wrap_payload(data);
    model_loader(&file);
    if let Ok(d) = ModelData::from_bytes(&file) {
        // What decodes re-encodes, and decodes again to the same bytes.
        let bytes = d.to_bytes().expect("re-encode");
        let again = ModelData::from_bytes(&bytes).expect("re-decode");
        assert_eq!(again.to_bytes().expect("re-encode"), bytes);
    }
}
