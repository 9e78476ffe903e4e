//! # stance
//!
//! Scores every sentence of an article about a TV show's new season for its stance
//! toward that season. The pipeline, one module per stage:
//!
//! 1. [`sentences`]: raw text → sentence spans;
//! 2. [`tokens`]: sentence → normalised, stemmed tokens;
//! 3. [`tfidf`]: tokens → l2-normalised sparse TF-IDF row;
//! 4. [`logistic`]: row → probability of every label (multinomial logistic regression;
//!    its line search is in `linesearch`);
//! 5. [`modelfile`]: the trained pipeline on disk.
//!
//! [`pipeline`] joins the stages into a [`pipeline::Classifier`]; [`input`], [`data`],
//! [`evaluate`] and [`output`] are the command line's reading, measuring and writing;
//! [`cli`] is the command line itself.

pub mod cli;
pub mod data;
pub mod evaluate;
pub mod input;
mod linesearch;
pub mod logistic;
pub mod modelfile;
pub mod output;
pub mod pipeline;
pub mod sentences;
pub mod tfidf;
pub mod tokens;

pub use pipeline::{Classifier, ScoreScratch, TrainSettings};
