//! Every training setting, its check, and the one-call fit.

use super::*;

/// Every training setting; the default is `stance train`'s defaults.
///
/// ```
/// let mut s = stance::TrainSettings::default();
/// s.tfidf.char_max = 0; // with char_min 0: like `stance train --no-char-ngrams`
/// s.tfidf.char_min = 0;
/// s.fit.alpha = 1e-3;
/// assert!(s.check().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainSettings {
    /// How text becomes tokens (lowercasing, stemming).
    pub tokenizer: TokenizerConfig,
    /// Which n-grams become features, and their weighting.
    pub tfidf: TfidfConfig,
    /// The logistic regression's settings.
    pub fit: FitConfig,
    /// The semantic block (none: TF-IDF alone).
    pub embedding: Option<Embedding>,
}

impl TrainSettings {
    /// Checks every setting's range, as `stance train` does before it reads any data;
    /// a message names the `stance train` flag. Training checks them too.
    ///
    /// ```
    /// let mut s = stance::TrainSettings::default();
    /// assert!(s.check().is_ok());
    /// s.fit.alpha = -1.0;
    /// let e = s.check().unwrap_err();
    /// assert!(matches!(e, stance::Error::Setting(_)));
    /// assert_eq!(e.to_string(), "--alpha must be a number >= 0");
    /// ```
    pub fn check(&self) -> Result<()> {
        self.tfidf.validate().map_err(Error::Setting)?;
        let f = &self.fit;
        if !(f.alpha.is_finite() && f.alpha >= 0.0) {
            return Err(Error::Setting("--alpha must be a number >= 0".into()));
        }
        if !(f.nb_weight.is_finite() && f.nb_weight >= 0.0) {
            return Err(Error::Setting(
                "--nb-weight (naive Bayes weight) must be a number >= 0".into(),
            ));
        }
        if !(f.nb_smoothing.is_finite() && f.nb_smoothing > 0.0) {
            return Err(Error::Setting("--nb-smoothing must be a number > 0".into()));
        }
        Ok(())
    }

    /// Trains a classifier on labelled rows with these settings (checked first): the
    /// label set is the rows' sorted distinct labels. The model records the source
    /// `"library"` and the date 1970-01-01, so the same rows and settings always give
    /// the same model, byte for byte ([`Classifier::train`] takes both).
    ///
    /// ```
    /// use stance::{Labelled, TrainSettings};
    /// let rows = Labelled {
    ///     texts: vec!["a triumph".into(), "a mess".into(), "what a triumph".into(), "such a mess".into()],
    ///     labels: vec!["good".into(), "bad".into(), "good".into(), "bad".into()],
    /// };
    /// let model = TrainSettings::default().fit(&rows).unwrap();
    /// assert_eq!(model.labels(), ["bad", "good"]);
    /// assert_eq!(model.classify("A triumph.")[0].label, "good");
    /// let again = TrainSettings::default().fit(&rows).unwrap();
    /// assert_eq!(model.to_bytes().unwrap(), again.to_bytes().unwrap());
    /// ```
    pub fn fit(&self, rows: &Labelled) -> Result<Classifier> {
        let (model, _) =
            Classifier::train(&rows.texts, &rows.labels, self, "library", "1970-01-01")?;
        Ok(model)
    }
}
