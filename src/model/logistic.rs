//! The fitted model, [`Logistic`]: its weights, building it from stored parts, the naive
//! Bayes term, scoring a row, fitting (by the chosen solver) and labelling the training
//! rows.

use super::config::{check_fit_memory, FitConfig, FitReport, Solver};
use super::design::{CharBlock, Design};
use super::lbfgs::fit_lbfgs;
#[cfg(feature = "linfa")]
use super::linfa::fit_linfa;
use crate::features::{LabelCounts, SparseMatrix};
use crate::kernels::{add_scaled, softmax_in_place};
use rayon::prelude::*;

/// A fitted model: weights laid out feature-major (`weights[f * k + c]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    labels: Vec<String>,
    n_features: usize,
    weights: Vec<f32>,
    intercepts: Vec<f32>,
    /// Added to the scores once for each of the first `presence.len() / k` features a
    /// row holds, whatever its value (`presence[f * k + c]`): the naive Bayes term.
    presence: Vec<f32>,
}

impl Logistic {
    /// Builds a model from stored parts, checking shapes and values.
    pub fn from_parts(
        labels: Vec<String>,
        n_features: usize,
        weights: Vec<f32>,
        intercepts: Vec<f32>,
    ) -> Result<Logistic, String> {
        let k = labels.len();
        if k < 2 {
            return Err(format!("a model needs at least 2 labels, this one has {k}"));
        }
        let mut sorted: Vec<&String> = labels.iter().collect();
        sorted.sort();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            return Err("the model's labels are not distinct".into());
        }
        if weights.len() != n_features * k {
            return Err(format!(
                "{} weights for {n_features} features and {k} labels (expected {})",
                weights.len(),
                n_features * k
            ));
        }
        if intercepts.len() != k {
            return Err(format!("{} intercepts for {k} labels", intercepts.len()));
        }
        // Without a branch per value, so it vectorises.
        if weights
            .iter()
            .chain(&intercepts)
            .fold(false, |bad, w| bad | !w.is_finite())
        {
            return Err("the model holds a weight that is not finite".into());
        }
        Ok(Logistic {
            labels,
            n_features,
            weights,
            intercepts,
            presence: Vec::new(),
        })
    }

    /// The model with presence weights for its first `presence.len() / labels` features.
    pub fn with_presence(mut self, presence: Vec<f32>) -> Result<Logistic, String> {
        let k = self.labels.len();
        if !presence.len().is_multiple_of(k) || presence.len() > self.n_features * k {
            return Err(format!(
                "{} presence weights for {} features and {k} labels",
                presence.len(),
                self.n_features
            ));
        }
        if presence.iter().any(|w| !w.is_finite()) {
            return Err("the model holds a presence weight that is not finite".into());
        }
        self.presence = presence;
        Ok(self)
    }

    /// Adds a multinomial naive Bayes term over the presence of the first `n_terms`
    /// features of `x` (rows labelled `y`): with `N_fc` the rows of label `c` holding
    /// `f` and `a` the smoothing, `ln((N_fc + a) / (sum_f N_fc + a * n_terms))` times
    /// `weight` joins feature `f`'s presence weight (centred over labels, which changes
    /// no probability), and `weight * ln(rows of c / rows)` joins `c`'s intercept.
    pub fn add_naive_bayes(
        self,
        x: &SparseMatrix,
        y: &[usize],
        n_terms: usize,
        weight: f64,
        smoothing: f64,
    ) -> Result<Logistic, String> {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(format!(
                "naive Bayes weight {weight} must be a finite number >= 0"
            ));
        }
        if !(smoothing.is_finite() && smoothing > 0.0) {
            return Err(format!(
                "naive Bayes smoothing {smoothing} must be a finite number > 0"
            ));
        }
        if weight == 0.0 {
            return Ok(self);
        }
        let k = self.labels.len();
        let d = n_terms.min(self.n_features).min(x.n_cols);
        let LabelCounts {
            counts,
            rows,
            totals,
        } = x.label_counts(y, k, d);
        let denominators: Vec<f64> = totals
            .iter()
            .map(|t| (t + smoothing * d as f64).ln())
            .collect();
        let mut presence = vec![0f32; d * k];
        let mut log_p = vec![0f64; k];
        for f in 0..d {
            for c in 0..k {
                log_p[c] = (counts[f * k + c] + smoothing).ln() - denominators[c];
            }
            let mean = log_p.iter().sum::<f64>() / k as f64;
            for c in 0..k {
                presence[f * k + c] = (weight * (log_p[c] - mean)) as f32;
            }
        }
        let n: f64 = rows.iter().sum();
        let mut model = self;
        for (b, r) in model.intercepts.iter_mut().zip(&rows) {
            // A label with no rows gets the prior of half a row, not minus infinity.
            let prior = (r.max(0.5) / n).ln();
            *b += (weight * prior) as f32;
        }
        model.with_presence(presence)
    }

    /// The label set, in score order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of features (columns) the weights cover.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Feature-major weights: `weights[f * labels + c]`.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// One intercept per label.
    pub fn intercepts(&self) -> &[f32] {
        &self.intercepts
    }

    /// Presence weights, feature-major (empty without a naive Bayes term).
    pub fn presence(&self) -> &[f32] {
        &self.presence
    }

    /// The weight of feature `f` for label index `c`.
    pub fn weight(&self, f: usize, c: usize) -> f32 {
        self.weights[f * self.labels.len() + c]
    }

    /// What feature `f` with value `v` adds to label `c`'s score.
    pub fn contribution(&self, f: usize, v: f32, c: usize) -> f32 {
        let k = self.labels.len();
        v * self.weights[f * k + c] + self.presence.get(f * k + c).copied().unwrap_or(0.0)
    }

    /// Class probabilities of one sparse row, written to `out` (length = labels).
    #[inline]
    pub fn probabilities_into(&self, row: &[(u32, f32)], out: &mut [f32]) {
        self.scores_into(row, out);
        softmax_in_place(out);
    }

    /// Class scores (before the softmax) of one sparse row, written to `out`.
    #[inline]
    pub fn scores_into(&self, row: &[(u32, f32)], out: &mut [f32]) {
        debug_assert_eq!(out.len(), self.labels.len());
        match self.labels.len() {
            2 => self.scores_with::<2>(row, out),
            3 => self.scores_with::<3>(row, out),
            4 => self.scores_with::<4>(row, out),
            _ => self.scores_with::<0>(row, out),
        }
    }

    /// [`Logistic::scores_into`] for `K` labels (0: any number), so the common label
    /// counts get loops the compiler unrolls.
    #[inline(always)]
    pub fn scores_with<const K: usize>(&self, row: &[(u32, f32)], out: &mut [f32]) {
        let k = if K == 0 { self.labels.len() } else { K };
        let out = &mut out[..k];
        out.copy_from_slice(&self.intercepts[..k]);
        let n_presence = self.presence.len();
        for &(f, v) in row {
            let at = f as usize * k;
            add_scaled::<K>(out, &self.weights[at..at + k], v);
            if at < n_presence {
                add_scaled::<K>(out, &self.presence[at..at + k], 1.0);
            }
        }
    }

    /// Fits a model on rows `x` with label indices `y` (each `< labels.len()`).
    pub fn fit(
        x: &SparseMatrix,
        y: &[usize],
        labels: Vec<String>,
        config: &FitConfig,
    ) -> Result<(Logistic, FitReport), String> {
        Logistic::fit_with_chars(x, None, y, labels, config)
    }

    /// [`Logistic::fit`] on rows that are `x` plus, when given, a factored character
    /// block (with `x`'s rows and features).
    pub fn fit_with_chars(
        x: &SparseMatrix,
        chars: Option<&CharBlock>,
        y: &[usize],
        labels: Vec<String>,
        config: &FitConfig,
    ) -> Result<(Logistic, FitReport), String> {
        if let Some(c) = chars {
            if c.n_rows() != x.n_rows() || c.grams.n_cols != x.n_cols {
                return Err(format!(
                    "a character block of {} rows and {} features for {} rows and {} features",
                    c.n_rows(),
                    c.grams.n_cols,
                    x.n_rows(),
                    x.n_cols
                ));
            }
        }
        let k = labels.len();
        if k < 2 {
            return Err(format!("training needs at least 2 labels, found {k}"));
        }
        if x.n_rows() != y.len() {
            return Err(format!("{} rows but {} labels", x.n_rows(), y.len()));
        }
        if let Some(&bad) = y.iter().find(|&&c| c >= k) {
            return Err(format!("label index {bad} out of range"));
        }
        if !(config.alpha.is_finite() && config.alpha >= 0.0) {
            return Err(format!(
                "alpha {} must be a finite number >= 0",
                config.alpha
            ));
        }
        let d = x.n_cols;
        check_fit_memory(x.n_rows(), d, d, k, config)?;
        let (params, report) =
            match config.solver {
                Solver::Lbfgs => fit_lbfgs(Design::new(x, chars), y, k, config)?,
                #[cfg(feature = "linfa")]
                Solver::Linfa => fit_linfa(x, chars, y, k, config)?,
                #[cfg(not(feature = "linfa"))]
                Solver::Linfa => return Err(
                    "--solver linfa needs stance built with the `linfa` feature (on by default)"
                        .into(),
                ),
            };
        let weights = params[..d * k].iter().map(|&v| v as f32).collect();
        let intercepts = params[d * k..].iter().map(|&v| v as f32).collect();
        let model = Logistic::from_parts(labels, d, weights, intercepts)?;
        Ok((model, report))
    }
}

