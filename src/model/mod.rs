//! Stage 4: the model, multinomial logistic regression over the sparse TF-IDF rows.
//!
//! Training minimises exactly linfa-logistic's objective,
//! `sum_i w_i * logloss_i + alpha/2 * ||W||^2` (intercepts not penalised, `w_i = 1`
//! unless class weights say otherwise), with argmin's L-BFGS (the optimiser
//! linfa-logistic itself uses; computed in place here, with its vector passes in
//! parallel and its pairs in single precision, and argmin's More-Thuente line search)
//! over a sparse cost and gradient. The same rows and settings give the same model to
//! the bit, on any number of threads. `Solver::Linfa` runs linfa-logistic's own dense
//! fit instead, for small problems.
//!
//! A naive Bayes term can join the fitted model ([`Logistic::add_naive_bayes`]): the
//! log-probabilities of a multinomial naive Bayes over which word terms a sentence has,
//! times a weight, added to the scores. Naive Bayes is strong where logistic regression
//! is weak on short texts (rare terms), and the sum beats either alone (Wang & Manning
//! 2012 combine the two in NBSVM for the same reason).
//!
//! Scoring is its own fast path: sparse row times the weight matrix (one feature's
//! class weights contiguous) plus the presence weights of the row's word terms plus
//! intercepts, then softmax.

mod linesearch;

pub use crate::kernels::{add_scaled, softmax_in_place};

use crate::features::{LabelCounts, SparseMatrix};
use linesearch::{dot, dot_lanes, fold_lanes, more_thuente, sum_chunks, Trial, CHUNK, LANES};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Which optimiser fits the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Solver {
    /// L-BFGS over the sparse rows (fast, any size).
    Lbfgs,
    /// linfa-logistic's dense fit (small data only).
    Linfa,
}

/// How each training row's loss is weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every row counts once.
    None,
    /// Rows weighted by n / (k * rows of their label), so every label counts equally.
    Balanced,
}

/// Settings of one fit, stored in the model file's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitConfig {
    /// L2 penalty on the weights (not the intercepts).
    pub alpha: f64,
    pub class_weight: ClassWeight,
    pub solver: Solver,
    pub max_iterations: u64,
    /// Stop when the gradient's l2 norm is below this.
    pub gradient_tolerance: f64,
    /// Also stop when the gradient's l2 norm falls below this share of its norm at the
    /// start (0: off), so the stopping point does not depend on the data's size.
    pub relative_tolerance: f64,
    /// Most memory, in bytes, a fit may take (see [`fit_memory`]); a fit that would
    /// need more is refused before anything is allocated.
    pub memory_budget: u64,
    /// Weight of the naive Bayes term added to the scores (0: none).
    pub nb_weight: f64,
    /// Additive (Lidstone) smoothing of the naive Bayes term counts.
    pub nb_smoothing: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            alpha: 0.1,
            class_weight: ClassWeight::None,
            solver: Solver::Lbfgs,
            max_iterations: 200,
            gradient_tolerance: 1e-4,
            relative_tolerance: 1e-3,
            memory_budget: 1 << 30,
            nb_weight: 0.3,
            nb_smoothing: 0.5,
        }
    }
}

/// About how many bytes fitting takes for `rows` rows, `features` features (`terms` of
/// them word terms) and `labels` labels with `config`: the optimiser's point, gradients,
/// trial point, direction and best point (8 bytes a parameter each), its ten pairs of
/// single-precision vectors (80 bytes a parameter), the rows' score differences, and
/// the fitted model's weights, naive Bayes term, scoring table and saved copy (about 24
/// bytes per feature and label); `--solver linfa` adds its dense matrix. An estimate
/// from the shapes alone, made before anything is allocated; it errs high.
pub fn fit_memory(
    rows: usize,
    features: usize,
    terms: usize,
    labels: usize,
    config: &FitConfig,
) -> u64 {
    let (n, d, t, k) = (rows as u64, features as u64, terms as u64, labels as u64);
    let params = if k == 2 {
        d + 1
    } else {
        d.saturating_mul(k).saturating_add(k)
    };
    let optimiser = params.saturating_mul(5 * 8 + 10 * 2 * 4 + 8);
    let per_row = n.saturating_mul(k).saturating_mul(16);
    let model = d
        .saturating_mul(k)
        .saturating_mul(16)
        .saturating_add(t.saturating_mul(k).saturating_mul(8));
    let dense = match config.solver {
        Solver::Lbfgs => 0,
        Solver::Linfa => n.saturating_mul(d).saturating_mul(8),
    };
    optimiser
        .saturating_add(per_row)
        .saturating_add(model)
        .saturating_add(dense)
}

/// Refuses a fit whose [`fit_memory`] is over `config.memory_budget`, with a message
/// that gives the figures and the flag that raises the budget.
pub fn check_fit_memory(
    rows: usize,
    features: usize,
    terms: usize,
    labels: usize,
    config: &FitConfig,
) -> Result<(), String> {
    let need = fit_memory(rows, features, terms, labels, config);
    if need <= config.memory_budget {
        return Ok(());
    }
    let mib = |b: u64| b.div_ceil(1 << 20);
    let hint = match config.solver {
        Solver::Linfa => "use --solver lbfgs (sparse), or raise --memory-budget-mb",
        Solver::Lbfgs => "raise --memory-budget-mb, or use fewer features (--max-features, --min-df, --no-char-ngrams) or fewer labels",
    };
    Err(format!(
        "fitting {labels} labels x {features} features on {rows} rows needs about {} MiB, over the memory budget of {} MiB; {hint}",
        mib(need),
        mib(config.memory_budget)
    ))
}

/// What a fit did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitReport {
    pub iterations: u64,
    pub final_cost: f64,
}

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

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

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

/// Per-row loss weights from the class-weight setting.
pub fn sample_weights(y: &[usize], k: usize, cw: ClassWeight) -> Vec<f64> {
    match cw {
        ClassWeight::None => vec![1.0; y.len()],
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; k];
            for &c in y {
                counts[c] += 1;
            }
            let n = y.len() as f64;
            y.iter()
                .map(|&c| n / (k as f64 * counts[c] as f64))
                .collect()
        }
    }
}

/// A smooth objective to minimise: its cost and gradient at a point.
trait Objective {
    /// The cost at `p`, writing the gradient over all of `grad` (as long as `p`).
    fn eval_into(&self, p: &[f64], grad: &mut [f64]) -> f64;

    /// The cost and gradient at `p`.
    #[cfg(test)]
    fn eval(&self, p: &[f64]) -> (f64, Vec<f64>) {
        let mut grad = vec![0.0; p.len()];
        let cost = self.eval_into(p, &mut grad);
        (cost, grad)
    }
}

/// Rows per block of the data loss. The loss and the intercepts' gradient are summed
/// over a block's rows in row order, then over the blocks in block order, so the result
/// does not depend on how many threads computed them.
const ROW_BLOCK: usize = 512;

/// `m` by column: row `f` of the result lists the `(row, value)` entries of column `f`,
/// rows in increasing order (each as often as `m` holds it).
fn transpose(m: &SparseMatrix) -> SparseMatrix {
    let d = m.n_cols;
    let mut starts = vec![0usize; d + 1];
    for &f in &m.indices {
        starts[f as usize + 1] += 1;
    }
    for f in 0..d {
        starts[f + 1] += starts[f];
    }
    let mut next = starts[..d].to_vec();
    let mut rows = vec![0u32; starts[d]];
    let mut values = vec![0f32; starts[d]];
    for i in 0..m.n_rows() {
        let row = u32::try_from(i).expect("at most 2^32 rows");
        let (idx, val) = m.row(i);
        for (&f, &v) in idx.iter().zip(val) {
            let at = &mut next[f as usize];
            rows[*at] = row;
            values[*at] = v;
            *at += 1;
        }
    }
    SparseMatrix {
        n_cols: m.n_rows(),
        indptr: starts,
        indices: rows,
        values,
    }
}

/// The character n-gram block of training rows, kept factored the way TF-IDF builds it:
/// a row's block is the sum, over the row's tokens, of each token's word vector (its
/// n-grams' `(feature, value)`), times the row's scale. So `X_char = T G`, with `T` the
/// rows' tokens (row by word, the row's scale at each token) and `G` the words' n-grams
/// (word by feature), and the objective computes `X_char w` as `T (G w)` and
/// `X_char' d` as `G' (T' d)`: each distinct word's n-grams are read once a pass, not
/// once for every row holding it.
#[derive(Debug, Clone, PartialEq)]
pub struct CharBlock {
    /// One row per training row: `(word, the row's scale)` per token, in order.
    tokens: SparseMatrix,
    /// One row per word: its n-grams' `(feature, value)`.
    grams: SparseMatrix,
}

impl CharBlock {
    /// An empty block over `n_features` features.
    pub fn new(n_features: usize) -> CharBlock {
        CharBlock {
            tokens: SparseMatrix::new(0),
            grams: SparseMatrix::new(n_features),
        }
    }

    /// The same block over `n_features` features (at least as many as now): for rows
    /// that gain features after the character n-grams.
    pub fn widened(mut self, n_features: usize) -> CharBlock {
        assert!(n_features >= self.grams.n_cols);
        self.grams.n_cols = n_features;
        self
    }

