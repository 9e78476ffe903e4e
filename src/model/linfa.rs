//! `--solver linfa`: linfa-logistic's own dense fit (the `linfa` cargo feature).

use super::config::{ClassWeight, FitConfig, FitReport};
use super::design::CharBlock;
use crate::features::SparseMatrix;

pub(super) fn fit_linfa(
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
