//! The training rows as the objectives read them: the factored character block
//! ([`CharBlock`]), the rows by feature ([`Design`]), and the sparse gathers over them.

use super::linesearch::{dot_lanes, sum_chunks};
use crate::features::SparseMatrix;
use rayon::prelude::*;

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
    pub(super) tokens: SparseMatrix,
    /// One row per word: its n-grams' `(feature, value)`.
    pub(super) grams: SparseMatrix,
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

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.tokens.n_rows()
    }

    /// Number of distinct words the rows are made of.
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
pub(super) struct Design<'a> {
    pub(super) x: &'a SparseMatrix,
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
    pub(super) fn new(x: &'a SparseMatrix, chars: Option<&'a CharBlock>) -> Design<'a> {
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
    pub(super) fn word_scores(&self, w: &[f64], k: usize) -> Vec<f64> {
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
    pub(super) fn add_scores(&self, i: usize, w: &[f64], word_scores: &[f64], z: &mut [f64]) {
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
    pub(super) fn weight_gradient(
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
