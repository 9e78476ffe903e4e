//! A vocabulary as a model file stores it (its stems and each word term's packed stem
//! ids), checked and turned into the maps scoring looks terms up in; a featurizer
//! rebuilt from those parts.

use super::config::{TfidfConfig, MAX_NGRAM};
use super::keymap::{key, pack, unpack, KeyMap, MAX_STEMS, STEM_BITS, UNKNOWN};
use super::terms::TermList;
use super::Tfidf;
use crate::tokens::{Tokenizer, TokenizerConfig};
use std::sync::OnceLock;

/// A vocabulary's word terms as a model file holds them: the distinct stems (a stem's
/// id is its place in the list) and each term's [`pack`]ed stem ids.
#[derive(Debug, Clone)]
pub(super) struct StemKeys {
    pub(super) stems: TermList,
    pub(super) keys: Vec<u64>,
}

/// The [`StemKeys`] of `terms` (n-grams of stems joined by spaces), checked against the
/// n-gram range. Stems are numbered in order of first use.
fn stem_keys(config: &TfidfConfig, terms: &TermList) -> Result<StemKeys, String> {
    let mut stem_ids: KeyMap<u32> = KeyMap::with_capacity(terms.len() / 2);
    // The text of each stem id, to tell a stem seen again from a hash collision.
    let mut stem_text: Vec<&str> = Vec::with_capacity(terms.len() / 2);
    let mut keys = Vec::with_capacity(terms.len());
    let mut ids: Vec<u32> = Vec::with_capacity(MAX_NGRAM as usize);
    // The terms are sorted, so runs of them start with the same word: its id is
    // reused without hashing it again.
    let mut last_first: (&str, u32) = ("", UNKNOWN);
    for (f, term) in terms.iter().enumerate() {
        ids.clear();
        for stem in term.split(' ') {
            if stem.is_empty() {
                return Err(format!("term {f} ({term:?}) has an empty word"));
            }
            let id = if ids.is_empty() && stem == last_first.0 {
                last_first.1
            } else {
                match stem_ids.get(key(stem)) {
                    Some(id) if stem_text[id as usize] == stem => id,
                    Some(id) => {
                        return Err(format!(
                            "words {stem:?} and {:?} share a hash",
                            stem_text[id as usize]
                        ))
                    }
                    None => {
                        let id = stem_text.len() as u32;
                        stem_ids.insert(key(stem), id);
                        stem_text.push(stem);
                        id
                    }
                }
            };
            if ids.is_empty() {
                last_first = (stem, id);
            }
            ids.push(id);
            if ids.len() > config.ngram_max as usize {
                return Err(format!(
                    "term {f} ({term:?}) is longer than the n-gram range allows"
                ));
            }
        }
        if ids.len() < config.ngram_min as usize {
            return Err(format!(
                "term {f} ({term:?}) is shorter than the n-gram range allows"
            ));
        }
        if stem_text.len() > MAX_STEMS {
            return Err(format!("vocabulary uses more than {MAX_STEMS} words"));
        }
        keys.push(pack(&ids));
    }
    Ok(StemKeys {
        stems: TermList::from_terms(&stem_text),
        keys,
    })
}

/// The word terms of `stem_keys` as text: each term's stems joined by spaces.
pub(super) fn term_text(stem_keys: &StemKeys) -> TermList {
    let StemKeys { stems, keys } = stem_keys;
    let mut text = String::with_capacity(keys.len() * 8);
    let mut ends = Vec::with_capacity(keys.len());
    for &k in keys {
        if !ends.is_empty() {
            text.push('\n');
        }
        for (i, id) in unpack(k).enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(stems.get(id as usize));
        }
        ends.push(text.len() as u32);
    }
    TermList { text, ends }
}

/// What scoring looks a word term up in.
struct WordMaps {
    /// Each stem's id, by its [`key`].
    stem_ids: KeyMap<u32>,
    /// Each stem id's unigram feature (`UNKNOWN` if none).
    unigram: Vec<u32>,
    /// Each longer n-gram's feature, by its [`pack`]ed stem ids.
    ngram_ids: KeyMap,
}

