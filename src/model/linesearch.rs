//! argmin's More-Thuente line search, done in place.
//!
//! [`more_thuente`] is `argmin::solver::linesearch::MoreThuenteLineSearch` (argmin 0.11,
//! default settings, run by argmin's `Executor` from a point with its cost and gradient)
//! with the same step selection, floating-point operation for operation. Only its two
//! vector passes differ: the trial point and the directional derivative are computed
//! in parallel over fixed chunks, the derivative's dot product summed chunk by chunk
//! with several accumulators ([`dot`]), so its rounding is not argmin's (on vectors no
//! longer than [`LANES`] it is, and `logistic`'s `line_search_is_argmins` test checks
//! the steps picked are argmin's to the bit there). What also differs is the
//! bookkeeping: argmin's executor allocates a new trial point each step and clones the
//! point and gradient several times a step; here the trial point and its gradient are
//! written into two buffers the caller keeps.
//!
//! The step selection ([`cstep`]) is argmin's, which is Moré and Thuente's (1994) MINPACK-2
//! `dcstep` as argmin writes it; argmin is MIT or Apache-2.0 licensed, like this crate.

use rayon::prelude::*;

/// A step length with the cost and directional derivative there.
#[derive(Debug, Clone, Copy)]
struct Step {
    x: f64,
    fx: f64,
    gx: f64,
}

impl Step {
    fn new(x: f64, fx: f64, gx: f64) -> Step {
        Step { x, fx, gx }
    }
}

/// Sufficient decrease (Armijo) constant.
const FTOL: f64 = 1e-4;
/// Curvature condition constant.
const GTOL: f64 = 0.9;
/// Factor by which an unbracketed step may grow.
const XTRAPF: f64 = 4.0;
/// Relative width of the interval of uncertainty at which the search stops.
const XTOL: f64 = 1e-10;

/// Elements per task of the parallel vector passes (here and in `logistic`'s L-BFGS).
/// Fixed, so a sum is always made of the same chunks' partial sums added in chunk order,
/// whatever the number of threads: the same inputs give the same bits.
pub(crate) const CHUNK: usize = 8192;

/// Independent accumulators of a sum within a chunk: element `j` of a chunk goes to lane
/// `j % LANES`, and the lanes are added in order at the end. Several sums in flight hide
/// the latency of floating-point addition (and the compiler can vectorise them); a
/// vector no longer than `LANES` is still summed in element order.
pub(crate) const LANES: usize = 8;

/// `N` sums over `CHUNK`-long pieces: `parts` yields each chunk's sums in chunk order
/// (any thread computing any chunk); they are added in that order.
pub(crate) fn sum_chunks<const N: usize>(
    parts: impl IndexedParallelIterator<Item = [f64; N]>,
) -> [f64; N] {
    let parts: Vec<[f64; N]> = parts.collect();
    let mut total = [0.0; N];
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    total
}

/// The lanes of each of `N` sums added in lane order.
#[inline(always)]
pub(crate) fn fold_lanes<const N: usize>(lanes: [[f64; LANES]; N]) -> [f64; N] {
    lanes.map(|l| l.iter().fold(0.0, |a, &b| a + b))
}

/// The dot product of `a` and `b` (as long), in parallel over fixed chunks.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let chunks = a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK));
    let [total] = sum_chunks(chunks.map(|(a, b)| [dot_lanes(a, b)]));
    total
}

/// The dot product of `a` and `b` (as long) in `LANES` lanes, on this thread.
#[inline(always)]
pub(crate) fn dot_lanes(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; LANES];
    let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (a, b) in ac.zip(bc) {
        for l in 0..LANES {
            lanes[l] += a[l] * b[l];
        }
    }
    for (l, (a, b)) in lanes.iter_mut().zip(ar.iter().zip(br)) {
        *l += a * b;
    }
    let [sum] = fold_lanes([lanes]);
    sum
}

