//! The whole pipeline in one value: text → tokens → TF-IDF row → label probabilities.
//!
//! A [`Classifier`] is what a model file holds; it trains from labelled texts, scores
//! sentences (reusing a [`ScoreScratch`] so scoring allocates nothing per sentence),
//! explains a score, and reads and writes model files.

use crate::logistic::{FitConfig, FitReport, Logistic};
use crate::modelfile::{self, Metadata, ModelData};
use crate::tfidf::{nb_scales, Scratch, SparseMatrix, Tfidf, TfidfConfig};
use crate::tokens::TokenizerConfig;
use anyhow::{bail, Context, Result};
use std::path::Path;

/// The model built into the binary (rebuilt from `models/corpus/` by `models/build.sh`).
pub static BUILTIN_MODEL: &[u8] = include_bytes!("../models/stance.model");

/// Every training setting.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrainSettings {
    pub tokenizer: TokenizerConfig,
    pub tfidf: TfidfConfig,
    pub fit: FitConfig,
}

/// Per-thread scratch space for scoring.
#[derive(Debug, Default)]
pub struct ScoreScratch {
    tfidf: Scratch,
    row: Vec<(u32, f32)>,
}

impl ScoreScratch {
    /// The TF-IDF row of the last sentence scored.
    pub fn row(&self) -> &[(u32, f32)] {
        &self.row
    }
}

/// A trained pipeline.
#[derive(Debug, Clone)]
pub struct Classifier {
    tfidf: Tfidf,
    model: Logistic,
    meta: Metadata,
}

/// Index of the largest value (the first on ties).
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

impl Classifier {
    /// Trains on `texts` with their `labels`; the label set is the sorted distinct labels.
    pub fn train<S: AsRef<str>>(
        texts: &[S],
        labels: &[S],
        settings: &TrainSettings,
        source: &str,
        date: &str,
    ) -> Result<(Classifier, FitReport)> {
        if texts.len() != labels.len() {
            bail!("{} texts but {} labels", texts.len(), labels.len());
        }
        let mut names: Vec<String> = labels.iter().map(|l| l.as_ref().to_string()).collect();
        names.sort();
        names.dedup();
        if names.len() < 2 {
            bail!(
                "training needs at least 2 different labels, found {}",
                names.len()
            );
        }
        let y: Vec<usize> = labels
            .iter()
            .map(|l| {
                names
                    .binary_search_by(|n| n.as_str().cmp(l.as_ref()))
                    .unwrap()
            })
            .collect();
        let mut tfidf =
            Tfidf::fit(texts, settings.tokenizer, settings.tfidf).map_err(anyhow::Error::msg)?;
        let mut x = tfidf.transform_batch(texts);
        if settings.tfidf.nb_scale {
            tfidf.scale_idf(&nb_scales(&x, &y, names.len()));
            x = tfidf.transform_batch(texts);
        }
        Self::train_on_rows(tfidf, &x, &y, names, settings, source, date)
    }

    /// Fits the model on rows already featurized by `tfidf`.
    pub fn train_on_rows(
        tfidf: Tfidf,
        x: &SparseMatrix,
        y: &[usize],
        names: Vec<String>,
        settings: &TrainSettings,
        source: &str,
        date: &str,
    ) -> Result<(Classifier, FitReport)> {
        let (model, report) =
            Logistic::fit(x, y, names.clone(), &settings.fit).map_err(anyhow::Error::msg)?;
        let model = model
            .add_naive_bayes(
                x,
                y,
                tfidf.terms().len(),
                settings.fit.nb_weight,
                settings.fit.nb_smoothing,
            )
            .map_err(anyhow::Error::msg)?;
        let mut counts = vec![0u64; names.len()];
        for &c in y {
            counts[c] += 1;
        }
        let meta = Metadata {
            rows_per_label: names.into_iter().zip(counts).collect(),
            tokenizer: settings.tokenizer,
            tfidf: settings.tfidf,
            fit: settings.fit,
            date: date.to_string(),
            source: source.to_string(),
            iterations: report.iterations,
        };
        Ok((Classifier { tfidf, model, meta }, report))
    }

