//! Stage 2: tokens.
//!
//! Turns a sentence into normalised word tokens:
//! - Unicode lower-casing;
//! - curly quotes and apostrophes folded to `'` and `"`;
//! - contractions split one way, the Penn Treebank way the public data sets use
//!   (`don't` → `do` `not`, `can't` → `ca` `not`, `it's` → `it` `'s`), so raw text and
//!   pre-tokenised text (`do n't`, `it 's`) give the same tokens; `n't` becomes `not`;
//! - words glued where markup was stripped (`aboutJessica`) split at a lower-to-upper
//!   case boundary;
//! - `!` and `?` kept as tokens (they carry stance); with `punctuation` (the default)
//!   other punctuation is kept too, one token per mark (`,` `(` `"` `:`), a run of dots
//!   as `...` and of hyphens as `--` (the Unicode ellipsis and dashes fold to these),
//!   except a single mark joining two letters or digits (`well-made`, `U.S`, `3.5`),
//!   which splits the word, so raw and pre-tokenised text give the same tokens;
//! - Snowball English stemming (rust-stemmers), applied by [`Tokenizer::stem`].
//!
//! [`for_each_surface`] does everything but stemming and allocates nothing per token,
//! so the scoring hot path can cache the stem of each distinct surface form.

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Tokenizer settings, stored in the model file; the default stems and keeps
/// punctuation (`stance train --no-stem`, `--no-punctuation` turn them off).
///
/// ```
/// let mut s = stance::TrainSettings::default();
/// assert!(s.tokenizer.stem && s.tokenizer.punctuation);
/// s.tokenizer = stance::TokenizerConfig { stem: false, punctuation: true };
/// assert!(s.check().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    /// Apply Snowball English stemming.
    pub stem: bool,
    /// Keep punctuation marks as tokens (`!` and `?` are always kept).
    pub punctuation: bool,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        TokenizerConfig {
            stem: true,
            punctuation: true,
        }
    }
}

/// Clitics split off the end of a word (after the apostrophe).
const CLITICS: [&str; 6] = ["s", "re", "ve", "ll", "d", "m"];

fn fold_apostrophe(c: char) -> Option<char> {
    match c {
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{00B4}' => Some('\''),
        _ => None,
    }
}

/// What an ASCII byte is to the tokenizer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Apostrophe,
    /// `!` and `?`: always tokens.
    Mark,
    /// Other punctuation: a token when punctuation is kept.
    Punct,
    Separator,
}

const fn ascii_classes() -> [Class; 128] {
    let mut t = [Class::Separator; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'a'..=b'z' => Class::Lower,
            b'A'..=b'Z' => Class::Upper,
            b'0'..=b'9' => Class::Digit,
            b'\'' | b'`' => Class::Apostrophe,
            b'!' | b'?' => Class::Mark,
            b'!'..=b'/' | b':'..=b'@' | b'['..=b'`' | b'{'..=b'~' => Class::Punct,
            _ => Class::Separator,
        };
        b += 1;
    }
    t
}

static ASCII: [Class; 128] = ascii_classes();

/// Per byte: whether it is an ASCII lower-case letter or digit (the tokenizer's run).
static RUN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = matches!(ASCII[b], Class::Lower | Class::Digit);
        b += 1;
    }
    t
};

/// Each byte's top bit.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Each of `x`'s bytes (little-endian) plus `n`.
const fn ones(n: u8) -> u64 {
    0x0101_0101_0101_0101 * n as u64
}

/// Where the run of [`RUN`] bytes from `i` ends (`bytes.len()` at the latest), looking
/// at eight bytes at a time.
#[inline(always)]
fn run_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        let x = match bytes.get(i..i + 8) {
            Some(eight) => u64::from_le_bytes(eight.try_into().unwrap()),
            // The last few bytes: the text's last eight, shifted so the bytes past its
            // end read as 0 (not a run byte). Shorter texts go a byte at a time.
            None if bytes.len() >= 8 => {
                let last = &bytes[bytes.len() - 8..];
                u64::from_le_bytes(last.try_into().unwrap()) >> (8 * (i + 8 - bytes.len()))
            }
            None => {
                while i < bytes.len() && RUN[bytes[i] as usize] {
                    i += 1;
                }
                return i;
            }
        };
        let stop = !run_bytes(x) & HIGH;
        if stop != 0 {
            return (i + stop.trailing_zeros() as usize / 8).min(bytes.len());
        }
        i += 8;
    }
    i
}

