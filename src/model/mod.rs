//! Stage 4: the model, multinomial logistic regression over the sparse TF-IDF rows.
//!
//! Training minimises exactly linfa-logistic's objective,
//! `sum_i w_i * logloss_i + alpha/2 * ||W||^2` (intercepts not penalised, `w_i = 1`
//! unless class weights say otherwise), with argmin's L-BFGS (the optimiser
//! linfa-logistic itself uses; computed in place here, with its vector passes in
//! parallel and its pairs in single precision, and argmin's More-Thuente line search)
//! over a sparse cost and gradient. The same rows and settings give the same model to
//! the bit, on any number of threads. `Solver::Linfa` runs linfa-logistic's own dense
//! fit instead, for small problems.
//!
//! A naive Bayes term can join the fitted model ([`Logistic::add_naive_bayes`]): the
//! log-probabilities of a multinomial naive Bayes over which word terms a sentence has,
//! times a weight, added to the scores. Naive Bayes is strong where logistic regression
//! is weak on short texts (rare terms), and the sum beats either alone (Wang & Manning
//! 2012 combine the two in NBSVM for the same reason).
//!
//! Scoring is its own fast path: sparse row times the weight matrix (one feature's
//! class weights contiguous) plus the presence weights of the row's word terms plus
//! intercepts, then softmax.
//!
//! The files, one job each:
//!
//! - `config.rs`: the settings of a fit ([`FitConfig`], [`Solver`], [`ClassWeight`]),
//!   its memory estimate and budget check, and its [`FitReport`];
//! - `logistic.rs`: the fitted model, [`Logistic`]: its parts, naive Bayes term,
//!   scoring, and fitting by the chosen solver;
//! - `weights.rs`: per-row loss weights from the class-weight setting;
//! - `design.rs`: the training rows as the objectives read them ([`CharBlock`], the
//!   rows by feature) and the sparse gathers over them;
//! - `objective.rs`: the losses and gradients L-BFGS minimises (multinomial, binary);
//! - `lbfgs.rs`: the optimiser, argmin's L-BFGS done in place;
//! - `linesearch.rs`: its More-Thuente line search and the chunked vector sums;
//! - `linfa.rs`: `--solver linfa`, linfa-logistic's dense fit (the `linfa` feature);
//! - `tests.rs`: the tests.

mod config;
mod design;
mod lbfgs;
mod linesearch;
#[cfg(feature = "linfa")]
mod linfa;
mod logistic;
mod objective;
#[cfg(test)]
mod tests;
mod weights;

pub use crate::kernels::{add_scaled, softmax_in_place};
pub use config::{check_fit_memory, fit_memory, ClassWeight, FitConfig, FitReport, Solver};
pub use design::CharBlock;
pub use logistic::Logistic;
pub use weights::sample_weights;
