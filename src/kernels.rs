//! Leaf arithmetic shared by the stages: the largest score, softmax, and a scaled row
//! added to the scores. Depends on nothing else in the crate.

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

/// `out += scale * w` over the first `K` values (0: all of `out`; `w` at least as long).
#[inline(always)]
pub fn add_scaled<const K: usize>(out: &mut [f32], w: &[f32], scale: f32) {
    let k = if K == 0 { out.len() } else { K };
    let (out, w) = (&mut out[..k], &w[..k]);
    for c in 0..k {
        out[c] += scale * w[c];
    }
}

/// Numerically stable softmax. Two labels take one exponential (the logistic
/// function of the difference) instead of two.
#[inline]
pub fn softmax_in_place(z: &mut [f32]) {
    if let [a, b] = z {
        let d = *b - *a;
        let e = (-d.abs()).exp();
        let big = 1.0 / (1.0 + e);
        let small = e * big;
        (*a, *b) = if d >= 0.0 { (small, big) } else { (big, small) };
        return;
    }
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in z.iter_mut() {
        *v *= inv;
    }
}