/// The top bit of each byte of `x` that is an ASCII lower-case letter or digit.
#[inline(always)]
fn run_bytes(x: u64) -> u64 {
    let low = x & !HIGH;
    // A byte's top bit after adding `0x80 - lo` says it is at least `lo` (no carry
    // leaves a byte: 7-bit values).
    let at_least = |lo: u8| low.wrapping_add(ones(0x80 - lo));
    let letter = at_least(b'a') & !at_least(b'z' + 1);
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    (letter | digit) & !x & HIGH
}

/// The tokenizer's class of any character.
#[inline(always)]
fn class_of(c: char) -> Class {
    if c.is_ascii() {
        ASCII[c as usize]
    } else {
        class_of_other(c)
    }
}

/// [`class_of`] a character outside ASCII.
fn class_of_other(c: char) -> Class {
    if fold_apostrophe(c).is_some() {
        Class::Apostrophe
    } else if c.is_alphanumeric() {
        if c.is_uppercase() {
            Class::Upper
        } else if c.is_lowercase() {
            Class::Lower
        } else {
            Class::Digit
        }
    } else if c.is_whitespace() || c.is_control() || is_invisible(c) {
        Class::Separator
    } else {
        Class::Punct
    }
}

/// Format characters that render as nothing (zero-width spaces and joiners, soft
/// hyphens, byte-order marks): never tokens.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// The token a punctuation mark stands for, folding typographic forms: a run of dots
/// or an ellipsis is `...`, of two or more hyphens or a dash is `--`, curly or angled
/// double quotes are `"`. `run` is how many times `c` repeats from here.
fn punct_token(c: char, run: usize, buf: &mut [u8; 4]) -> &str {
    match c {
        '.' if run > 1 => "...",
        '\u{2026}' => "...",
        '-' if run > 1 => "--",
        '\u{2012}'..='\u{2015}' | '\u{2E3A}' | '\u{2E3B}' => "--",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => "\"",
        _ => c.encode_utf8(buf),
    }
}

