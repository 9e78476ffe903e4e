#![warn(missing_docs)]
//! # stance
//!
//! Scores every sentence of an article about a TV show's new season for its stance
//! toward that season: `positive`, `criticism`, `anticipation` or `neutral` with the
//! built-in model, or any label set of your own.
//!
//! ```
//! let model = stance::Classifier::builtin()?;
//! for s in model.classify("Season 2 premieres in March. The first season was dull.") {
//!     println!("{}..{} {} {:?}", s.start, s.end, s.label, s.probabilities);
//! }
//! # Ok::<(), stance::Error>(())
//! ```
//!
//! The pipeline, one private module per stage, in the order a sentence goes through
//! them (each stage imports only the ones before it):
//!
//! 1. `sentences`: raw text → sentence [`Span`]s ([`split`]);
//! 2. `tokens`: a sentence → normalised, stemmed tokens ([`TokenizerConfig`]);
//! 3. `features`: tokens → an l2-normalised sparse TF-IDF row ([`TfidfConfig`]), and
//!    optionally the semantic block ([`Embedding`]);
//! 4. `model`: a row → the probability of every label (multinomial logistic
//!    regression and its fitting, [`FitConfig`]);
//! 5. `modelfile`: the trained pipeline on disk;
//! 6. `classifier`: the stages joined into a [`Classifier`], trained from
//!    [`TrainSettings`];
//! 7. `output`: records for people and programs ([`Writer`], [`Format`]).
//!
//! Beside them, `input` reads text and labelled CSV ([`read_labelled`]), `flows` runs
//! what the commands do (the parallel classify stream [`classify_one`], [`evaluate`],
//! [`cross_validate`]), and `cli` (behind the default `cli` feature) is the command line.
//! Every error is an [`Error`].

mod classifier;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
mod features;
mod flows;
mod input;
mod kernels;
mod limits;
mod model;
mod modelfile;
mod output;
mod sentences;
mod tokens;

pub use classifier::{Classifier, ScoreScratch, Sentence, TrainSettings};
pub use error::{Error, Result};
pub use features::embed::{Embedding, EmbeddingTable};
pub use features::TfidfConfig;
pub use flows::classify::{classify_one, open_input, Scorer};
pub use flows::evaluate::{cross_validate, evaluate, ClassStats, CvSummary, FoldStats, Report};
pub use input::{read_labelled, Columns, Labelled};
pub use model::{ClassWeight, FitConfig, FitReport, Solver};
pub use output::{Decisions, Format, Writer};
pub use sentences::{split, Span};
pub use tokens::TokenizerConfig;

/// Every stage's own items, for stance's tests, benches, fuzzers and Python bindings.
/// Not part of the API: anything here may change in any release.
#[doc(hidden)]
pub mod internals {
    pub mod classifier {
        pub use crate::classifier::*;
    }
    pub mod features {
        pub use crate::features::*;
    }
    pub mod flows {
        pub use crate::flows::*;
    }
    pub mod input {
        pub use crate::input::*;
    }
    pub mod model {
        pub use crate::model::*;
    }
    pub mod modelfile {
        pub use crate::modelfile::*;
    }
    pub mod output {
        pub use crate::output::*;
    }
    pub mod sentences {
        pub use crate::sentences::*;
    }
    pub mod tokens {
        pub use crate::tokens::*;
    }
}
