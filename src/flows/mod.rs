//! What the commands do, without any user interface: the classify stream, evaluation
//! and cross-validation.

pub mod classify;
pub mod evaluate;
pub mod train;