/// Calls `emit` with each normalised (lower-cased, folded, contraction-split) surface
/// token of `text`, in order; punctuation tokens too when `punctuation` is set. `word`
/// is scratch space, reused between calls.
///
/// ASCII bytes take a table-driven fast path; other characters are decoded and
/// classified with Unicode's rules.
pub fn for_each_surface(
    text: &str,
    word: &mut String,
    punctuation: bool,
    mut emit: impl FnMut(&str),
) {
    word.clear();
    let bytes = text.as_bytes();
    let mut prev = Class::Separator;
    // Whether `word` holds an apostrophe (then contractions are split).
    let mut apostrophe = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if RUN[b as usize] {
            // A run of lower-case letters and digits goes in at once.
            let start = i;
            i = run_end(bytes, i + 1);
            prev = ASCII[bytes[i - 1] as usize];
            if word.is_empty() && ends_word(bytes.get(i).copied(), prev) {
                // The commonest word: all of it is this run, so it needs no copy.
                emit(&text[start..i]);
            } else {
                word.push_str(&text[start..i]);
            }
            continue;
        }
        if b == b' ' {
            finish_word(word, apostrophe, &mut emit);
            apostrophe = false;
            prev = Class::Separator;
            i += 1;
            continue;
        }
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            (c, c.len_utf8())
        };
        let class = class_of(c);
        match class {
            Class::Lower | Class::Digit => word.extend(c.to_lowercase()),
            Class::Upper => {
                // `aboutJessica` -> `about` `jessica`
                if prev == Class::Lower && !word.is_empty() {
                    finish_word(word, apostrophe, &mut emit);
                    apostrophe = false;
                }
                if b < 0x80 {
                    word.push(c.to_ascii_lowercase());
                } else {
                    word.extend(c.to_lowercase());
                }
            }
            Class::Apostrophe => {
                // An apostrophe belongs to a word when a letter follows it: `don't`, `'s`, `n't`.
                let next = text[i + len..].chars().next();
                if next.is_some_and(char::is_alphabetic) {
                    word.push('\'');
                    apostrophe = true;
                } else {
                    finish_word(word, apostrophe, &mut emit);
                    apostrophe = false;
                }
            }
            Class::Mark => {
                finish_word(word, apostrophe, &mut emit);
                apostrophe = false;
                emit(if b == b'!' { "!" } else { "?" });
            }
            Class::Punct if punctuation => {
                finish_word(word, apostrophe, &mut emit);
                apostrophe = false;
                // How often this mark repeats (dots and hyphens form `...` and `--`).
                let mut run = 1;
                if b == b'.' || b == b'-' {
                    while bytes.get(i + run) == Some(&b) {
                        run += 1;
                    }
                }
                let joins = run == 1
                    && matches!(prev, Class::Lower | Class::Upper | Class::Digit)
                    && text[i + len..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric);
                let mut buf = [0u8; 4];
                let token = punct_token(c, run, &mut buf);
                // A single mark between two letters or digits joins them: not a token.
                if !(joins && token.len() == len && !matches!(token, "..." | "--")) {
                    emit(token);
                }
                prev = Class::Punct;
                i += run * len;
                continue;
            }
            Class::Punct | Class::Separator => {
                finish_word(word, apostrophe, &mut emit);
                apostrophe = false;
            }
        }
        prev = class;
        i += len;
    }
    finish_word(word, apostrophe, &mut emit);
}

/// Whether a run of lower-case letters and digits ending in a character of class
/// `last` is a whole word when `next` (`None`: the end of the text) follows: an ASCII
/// space, punctuation mark, or an upper-case letter after a lower-case one.
#[inline(always)]
fn ends_word(next: Option<u8>, last: Class) -> bool {
    match next {
        None => true,
        Some(b) if b < 0x80 => match ASCII[b as usize] {
            Class::Separator | Class::Punct | Class::Mark => true,
            Class::Upper => last == Class::Lower,
            _ => false,
        },
        Some(_) => false,
    }
}

/// Emits the word in `word` (splitting contractions) and clears it.
#[inline(always)]
fn finish_word(word: &mut String, apostrophe: bool, emit: &mut impl FnMut(&str)) {
    if !word.is_empty() {
        emit_word(word, apostrophe, emit);
    }
}

fn emit_word(word: &mut String, apostrophe: bool, emit: &mut impl FnMut(&str)) {
    let w = word.as_str();
    if !apostrophe {
        emit(w);
    } else if w == "n't" {
        emit("not");
    } else if let Some(base) = w.strip_suffix("n't") {
        emit_plain(base, emit);
        emit("not");
    } else {
        let (head, tail) = match w.rfind('\'') {
            Some(i) => (&w[..i], &w[i + 1..]),
            None => (w, ""),
        };
        if CLITICS.contains(&tail) {
            emit_plain(head, emit);
            emit(&w[head.len()..]);
        } else {
            emit_plain(w, emit);
        }
    }
    word.clear();
}

/// Emits `w` with any apostrophes removed (`o'brien` -> `obrien`); nothing if empty.
fn emit_plain(w: &str, emit: &mut impl FnMut(&str)) {
    if w.is_empty() {
        return;
    }
    if w.contains('\'') {
        let joined: String = w.chars().filter(|&c| c != '\'').collect();
        if !joined.is_empty() {
            emit(&joined);
        }
    } else {
        emit(w);
    }
}

/// The tokenizer: surface tokens plus stemming.
pub struct Tokenizer {
    config: TokenizerConfig,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("config", &self.config)
            .finish()
    }
}

