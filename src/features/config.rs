//! The featurizer's settings ([`TfidfConfig`], stored in the model file) and their
//! limits.

use serde::{Deserialize, Serialize};

/// Longest n-gram the featurizer supports.
pub const MAX_NGRAM: u8 = 3;

/// Longest character n-gram the featurizer supports.
pub const MAX_CHAR_NGRAM: u8 = 8;

/// Featurizer settings, stored in the model file; the default is `stance train`'s
/// (word 1-2-grams, sublinear tf, character 2-5-grams).
///
/// ```
/// let c = stance::TfidfConfig { ngram_max: 3, ..Default::default() };
/// let mut s = stance::TrainSettings::default();
/// s.tfidf = c;
/// assert!(s.check().is_ok());
/// s.tfidf.ngram_max = 9;
/// assert!(matches!(s.check(), Err(stance::Error::Setting(_))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TfidfConfig {
    /// Smallest n-gram length.
    pub ngram_min: u8,
    /// Largest n-gram length (at most [`MAX_NGRAM`]).
    pub ngram_max: u8,
    /// Keep terms that occur in at least this many training sentences.
    pub min_df: u32,
    /// Keep terms that occur in at most this share of training sentences.
    pub max_df: f64,
    /// Keep at most this many terms, the most frequent first.
    pub max_features: Option<u32>,
    /// Use `1 + ln(tf)` instead of the raw count.
    pub sublinear_tf: bool,
    /// Scale each term by its Naive Bayes log-count ratio (the NBSVM idea), learnt
    /// from the training labels and folded into the idf.
    pub nb_scale: bool,
    /// Shortest character n-gram (0 with `char_max` 0: no character n-grams).
    pub char_min: u8,
    /// Longest character n-gram (at most [`MAX_CHAR_NGRAM`]).
    pub char_max: u8,
}

impl Default for TfidfConfig {
    fn default() -> Self {
        TfidfConfig {
            ngram_min: 1,
            ngram_max: 2,
            min_df: 1,
            max_df: 1.0,
            max_features: None,
            sublinear_tf: true,
            nb_scale: false,
            char_min: 2,
            char_max: 5,
        }
    }
}

impl TfidfConfig {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.ngram_min < 1 || self.ngram_min > self.ngram_max || self.ngram_max > MAX_NGRAM {
            return Err(format!(
                "n-gram range {}-{} is not valid: need 1 <= min <= max <= {MAX_NGRAM}",
                self.ngram_min, self.ngram_max
            ));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(format!("max_df {} is not in (0, 1]", self.max_df));
        }
        if self.max_features == Some(0) {
            return Err("max_features must be at least 1".into());
        }
        let off = self.char_min == 0 && self.char_max == 0;
        if !off
            && (self.char_min < 1
                || self.char_min > self.char_max
                || self.char_max > MAX_CHAR_NGRAM)
        {
            return Err(format!(
                "character n-gram range {}-{} is not valid: need 1 <= min <= max <= {MAX_CHAR_NGRAM} (or 0-0 for none)",
                self.char_min, self.char_max
            ));
        }
        Ok(())
    }

    /// Whether the featurizer has a character n-gram block.
    pub fn has_chars(&self) -> bool {
        self.char_max > 0
    }
}