    /// Adds a word with n-grams `grams` (`(feature, value)`), returning its index.
    pub fn push_word(&mut self, grams: &[(u32, f32)]) -> u32 {
        assert!(grams.iter().all(|&(f, _)| (f as usize) < self.grams.n_cols));
        self.grams.push_row(grams);
        self.tokens.n_cols = self.grams.n_rows();
        u32::try_from(self.grams.n_rows() - 1).expect("at most 2^32 words")
    }

    /// Adds a row: its tokens (word indices, each word's vector counted once per token)
    /// and the scale of their sum.
    pub fn push_row(&mut self, words: &[u32], scale: f32) {
        assert!(words.iter().all(|&e| (e as usize) < self.tokens.n_cols));
        let start = self.tokens.indices.len();
        self.tokens.indices.extend_from_slice(words);
        self.tokens.values.resize(start + words.len(), scale);
        self.tokens.indptr.push(self.tokens.indices.len());
    }

    pub fn n_rows(&self) -> usize {
        self.tokens.n_rows()
    }

    pub fn n_words(&self) -> usize {
        self.grams.n_rows()
    }

    /// `f(feature, value)` for each entry of row `i`'s block, token by token (a feature
    /// more than one token holds comes more than once).
    pub fn for_each_in_row(&self, i: usize, mut f: impl FnMut(u32, f64)) {
        let (words, scales) = self.tokens.row(i);
        for (&e, &s) in words.iter().zip(scales) {
            let (feats, vals) = self.grams.row(e as usize);
            for (&g, &u) in feats.iter().zip(vals) {
                f(g, f64::from(s) * f64::from(u));
            }
        }
    }
}

/// Items per parallel task of the passes over words and features.
const ITEM_CHUNK: usize = 4096;

/// The training rows as the objectives read them: sparse rows `x` (by feature too), plus
/// an optional factored character block over the same features.
struct Design<'a> {
    x: &'a SparseMatrix,
    /// Per feature, what its weights' gradient sums: the rows holding it (`x`'s column),
    /// then, with a character block, the words holding it (`G'`), word `e` as index
    /// `rows + e`. The gradient is computed feature by feature from these, touching only
    /// the entries there are and writing each gradient entry once.
    columns: SparseMatrix,
    chars: Option<Factored<'a>>,
}

/// A [`CharBlock`] with its rows by word.
struct Factored<'a> {
    block: &'a CharBlock,
    /// Per word, the rows it is a token of (`T'`).
    rows_of_word: SparseMatrix,
}

impl<'a> Design<'a> {
    fn new(x: &'a SparseMatrix, chars: Option<&'a CharBlock>) -> Design<'a> {
        let mut columns = transpose(x);
        if let Some(block) = chars {
            columns = append_rows(&columns, &transpose(&block.grams));
        }
        Design {
            x,
            columns,
            chars: chars.map(|block| Factored {
                block,
                rows_of_word: transpose(&block.tokens),
            }),
        }
    }

    /// `G w`: each word's share of the scores (`k` a word); empty without a character
    /// block.
    fn word_scores(&self, w: &[f64], k: usize) -> Vec<f64> {
        match &self.chars {
            Some(c) => {
                let mut scores = vec![0.0; c.block.n_words() * k];
                gather_rows(&c.block.grams, w, k, &mut scores);
                scores
            }
            None => Vec::new(),
        }
    }

    /// Adds row `i`'s scores (`k` of them) from `w` to `z`: its sparse entries, then its
    /// character block from `word_scores`.
    #[inline(always)]
    fn add_scores(&self, i: usize, w: &[f64], word_scores: &[f64], z: &mut [f64]) {
        let (idx, val) = self.x.row(i);
        gather_add(z, idx, val, w);
        if let Some(c) = &self.chars {
            let (words, scales) = c.block.tokens.row(i);
            gather_add(z, words, scales, word_scores);
        }
    }

    /// Writes the weights' gradient into `grad` (`d * k`, feature-major): for feature
    /// `f` and label `c`, `sum_i x_if * diff[i * k + c]` over the rows holding `f`, then
    /// the character block's share (as `G' (T' diff)`), plus `scale * w[f * k + c]`.
    /// Returns `||w||^2`. Each feature's sums are made by one task and the squares summed
    /// over fixed chunks in chunk order, so the bits do not depend on the threads.
    fn weight_gradient(
        &self,
        diff: &[f64],
        k: usize,
        w: &[f64],
        scale: f64,
        grad: &mut [f64],
    ) -> f64 {
        // What the columns' indices point at: `diff` (`k` a row), then each word's `T' diff`.
        let with_words;
        let of = match &self.chars {
            Some(c) => {
                let mut of = vec![0.0; diff.len() + c.block.n_words() * k];
                of[..diff.len()].copy_from_slice(diff);
                gather_rows(&c.rows_of_word, diff, k, &mut of[diff.len()..]);
                with_words = of;
                &with_words
            }
            None => diff,
        };
        let cols = &self.columns;
        let chunks = grad.par_chunks_mut(ITEM_CHUNK * k).enumerate();
        let [norm] = sum_chunks(chunks.map(|(chunk, grad)| {
            let first = chunk * ITEM_CHUNK;
            for (f, gf) in (first..).zip(grad.chunks_exact_mut(k)) {
                gf.fill(0.0);
                let (at, values) = cols.row(f);
                gather_add(gf, at, values, of);
            }
            let w = &w[first * k..first * k + grad.len()];
            for (g, &wj) in grad.iter_mut().zip(w) {
                *g += scale * wj;
            }
            [dot_lanes(w, w)]
        }));
        norm
    }
}

/// Writes row `r` of `m of` (`k` values, `out.len() = m.n_rows() * k`) as
/// `sum_j m_rj * of[j * k..j * k + k]` to `out`; rows in parallel.
fn gather_rows(m: &SparseMatrix, of: &[f64], k: usize, out: &mut [f64]) {
    assert_eq!(out.len(), m.n_rows() * k);
    out.par_chunks_mut(ITEM_CHUNK * k)
        .enumerate()
        .for_each(|(chunk, out)| {
            for (r, o) in (chunk * ITEM_CHUNK..).zip(out.chunks_exact_mut(k)) {
                let (at, values) = m.row(r);
                gather_add(o, at, values, of);
            }
        });
}

/// Each row of `a` followed by the same row of `b` (as many rows), `b`'s indices moved
/// past `a`'s columns.
fn append_rows(a: &SparseMatrix, b: &SparseMatrix) -> SparseMatrix {
    assert_eq!(a.n_rows(), b.n_rows());
    let offset = u32::try_from(a.n_cols).expect("at most 2^32 columns");
    let mut out = SparseMatrix::new(a.n_cols + b.n_cols);
    out.indices.reserve(a.indices.len() + b.indices.len());
    out.values.reserve(a.values.len() + b.values.len());
    for r in 0..a.n_rows() {
        let ((ai, av), (bi, bv)) = (a.row(r), b.row(r));
        out.indices.extend_from_slice(ai);
        out.indices.extend(bi.iter().map(|&i| offset + i));
        out.values.extend_from_slice(av);
        out.values.extend_from_slice(bv);
        out.indptr.push(out.indices.len());
    }
    out
}

/// `sum[c] += values[j] * of[at[j] * k + c]` for each `j` in order (`k = sum.len()`).
#[inline(always)]
fn gather_add(sum: &mut [f64], at: &[u32], values: &[f32], of: &[f64]) {
    let k = sum.len();
    if k == 1 {
        sum[0] = gather_dot(sum[0], at, values, of);
        return;
    }
    for (&r, &x) in at.iter().zip(values) {
        let x = f64::from(x);
        let r = r as usize * k;
        for (s, &o) in sum.iter_mut().zip(&of[r..r + k]) {
            *s += x * o;
        }
    }
}

/// `init + sum_j values[j] * of[at[j]]`: in order when short, else in four lanes (`j % 4`)
/// added at the end, so that long columns are not bound by the latency of addition.
#[inline(always)]
fn gather_dot(init: f64, at: &[u32], values: &[f32], of: &[f64]) -> f64 {
    if at.len() < 8 {
        // Most columns of word terms are this short.
        let mut sum = init;
        for (&a, &v) in at.iter().zip(values) {
            sum += f64::from(v) * of[a as usize];
        }
        return sum;
    }
    let mut lanes = [0.0; 4];
    let (ac, vc) = (at.chunks_exact(4), values.chunks_exact(4));
    let (ar, vr) = (ac.remainder(), vc.remainder());
    for (a, v) in ac.zip(vc) {
        for l in 0..4 {
            lanes[l] += f64::from(v[l]) * of[a[l] as usize];
        }
    }
    for (lane, (&a, &v)) in lanes.iter_mut().zip(ar.iter().zip(vr)) {
        *lane += f64::from(v) * of[a as usize];
    }
    init + ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
}

