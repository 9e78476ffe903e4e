//! The model's tests: scoring, the objectives' costs and gradients against plain sums
//! and finite differences, L-BFGS and its line search against argmin's, the same bits
//! on any number of threads, and agreement with linfa-logistic.

use super::config::{ClassWeight, FitConfig, FitReport, Solver};
use super::design::{CharBlock, Design};
use super::lbfgs::{minimize, new_pair, update_then_dot, MEMORY};
use super::linesearch::{dot, more_thuente, Trial, CHUNK};
use super::logistic::Logistic;
use super::objective::{BinaryProblem, Objective, SparseProblem, ROW_BLOCK};
use super::weights::sample_weights;
use crate::features::SparseMatrix;
use crate::kernels::softmax_in_place;
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
        Logistic::from_parts(vec!["a".into(), "a".into()], 1, vec![0.0; 2], vec![0.0; 2]).is_err()
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
