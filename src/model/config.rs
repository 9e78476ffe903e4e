//! The settings of a fit ([`FitConfig`], its [`Solver`] and [`ClassWeight`]), the
//! memory a fit needs and the check against its budget, and what a fit reports.

use serde::{Deserialize, Serialize};

/// Which optimiser fits the weights (`stance train --solver`).
///
/// ```
/// let mut s = stance::TrainSettings::default();
/// assert_eq!(s.fit.solver, stance::Solver::Lbfgs);
/// s.fit.solver = stance::Solver::Linfa; // needs the default `linfa` feature to fit
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Solver {
    /// L-BFGS over the sparse rows (fast, any size).
    Lbfgs,
    /// linfa-logistic's dense fit (small data only).
    Linfa,
}

/// How each training row's loss is weighted (`stance train --class-weight`).
///
/// ```
/// use stance::{ClassWeight, Labelled, TrainSettings};
/// let mut s = TrainSettings::default();
/// s.fit.class_weight = ClassWeight::Balanced; // the rare label counts as much as the common one
/// let rows = Labelled {
///     texts: vec!["great".into(), "great fun".into(), "great show".into(), "awful".into()],
///     labels: vec!["good".into(), "good".into(), "good".into(), "bad".into()],
/// };
/// assert_eq!(s.fit(&rows)?.labels(), ["bad", "good"]);
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every row counts once.
    None,
    /// Rows weighted by n / (k * rows of their label), so every label counts equally.
    Balanced,
}

/// Settings of one fit, stored in the model file's metadata; the default is
/// `stance train`'s.
///
/// ```
/// let fit = stance::FitConfig { alpha: 0.01, max_iterations: 500, ..Default::default() };
/// let s = stance::TrainSettings { fit, ..Default::default() };
/// assert!(s.check().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitConfig {
    /// L2 penalty on the weights (not the intercepts).
    pub alpha: f64,
    /// How rows of each label are weighted.
    pub class_weight: ClassWeight,
    /// Which optimiser runs.
    pub solver: Solver,
    /// Most optimiser iterations.
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
///
/// ```
/// let (_, report) = stance::Classifier::train(
///     &["yes", "no", "yes indeed", "no way"],
///     &["y", "n", "y", "n"],
///     &stance::TrainSettings::default(),
///     "demo",
///     "2026-01-01",
/// )?;
/// assert!(report.iterations >= 1 && report.final_cost.is_finite());
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitReport {
    /// Optimiser iterations run.
    pub iterations: u64,
    /// The objective (mean loss plus penalty) at the end.
    pub final_cost: f64,
}