impl Logistic {
    /// The label index (highest score, the first on ties) of each row of `x` plus, when
    /// given, its factored character block: the training rows' labels without
    /// featurizing the texts again.
    pub fn label_rows(&self, x: &SparseMatrix, chars: Option<&CharBlock>) -> Vec<usize> {
        let k = self.labels.len();
        // Each word's share of the scores, as the scorer computes it.
        let word_scores: Vec<f32> = chars.map_or_else(Vec::new, |c| {
            let mut s = vec![0f32; c.n_words() * k];
            for (e, se) in s.chunks_exact_mut(k).enumerate() {
                let (feats, vals) = c.grams.row(e);
                for (&f, &u) in feats.iter().zip(vals) {
                    add_scaled::<0>(se, &self.weights[f as usize * k..], u);
                }
            }
            s
        });
        (0..x.n_rows())
            .into_par_iter()
            .with_min_len(256)
            .map_init(
                || (Vec::new(), vec![0f32; k]),
                |(row, out), i| {
                    let (idx, val) = x.row(i);
                    row.clear();
                    row.extend(idx.iter().copied().zip(val.iter().copied()));
                    self.scores_into(row, out);
                    if let Some(c) = chars {
                        let (words, scales) = c.tokens.row(i);
                        for (&e, &s) in words.iter().zip(scales) {
                            add_scaled::<0>(out, &word_scores[e as usize * k..], s);
                        }
                    }
                    crate::kernels::argmax(out)
                },
            )
            .collect()
    }
}
