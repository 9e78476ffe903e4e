//! The objectives L-BFGS minimises: the multinomial loss and its gradient
//! ([`SparseProblem`]), the same for two labels in half the parameters
//! ([`BinaryProblem`]), and the row blocks their sums are made over.

use super::design::Design;
use rayon::prelude::*;

/// A smooth objective to minimise: its cost and gradient at a point.
pub(super) trait Objective {
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
pub(super) const ROW_BLOCK: usize = 512;

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
pub(super) struct SparseProblem<'a> {
    rows: Design<'a>,
    y: &'a [usize],
    k: usize,
    alpha: f64,
    sample_weight: Vec<f64>,
}

impl<'a> SparseProblem<'a> {
    pub(super) fn new(
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
    pub(super) fn loss_rows(
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
pub(super) struct BinaryProblem<'a> {
    rows: Design<'a>,
    y: &'a [usize],
    alpha: f64,
    sample_weight: Vec<f64>,
}

impl<'a> BinaryProblem<'a> {
    pub(super) fn new(
        rows: Design<'a>,
        y: &'a [usize],
        alpha: f64,
        sample_weight: Vec<f64>,
    ) -> Self {
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
    pub(super) fn loss_rows(
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
