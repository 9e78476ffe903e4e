//! Caps shared by what reads labelled data and what reads model files.

/// Most labels a model (and so a training set) may have.
pub const MAX_LABELS: usize = 10_000;