impl Clone for Tokenizer {
    fn clone(&self) -> Self {
        Tokenizer::new(self.config)
    }
}

impl Tokenizer {
    /// A tokenizer with these settings.
    pub fn new(config: TokenizerConfig) -> Self {
        Tokenizer {
            config,
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// Its settings.
    pub fn config(&self) -> TokenizerConfig {
        self.config
    }

    /// The term for one surface token: its stem, or the token itself without stemming
    /// (or where the stem would be empty).
    pub fn stem<'a>(&self, surface: &'a str) -> Cow<'a, str> {
        if self.config.stem && surface.chars().any(char::is_alphabetic) {
            match self.stemmer.stem(surface) {
                st if st.is_empty() => Cow::Borrowed(surface),
                st => st,
            }
        } else {
            Cow::Borrowed(surface)
        }
    }

    /// [`for_each_surface`] with this tokenizer's settings.
    #[inline]
    pub fn for_each_surface(&self, text: &str, word: &mut String, emit: impl FnMut(&str)) {
        for_each_surface(text, word, self.config.punctuation, emit)
    }

    /// All terms of `text`, in order (allocates; for training and tests).
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut word = String::new();
        self.for_each_surface(text, &mut word, |s| out.push(self.stem(s).into_owned()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens_of(text: &str, punctuation: bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut word = String::new();
        for_each_surface(text, &mut word, punctuation, |s| out.push(s.to_string()));
        out
    }

    /// Surface tokens with punctuation kept (the default).
    fn surface(text: &str) -> Vec<String> {
        tokens_of(text, true)
    }

    /// Surface tokens with punctuation dropped.
    fn words(text: &str) -> Vec<String> {
        tokens_of(text, false)
    }

    #[test]
    fn runs_end_where_a_byte_at_a_time_scan_ends() {
        let texts = [
            "",
            "a",
            "ab9z",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnopq",
            "abc def",
            "a`b{c/d:e@f0g9h",
            "xyz\u{e9}abcdefgh",
            "zzzzzzzzzzzzzzzz!",
            "0123456789ab",
            "aaaaaaa\u{7f}bbbbbbbb",
            "q\u{0}r\u{ff}s",
        ];
        for t in texts {
            let bytes = t.as_bytes();
            for i in 0..=bytes.len() {
                let mut j = i;
                while j < bytes.len() && RUN[bytes[j] as usize] {
                    j += 1;
                }
                assert_eq!(run_end(bytes, i), j, "{t:?} from {i}");
            }
        }
        for b in 0..=255u8 {
            let eight = [b; 8];
            let want = if RUN[b as usize] { HIGH } else { 0 };
            assert_eq!(run_bytes(u64::from_le_bytes(eight)), want, "byte {b}");
        }
    }

    #[test]
    fn lowercases_unicode_and_drops_punctuation() {
        assert_eq!(
            words("ÉCLAIR, Straße; déjà-vu."),
            ["éclair", "straße", "déjà", "vu"]
        );
    }

    #[test]
    fn contractions_match_pretokenised_text() {
        assert_eq!(
            surface("I don't think it's over"),
            surface("i do n't think it 's over")
        );
        assert_eq!(surface("I don't"), ["i", "do", "not"]);
        assert_eq!(surface("can't stop"), ["ca", "not", "stop"]);
        assert_eq!(
            words("we'll see, they're here"),
            ["we", "'ll", "see", "they", "'re", "here"]
        );
    }

    #[test]
    fn curly_apostrophes_and_quotes_are_folded() {
        assert_eq!(
            surface("It\u{2019}s \u{201C}great\u{201D}"),
            surface("It's \"great\"")
        );
        assert_eq!(surface("doesn\u{2019}t"), ["does", "not"]);
    }

    #[test]
    fn quotes_around_words_are_not_apostrophes() {
        assert_eq!(surface("'Hello' she said"), ["hello", "she", "said"]);
        assert_eq!(surface("the actors' union"), ["the", "actors", "union"]);
        assert_eq!(surface("O'Brien"), ["obrien"]);
        assert_eq!(words("'Hello' she said"), surface("'Hello' she said"));
    }

    #[test]
    fn glued_words_split_at_case_boundary() {
        assert_eq!(
            surface("aboutJessica JonesSeason 2"),
            ["about", "jessica", "jones", "season", "2"]
        );
        assert_eq!(surface("TV NASA"), ["tv", "nasa"]);
    }

    /// A run of lower-case letters and digits is emitted straight from the text only
    /// when it is the whole word; whatever follows it, the tokens are the same as
    /// when it is copied and joined with what follows.
    #[test]
    fn runs_are_whole_words_only_where_the_word_ends() {
        let cases: [(&str, &[&str]); 11] = [
            ("word", &["word"]),
            ("two words", &["two", "words"]),
            ("tab\tand\nline", &["tab", "and", "line"]),
            ("3D glasses", &["3d", "glasses"]),
            ("aboutJessica", &["about", "jessica"]),
            ("caf\u{e9} na\u{ef}ve", &["caf\u{e9}", "na\u{ef}ve"]),
            ("don't", &["do", "not"]),
            ("it's", &["it", "'s"]),
            ("well-made, 3.5", &["well", "made", ",", "3", "5"]),
            ("wait...", &["wait", "..."]),
            ("x\u{200B}y", &["x", "y"]),
        ];
        for (text, want) in cases {
            assert_eq!(surface(text), want, "{text:?}");
        }
        // Joined to a preceding non-run character, the run is copied into the word.
        assert_eq!(surface("Season"), ["season"]);
        assert_eq!(surface("\u{c9}t\u{e9}"), ["\u{e9}t\u{e9}"]);
    }

    #[test]
    fn keeps_exclamation_and_question_marks() {
        assert_eq!(surface("Wow! Really?"), ["wow", "!", "really", "?"]);
    }

    #[test]
    fn stems_with_snowball() {
        let t = Tokenizer::new(TokenizerConfig::default());
        assert_eq!(t.tokens("Running shows renewed"), ["run", "show", "renew"]);
        let plain = Tokenizer::new(TokenizerConfig {
            stem: false,
            ..TokenizerConfig::default()
        });
        assert_eq!(plain.tokens("Running shows"), ["running", "shows"]);
    }

    #[test]
    fn empty_and_symbol_only_text_gives_no_tokens() {
        assert!(surface("").is_empty());
        assert!(words(" ... -- ,, ").is_empty());
        assert!(surface(" \u{200B}\u{FEFF}\t").is_empty());
    }

    #[test]
    fn punctuation_marks_are_tokens() {
        assert_eq!(
            surface("Wait... it's (sort of) good, \"really\": no -- yes."),
            [
                "wait", "...", "it", "'s", "(", "sort", "of", ")", "good", ",", "\"", "really",
                "\"", ":", "no", "--", "yes", "."
            ]
        );
    }

    #[test]
    fn punctuation_matches_pretokenised_text() {
        assert_eq!(
            surface("A well-made, U.S. film (2.5 hours)."),
            surface("a well-made , u.s . film ( 2.5 hours ) .")
        );
        assert_eq!(
            surface("A well-made film"),
            ["a", "well", "made", "film"],
            "a hyphen inside a word joins, it is not a token"
        );
    }

    #[test]
    fn typographic_punctuation_folds() {
        assert_eq!(surface("Wait\u{2026}"), surface("Wait..."));
        assert_eq!(surface("yes\u{2014}no"), ["yes", "--", "no"]);
        assert_eq!(surface("yes \u{2013} no"), surface("yes -- no"));
        assert_eq!(
            surface("\u{201C}hi\u{201D} \u{00AB}yo\u{00BB}"),
            surface("\"hi\" \"yo\"")
        );
        assert_eq!(surface("a....b"), surface("a ... b"));
        assert_eq!(surface("x ★ y"), ["x", "★", "y"]);
    }
}