/// `out = x + step * direction`, in parallel.
fn step_to(out: &mut [f64], x: &[f64], step: f64, direction: &[f64]) {
    assert!(x.len() == out.len() && direction.len() == out.len());
    out.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK).zip(direction.par_chunks(CHUNK)))
        .for_each(|(out, (x, direction))| {
            for ((o, &xi), &di) in out.iter_mut().zip(x).zip(direction) {
                *o = xi + step * di;
            }
        });
}

/// A line search's trial point and the gradient there (buffers the caller keeps).
pub(crate) struct Trial {
    pub x: Vec<f64>,
    pub grad: Vec<f64>,
}

impl Trial {
    pub fn new(n: usize) -> Trial {
        Trial {
            x: vec![0.0; n],
            grad: vec![0.0; n],
        }
    }
}

/// Searches from `x` (cost `cost`, gradient `grad`) along the descent direction
/// `direction` for a step length meeting the strong Wolfe conditions, first trying 1.
/// `eval` writes the gradient at a point into its second argument and returns the cost.
///
/// Returns the cost at the point chosen, with the point and its gradient in `trial`;
/// `None` where argmin's search fails (`direction` is not a descent direction, or the
/// step selection meets a NaN or an infinity). A `cost` of minus infinity, which
/// argmin's executor takes as its target reached, must not occur.
pub(crate) fn more_thuente(
    (x, cost, grad): (&[f64], f64, &[f64]),
    direction: &[f64],
    trial: &mut Trial,
    mut eval: impl FnMut(&[f64], &mut [f64]) -> f64,
) -> Option<f64> {
    let Trial {
        x: next,
        grad: next_grad,
    } = trial;
    let (stpmin, stpmax) = (f64::EPSILON.sqrt(), f64::INFINITY);
    // argmin evaluates the cost again when it is infinite; the same point gives the same
    // cost, so that is `cost` too.
    let finit = cost;
    let dginit = dot(grad, direction);
    if dginit >= 0.0 {
        return None;
    }
    let mut stage1 = true;
    let mut brackt = false;
    let dgtest = FTOL * dginit;
    let mut width = stpmax - stpmin;
    let mut width1 = 2.0 * width;
    let mut stp = Step::new(1.0, f64::NAN, f64::NAN);
    let mut stx = Step::new(0.0, finit, dginit);
    let mut sty = Step::new(0.0, finit, dginit);
    let mut infoc = 1;
    loop {
        // The interval of uncertainty, and the step kept inside the bounds.
        let (stmin, stmax) = if brackt {
            (stx.x.min(sty.x), stx.x.max(sty.x))
        } else {
            (stx.x, stp.x + XTRAPF * (stp.x - stx.x))
        };
        stp.x = stp.x.max(stpmin);
        stp.x = stp.x.min(stpmax);
        // On an unusual termination, the lowest point so far.
        if (brackt && (stp.x <= stmin || stp.x >= stmax || (stmax - stmin) <= XTOL * stmax))
            || infoc == 0
        {
            stp.x = stx.x;
        }
        step_to(next, x, stp.x, direction);
        let f = eval(next, next_grad);
        let dg = dot(direction, next_grad);
        let ftest1 = finit + stp.x * dgtest;
        let mut info = 0;
        if (brackt && (stp.x <= stmin || stp.x >= stmax)) || infoc == 0 {
            info = 6;
        }
        if (stp.x - stpmax).abs() < f64::EPSILON && f <= ftest1 && dg <= dgtest {
            info = 5;
        }
        if (stp.x - stpmin).abs() < f64::EPSILON && (f > ftest1 || dg >= dgtest) {
            info = 4;
        }
        if brackt && stmax - stmin <= XTOL * stmax {
            info = 2;
        }
        if f <= ftest1 && dg.abs() <= GTOL * (-dginit) {
            info = 1;
        }
        if info != 0 {
            return Some(f);
        }
        if stage1 && f <= ftest1 && dg >= FTOL.min(GTOL) * dginit {
            stage1 = false;
        }
        if stage1 && f <= stp.fx && f > ftest1 {
            // The modified function (the cost less the sufficient decrease line).
            let fm = f - stp.x * dgtest;
            let fxm = stx.fx - stx.x * dgtest;
            let fym = sty.fx - sty.x * dgtest;
            let dgm = dg - dgtest;
            let dgxm = stx.gx - dgtest;
            let dgym = sty.gx - dgtest;
            let (stx1, sty1, stp1, brackt1, infoc1) = cstep(
                Step::new(stx.x, fxm, dgxm),
                Step::new(sty.x, fym, dgym),
                Step::new(stp.x, fm, dgm),
                brackt,
                stmin,
                stmax,
            )?;
            stx.x = stx1.x;
            sty.x = sty1.x;
            stx.fx += stx1.x * dgtest;
            sty.fx += sty1.x * dgtest;
            stx.gx += dgtest;
            sty.gx += dgtest;
            brackt = brackt1;
            stp = stp1;
            infoc = infoc1;
        } else {
            let (stx1, sty1, stp1, brackt1, infoc1) =
                cstep(stx, sty, Step::new(stp.x, f, dg), brackt, stmin, stmax)?;
            stx = stx1;
            sty = sty1;
            stp = stp1;
            brackt = brackt1;
            infoc = infoc1;
        }
        if brackt {
            if (sty.x - stx.x).abs() >= 0.66 * width1 {
                stp.x = stx.x + 0.5 * (sty.x - stx.x);
            }
            width1 = width;
            width = (sty.x - stx.x).abs();
        }
    }
}

