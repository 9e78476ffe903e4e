//! Output of `classify`: a table and per-file summary for people; JSON, JSONL, CSV and
//! bare labels for programs. Records stream out as they are scored (JSON too: it is
//! written piece by piece), and nothing is printed for an input with no sentences.

pub mod decide;
mod format;
mod html;
mod json;
mod writer;

pub use decide::{Decisions, Verdict, UNCERTAIN};
pub use format::{Formatted, Formatter};
use json::{JsonRecord, JsonlParts, LabelMap};
pub use writer::Writer;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::io::{self, Write};

/// How [`Writer`] prints records (`stance classify --format`).
///
/// ```
/// use stance::Format;
/// let formats = [Format::Table, Format::Json, Format::Jsonl, Format::Csv, Format::Labels, Format::Html];
/// assert_eq!(formats.len(), 6);
/// assert_ne!(Format::Json, Format::Jsonl);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A row per sentence (index, label, probability, text) and a summary per file.
    Table,
    /// One JSON document: files, their sentences and summaries.
    Json,
    /// One JSON object per sentence per line.
    Jsonl,
    /// A header, then one row per sentence with a column per label.
    Csv,
    /// One label per line, nothing else.
    Labels,
    /// One self-contained web page: every sentence coloured by its label, with a bar
    /// of each label's share per file.
    Html,
}

/// One scored sentence.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The sentence's number in its input, from 0.
    pub index: u64,
    /// Byte offset of its first byte in the input.
    pub start: u64,
    /// Byte offset just past its last byte.
    pub end: u64,
    /// Its text.
    pub text: &'a str,
    /// Index of its most probable label.
    pub label: usize,
    /// Every label's probability, in label order.
    pub scores: &'a [f32],
    /// The terms that pushed most toward the label, when asked for.
    pub explain: Option<&'a [(String, f32)]>,
    /// The first sentence of its input line (of its paragraph, for a web page).
    pub paragraph: bool,
}

/// Counts and score sums of one file's sentences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Sentences seen.
    pub sentences: u64,
    /// Sentences per most probable label.
    pub counts: Vec<u64>,
    /// Per label, the sum of its probability over the sentences.
    pub score_sums: Vec<f64>,
}

impl Summary {
    /// Nothing counted yet, for `k` labels.
    pub fn new(k: usize) -> Self {
        Summary {
            sentences: 0,
            counts: vec![0; k],
            score_sums: vec![0.0; k],
        }
    }

    /// Counts one sentence with its label and scores.
    pub fn add(&mut self, label: usize, scores: &[f32]) {
        self.sentences += 1;
        self.counts[label] += 1;
        for (s, &p) in self.score_sums.iter_mut().zip(scores) {
            *s += f64::from(p);
        }
    }
}

/// The name of label `i` (one past the model's labels: `uncertain`).
fn label_name(labels: &[String], i: usize) -> &str {
    labels.get(i).map_or(UNCERTAIN, String::as_str)
}

/// A record's `k` best labels with their probabilities (--top-k).
fn top_labels<'a>(labels: &'a [String], r: &Record, k: usize) -> Vec<(&'a str, f32)> {
    decide::top(r.scores, k)
        .into_iter()
        .map(|i| (labels[i].as_str(), r.scores[i]))
        .collect()
}

/// A serde_json error as an io::Error of the same kind (so a closed pipe stays one).
fn json_err(e: serde_json::Error) -> io::Error {
    match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    }
}

/// Width of the table's label column (room for `uncertain` with --min-prob).
fn label_width(labels: &[String], uncertain: bool) -> usize {
    labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(5)
        .max(if uncertain { UNCERTAIN.len() } else { 0 })
}

/// One CSV row, quoted as the `csv` crate quotes (a field with a comma, quote, line
/// break or surrounding space is quoted).
fn write_csv_row<'a, W: Write>(
    out: &mut W,
    fields: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .buffer_capacity(1024)
        .from_writer(out);
    w.write_record(fields).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    })?;
    w.flush()
}

/// Whitespace runs (tabs, line breaks) shown as one space.
fn one_line(s: &str) -> String {
    // Control characters (escape sequences from binary or scraped input) would act on
    // the terminal; the table shows U+FFFD for each instead.
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().map(|c| {
            if c.is_control() || is_invisible_format(c) {
                '\u{FFFD}'
            } else {
                c
            }
        }));
    }
    out
}

/// Bidirectional controls (embeddings, overrides, isolates, marks) and zero-width or
/// invisible format characters: in a terminal they reorder or hide what is printed
/// (a right-to-left override can make `exe.txt` show as `txt.exe`), so the table shows
/// U+FFFD for them as for control characters.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// `s` cut to `room` characters, with `…` when cut.
fn cut(s: &str, room: usize) -> String {
    if s.chars().count() <= room {
        return s.to_string();
    }
    let mut out: String = s.chars().take(room.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