/// Runs `block` on each row block (its first row and its rows' share of `diff`, `k` a
/// row) in parallel, and sums the returned losses and intercept gradients (`k`) in
/// block order.
fn blocked_rows(
    diff: &mut [f64],
    k: usize,
    block: impl Fn(usize, &mut [f64], &mut [f64]) -> f64 + Sync,
) -> (f64, Vec<f64>) {
    let parts: Vec<(f64, Vec<f64>)> = diff
        .par_chunks_mut(ROW_BLOCK * k)
        .enumerate()
        .map(|(b, diff)| {
            let mut bias = vec![0.0; k];
            let cost = block(b * ROW_BLOCK, diff, &mut bias);
            (cost, bias)
        })
        .collect();
    let mut cost = 0.0;
    let mut bias = vec![0.0; k];
    for (c, g) in parts {
        cost += c;
        for (a, b) in bias.iter_mut().zip(&g) {
            *a += b;
        }
    }
    (cost, bias)
}

/// The multinomial objective: parameters are `W` feature-major (`d * k`) then `k`
/// intercepts.
struct SparseProblem<'a> {
    rows: Design<'a>,
    y: &'a [usize],
    k: usize,
    alpha: f64,
    sample_weight: Vec<f64>,
}

impl<'a> SparseProblem<'a> {
    fn new(
        rows: Design<'a>,
        y: &'a [usize],
        k: usize,
        alpha: f64,
        sample_weight: Vec<f64>,
    ) -> Self {
        SparseProblem {
            rows,
            y,
            k,
            alpha,
            sample_weight,
        }
    }
}

impl Objective for SparseProblem<'_> {
    fn eval_into(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let (k, d) = (self.k, self.rows.x.n_cols);
        let (w, b) = p.split_at(d * k);
        let word_scores = self.rows.word_scores(w, k);
        let mut diff = vec![0.0; self.rows.x.n_rows() * k];
        let (mut cost, bias) = blocked_rows(&mut diff, k, |first, diff, bias| {
            self.loss_rows(w, b, &word_scores, first, diff, bias)
        });
        let (gw, gb) = grad.split_at_mut(d * k);
        let norm = self.rows.weight_gradient(&diff, k, w, self.alpha, gw);
        gb.copy_from_slice(&bias);
        cost += 0.5 * self.alpha * norm;
        cost
    }
}

impl SparseProblem<'_> {
    /// Loss of the rows from `first` (as many as `diff` holds), writing each row's
    /// `s_i * (p_c - [c == y_i])` to `diff` and adding it to `bias`.
    fn loss_rows(
        &self,
        w: &[f64],
        b: &[f64],
        word_scores: &[f64],
        first: usize,
        diff: &mut [f64],
        bias: &mut [f64],
    ) -> f64 {
        let k = self.k;
        let mut cost = 0.0;
        for (i, z) in (first..).zip(diff.chunks_exact_mut(k)) {
            z.copy_from_slice(b);
            self.rows.add_scores(i, w, word_scores, z);
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let yi = self.y[i];
            let si = self.sample_weight[i];
            let zy = z[yi] - max;
            let mut sum = 0.0;
            for zc in z.iter_mut() {
                *zc = (*zc - max).exp();
                sum += *zc;
            }
            // log-loss: logsumexp(z) - z_y
            cost += si * (sum.ln() - zy);
            // diff_c = s_i * (p_c - [c == y])
            for (c, zc) in z.iter_mut().enumerate() {
                *zc = si * (*zc / sum - if c == yi { 1.0 } else { 0.0 });
            }
            for (g, &dc) in bias.iter_mut().zip(z.iter()) {
                *g += dc;
            }
        }
        cost
    }
}

/// The same objective for two labels, in half the parameters: with `v = W_1 - W_0` and
/// `c = b_1 - b_0`, the optimum has `W_1 = -W_0 = v / 2` (the penalty's gradient
/// `alpha * sum_c W_c` must vanish), so the loss is binary logistic on `x.v + c` and
/// the penalty `alpha/4 * ||v||^2`. Parameters: `v` (`d`) then `c`.
struct BinaryProblem<'a> {
    rows: Design<'a>,
    y: &'a [usize],
    alpha: f64,
    sample_weight: Vec<f64>,
}

impl<'a> BinaryProblem<'a> {
    fn new(rows: Design<'a>, y: &'a [usize], alpha: f64, sample_weight: Vec<f64>) -> Self {
        BinaryProblem {
            rows,
            y,
            alpha,
            sample_weight,
        }
    }
}

impl Objective for BinaryProblem<'_> {
    fn eval_into(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.rows.x.n_cols;
        let (v, c) = (&p[..d], p[d]);
        let word_scores = self.rows.word_scores(v, 1);
        let mut diff = vec![0.0; self.rows.x.n_rows()];
        let (mut cost, bias) = blocked_rows(&mut diff, 1, |first, diff, bias| {
            let (cost, sum) = self.loss_rows(v, c, &word_scores, first, diff);
            bias[0] = sum;
            cost
        });
        let (gv, gc) = grad.split_at_mut(d);
        let norm = self.rows.weight_gradient(&diff, 1, v, 0.5 * self.alpha, gv);
        gc[0] = bias[0];
        cost += 0.25 * self.alpha * norm;
        cost
    }
}

impl BinaryProblem<'_> {
    /// Loss of the rows from `first` (as many as `diff` holds), writing each row's
    /// `s_i * (p_i - y_i)` to `diff`; also returns the sum of those.
    fn loss_rows(
        &self,
        v: &[f64],
        c: f64,
        word_scores: &[f64],
        first: usize,
        diff: &mut [f64],
    ) -> (f64, f64) {
        let mut cost = 0.0;
        let mut sum = 0.0;
        for (i, di) in (first..).zip(diff.iter_mut()) {
            let mut z = [c];
            self.rows.add_scores(i, v, word_scores, &mut z);
            let z = z[0];
            let si = self.sample_weight[i];
            let positive = self.y[i] == 1;
            // -log sigmoid(t z) with t = +-1, computed stably: ln(1 + e^-|z|) + max(-t z, 0);
            // and sigmoid(z) from the same exponential.
            let tz = if positive { z } else { -z };
            let e = (-z.abs()).exp();
            cost += si * (e.ln_1p() + (-tz).max(0.0));
            let p1 = if z >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            *di = si * (p1 - if positive { 1.0 } else { 0.0 });
            sum += *di;
        }
        (cost, sum)
    }
}

/// How many (step, gradient change) pairs L-BFGS keeps.
const MEMORY: usize = 10;

/// One L-BFGS pair: the step `s`, the change of gradient `y` over it, their dot product
/// `y.s`, its inverse `rho` and `y.y`.
///
/// `s` and `y` are kept in single precision (the dot products are of the rounded values
/// and all arithmetic is in double): the two-loop recursion reads every pair twice an
/// iteration, and ten pairs in double precision are more than the processor's cache.
struct Pair {
    s: Vec<f32>,
    y: Vec<f32>,
    sy: f64,
    rho: f64,
    yy: f64,
}

/// The best point so far, as argmin's iteration state keeps it.
enum Best {
    None,
    /// The current point.
    Current,
    Saved(Vec<f64>),
}

/// Whether `cost` replaces `best` as argmin's iteration state decides it: lower, or the
/// same infinity.
fn better(cost: f64, best: f64) -> bool {
    cost < best
        || (cost.is_infinite()
            && best.is_infinite()
            && cost.is_sign_positive() == best.is_sign_positive())
}

