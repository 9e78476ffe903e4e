//! Stage 3: TF-IDF features.
//!
//! Two blocks of features, each with smoothed idf (`ln((1+n)/(1+df)) + 1`), sublinear tf
//! (`1 + ln tf`) and l2-normalised on its own:
//! - word n-grams over stemmed tokens (default uni- and bigrams), with `min_df`,
//!   `max_df` and `max_features`;
//! - character n-grams inside each word (default 2 to 5 characters, the word padded
//!   with a space on each side, unstemmed: `good` gives ` g`, `go`, ..., `ood `), kept
//!   with the same `min_df` and `max_df`. They catch what stems miss (misspellings,
//!   rare inflections, shared roots) and are cached per distinct word, so they cost a
//!   few additions per word, not a new pass over the text.
//!
//! Feature ids: word terms first, then character n-grams.
//!
//! Transforming a sentence never builds a dense vector: a surface token maps to its stem
//! id and its character n-grams through a per-[`Scratch`] cache (so Snowball runs once
//! per distinct word), an n-gram's id comes from the packed stem ids, and the row is a
//! short list of `(feature, value)` pairs.
//!
//! The files, in pipeline order:
//! - `config.rs`: the settings ([`TfidfConfig`]) and their limits;
//! - `fit.rs`: fitting, from training text to a vocabulary with its idf;
//! - `vocabulary.rs`: the vocabulary as a model file stores it, checked and turned into
//!   the lookup maps ([`Tfidf::from_parts`]);
//! - `tfidf.rs`: the fitted featurizer, [`Tfidf`], and what it tells of its features;
//! - `transform.rs`: the hot path, a sentence to its row ([`Tfidf::transform_into`]);
//! - `scratch.rs`: the per-thread word cache and buffers ([`Scratch`]) it reads;
//! - `chars.rs`: the character n-grams of a word ([`for_each_char_ngram`]);
//! - `keymap.rs`: word hashes, packed stem ids and the map they index; [`prefetch`];
//! - `sparse.rs`: rows collected ([`SparseMatrix`]) and their per-label counts;
//! - `nb.rs`: naive Bayes scales of the features ([`nb_scales`]);
//! - `terms.rs`: a list of terms in one string ([`TermList`]);
//! - `embed.rs`: the semantic block, word embeddings ([`embed`]).

mod chars;
mod config;
pub mod embed;
mod fit;
mod keymap;
mod nb;
mod scratch;
mod sparse;
mod terms;
#[cfg(test)]
mod tests;
mod tfidf;
mod transform;
mod vocabulary;

pub use chars::{for_each_char_ngram, GramScratch};
pub use config::{TfidfConfig, MAX_CHAR_NGRAM, MAX_NGRAM};
pub use keymap::{prefetch, MAX_STEMS};
pub use nb::nb_scales;
pub use scratch::Scratch;
pub use sparse::{LabelCounts, SparseMatrix};
pub use terms::TermList;
pub use tfidf::Tfidf;

// What `embed.rs` reads of the word-term machinery.
use keymap::{key, KeyMap};