/// The [`WordMaps`] of a vocabulary's stems and packed terms, checked: stems distinct,
/// non-empty and without spaces; each term's ids valid, as many as the n-gram range
/// allows, and each term once.
fn word_maps(config: &TfidfConfig, stem_keys: &StemKeys) -> Result<WordMaps, String> {
    let StemKeys { stems, keys } = stem_keys;
    if stems.len() > MAX_STEMS {
        return Err(format!("vocabulary uses more than {MAX_STEMS} words"));
    }
    let mut stem_ids = KeyMap::with_capacity(stems.len());
    for (id, stem) in stems.iter().enumerate() {
        if stem.is_empty() || stem.contains(' ') {
            return Err(format!("word {id} ({stem:?}) is empty or holds a space"));
        }
        if let Some(other) = stem_ids.insert(key(stem), id as u32) {
            let other = stems.get(other as usize);
            return Err(if other == stem {
                format!("word {stem:?} appears twice")
            } else {
                format!("words {stem:?} and {other:?} share a hash")
            });
        }
    }
    let mut unigram = vec![UNKNOWN; stems.len()];
    let mut longer = 0;
    let field = (1u64 << STEM_BITS) - 1;
    for (f, &k) in keys.iter().enumerate() {
        let n = (u64::BITS - k.leading_zeros()).div_ceil(STEM_BITS);
        if n < u32::from(config.ngram_min) || n > u32::from(config.ngram_max) {
            return Err(format!(
                "term {f} has {n} words, outside the n-gram range {}-{}",
                config.ngram_min, config.ngram_max
            ));
        }
        // Each field holds a stem id plus 1.
        if (0..n).any(|i| !(1..=stems.len() as u64).contains(&((k >> (i * STEM_BITS)) & field))) {
            return Err(format!("term {f} names a word that is not in the list"));
        }
        if n == 1 {
            if std::mem::replace(&mut unigram[k as usize - 1], f as u32) != UNKNOWN {
                return Err(format!("term {f} appears twice"));
            }
        } else {
            longer += 1;
        }
    }
    let mut ngram_ids = KeyMap::with_capacity(longer);
    // Each slot is prefetched a few terms ahead, so the loads from the (big) map
    // overlap.
    for (f, &k) in keys.iter().enumerate() {
        if let Some(&ahead) = keys.get(f + 8) {
            ngram_ids.prefetch(ahead);
        }
        if k > field && ngram_ids.insert(k, f as u32).is_some() {
            return Err(format!("term {f} appears twice"));
        }
    }
    Ok(WordMaps {
        stem_ids,
        unigram,
        ngram_ids,
    })
}

/// The map of a vocabulary's character n-grams (features from `first` on) by their
/// [`key`].
fn char_map(config: &TfidfConfig, first: usize, char_terms: &TermList) -> Result<KeyMap, String> {
    let mut char_ids = KeyMap::with_capacity(char_terms.len());
    for (i, g) in char_terms.iter().enumerate() {
        let n = g.chars().count();
        if n < config.char_min as usize || n > config.char_max as usize {
            return Err(format!(
                "character n-gram {i} ({g:?}) is outside the range {}-{}",
                config.char_min, config.char_max
            ));
        }
        if let Some(other) = char_ids.get(key(g)) {
            let other = char_terms.get(other as usize - first);
            return Err(if other == g {
                format!("character n-gram {g:?} appears twice")
            } else {
                format!("character n-grams {g:?} and {other:?} share a hash")
            });
        }
        char_ids.insert(key(g), (first + i) as u32);
    }
    Ok(char_ids)
}

impl Tfidf {
    /// A featurizer from its word terms as text (n-grams of stems joined by spaces),
    /// character n-grams, and the idf of each (word terms first).
    pub fn from_terms(
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
        terms: TermList,
        char_terms: TermList,
        idf: Vec<f32>,
    ) -> Result<Tfidf, String> {
        config.validate()?;
        let keys = stem_keys(&config, &terms)?;
        let tfidf = Tfidf::from_parts(tokenizer, config, keys.stems, keys.keys, char_terms, idf)?;
        tfidf.terms.get_or_init(|| terms);
        Ok(tfidf)
    }