/// Minimises `objective` from zero by L-BFGS with argmin's More-Thuente line search.
///
/// This is argmin's `LBFGS` (0.11, memory 10, no L1 term, run by its `Executor`) done
/// in place: the same two-loop recursion, the same line search ([`more_thuente`]), the
/// same stopping rules and the same point returned. The arithmetic differs in two ways:
/// argmin adds each dot product in element order, one thread, bound by the latency of
/// addition; here every pass over the vectors runs in parallel over fixed chunks
/// ([`CHUNK`]) with several accumulators a chunk ([`LANES`]), the chunks' sums added in
/// chunk order, so the result does not depend on the number of threads. And the pairs'
/// vectors are kept in single precision ([`Pair`]). So the steps differ by rounding from
/// argmin's, and the fit stops at the same minimum (`same_minimum_as_argmin_lbfgs`
/// checks it). The bookkeeping
/// differs too: argmin's `Vec` arithmetic allocates a fresh vector for every operation
/// (about 40 an iteration), its executor clones the point and the gradient several times
/// a line-search step, and it recomputes every pair's `y.s` each iteration; here a pair
/// keeps its dot products, each step of the two loops does its update and the next
/// step's dot product in one pass, and the buffers of the point, the gradients, the
/// direction and the pairs are reused.
fn minimize<O: Objective>(
    objective: O,
    n_params: usize,
    config: &FitConfig,
) -> Result<(Vec<f64>, FitReport), String> {
    let mut x = vec![0.0; n_params];
    let mut grad = vec![0.0; n_params];
    let mut cost = objective.eval_into(&x, &mut grad);
    let mut grad_norm = dot(&grad, &grad).sqrt();
    let mut tol = config.gradient_tolerance;
    if config.relative_tolerance > 0.0 {
        tol = tol.max(config.relative_tolerance * grad_norm);
    }
    if tol < 0.0 {
        return Err("Invalid parameter: \"`L-BFGS`: gradient tolerance must be >= 0.\"".into());
    }
    let mut prev_cost = f64::INFINITY;
    let (mut best, mut best_cost) = (Best::None, f64::INFINITY);
    if better(cost, best_cost) {
        (best, best_cost) = (Best::Current, cost);
    }
    let mut pairs: VecDeque<Pair> = VecDeque::with_capacity(MEMORY);
    let eval = |p: &[f64], g: &mut [f64]| objective.eval_into(p, g);
    let (mut trial, mut direction) = (Trial::new(n_params), Vec::new());
    let mut iterations = 0;
    let line_search_failed = loop {
        // argmin's stopping rules: L-BFGS's (gradient norm under `tol`, cost change under
        // its default tolerance, machine epsilon), then the executor's iteration limit.
        if grad_norm < tol
            || (prev_cost - cost).abs() < f64::EPSILON
            || iterations >= config.max_iterations
        {
            break false;
        }
        two_loop(&pairs, &grad, &mut direction);
        let found = more_thuente((&x, cost, &grad), &direction, &mut trial, &eval);
        iterations += 1;
        // argmin's L-BFGS stops, without an error, when the line search fails.
        let Some(next_cost) = found else { break true };
        // The new pair goes in the buffers of the oldest once there are `MEMORY`.
        let mut pair = match pairs.len() {
            MEMORY => pairs.pop_front().expect("MEMORY > 0"),
            _ => Pair {
                s: vec![0.0; n_params],
                y: vec![0.0; n_params],
                sy: 0.0,
                rho: 0.0,
                yy: 0.0,
            },
        };
        let [sy, yy, gg] = new_pair(
            (&mut pair.s, &mut pair.y),
            (&x, &grad),
            (&trial.x, &trial.grad),
        );
        (pair.sy, pair.rho, pair.yy) = (sy, 1.0 / sy, yy);
        grad_norm = gg.sqrt();
        pairs.push_back(pair);
        // `trial` now holds the point before and its gradient.
        std::mem::swap(&mut x, &mut trial.x);
        std::mem::swap(&mut grad, &mut trial.grad);
        (prev_cost, cost) = (cost, next_cost);
        if better(cost, best_cost) {
            (best, best_cost) = (Best::Current, cost);
        } else if matches!(best, Best::Current) {
            best = Best::Saved(trial.x.clone());
        }
    };
    let params = match best {
        Best::Current => x,
        Best::Saved(p) => p,
        // argmin's state holds no point once a failed line search has taken it.
        Best::None if line_search_failed => {
            return Err("the optimiser returned no parameters".into())
        }
        Best::None => x,
    };
    Ok((
        params,
        FitReport {
            iterations,
            final_cost: best_cost,
        },
    ))
}

/// The L-BFGS search direction `-H grad` by the two-loop recursion over `pairs` (oldest
/// first), written to `d`. `q` and then `r` live in `d`; each pass over it finishes one
/// step and computes the dot product the next step starts with.
fn two_loop(pairs: &VecDeque<Pair>, grad: &[f64], d: &mut Vec<f64>) {
    d.resize(grad.len(), 0.0);
    let d = d.as_mut_slice();
    let n = pairs.len();
    let Some(newest) = pairs.back() else {
        update_then_dot(d, grad, grad, |_, g| -g);
        return;
    };
    let gamma = newest.sy / newest.yy;
    let mut alpha = vec![0.0; n];
    let mut dot = update_then_dot(d, grad, &newest.s, |_, g| g);
    // q -= alpha_i y_i with alpha_i = rho_i s_i.q, newest to oldest; then r = gamma q.
    for i in (0..n).rev() {
        let a = dot * pairs[i].rho;
        alpha[i] = a;
        let y = &pairs[i].y;
        dot = if i > 0 {
            update_then_dot(d, y, &pairs[i - 1].s, |q, y| q - y * a)
        } else {
            update_then_dot(d, y, y, |q, y| (q - y * a) * gamma)
        };
    }
    // r += (alpha_i - rho_i y_i.r) s_i, oldest to newest; then the direction is -r.
    for i in 0..n {
        let c = alpha[i] - dot * pairs[i].rho;
        let s = &pairs[i].s;
        dot = if i + 1 < n {
            update_then_dot(d, s, &pairs[i + 1].y, |r, s| r + s * c)
        } else {
            update_then_dot(d, s, s, |r, s| -(r + s * c))
        };
    }
}

/// Sets each `d[j]` to `update(d[j], u[j])` and returns the dot product of `w` and the
/// new `d` (all as long), in parallel over fixed chunks.
fn update_then_dot<U: Copy + Into<f64> + Sync, W: Copy + Into<f64> + Sync>(
    d: &mut [f64],
    u: &[U],
    w: &[W],
    update: impl Fn(f64, f64) -> f64 + Sync,
) -> f64 {
    assert!(u.len() == d.len() && w.len() == d.len());
    let chunks = d.par_chunks_mut(CHUNK);
    let [dot] = sum_chunks(
        chunks
            .zip(u.par_chunks(CHUNK).zip(w.par_chunks(CHUNK)))
            .map(|(d, (u, w))| {
                let mut lanes = [0.0; LANES];
                let mut dc = d.chunks_exact_mut(LANES);
                let (mut uc, mut wc) = (u.chunks_exact(LANES), w.chunks_exact(LANES));
                for ((d, u), w) in (&mut dc).zip(&mut uc).zip(&mut wc) {
                    for l in 0..LANES {
                        d[l] = update(d[l], u[l].into());
                        lanes[l] += w[l].into() * d[l];
                    }
                }
                let rest = dc.into_remainder().iter_mut().zip(uc.remainder());
                for ((lane, (d, &u)), &w) in lanes.iter_mut().zip(rest).zip(wc.remainder()) {
                    *d = update(*d, u.into());
                    *lane += w.into() * *d;
                }
                fold_lanes([lanes])
            }),
    );
    dot
}

/// Writes the step `s = next - x` and the change of gradient `y = next_grad - grad`
/// (all as long), returning `[s.y, y.y, next_grad.next_grad]`; in parallel over fixed
/// chunks.
fn new_pair(
    (s, y): (&mut [f32], &mut [f32]),
    (x, grad): (&[f64], &[f64]),
    (next, next_grad): (&[f64], &[f64]),
) -> [f64; 3] {
    let n = s.len();
    assert!([y.len(), x.len(), grad.len(), next.len(), next_grad.len()] == [n; 5]);
    let outputs = s.par_chunks_mut(CHUNK).zip(y.par_chunks_mut(CHUNK));
    let before = x.par_chunks(CHUNK).zip(grad.par_chunks(CHUNK));
    let after = next.par_chunks(CHUNK).zip(next_grad.par_chunks(CHUNK));
    sum_chunks(
        outputs
            .zip(before.zip(after))
            .map(|((s, y), ((x, grad), (next, next_grad)))| {
                let mut lanes = [[0.0; LANES]; 3];
                let outputs = s.chunks_mut(LANES).zip(y.chunks_mut(LANES));
                let before = x.chunks(LANES).zip(grad.chunks(LANES));
                let after = next.chunks(LANES).zip(next_grad.chunks(LANES));
                for ((s, y), ((x, g), (xn, gn))) in outputs.zip(before.zip(after)) {
                    for l in 0..s.len() {
                        s[l] = (xn[l] - x[l]) as f32;
                        y[l] = (gn[l] - g[l]) as f32;
                        let (sl, yl) = (f64::from(s[l]), f64::from(y[l]));
                        lanes[0][l] += yl * sl;
                        lanes[1][l] += yl * yl;
                        lanes[2][l] += gn[l] * gn[l];
                    }
                }
                fold_lanes(lanes)
            }),
    )
}

fn fit_lbfgs(
    rows: Design,
    y: &[usize],
    k: usize,
    config: &FitConfig,
) -> Result<(Vec<f64>, FitReport), String> {
    let sample_weight = sample_weights(y, k, config.class_weight);
    let d = rows.x.n_cols;
    if k == 2 {
        let problem = BinaryProblem::new(rows, y, config.alpha, sample_weight);
        let (vc, report) = minimize(problem, d + 1, config)?;
        // Back to the multinomial layout: W_1 = v/2, W_0 = -v/2, b_1 = c/2, b_0 = -c/2.
        let mut params = vec![0.0; 2 * d + 2];
        for f in 0..d {
            params[2 * f] = -0.5 * vc[f];
            params[2 * f + 1] = 0.5 * vc[f];
        }
        params[2 * d] = -0.5 * vc[d];
        params[2 * d + 1] = 0.5 * vc[d];
        return Ok((params, report));
    }
    let problem = SparseProblem::new(rows, y, k, config.alpha, sample_weight);
    minimize(problem, d * k + k, config)
}

