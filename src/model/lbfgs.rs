//! The optimiser: argmin's L-BFGS done in place ([`minimize`]), with its two-loop
//! recursion and vector passes, and the fit of a model's parameters by it
//! ([`fit_lbfgs`]). Its line search is in `linesearch.rs`.

use super::config::{FitConfig, FitReport};
use super::design::Design;
use super::linesearch::{dot, fold_lanes, more_thuente, sum_chunks, Trial, CHUNK, LANES};
use super::objective::{BinaryProblem, Objective, SparseProblem};
use super::weights::sample_weights;
use rayon::prelude::*;
use std::collections::VecDeque;

/// How many (step, gradient change) pairs L-BFGS keeps.
pub(super) const MEMORY: usize = 10;

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
pub(super) fn minimize<O: Objective>(
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
pub(super) fn update_then_dot<U: Copy + Into<f64> + Sync, W: Copy + Into<f64> + Sync>(
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
pub(super) fn new_pair(
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

pub(super) fn fit_lbfgs(
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