    pub fn labels(&self) -> &[String] {
        self.model.labels()
    }

    pub fn tfidf(&self) -> &Tfidf {
        &self.tfidf
    }

    pub fn model(&self) -> &Logistic {
        &self.model
    }

    pub fn meta(&self) -> &Metadata {
        &self.meta
    }

    /// Scores one sentence: probabilities for every label written to `out`.
    #[inline]
    pub fn score_into(&self, text: &str, scratch: &mut ScoreScratch, out: &mut [f32]) {
        self.tfidf
            .transform_into(text, &mut scratch.tfidf, &mut scratch.row);
        self.model.probabilities_into(&scratch.row, out);
    }

    /// Label index and probabilities of one sentence (allocates; for tests and tools).
    pub fn predict(&self, text: &str) -> (usize, Vec<f32>) {
        let mut p = vec![0.0; self.labels().len()];
        self.score_into(text, &mut ScoreScratch::default(), &mut p);
        (argmax(&p), p)
    }

    /// The `n` features of `row` that pushed most toward label `c` relative to the
    /// other labels: what the feature adds to `c`'s score minus the mean it adds over
    /// all labels, largest first, positive only.
    pub fn explain(&self, row: &[(u32, f32)], c: usize, n: usize) -> Vec<(String, f32)> {
        let k = self.labels().len() as f32;
        let mut contrib: Vec<(u32, f32)> = row
            .iter()
            .map(|&(f, v)| {
                let f_ = f as usize;
                let mean: f32 = (0..self.labels().len())
                    .map(|j| self.model.contribution(f_, v, j))
                    .sum::<f32>()
                    / k;
                (f, self.model.contribution(f_, v, c) - mean)
            })
            .filter(|p| p.1 > 0.0)
            .collect();
        contrib.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        contrib
            .into_iter()
            .take(n)
            .map(|(f, w)| (self.tfidf.feature_name(f as usize), w))
            .collect()
    }

    /// The model file's contents.
    pub fn to_data(&self) -> ModelData {
        ModelData {
            labels: self.labels().to_vec(),
            tokenizer: self.tfidf.tokenizer().config(),
            tfidf: self.tfidf.config(),
            terms: self.tfidf.terms().to_vec(),
            char_terms: self.tfidf.char_terms().to_vec(),
            idf: self.tfidf.idf().to_vec(),
            weights: self.model.weights().to_vec(),
            presence: self.model.presence().to_vec(),
            intercepts: self.model.intercepts().to_vec(),
            meta: self.meta.clone(),
        }
    }

    /// Builds a classifier from a model file's contents, checking every shape.
    pub fn from_data(d: ModelData) -> Result<Classifier> {
        let tfidf = Tfidf::from_parts(d.tokenizer, d.tfidf, d.terms, d.char_terms, d.idf)
            .map_err(anyhow::Error::msg)?;
        let model = Logistic::from_parts(d.labels, tfidf.n_features(), d.weights, d.intercepts)
            .and_then(|m| m.with_presence(d.presence))
            .map_err(anyhow::Error::msg)?;
        if model.presence().len() > tfidf.terms().len() * model.labels().len() {
            bail!("presence weights for more features than there are word terms");
        }
        if d.meta.rows_per_label.len() != model.labels().len() {
            bail!(
                "metadata lists {} labels, the model has {}",
                d.meta.rows_per_label.len(),
                model.labels().len()
            );
        }
        Ok(Classifier {
            tfidf,
            model,
            meta: d.meta,
        })
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_data().to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        Classifier::from_data(ModelData::from_bytes(bytes)?)
            .map_err(|e| anyhow::anyhow!("model file is inconsistent: {e:#}"))
    }

    /// Reads a model file (never more than its header declares); errors name the file.
    pub fn load(path: &Path) -> Result<Classifier> {
        Classifier::from_bytes(&modelfile::read_file(path)?)
            .with_context(|| format!("{}", path.display()))
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        modelfile::write_atomically(path, &self.to_bytes()?)
    }

    /// The model built into the binary.
    pub fn builtin() -> Result<Classifier> {
        Classifier::from_bytes(BUILTIN_MODEL).context("the built-in model")
    }
}