#[cfg(feature = "linfa")]
fn fit_linfa(
    x: &SparseMatrix,
    chars: Option<&CharBlock>,
    y: &[usize],
    k: usize,
    config: &FitConfig,
) -> Result<(Vec<f64>, FitReport), String> {
    use linfa::prelude::*;
    use linfa_logistic::MultiLogisticRegression;
    use ndarray::{Array1, Array2};

    if config.class_weight != ClassWeight::None {
        return Err("--solver linfa does not support class weights; use --solver lbfgs".into());
    }
    let (n, d) = (x.n_rows(), x.n_cols);
    let mut dense = Array2::<f64>::zeros((n, d));
    for i in 0..n {
        let (idx, val) = x.row(i);
        for (&f, &v) in idx.iter().zip(val) {
            dense[[i, f as usize]] = f64::from(v);
        }
        if let Some(c) = chars {
            c.for_each_in_row(i, |f, v| dense[[i, f as usize]] += v);
        }
    }
    let mut present = vec![false; k];
    for &c in y {
        present[c] = true;
    }
    if present.iter().any(|p| !p) {
        return Err("--solver linfa needs every label in the training rows".into());
    }
    let targets = Array1::from_iter(y.iter().copied());
    let dataset = Dataset::new(dense, targets);
    let fitted = MultiLogisticRegression::default()
        .alpha(config.alpha)
        .max_iterations(config.max_iterations)
        .gradient_tolerance(config.gradient_tolerance)
        .fit(&dataset)
        .map_err(|e| format!("linfa-logistic failed: {e}"))?;
    // linfa orders classes by value: 0..k, the same as ours.
    let classes = fitted.classes();
    let mut params = vec![0.0; d * k + k];
    for (col, &c) in classes.iter().enumerate() {
        for f in 0..d {
            params[f * k + c] = fitted.params()[[f, col]];
        }
        params[d * k + c] = fitted.intercept()[col];
    }
    Ok((
        params,
        FitReport {
            iterations: config.max_iterations,
            final_cost: f64::NAN,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argmin::core::{CostFunction, Executor, Gradient, LineSearch};
    use argmin::solver::linesearch::MoreThuenteLineSearch;
    use std::cell::RefCell;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|g| g.to_bits()).collect()
    }

    /// A point with its cost and gradient.
    type Evaluated = (Vec<f64>, f64, Vec<f64>);

    /// An objective remembering its last point: the line search asks for the cost and then
    /// the gradient of the same point, and L-BFGS asks again for the gradient of the point
    /// the line search chose.
    struct Cached<O> {
        objective: O,
        last: RefCell<Option<Evaluated>>,
    }

    impl<O: Objective> Cached<O> {
        fn new(objective: O) -> Self {
            Cached {
                objective,
                last: RefCell::new(None),
            }
        }

        /// `f` of the cost and gradient at `p`, evaluated unless `p` was the last point
        /// (into the buffers of the last point: no allocation once warm).
        fn with<T>(&self, p: &[f64], f: impl FnOnce(f64, &Vec<f64>) -> T) -> T {
            let mut last = self.last.borrow_mut();
            if !matches!(last.as_ref(), Some((q, _, _)) if q.as_slice() == p) {
                let (mut q, _, mut g) = last.take().unwrap_or_default();
                q.clear();
                q.extend_from_slice(p);
                g.resize(p.len(), 0.0);
                let c = self.objective.eval_into(p, &mut g);
                *last = Some((q, c, g));
            }
            let (_, c, g) = last.as_ref().expect("just evaluated");
            f(*c, g)
        }
    }

    impl<O: Objective> CostFunction for &Cached<O> {
        type Param = Vec<f64>;
        type Output = f64;
        fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
            Ok(self.with(p, |c, _| c))
        }
    }

    impl<O: Objective> Gradient for &Cached<O> {
        type Param = Vec<f64>;
        type Gradient = Vec<f64>;
        fn gradient(&self, p: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
            Ok(self.with(p, |_, g| g.clone()))
        }
    }

    /// [`minimize`] by argmin's own `LBFGS`, for the tests.
    fn minimize_with_argmin<O: Objective>(
        objective: O,
        n_params: usize,
        config: &FitConfig,
    ) -> Result<(Vec<f64>, FitReport), String> {
        use argmin::core::State;
        let init = vec![0.0; n_params];
        let problem = Cached::new(objective);
        let mut tol = config.gradient_tolerance;
        if config.relative_tolerance > 0.0 {
            // Cached: the optimiser starts with the cost and gradient at this same point.
            let norm = problem.with(&init, |_, g0| g0.iter().map(|g| g * g).sum::<f64>().sqrt());
            tol = tol.max(config.relative_tolerance * norm);
        }
        let solver = argmin::solver::quasinewton::LBFGS::new(MoreThuenteLineSearch::new(), MEMORY)
            .with_tolerance_grad(tol)
            .map_err(|e| e.to_string())?;
        let res = Executor::new(&problem, solver)
            .configure(|s| s.param(init).max_iters(config.max_iterations))
            .run()
            .map_err(|e| format!("the optimiser failed: {e}"))?;
        let state = res.state();
        let params = state
            .get_best_param()
            .or(state.get_param())
            .cloned()
            .ok_or("the optimiser returned no parameters")?;
        Ok((
            params,
            FitReport {
                iterations: state.get_iter(),
                final_cost: state.get_best_cost(),
            },
        ))
    }

    fn toy() -> (SparseMatrix, Vec<usize>) {
        // 3 features, 3 classes, each class driven by one feature, with some noise rows.
        let mut x = SparseMatrix::new(3);
        let mut y = Vec::new();
        for i in 0..30 {
            let c = i % 3;
            let other = (c + 1 + i % 2) % 3;
            x.push_row(&[(c as u32, 0.9), (other as u32, 0.3)]);
            y.push(c);
        }
        x.push_row(&[(0, 1.0)]);
        y.push(1);
        (x, y)
    }

    fn labels() -> Vec<String> {
        vec!["a".into(), "b".into(), "c".into()]
    }

    /// Softmax agrees with the definition (in f64) for two labels, where it takes the
    /// logistic shortcut, and for three, far from zero and with ties included.
    #[test]
    fn softmax_matches_its_definition() {
        let values = [
            -120.0f32, -20.0, -1.5, -0.25, 0.0, 0.0, 0.3, 2.0, 35.0, 90.0,
        ];
        for &a in &values {
            for &b in &values {
                for z in [vec![a, b], vec![a, b, 0.5 * (a + b)]] {
                    let max = z
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, |m, v| m.max(v.into()));
                    let sum: f64 = z.iter().map(|&v| (f64::from(v) - max).exp()).sum();
                    let mut p = z.clone();
                    softmax_in_place(&mut p);
                    for (&pi, &zi) in p.iter().zip(&z) {
                        let want = (f64::from(zi) - max).exp() / sum;
                        assert!((f64::from(pi) - want).abs() < 1e-6, "{z:?}: {p:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn probabilities_sum_to_one_and_follow_the_data() {
        let (x, y) = toy();
        let (m, _) = Logistic::fit(&x, &y, labels(), &FitConfig::default()).unwrap();
        let mut p = vec![0.0; 3];
        for c in 0..3 {
            m.probabilities_into(&[(c as u32, 1.0)], &mut p);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, c);
        }
    }

    #[test]
    fn sparse_gradient_matches_finite_differences() {
        let (x, y) = toy();
        let prob = SparseProblem::new(
            Design::new(&x, None),
            &y,
            3,
            0.7,
            sample_weights(&y, 3, ClassWeight::Balanced),
        );
        check_gradient(&prob, 12);
        let y2 = one_against_rest(&y);
        check_gradient(&balanced_binary(&x, &y2), 4);
    }

    /// Label 1 against the rest.
    fn one_against_rest(y: &[usize]) -> Vec<usize> {
        y.iter().map(|&c| usize::from(c == 1)).collect()
    }

    /// The binary problem on `x`'s rows, alpha 0.7, balanced weights.
    fn balanced_binary<'a>(x: &'a SparseMatrix, y2: &'a [usize]) -> BinaryProblem<'a> {
        let w = sample_weights(y2, 2, ClassWeight::Balanced);
        BinaryProblem::new(Design::new(x, None), y2, 0.7, w)
    }

    fn check_gradient(prob: &impl Objective, n: usize) {
        let p: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let (_, g) = prob.eval(&p);
        for j in 0..p.len() {
            let h = 1e-6;
            let mut a = p.clone();
            a[j] += h;
            let mut b = p.clone();
            b[j] -= h;
            let num = (prob.eval(&a).0 - prob.eval(&b).0) / (2.0 * h);
            assert!((num - g[j]).abs() < 1e-5, "param {j}: {num} vs {}", g[j]);
        }
    }

    /// Rows over several row blocks, features shared between blocks, one feature twice in
    /// some rows, one feature in no row.
    fn many_rows() -> (SparseMatrix, Vec<usize>) {
        let (n, d) = (2 * ROW_BLOCK + 300, 40);
        let mut x = SparseMatrix::new(d + 1);
        let mut y = Vec::new();
        for i in 0..n {
            let mut row: Vec<(u32, f32)> = (0..5)
                .map(|j| {
                    (
                        ((i * 7 + j * 13) % d) as u32,
                        ((i + j) % 5) as f32 * 0.3 + 0.1,
                    )
                })
                .collect();
            if i % 11 == 0 {
                row.push(row[0]);
            }
            x.push_row(&row);
            y.push((i * i) % 3);
        }
        (x, y)
    }

    /// [`many_rows`]' rows as a word block (features `0..40`) and a factored character
    /// block over 30 more features (words of 1 to 4 n-grams, some with none, some
    /// tokens repeated, some rows without tokens), and the same rows expanded.
    fn factored_rows() -> (SparseMatrix, CharBlock, SparseMatrix, Vec<usize>) {
        let (words, y) = many_rows();
        let d = 70;
        let mut x = SparseMatrix::new(d);
        let mut chars = CharBlock::new(d);
        for e in 0..25u32 {
            let grams: Vec<(u32, f32)> = (0..e % 5)
                .map(|j| (41 + (e * 7 + j * 11) % 29, 0.2 + (e + j) as f32 * 0.05))
                .collect();
            chars.push_word(&grams);
        }
        let mut expanded = SparseMatrix::new(d);
        for i in 0..words.n_rows() {
            let (idx, val) = words.row(i);
            let row: Vec<(u32, f32)> = idx.iter().copied().zip(val.iter().copied()).collect();
            x.push_row(&row);
            let tokens: Vec<u32> = (0..i % 6).map(|t| ((i * 3 + t * t) % 25) as u32).collect();
            chars.push_row(&tokens, 0.3 + (i % 7) as f32 * 0.1);
            let mut dense = vec![0f64; d];
            chars.for_each_in_row(i, |f, v| dense[f as usize] += v);
            let mut full = row;
            full.extend(
                (0..d)
                    .filter(|&f| dense[f] != 0.0)
                    .map(|f| (f as u32, dense[f] as f32)),
            );
            expanded.push_row(&full);
        }
        (x, chars, expanded, y)
    }

    /// The factored character block gives the cost and gradient of its rows expanded.
    #[test]
    fn factored_chars_match_expanded_rows() {
        let (x, chars, expanded, y) = factored_rows();
        let d = x.n_cols;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + b.abs());
        let check = |ours: (f64, Vec<f64>), want: (f64, Vec<f64>)| {
            assert!(close(ours.0, want.0), "cost {} vs {}", ours.0, want.0);
            for (j, (a, b)) in ours.1.iter().zip(&want.1).enumerate() {
                assert!(close(*a, *b), "gradient {j}: {a} vs {b}");
            }
            assert!(want.1[41..d].iter().any(|g| g.abs() > 1e-3));
        };
        let p: Vec<f64> = (0..d * 3 + 3).map(|i| (i as f64 * 0.37).sin()).collect();
        let sw = || sample_weights(&y, 3, ClassWeight::Balanced);
        let ours = SparseProblem::new(Design::new(&x, Some(&chars)), &y, 3, 0.7, sw());
        let want = SparseProblem::new(Design::new(&expanded, None), &y, 3, 0.7, sw());
        check(ours.eval(&p), want.eval(&p));
        let y2: Vec<usize> = y.iter().map(|&c| usize::from(c == 1)).collect();
        let sw = || sample_weights(&y2, 2, ClassWeight::None);
        let ours = BinaryProblem::new(Design::new(&x, Some(&chars)), &y2, 0.7, sw());
        let want = BinaryProblem::new(Design::new(&expanded, None), &y2, 0.7, sw());
        check(ours.eval(&p[..d + 1]), want.eval(&p[..d + 1]));
        // Fitted both ways, the models agree and label the rows alike.
        let labels = || vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let config = FitConfig::default();
        let (ours, _) = Logistic::fit_with_chars(&x, Some(&chars), &y, labels(), &config).unwrap();
        let (want, _) = Logistic::fit(&expanded, &y, labels(), &config).unwrap();
        for (a, b) in ours.weights().iter().zip(want.weights()) {
            assert!((a - b).abs() < 1e-4, "weight {a} vs {b}");
        }
        let labelled = ours.label_rows(&x, Some(&chars));
        assert_eq!(labelled, want.label_rows(&expanded, None));
        let mut p = [0f32; 3];
        for (i, &l) in labelled.iter().enumerate() {
            let (idx, val) = expanded.row(i);
            let row: Vec<(u32, f32)> = idx.iter().copied().zip(val.iter().copied()).collect();
            want.probabilities_into(&row, &mut p);
            assert_eq!(l, crate::kernels::argmax(&p));
        }
    }

    /// The cost and gradient summed the plain way: each row block into a dense gradient
    /// of its own, the blocks added in order.
    fn blockwise_reference(
        x: &SparseMatrix,
        k: usize,
        p: &[f64],
        loss_rows: impl Fn(usize, &mut [f64], &mut [f64]) -> f64,
    ) -> (f64, Vec<f64>) {
        let (d, n) = (x.n_cols, x.n_rows());
        let mut cost = 0.0;
        let mut grad = vec![0.0; p.len()];
        for first in (0..n).step_by(ROW_BLOCK) {
            let rows = first..(first + ROW_BLOCK).min(n);
            let mut diff = vec![0.0; rows.len() * k];
            let mut bias = vec![0.0; k];
            cost += loss_rows(first, &mut diff, &mut bias);
            let mut g = vec![0.0; p.len()];
            for (i, dr) in rows.zip(diff.chunks(k)) {
                let (idx, val) = x.row(i);
                for (&f, &v) in idx.iter().zip(val) {
                    for c in 0..k {
                        g[f as usize * k + c] += f64::from(v) * dr[c];
                    }
                }
            }
            g[d * k..].copy_from_slice(&bias);
            for (a, b) in grad.iter_mut().zip(&g) {
                *a += b;
            }
        }
        (cost, grad)
    }

    /// `a` and `b` agree to rounding (relative to the largest of `b`).
    fn assert_close(a: &[f64], b: &[f64]) {
        let largest = b.iter().fold(0f64, |m, v| m.max(v.abs()));
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-12 * largest, "{j}: {x} vs {y}");
        }
    }

    /// The feature-by-feature gradient, its fused penalty and the blocked loss agree with
    /// the plain sums (over several row blocks and features shared between them).
    #[test]
    fn gradient_matches_plain_sums() {
        let (x, y) = many_rows();
        let d = x.n_cols;

        let prob = SparseProblem::new(
            Design::new(&x, None),
            &y,
            3,
            0.7,
            sample_weights(&y, 3, ClassWeight::None),
        );
        let p: Vec<f64> = (0..d * 3 + 3).map(|i| (i as f64 * 0.37).sin()).collect();
        let (cost, grad) = prob.eval(&p);
        let (w, b) = p.split_at(d * 3);
        let (mut want_cost, mut want) = blockwise_reference(&x, 3, &p, |first, diff, bias| {
            prob.loss_rows(w, b, &[], first, diff, bias)
        });
        let mut norm = 0.0;
        for (g, &wj) in want[..d * 3].iter_mut().zip(w) {
            *g += 0.7 * wj;
            norm += wj * wj;
        }
        want_cost += 0.5 * 0.7 * norm;
        assert_close(&[cost], &[want_cost]);
        assert_close(&grad, &want);

        let y2 = one_against_rest(&y);
        let bin = balanced_binary(&x, &y2);
        let p: Vec<f64> = (0..d + 1).map(|i| (i as f64 * 0.37).sin()).collect();
        let (cost, grad) = bin.eval(&p);
        let (v, c) = (&p[..d], p[d]);
        let (mut want_cost, mut want) = blockwise_reference(&x, 1, &p, |first, diff, bias| {
            let (cost, sum) = bin.loss_rows(v, c, &[], first, diff);
            bias[0] = sum;
            cost
        });
        let mut norm = 0.0;
        for (g, &vj) in want[..d].iter_mut().zip(v) {
            *g += 0.5 * 0.7 * vj;
            norm += vj * vj;
        }
        want_cost += 0.25 * 0.7 * norm;
        assert_close(&[cost], &[want_cost]);
        assert_close(&grad, &want);
    }

    /// Subtracts the mean of the last `k` parameters (a multinomial problem's intercepts,
    /// `k` > 1) from each: adding the same to every intercept changes no probability and,
    /// intercepts not being penalised, no cost, so only their differences are fitted.
    fn centre_intercepts(p: &mut [f64], k: usize) {
        if k > 1 {
            let at = p.len() - k;
            let b = &mut p[at..];
            let mean = b.iter().sum::<f64>() / k as f64;
            b.iter_mut().for_each(|b| *b -= mean);
        }
    }

    /// Minimises the objective `make` builds (`k` labels) with [`minimize`] and with
    /// argmin's `LBFGS` and checks both stop at the same point: costs within `cost`
    /// (relative) and parameters within 1e-5 of the largest (relative), after as many
    /// iterations give or take a tenth (the gradient's norm zigzags on its way down, so
    /// the first iteration below the tolerance moves a little with rounding). Returns our
    /// iterations.
    fn assert_same_minimum_as_argmin<O: Objective>(
        make: impl Fn() -> O,
        n: usize,
        k: usize,
        config: &FitConfig,
        cost: f64,
    ) -> u64 {
        let (mut ours, our_report) = minimize(make(), n, config).unwrap();
        let (mut theirs, their_report) = minimize_with_argmin(make(), n, config).unwrap();
        let (a, b) = (our_report.iterations, their_report.iterations);
        assert!(a.abs_diff(b) <= 2 + a.max(b) / 10, "{a} vs {b} iterations");
        let (c, d) = (our_report.final_cost, their_report.final_cost);
        assert!((c - d).abs() <= cost * d.abs(), "cost {c} vs {d}");
        for p in [&mut ours, &mut theirs] {
            centre_intercepts(p, k);
        }
        let largest = theirs.iter().fold(0f64, |m, p| m.max(p.abs()));
        let apart = ours
            .iter()
            .zip(&theirs)
            .fold(0f64, |m, (p, q)| m.max((p - q).abs()));
        assert!(
            apart <= 1e-5 * largest,
            "parameters {apart} apart, largest {largest}"
        );
        a
    }

    #[test]
    fn same_minimum_as_argmin_lbfgs() {
        let (x, y) = many_rows();
        // many_rows has no row of label 2 (its intercept would fall without end); every
        // fifth row gets it here.
        let y: Vec<usize> = (0..x.n_rows())
            .map(|i| if i % 5 == 0 { 2 } else { y[i] })
            .collect();
        let y2 = one_against_rest(&y);
        let (toy_x, toy_y) = toy();
        let d = x.n_cols;
        let mut longest = 0;
        for config in [
            FitConfig::default(),
            FitConfig {
                alpha: 1.0,
                gradient_tolerance: 1e-4,
                relative_tolerance: 0.0,
                max_iterations: 500,
                ..FitConfig::default()
            },
            FitConfig {
                max_iterations: 3,
                ..FitConfig::default()
            },
        ] {
            let alpha = config.alpha;
            let multi = || {
                SparseProblem::new(
                    Design::new(&x, None),
                    &y,
                    3,
                    alpha,
                    sample_weights(&y, 3, ClassWeight::None),
                )
            };
            let binary = || {
                let w = sample_weights(&y2, 2, ClassWeight::Balanced);
                BinaryProblem::new(Design::new(&x, None), &y2, alpha, w)
            };
            let small = || {
                let w = sample_weights(&toy_y, 3, ClassWeight::None);
                SparseProblem::new(Design::new(&toy_x, None), &toy_y, 3, alpha, w)
            };
            // Run to a tight tolerance, both reach the minimum to rounding; stopped early
            // (by the default relative tolerance or after 3 iterations) their paths, which
            // differ by rounding (our L-BFGS pairs are single precision), stop a little
            // apart.
            let tight = config.relative_tolerance == 0.0 && config.max_iterations > 100;
            let cost = if tight { 1e-12 } else { 1e-8 };
            for iterations in [
                assert_same_minimum_as_argmin(multi, d * 3 + 3, 3, &config, cost),
                assert_same_minimum_as_argmin(binary, d + 1, 1, &config, cost),
                assert_same_minimum_as_argmin(small, 3 * 3 + 3, 3, &config, cost),
            ] {
                longest = longest.max(iterations);
            }
        }
        // Long enough that the oldest pairs are dropped.
        assert!(longest > 2 * MEMORY as u64, "{longest} iterations at most");
        let negative = FitConfig {
            gradient_tolerance: -1.0,
            relative_tolerance: 0.0,
            ..FitConfig::default()
        };
        let binary = || BinaryProblem::new(Design::new(&x, None), &y2, 0.1, vec![1.0; y2.len()]);
        assert_eq!(
            minimize(binary(), d + 1, &negative).unwrap_err(),
            minimize_with_argmin(binary(), d + 1, &negative).unwrap_err()
        );
    }

    /// The vector passes' sums are the sums (to rounding) and the same bits on 1, 2 or 3
    /// threads, over vectors of many chunks.
    #[test]
    fn vector_passes_are_the_same_on_any_number_of_threads() {
        let n = 10 * CHUNK + CHUNK / 2 + 3;
        // Chunks' sums of very different sizes, so the order of adding them shows.
        let v = |phase: f64| -> Vec<f64> {
            (0..n)
                .map(|j| (j as f64 * 0.37 + phase).sin() * 10f64.powi((j / CHUNK % 4) as i32 * 2))
                .collect()
        };
        let (a, b, c, e) = (v(0.0), v(1.0), v(2.0), v(3.0));
        let passes = || {
            let mut d = a.clone();
            let dot_after = update_then_dot(&mut d, &b, &c, |d, u| d - 0.5 * u);
            let (mut s, mut y) = (vec![0.0; n], vec![0.0; n]);
            let pair = new_pair((&mut s, &mut y), (&a, &b), (&c, &e));
            (dot(&a, &b), dot_after, d, pair, s, y)
        };
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(passes)
        };
        let one = on(1);
        for threads in [2, 3] {
            let many = on(threads);
            assert_eq!(bits(&[many.0, many.1]), bits(&[one.0, one.1]));
            assert_eq!(bits(&many.2), bits(&one.2));
            assert_eq!(bits(&many.3), bits(&one.3));
            assert_eq!((&many.4, &many.5), (&one.4, &one.5));
        }
        let (sum, dot_after, d, [sy, yy, gg], s, y) = one;
        let close = |got: f64, want: f64| assert!((got - want).abs() <= 1e-12 * want.abs());
        close(sum, a.iter().zip(&b).map(|(a, b)| a * b).sum());
        for j in 0..n {
            assert_eq!(d[j], a[j] - 0.5 * b[j]);
            assert_eq!((s[j], y[j]), ((c[j] - a[j]) as f32, (e[j] - b[j]) as f32));
        }
        close(dot_after, d.iter().zip(&c).map(|(d, c)| d * c).sum());
        let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        let (s, y) = (wide(&s), wide(&y));
        close(sy, s.iter().zip(&y).map(|(s, y)| s * y).sum());
        close(yy, y.iter().map(|y| y * y).sum());
        close(gg, e.iter().map(|g| g * g).sum());
    }

    /// Rows over more features than a chunk of the vector passes holds (and more rows
    /// than a row block): `n` rows of 8 pseudo-random features each, over `d` features,
    /// labelled (`k` labels) by a hidden pattern with noise.
    fn wide_rows(n: usize, d: usize, k: usize) -> (SparseMatrix, Vec<usize>) {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % m
        };
        let mut x = SparseMatrix::new(d);
        let mut y = Vec::new();
        for _ in 0..n {
            let mut row: Vec<(u32, f32)> = (0..8)
                .map(|_| (next(d) as u32, 0.2 + next(8) as f32 * 0.1))
                .collect();
            row.sort_by_key(|e| e.0);
            let vote: usize = row.iter().map(|&(f, _)| f as usize % 7).sum();
            y.push(if next(10) == 0 { next(k) } else { vote % k });
            x.push_row(&row);
        }
        (x, y)
    }

    /// The vector passes over fixed chunks give a fit the same bits on 1, 2 or 3 threads.
    #[test]
    fn fit_is_the_same_on_any_number_of_threads() {
        for k in [2, 3] {
            // Parameters over two chunks or three.
            let d = 2 * CHUNK / k + 7;
            let (x, y) = wide_rows(ROW_BLOCK + 100, d, k);
            let labels: Vec<String> = (0..k).map(|c| c.to_string()).collect();
            // Tight enough that the oldest pairs are dropped.
            let config = FitConfig {
                relative_tolerance: 0.0,
                max_iterations: 2 * MEMORY as u64 + 2,
                ..FitConfig::default()
            };
            let fit = |threads| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| Logistic::fit(&x, &y, labels.clone(), &config))
                    .unwrap()
            };
            let (one, report) = fit(1);
            assert_eq!(report.iterations, config.max_iterations);
            for threads in [2, 3] {
                let (many, many_report) = fit(threads);
                assert_eq!(many_report, report);
                assert_eq!(many, one, "{k} labels, {threads} threads");
            }
            let right = one
                .label_rows(&x, None)
                .iter()
                .zip(&y)
                .filter(|(a, b)| a == b)
                .count();
            assert!(
                right * 10 > 8 * y.len(),
                "{right} of {} rows right",
                y.len()
            );
        }
    }

    /// A bowl, `sum_j a_j (p_j - c_j)^2 / 2`, plus `w cos(3 p_j) / 2` (not convex) and
    /// `q p_j^4 / 4` (steep far out).
    struct Bowl {
        w: f64,
        q: f64,
    }

    impl Objective for Bowl {
        fn eval_into(&self, p: &[f64], grad: &mut [f64]) -> f64 {
            let mut cost = 0.0;
            for (j, (&pj, g)) in p.iter().zip(grad.iter_mut()).enumerate() {
                let (a, c) = (0.5 + j as f64 * 0.3, (j as f64 * 0.7).sin());
                cost += a * (pj - c) * (pj - c) / 2.0
                    + self.w * (3.0 * pj).cos() / 2.0
                    + self.q * pj.powi(4) / 4.0;
                *g = a * (pj - c) - self.w * 1.5 * (3.0 * pj).sin() + self.q * pj.powi(3);
            }
            cost
        }
    }

    /// The in-place line search picks argmin's step to the bit, over directions too short
    /// and too long by far (extrapolating, bracketing, the bounds) and ones uphill. On
    /// five parameters, fewer than `LANES`, its dot products are summed in element order
    /// like argmin's, so any difference would be in the step selection.
    #[test]
    fn line_search_is_argmins() {
        let n = 5;
        let (mut found, mut failed) = (0, 0);
        for (w, q) in [(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (0.3, 0.01)] {
            let bowl = Bowl { w, q };
            for start in 0..4 {
                let x: Vec<f64> = (0..n)
                    .map(|j| ((start * n + j) as f64 * 1.3).sin() * 2.0)
                    .collect();
                let (cost, grad) = bowl.eval(&x);
                // Step lengths from 1e-9 to 1e6 of the gradient, and uphill.
                for e in (-90..60)
                    .step_by(3)
                    .map(|e| e as f64 / 10.0)
                    .chain([f64::NAN])
                {
                    let scale = if e.is_nan() { -1.0 } else { 10f64.powf(e) };
                    let direction: Vec<f64> = grad
                        .iter()
                        .enumerate()
                        .map(|(j, g)| -scale * g * (1.0 + 0.2 * j as f64))
                        .collect();
                    let mut trial = Trial::new(n);
                    let eval = |p: &[f64], g: &mut [f64]| bowl.eval_into(p, g);
                    let ours = more_thuente((&x, cost, &grad), &direction, &mut trial, eval);
                    let problem = Cached::new(Bowl { w, q });
                    let mut line_search = MoreThuenteLineSearch::new();
                    line_search.search_direction(direction);
                    let theirs = Executor::new(&problem, line_search)
                        .configure(|s| s.param(x.clone()).gradient(grad.clone()).cost(cost))
                        .ctrlc(false)
                        .run();
                    match (ours, theirs) {
                        (Some(c), Ok(mut r)) => {
                            assert_eq!(c.to_bits(), r.state.get_cost().to_bits());
                            let p = r.state.take_param().unwrap();
                            assert_eq!(bits(&trial.x), bits(&p), "{w} {q} {start} {scale}");
                            assert_eq!(bits(&trial.grad), bits(&bowl.eval(&p).1));
                            found += 1;
                        }
                        (None, Err(_)) => failed += 1,
                        (ours, theirs) => panic!(
                            "{w} {q} {start} {scale}: {ours:?} vs {:?}",
                            theirs.map(|r| r.state.get_cost())
                        ),
                    }
                }
            }
        }
        assert!(
            found > 500 && failed >= 16,
            "{found} found, {failed} failed"
        );
    }

    /// Fits `x, y` with our sparse L-BFGS and with linfa-logistic's dense fit, tightly,
    /// and checks they reach the same weights and intercepts.
    fn assert_agrees_with_linfa(x: &SparseMatrix, y: &[usize], labels: Vec<String>) {
        let cfg = FitConfig {
            alpha: 0.5,
            gradient_tolerance: 1e-8,
            relative_tolerance: 0.0,
            max_iterations: 500,
            ..FitConfig::default()
        };
        let (ours, _) = Logistic::fit(x, y, labels.clone(), &cfg).unwrap();
        let linfa_cfg = FitConfig {
            solver: Solver::Linfa,
            ..cfg
        };
        let (theirs, _) = Logistic::fit(x, y, labels, &linfa_cfg).unwrap();
        for (a, b) in ours.weights().iter().zip(theirs.weights()) {
            assert!((a - b).abs() < 1e-3, "weight {a} vs {b}");
        }
        for (a, b) in ours.intercepts().iter().zip(theirs.intercepts()) {
            assert!((a - b).abs() < 1e-3, "intercept {a} vs {b}");
        }
        assert!(ours.weights().iter().any(|w| w.abs() > 0.1));
    }

    #[test]
    fn agrees_with_linfa_logistic() {
        let (x, y) = toy();
        assert_agrees_with_linfa(&x, &y, labels());
    }

    #[test]
    fn binary_fit_agrees_with_linfa_logistic() {
        let (x, y) = toy();
        let y2: Vec<usize> = y.iter().map(|&c| usize::from(c == 1)).collect();
        assert_agrees_with_linfa(&x, &y2, vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn balanced_weights_count_each_label_equally() {
        let w = sample_weights(&[0, 0, 0, 1], 2, ClassWeight::Balanced);
        assert_eq!(w, vec![4.0 / 6.0, 4.0 / 6.0, 4.0 / 6.0, 2.0]);
        let (x, y) = {
            let mut x = SparseMatrix::new(1);
            for _ in 0..4 {
                x.push_row(&[(0, 1.0)]);
            }
            (x, vec![0, 0, 0, 1])
        };
        let two = vec!["a".into(), "b".into()];
        let none = Logistic::fit(&x, &y, two.clone(), &FitConfig::default())
            .unwrap()
            .0;
        let bal = Logistic::fit(
            &x,
            &y,
            two,
            &FitConfig {
                class_weight: ClassWeight::Balanced,
                ..FitConfig::default()
            },
        )
        .unwrap()
        .0;
        let mut p = [0.0; 2];
        none.probabilities_into(&[(0, 1.0)], &mut p);
        let p_none = p[1];
        bal.probabilities_into(&[(0, 1.0)], &mut p);
        assert!(p[1] > p_none + 0.1, "balanced {} vs none {}", p[1], p_none);
    }

    #[test]
    fn linfa_solver_refuses_over_budget() {
        let (x, y) = toy();
        let cfg = FitConfig {
            solver: Solver::Linfa,
            memory_budget: 100,
            ..FitConfig::default()
        };
        let err = Logistic::fit(&x, &y, labels(), &cfg).unwrap_err();
        assert!(err.contains("memory budget"), "{err}");
    }

    #[test]
    fn from_parts_checks_shapes() {
        let l = labels();
        assert!(Logistic::from_parts(l.clone(), 2, vec![0.0; 6], vec![0.0; 3]).is_ok());
        assert!(Logistic::from_parts(l.clone(), 2, vec![0.0; 5], vec![0.0; 3]).is_err());
        assert!(Logistic::from_parts(l.clone(), 2, vec![0.0; 6], vec![0.0; 2]).is_err());
        assert!(Logistic::from_parts(vec!["a".into()], 2, vec![0.0; 2], vec![0.0]).is_err());
        assert!(
            Logistic::from_parts(vec!["a".into(), "a".into()], 1, vec![0.0; 2], vec![0.0; 2])
                .is_err()
        );
        assert!(Logistic::from_parts(l, 2, vec![f32::NAN; 6], vec![0.0; 3]).is_err());
    }

    #[test]
    fn naive_bayes_term_adds_hand_computed_log_odds() {
        // Rows: {f0} a, {f0, f1} a, {f1} b; f2 is not a word term (n_terms 2).
        let mut x = SparseMatrix::new(3);
        x.push_row(&[(0, 1.0)]);
        x.push_row(&[(0, 0.6), (1, 0.8)]);
        x.push_row(&[(1, 0.7), (2, 0.7)]);
        let y = vec![0, 0, 1];
        let two = vec!["a".to_string(), "b".to_string()];
        let (lr, _) = Logistic::fit(&x, &y, two, &FitConfig::default()).unwrap();
        let nb = lr.clone().add_naive_bayes(&x, &y, 2, 0.5, 1.0).unwrap();
        assert_eq!(
            nb.presence().len(),
            2 * 2,
            "presence weights for word terms only"
        );
        let log_odds = |m: &Logistic, row: &[(u32, f32)]| {
            let mut p = [0.0; 2];
            m.probabilities_into(row, &mut p);
            (p[1] / p[0]).ln()
        };
        // counts: f0 (a 2, b 0), f1 (a 1, b 1); totals a 3, b 1; smoothing 1 over 2
        // terms; prior a 2/3, b 1/3.
        let prior = (1.0f32 / 3.0).ln() - (2.0f32 / 3.0).ln();
        let f0 = (1.0f32 / 3.0).ln() - (3.0f32 / 5.0).ln();
        let f1 = (2.0f32 / 3.0).ln() - (2.0f32 / 5.0).ln();
        for (row, nb_log_odds) in [
            (vec![(0u32, 1.0f32)], prior + f0),
            (vec![(0, 0.3), (1, 0.4), (2, 0.9)], prior + f0 + f1),
            (vec![(2, 1.0)], prior),
            (vec![], prior),
        ] {
            let added = log_odds(&nb, &row) - log_odds(&lr, &row);
            assert!(
                (added - 0.5 * nb_log_odds).abs() < 1e-4,
                "row {row:?}: added {added}, expected {}",
                0.5 * nb_log_odds
            );
        }
        // Weight 0 leaves the model as it was; bad settings are refused.
        assert_eq!(lr.clone().add_naive_bayes(&x, &y, 2, 0.0, 1.0).unwrap(), lr);
        assert!(lr.clone().add_naive_bayes(&x, &y, 2, -1.0, 1.0).is_err());
        assert!(lr.clone().add_naive_bayes(&x, &y, 2, 1.0, 0.0).is_err());
        assert!(lr.clone().with_presence(vec![0.0; 7]).is_err());
    }
}
