//! Naive Bayes log-count-ratio scales of the features (`--nb-scale`).

use super::sparse::{LabelCounts, SparseMatrix};

/// Naive Bayes log-count-ratio scale of every feature (Wang & Manning's NBSVM idea,
/// for any number of labels): with `p_c(f) = (1 + docs of label c with f) / (F + docs
/// of label c)` and `q_c(f)` the same over the other labels, the scale is the mean over
/// labels of `|ln(p_c(f) / q_c(f))|`, so terms that separate labels weigh more.
pub fn nb_scales(x: &SparseMatrix, y: &[usize], k: usize) -> Vec<f32> {
    let d = x.n_cols;
    let LabelCounts {
        counts: df,
        totals: total_c,
        ..
    } = x.label_counts(y, k, d);
    let total: f64 = total_c.iter().sum();
    (0..d)
        .map(|f| {
            let row = &df[f * k..f * k + k];
            let all: f64 = row.iter().sum();
            let mut s = 0.0;
            for c in 0..k {
                let p = (1.0 + row[c]) / (d as f64 + total_c[c]);
                let q = (1.0 + all - row[c]) / (d as f64 + total - total_c[c]);
                s += (p / q).ln().abs();
            }
            (s / k as f64) as f32
        })
        .collect()
}
