//! What the commands do, without any user interface: evaluation and cross-validation.

pub mod evaluate;
