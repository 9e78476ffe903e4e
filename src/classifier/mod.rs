//! The whole pipeline in one value: text → tokens → TF-IDF row → label probabilities.
//!
//! A [`Classifier`] is what a model file holds; it trains from labelled texts, scores
//! sentences (reusing a [`ScoreScratch`] so scoring allocates nothing per sentence),
//! explains a score, and reads and writes model files. One file per job:
//!
//! - `settings.rs`: [`TrainSettings`], its check and `fit`;
//! - `train.rs`: featurizing the training texts and fitting the model;
//! - `score.rs`: **the hot path**, a sentence to every label's probability;
//! - `batch.rs`: the one-call API (`classify`, `predict_proba_batch`);
//! - `explain.rs`: the features behind a label, named by the sentence's words;
//! - `file.rs`: to and from a model file's contents, bytes and files.

use crate::error::{Error, Result};
use crate::features::embed::{dot8, DenseScratch, Embedding, EmbeddingTable};
use crate::features::{nb_scales, prefetch, Scratch, SparseMatrix, TermList, Tfidf, TfidfConfig};
use crate::input::Labelled;
use crate::model::{add_scaled, softmax_in_place, CharBlock, FitConfig, FitReport, Logistic};
use crate::modelfile::{self, EmbeddingData, Metadata, ModelData, TableRef};
use crate::tokens::TokenizerConfig;
use std::borrow::Cow;
use std::path::Path;

mod batch;
mod explain;
mod file;
mod score;
mod settings;
mod train;
pub use batch::Sentence;
pub use score::ScoreScratch;
use score::WordTable;
pub use settings::TrainSettings;

/// The model built into the binary (rebuilt from `models/corpus/` by `models/build.sh`).
pub static BUILTIN_MODEL: &[u8] = include_bytes!("../../models/stance.model");

/// A trained pipeline: tokenizer settings, TF-IDF vocabulary, the optional semantic
/// block and the logistic-regression weights. Load one ([`Classifier::builtin`],
/// [`Classifier::load`]) or train one ([`TrainSettings::fit`]), then score text.
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// assert_eq!(model.labels(), ["anticipation", "criticism", "neutral", "positive"]);
/// let s = &model.classify("The cast is superb and the writing is sharp.")[0];
/// assert_eq!(s.probabilities.len(), model.labels().len());
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Classifier {
    tfidf: Tfidf,
    model: Logistic,
    meta: Metadata,
    /// The semantic block: its weights are the model's last `dim` features'.
    embedding: Option<Embedding>,
    /// The block's weights label by label (`[c * dim + j]`), for scoring.
    dense_by_label: Vec<f32>,
    /// What scoring reads of each word term, built from `tfidf` and `model`.
    words: WordTable,
}

pub use crate::kernels::argmax;

impl Classifier {
    fn new(
        tfidf: Tfidf,
        model: Logistic,
        meta: Metadata,
        embedding: Option<Embedding>,
    ) -> Classifier {
        let words = WordTable::new(&tfidf, &model);
        let k = model.labels().len();
        let dense = &model.weights()[tfidf.n_features() * k..];
        let dim = dense.len() / k;
        let dense_by_label = (0..k * dim)
            .map(|i| dense[(i % dim) * k + i / dim])
            .collect();
        Classifier {
            tfidf,
            model,
            meta,
            embedding,
            dense_by_label,
            words,
        }
    }