/// The largest of three values as argmin finds it (`max_by` with `partial_cmp`: the last
/// of equal ones), after its check that none is NaN or infinite.
fn largest(values: [f64; 3]) -> Option<f64> {
    if values.iter().any(|n| n.is_nan() || n.is_infinite()) {
        return None;
    }
    values
        .iter()
        .copied()
        .max_by(|a, b| a.partial_cmp(b).unwrap())
}

/// The minimiser of the cubic through `stp` and `o` (costs and derivatives), as argmin
/// computes it from `stp` toward `o` (its second and fourth cases).
fn cubic_toward(stp: Step, o: Step) -> Option<f64> {
    let theta = 3.0 * (o.fx - stp.fx) / (stp.x - o.x) + o.gx + stp.gx;
    let s = largest([theta, o.gx, stp.gx])?;
    let mut gamma = s * ((theta / s).powi(2) - (o.gx / s) * (stp.gx / s)).sqrt();
    if stp.x > o.x {
        gamma = -gamma;
    }
    let p = (gamma - stp.gx) + theta;
    let q = ((gamma - stp.gx) + gamma) + o.gx;
    let r = p / q;
    Some(stp.x + r * (o.x - stp.x))
}

/// One safeguarded step of the interval of uncertainty `stx`/`sty` with the trial `stp`,
/// within `stpmin..=stpmax` (argmin passes the interval's bounds): the new interval, the
/// new trial step, whether the minimum is bracketed, and the case taken (0: the inputs
/// were refused). `None` on a NaN or infinity.
fn cstep(
    stx: Step,
    sty: Step,
    stp: Step,
    brackt: bool,
    stpmin: f64,
    stpmax: f64,
) -> Option<(Step, Step, Step, bool, usize)> {
    let info: usize;
    let bound: bool;
    let mut stpf: f64;
    let stpc: f64;
    let stpq: f64;
    let mut brackt = brackt;

    if (brackt && (stp.x <= stx.x.min(sty.x) || stp.x >= stx.x.max(sty.x)))
        || stx.gx * (stp.x - stx.x) >= 0.0
        || stpmax < stpmin
    {
        return Some((stx, sty, stp, brackt, 0));
    }

    // Whether the derivatives have opposite signs.
    let sgnd = stp.gx * (stx.gx / stx.gx.abs());

    if stp.fx > stx.fx {
        // A higher cost: the minimum is bracketed. The cubic step if it is closer to
        // `stx`, else the mean of the cubic and quadratic steps.
        info = 1;
        bound = true;
        let theta = 3.0 * (stx.fx - stp.fx) / (stp.x - stx.x) + stx.gx + stp.gx;
        let s = largest([theta, stx.gx, stp.gx])?;
        let mut gamma = s * ((theta / s).powi(2) - (stx.gx / s) * (stp.gx / s)).sqrt();
        if stp.x < stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stx.gx) + theta;
        let q = ((gamma - stx.gx) + gamma) + stp.gx;
        let r = p / q;
        stpc = stx.x + r * (stp.x - stx.x);
        stpq = stx.x
            + ((stx.gx / ((stx.fx - stp.fx) / (stp.x - stx.x) + stx.gx)) / 2.0) * (stp.x - stx.x);
        if (stpc - stx.x).abs() < (stpq - stx.x).abs() {
            stpf = stpc;
        } else {
            stpf = stpc + (stpq - stpc) / 2.0;
        }
        brackt = true;
    } else if sgnd < 0.0 {
        // A lower cost and derivatives of opposite signs: the minimum is bracketed. The
        // cubic step if it is closer to `stx`, else the secant step.
        info = 2;
        bound = false;
        stpc = cubic_toward(stp, stx)?;
        stpq = stp.x + (stp.gx / (stp.gx - stx.gx)) * (stx.x - stp.x);
        if (stpc - stp.x).abs() > (stpq - stp.x).abs() {
            stpf = stpc;
        } else {
            stpf = stpq;
        }
        brackt = true;
    } else if stp.gx.abs() < stx.gx.abs() {
        // A lower cost, derivatives of the same sign, the derivative's magnitude falling.
        info = 3;
        bound = true;
        let theta = 3.0 * (stx.fx - stp.fx) / (stp.x - stx.x) + stx.gx + stp.gx;
        let s = largest([theta, stx.gx, stp.gx])?;
        // gamma is 0 only if the cubic does not tend to infinity along the step.
        let mut gamma = s * 0.0f64
            .max((theta / s).powi(2) - (stx.gx / s) * (stp.gx / s))
            .sqrt();
        if stp.x > stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stp.gx) + theta;
        let q = (gamma + (stx.gx - stp.gx)) + gamma;
        let r = p / q;
        if r < 0.0 && gamma != 0.0 {
            stpc = stp.x + r * (stx.x - stp.x);
        } else if stp.x > stx.x {
            stpc = stpmax;
        } else {
            stpc = stpmin;
        }
        stpq = stp.x + (stp.gx / (stp.gx - stx.gx)) * (stx.x - stp.x);
        if brackt {
            if (stp.x - stpc).abs() < (stp.x - stpq).abs() {
                stpf = stpc;
            } else {
                stpf = stpq;
            }
        } else if (stp.x - stpc).abs() > (stp.x - stpq).abs() {
            stpf = stpc;
        } else {
            stpf = stpq;
        }
    } else {
        // A lower cost, derivatives of the same sign, the derivative's magnitude not
        // falling: unbracketed, a bound; bracketed, the cubic step.
        info = 4;
        bound = false;
        if brackt {
            // argmin's `3 (stp.fx - sty.fx) / (sty.x - stp.x)`: both signs flipped, the same
            // bits.
            stpc = cubic_toward(stp, sty)?;
            stpf = stpc;
        } else if stp.x > stx.x {
            stpf = stpmax;
        } else {
            stpf = stpmin;
        }
    }

    // The new interval of uncertainty (whatever the case above).
    let mut stx_o = stx;
    let mut sty_o = sty;
    let mut stp_o = stp;
    if stp_o.fx > stx_o.fx {
        sty_o = stp_o;
    } else {
        if sgnd < 0.0 {
            sty_o = stx_o;
        }
        stx_o = stp_o;
    }

    // The new step, safeguarded.
    stpf = stpmax.min(stpf);
    stpf = stpmin.max(stpf);
    stp_o.x = stpf;
    if brackt && bound {
        if sty_o.x > stx_o.x {
            stp_o.x = stp_o.x.min(stx_o.x + 0.66 * (sty_o.x - stx_o.x));
        } else {
            stp_o.x = stp_o.x.max(stx_o.x + 0.66 * (sty_o.x - stx_o.x));
        }
    }
    Some((stx_o, sty_o, stp_o, brackt, info))
}
