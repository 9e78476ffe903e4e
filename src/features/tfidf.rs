//! The fitted featurizer, [`Tfidf`], and what it tells about its features.

use super::config::TfidfConfig;
use super::keymap::KeyMap;
use super::terms::TermList;
use super::vocabulary::{term_text, StemKeys};
use crate::tokens::Tokenizer;
use std::sync::OnceLock;

/// A fitted TF-IDF featurizer.
#[derive(Debug, Clone)]
pub struct Tfidf {
    pub(super) config: TfidfConfig,
    pub(super) tokenizer: Tokenizer,
    /// The word terms as stored: stems and packed stem ids.
    pub(super) stem_keys: StemKeys,
    /// The word terms as text, made when first asked for (scoring never needs it).
    pub(super) terms: OnceLock<TermList>,
    pub(super) char_terms: TermList,
    pub(super) idf: Vec<f32>,
    /// Stem id of each stem in the vocabulary, by [`key`](super::keymap::key).
    pub(super) stem_ids: KeyMap<u32>,
    /// Feature id of each stem as a unigram (`UNKNOWN` if it is not one).
    pub(super) unigram: Vec<u32>,
    /// Feature id of each longer n-gram, by packed stem ids.
    pub(super) ngram_ids: KeyMap,
    /// Feature id of each character n-gram, by [`key`](super::keymap::key).
    pub(super) char_ids: KeyMap,
}

impl Tfidf {
    /// The settings it was fitted with.
    pub fn config(&self) -> TfidfConfig {
        self.config
    }

    /// The tokenizer it reads text with.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The word terms (features `0..n_terms()`), as text: each term's stems joined by
    /// spaces. Made from the stems and their ids when first asked for.
    pub fn terms(&self) -> &TermList {
        self.terms.get_or_init(|| term_text(&self.stem_keys))
    }

    /// The number of word terms.
    pub fn n_terms(&self) -> usize {
        self.stem_keys.keys.len()
    }

    /// The stems the word terms use; a stem's id is its place in this list.
    pub fn stems(&self) -> &TermList {
        &self.stem_keys.stems
    }

    /// Each word term's stem ids, packed into one number: from the first word's, 21
    /// bits each, each id plus 1 (`"a b"` with ids 4 and 7 is `5 << 21 | 8`).
    pub fn term_keys(&self) -> &[u64] {
        &self.stem_keys.keys
    }

    /// The character n-grams (the features after the word terms).
    pub fn char_terms(&self) -> &TermList {
        &self.char_terms
    }

    /// How a feature reads: a word term as it is, a character n-gram in brackets with
    /// its padding spaces shown as `_` (`[_go]`).
    pub fn feature_name(&self, f: usize) -> String {
        if f < self.n_terms() {
            self.terms().get(f).to_string()
        } else {
            format!(
                "[{}]",
                self.char_terms.get(f - self.n_terms()).replace(' ', "_")
            )
        }
    }

    /// idf of every feature, word terms first.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Number of features: word terms plus character n-grams.
    pub fn n_features(&self) -> usize {
        self.n_terms() + self.char_terms.len()
    }

    /// Multiplies each term's idf by `scale[f]` (a learnt per-term weight).
    pub fn scale_idf(&mut self, scale: &[f32]) {
        for (w, &s) in self.idf.iter_mut().zip(scale) {
            *w *= s;
        }
    }
}