    /// The label set, sorted; every probability vector is in this order.
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let labels = model.labels();
    /// assert!(labels.windows(2).all(|w| w[0] < w[1]));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn labels(&self) -> &[String] {
        self.model.labels()
    }

    /// The fitted featurizer (internal: for our tests and benches, no stability promised).
    #[doc(hidden)]
    pub fn tfidf(&self) -> &Tfidf {
        &self.tfidf
    }

    /// The fitted weights (internal: for our tests and benches, no stability promised).
    #[doc(hidden)]
    pub fn model(&self) -> &Logistic {
        &self.model
    }

    /// What the model file records about training (internal, no stability promised).
    #[doc(hidden)]
    pub fn meta(&self) -> &Metadata {
        &self.meta
    }

    /// The semantic block, if the model has one.
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// if let Some(block) = model.embedding() {
    ///     assert_eq!(model.dense_weights().len(), block.dim() * model.labels().len());
    /// } else {
    ///     assert!(model.dense_weights().is_empty());
    /// }
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn embedding(&self) -> Option<&Embedding> {
        self.embedding.as_ref()
    }

    /// The semantic block's weights, dimension-major (`[j * labels + c]`; empty
    /// without a block); see [`Classifier::embedding`] for an example.
    pub fn dense_weights(&self) -> &[f32] {
        &self.model.weights()[self.tfidf.n_features() * self.labels().len()..]
    }

    /// How feature `f` reads: a TF-IDF feature's name, or `[semantic block]` for the
    /// block's dimensions.
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// assert!(!model.feature_name(0).is_empty());
    /// if model.embedding().is_some() {
    ///     let dims = model.dense_weights().len() / model.labels().len();
    ///     let last = model.tfidf().n_features() + dims - 1;
    ///     assert_eq!(model.feature_name(last), "[semantic block]");
    /// }
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn feature_name(&self, f: usize) -> String {
        if f >= self.tfidf.n_features() {
            "[semantic block]".to_string()
        } else {
            self.tfidf.feature_name(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::train::factored_rows;
    use super::*;

    fn texts_and_labels() -> (Vec<&'static str>, Vec<&'static str>) {
        let rows = [
            (
                "A brilliant, moving season with terrific performances.",
                "positive",
            ),
            (
                "The writing is sharp and the cast is wonderful!",
                "positive",
            ),
            ("Funny, warm and beautifully made.", "positive"),
            ("The season was a tedious mess.", "criticism"),
            ("Dull, bloated and badly written...", "criticism"),
            ("The acting is wooden and the jokes fall flat.", "criticism"),
            ("Season three premieres in March.", "anticipation"),
            ("The show was renewed for another season.", "anticipation"),
        ];
        rows.iter().copied().unzip()
    }

    /// The same texts under five labels (scoring for any label count, not just 2-4).
    fn five_labels() -> (Vec<&'static str>, Vec<&'static str>) {
        let (texts, labels) = texts_and_labels();
        let spread = ["a", "b", "c", "d", "e"];
        let labels = labels
            .iter()
            .enumerate()
            .map(|(i, _)| spread[i % 5])
            .collect();
        (texts, labels)
    }

    /// The fast scorer (character block from per-word cached scores) gives the model's
    /// probabilities on the explicit row, for known, unknown and repeated words.
    #[test]
    fn fast_scores_match_the_model_on_the_whole_row() {
        for ((texts, labels), settings) in
            [texts_and_labels(), five_labels()]
                .into_iter()
                .flat_map(|data| {
                    [
                        TrainSettings::default(),
                        TrainSettings {
                            tfidf: TfidfConfig {
                                nb_scale: true,
                                char_min: 1,
                                char_max: 3,
                                ..TfidfConfig::default()
                            },
                            ..TrainSettings::default()
                        },
                    ]
                    .map(|s| (data.clone(), s))
                })
        {
            let k = if labels.contains(&"e") { 5 } else { 3 };
            let (m, _) = Classifier::train(&texts, &labels, &settings, "t", "d").unwrap();
            assert!(m.tfidf().config().has_chars());
            // A cache of 3 words starts over (reusing entry ids) within a sentence or two.
            let mut scratch = ScoreScratch::with_cache_limit(3);
            let mut row_scratch = Scratch::default();
            let mut row = Vec::new();
            assert_eq!(m.labels().len(), k);
            let (mut fast, mut slow) = (vec![0.0; k], vec![0.0; k]);
            for text in [
                "A wonderful, moving finale!",
                "Brilliantly written; a tedious, bloated mess.",
                "Zzyzx qwerty",
                "",
                "mess mess mess mess",
                "A wonderful, moving finale!",
            ] {
                m.score_into(text, &mut scratch, &mut fast);
                m.tfidf().transform_into(text, &mut row_scratch, &mut row);
                m.model().probabilities_into(&row, &mut slow);
                for (a, b) in fast.iter().zip(&slow) {
                    assert!((a - b).abs() < 1e-5, "{text:?}: {fast:?} vs {slow:?}");
                }
            }
        }
    }

    /// The factored rows, expanded, are the featurizer's rows, also when the word cache
    /// starts over (a cache of 3 words does within a sentence or two, reusing entry ids).
    #[test]
    fn factored_rows_expand_to_the_featurizer_rows() {
        let (texts, _) = texts_and_labels();
        let mut texts = texts.clone();
        texts.extend(["", "mess mess mess", "Zzyzx", ", ,"]);
        let t = Tfidf::fit(&texts, TokenizerConfig::default(), TfidfConfig::default()).unwrap();
        let (x, chars) = factored_rows(&t, &texts, Scratch::with_cache_limit(3));
        assert!(chars.n_words() > 10);
        let mut scratch = Scratch::default();
        let mut want = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            t.transform_into(text, &mut scratch, &mut want);
            let mut got = vec![0f64; t.n_features()];
            let (idx, val) = x.row(i);
            for (&f, &v) in idx.iter().zip(val) {
                got[f as usize] += f64::from(v);
            }
            chars.for_each_in_row(i, |f, v| got[f as usize] += v);
            let mut dense = vec![0f64; t.n_features()];
            for &(f, v) in &want {
                dense[f as usize] += f64::from(v);
            }
            for (f, (a, b)) in got.iter().zip(&dense).enumerate() {
                assert!((a - b).abs() < 1e-6, "{text:?} feature {f}: {a} vs {b}");
            }
        }
    }

    /// Sentences whose tokens are all marks have no character n-grams: the character
    /// block is empty, and training still learns the marks (it once panicked there).
    #[test]
    fn sentences_without_character_ngrams_train() {
        let (texts, labels) = (["!!", "??", "! !", "? ?"], ["a", "b", "a", "b"]);
        let settings = TrainSettings::default();
        assert!(settings.tfidf.has_chars());
        let (model, _) = Classifier::train(&texts, &labels, &settings, "t", "").unwrap();
        assert_eq!(model.predict("!").0, 0);
        assert_eq!(model.predict("?").0, 1);
    }

    /// The naive Bayes term and the character n-grams each change the model, and
    /// turning both off gives plain logistic regression over word n-grams.
    #[test]
    fn naive_bayes_and_char_settings_reach_the_model() {
        let (texts, labels) = texts_and_labels();
        let train = |nb_weight: f64, chars: bool| {
            let mut s = TrainSettings::default();
            s.fit.nb_weight = nb_weight;
            if !chars {
                s.tfidf.char_min = 0;
                s.tfidf.char_max = 0;
            }
            Classifier::train(&texts, &labels, &s, "t", "d").unwrap().0
        };
        let plain = train(0.0, false);
        assert!(plain.model().presence().is_empty());
        assert!(plain.tfidf().char_terms().is_empty());
        let nb = train(0.3, false);
        assert_eq!(nb.model().presence().len(), nb.tfidf().terms().len() * 3);
        assert_eq!(
            nb.model().weights(),
            plain.model().weights(),
            "same regression"
        );
        let chars = train(0.0, true);
        assert!(chars.tfidf().char_terms().len() > 100);
        let p = |m: &Classifier| m.predict("Wonderful writing, terrific cast.").1;
        assert_ne!(p(&plain), p(&nb));
        assert_ne!(p(&plain), p(&chars));
        // Saved and loaded, each scores the same.
        for m in [&plain, &nb, &chars] {
            let back = Classifier::from_bytes(&m.to_bytes().unwrap()).unwrap();
            assert_eq!(p(&back), p(m));
        }
    }
}