    /// Rebuilds a featurizer from its stored parts (as read from a model file): the
    /// stems its word terms use (a stem's id is its place), each word term's stem ids
    /// (see [`Tfidf::term_keys`]), the character n-grams, and the idf of each feature
    /// (word terms first).
    pub fn from_parts(
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
        stems: TermList,
        term_keys: Vec<u64>,
        char_terms: TermList,
        idf: Vec<f32>,
    ) -> Result<Tfidf, String> {
        config.validate()?;
        if term_keys.len() + char_terms.len() != idf.len() {
            return Err(format!(
                "{} terms and {} character n-grams but {} idf values",
                term_keys.len(),
                char_terms.len(),
                idf.len()
            ));
        }
        // Checked without a branch per value (so it vectorises), then found.
        let bad = |v: &f32| !v.is_finite() | (*v < 0.0);
        if idf.iter().fold(false, |any, v| any | bad(v)) {
            if let Some(v) = idf.iter().find(|v| bad(v)) {
                return Err(format!("idf value {v} is not a finite number >= 0"));
            }
        }
        if !char_terms.is_empty() && !config.has_chars() {
            return Err("character n-grams stored but the settings have none".into());
        }
        let stem_keys = StemKeys {
            stems,
            keys: term_keys,
        };
        // The word terms' maps and the character n-grams' are built side by side (in this
        // thread alone when there are no character n-grams).
        let words = || word_maps(&config, &stem_keys);
        let chars = || char_map(&config, stem_keys.keys.len(), &char_terms);
        let (words, chars) = match char_terms.is_empty() {
            true => (words(), chars()),
            false => rayon::join(words, chars),
        };
        let WordMaps {
            stem_ids,
            unigram,
            ngram_ids,
        } = words?;
        let char_ids = chars?;
        Ok(Tfidf {
            config,
            tokenizer: Tokenizer::new(tokenizer),
            stem_keys,
            terms: OnceLock::new(),
            char_terms,
            idf,
            stem_ids,
            unigram,
            ngram_ids,
            char_ids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_word_terms_are_checked() {
        let c = TfidfConfig {
            ngram_max: 2,
            ..TfidfConfig::default()
        };
        let tc = TokenizerConfig::default();
        let (a, b, ab, ba) = (1, 2, 1 << STEM_BITS | 2, 2 << STEM_BITS | 1);
        let parts = |stems: &[&str], keys: &[u64]| {
            let idf = vec![1.0; keys.len()];
            let none = TermList::from_terms::<&str>(&[]);
            Tfidf::from_parts(tc, c, TermList::from_terms(stems), keys.to_vec(), none, idf)
        };
        let t = parts(&["x", "y"], &[a, ab, b, ba]).unwrap();
        assert_eq!(t.terms().to_vec(), ["x", "x y", "y", "y x"]);
        assert!(t.stem_ids.get(key("y")) == Some(1) && t.unigram == [0, 2]);
        assert_eq!(t.ngram_ids.get(ba), Some(3));
        for (stems, keys, why) in [
            (&["x", "x"][..], &[a][..], "a word twice"),
            (&["x", ""], &[a], "an empty word"),
            (&["x", "y z"], &[a], "a word with a space"),
            (&["x", "y"], &[a, a], "a unigram twice"),
            (&["x", "y"], &[ab, ab], "a bigram twice"),
            (&["x", "y"], &[3], "a word id past the list"),
            (&["x", "y"], &[1 << STEM_BITS], "a word id field of 0"),
            (&["x", "y"], &[0], "no words"),
            (&["x", "y"], &[(ab << STEM_BITS) | 1], "a trigram"),
        ] {
            assert!(parts(stems, keys).is_err(), "{why}");
        }
    }

    #[test]
    fn word_terms_round_trip_through_stems_and_keys() {
        let terms = ["a", "a b", "bb", "bb a", "bb c", "c", "c bb c"];
        let c = TfidfConfig {
            ngram_max: 3,
            ..TfidfConfig::default()
        };
        let keys = stem_keys(&c, &TermList::from_terms(&terms)).unwrap();
        assert_eq!(keys.stems.to_vec(), ["a", "b", "bb", "c"]);
        assert_eq!(term_text(&keys).to_vec(), terms);
    }

    #[test]
    fn from_parts_rejects_inconsistent_vocabularies() {
        let c = TfidfConfig::default();
        let tc = TokenizerConfig::default();
        let words_only = TfidfConfig {
            char_min: 0,
            char_max: 0,
            ..c
        };
        let parts_with = |c: TfidfConfig, terms: &[&str], chars: &[&str], idf: Vec<f32>| {
            let list = TermList::from_terms;
            Tfidf::from_terms(tc, c, list(terms), list(chars), idf)
        };
        let parts = |terms: &[&str], chars: &[&str], idf| parts_with(c, terms, chars, idf);
        assert!(parts(&["a"], &[" a"], vec![1.0, 1.0]).is_ok());
        assert!(parts(&["a"], &[], vec![]).is_err());
        assert!(parts(&["a", "a"], &[], vec![1.0, 1.0]).is_err());
        assert!(parts(&["a b c"], &[], vec![1.0]).is_err());
        assert!(parts(&["a"], &[], vec![f32::NAN]).is_err());
        assert!(parts(&["a  b"], &[], vec![1.0]).is_err());
        assert!(
            parts(&["a", "", "b"], &[], vec![1.0; 3]).is_err(),
            "empty term"
        );
        assert!(
            parts(&["a"], &[" a", " a"], vec![1.0; 3]).is_err(),
            "n-gram twice"
        );
        assert!(
            parts(&["a"], &["abcdef"], vec![1.0; 2]).is_err(),
            "n-gram too long"
        );
        assert!(parts(&["a"], &[" a"], vec![1.0]).is_err(), "idf count");
        assert!(parts_with(words_only, &["a"], &[" a"], vec![1.0; 2]).is_err());
    }
}
