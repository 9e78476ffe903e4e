//! Rows of features collected: the compressed sparse [`SparseMatrix`] and the
//! per-label feature counts of its rows ([`LabelCounts`]).

/// How often features occur under each label (see [`SparseMatrix::label_counts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCounts {
    /// `counts[f * k + c]`: rows of label `c` that hold feature `f`.
    pub counts: Vec<f64>,
    /// Rows of each label.
    pub rows: Vec<f64>,
    /// Per label, the sum of `counts` over features.
    pub totals: Vec<f64>,
}

/// Rows of sparse features: compressed sparse rows, l2-normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseMatrix {
    /// Number of columns (features).
    pub n_cols: usize,
    /// Row `r`'s entries are `indptr[r]..indptr[r + 1]` of `indices` and `values`.
    pub indptr: Vec<usize>,
    /// Column of each entry.
    pub indices: Vec<u32>,
    /// Value of each entry.
    pub values: Vec<f32>,
}

impl SparseMatrix {
    /// No rows, `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        SparseMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Appends a row of `(column, value)` pairs, as given.
    pub fn push_row(&mut self, row: &[(u32, f32)]) {
        for &(i, v) in row {
            self.indices.push(i);
            self.values.push(v);
        }
        self.indptr.push(self.indices.len());
    }

    /// The `(indices, values)` of row `r`.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// For the first `d` features, how many rows of each of the `k` labels (row `i` has
    /// label `y[i]`) hold each feature.
    pub fn label_counts(&self, y: &[usize], k: usize, d: usize) -> LabelCounts {
        let d = d.min(self.n_cols);
        let mut counts = vec![0f64; d * k];
        let mut rows = vec![0f64; k];
        for (i, &c) in y.iter().enumerate() {
            rows[c] += 1.0;
            for &f in self.row(i).0 {
                if (f as usize) < d {
                    counts[f as usize * k + c] += 1.0;
                }
            }
        }
        let mut totals = vec![0f64; k];
        for f in 0..d {
            for c in 0..k {
                totals[c] += counts[f * k + c];
            }
        }
        LabelCounts {
            counts,
            rows,
            totals,
        }
    }

    /// The rows at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> SparseMatrix {
        let mut out = SparseMatrix::new(self.n_cols);
        for &r in rows {
            let (a, b) = (self.indptr[r], self.indptr[r + 1]);
            out.indices.extend_from_slice(&self.indices[a..b]);
            out.values.extend_from_slice(&self.values[a..b]);
            out.indptr.push(out.indices.len());
        }
        out
    }
}
