//! # stance
//!
//! Scores every sentence of an article about a TV show's new season for its stance
//! toward that season. The pipeline, one module per stage:
//!
//! 1. [`sentences`]: raw text → sentence spans;
//! 2. [`tokens`]: sentence → normalised, stemmed tokens;
//! 3. [`features`]: tokens → l2-normalised sparse TF-IDF row, and optionally the
//!    semantic block ([`features::embed`]: a sentence vector from static word vectors);
//! 4. [`model`]: row → probability of every label (multinomial logistic regression,
//!    its fitting and line search);
//! 5. [`modelfile`]: the trained pipeline on disk.
//!
//! [`classifier`] joins the stages into a [`Classifier`]; [`input`] reads text and
//! labelled CSV, [`flows`] evaluates and cross-validates, [`output`] writes records;
//! [`cli`] is the command line itself.

pub mod classifier;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
pub mod features;
pub mod flows;
pub mod input;
mod kernels;
mod limits;
pub mod model;
pub mod modelfile;
pub mod output;
pub mod sentences;
pub mod tokens;

pub use classifier::{Classifier, ScoreScratch, Sentence, TrainSettings};
pub use error::{Error, Result};
pub use input::{read_labelled, Columns, Labelled};
