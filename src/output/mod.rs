//! Output of `classify`: a table and per-file summary for people; JSON, JSONL, CSV and
//! bare labels for programs. Records stream out as they are scored (JSON too: it is
//! written piece by piece), and nothing is printed for an input with no sentences.

pub mod decide;
mod html;

pub use decide::{Decisions, Verdict, UNCERTAIN};

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

struct LabelMap<'a, T: Serialize> {
    labels: &'a [String],
    values: &'a [T],
}

impl<T: Serialize> Serialize for LabelMap<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.labels.len()))?;
        for (l, v) in self.labels.iter().zip(self.values) {
            m.serialize_entry(l, v)?;
        }
        m.end()
    }
}

struct Term<'a>(&'a (String, f32));

impl Serialize for Term<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Term", 2)?;
        st.serialize_field("term", &self.0 .0)?;
        st.serialize_field("weight", &self.0 .1)?;
        st.end()
    }
}

struct JsonRecord<'a> {
    file: Option<&'a str>,
    /// `Some("html")` for a web page (its spans then refer to the extracted text).
    source: Option<&'a str>,
    rec: &'a Record<'a>,
    labels: &'a [String],
    /// The label shown (`uncertain` below --min-prob).
    label: &'a str,
    /// The best labels with their probabilities (--top-k).
    top: Vec<(&'a str, f32)>,
}

struct TopLabel<'a>(&'a str, f32);

impl Serialize for TopLabel<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("TopLabel", 2)?;
        st.serialize_field("label", self.0)?;
        st.serialize_field("prob", &self.1)?;
        st.end()
    }
}

impl Serialize for JsonRecord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.rec;
        let mut m = s.serialize_map(None)?;
        if let Some(f) = self.file {
            m.serialize_entry("file", f)?;
        }
        m.serialize_entry("sentence", &r.index)?;
        m.serialize_entry("start", &r.start)?;
        m.serialize_entry("end", &r.end)?;
        if let Some(src) = self.source {
            m.serialize_entry("source", src)?;
        }
        m.serialize_entry("text", r.text)?;
        m.serialize_entry("label", self.label)?;
        m.serialize_entry(
            "scores",
            &LabelMap {
                labels: self.labels,
                values: r.scores,
            },
        )?;
        if let Some(ex) = r.explain {
            let terms: Vec<Term> = ex.iter().map(Term).collect();
            m.serialize_entry("explain", &terms)?;
        }
        if !self.top.is_empty() {
            let top: Vec<TopLabel> = self.top.iter().map(|&(l, p)| TopLabel(l, p)).collect();
            m.serialize_entry("top", &top)?;
        }
        m.end()
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

/// Formats records into bytes exactly as [`Writer`] writes them, except for the
/// record's index: that is a running count over the input, known only in input order,
/// so the formatter writes a placeholder for it and notes where ([`Formatted`]), and
/// [`Writer::write_formatted`] puts the index in. So records can be formatted on
/// several threads and written in order. It knows what is decided with the scores
/// (`uncertain`, top labels) and the input (its name, whether it is a web page), so it
/// is made anew for each input ([`Writer::formatter`]).
#[derive(Debug, Clone)]
pub struct Formatter {
    format: Format,
    labels: Vec<String>,
    /// Terminal width for the table.
    width: usize,
    /// Records carry explanations (CSV then has an `explain` column).
    explain: bool,
    file: String,
    /// `Some("html")` for a web page.
    source: Option<&'static str>,
    /// CSV has a `source` column (`text` or `html`).
    source_column: bool,
    decide: Decisions,
    /// The table wraps long sentences onto more lines instead of cutting them.
    wrap: bool,
    /// The table colours labels (ANSI escapes).
    colour: bool,
    /// The sentences' markup, for `--format html`.
    report: Option<html::Report>,
    /// Where in a record the index placeholder starts (not for `--format html`, where
    /// it depends on the record).
    hole_at: usize,
    /// JSON lines: the escaped parts every record of this input shares, written once
    /// here instead of escaped again per record (see [`Formatter::write_jsonl_plain`]).
    jsonl: JsonlParts,
}

/// The constant parts of a JSON line: `{"file":NAME,"sentence":`, each label's name as a
/// JSON string (and `uncertain`'s, last), and each score's key with its separator.
#[derive(Debug, Clone, Default)]
struct JsonlParts {
    prefix: Vec<u8>,
    labels: Vec<Vec<u8>>,
    keys: Vec<Vec<u8>>,
}

impl JsonlParts {
    fn new(file: &str, labels: &[String]) -> Self {
        let quoted = |s: &str| serde_json::to_vec(s).unwrap_or_default();
        let mut prefix = b"{\"file\":".to_vec();
        prefix.extend(quoted(file));
        prefix.extend_from_slice(b",\"sentence\":");
        let names = labels.iter().map(String::as_str).chain([UNCERTAIN]);
        let keys = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut k = if i == 0 { b"{".to_vec() } else { b",".to_vec() };
                k.extend(quoted(l));
                k.push(b':');
                k
            })
            .collect();
        JsonlParts {
            prefix,
            labels: names.map(quoted).collect(),
            keys,
        }
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

/// Records formatted by a [`Formatter`], waiting for their indices.
#[derive(Debug, Clone, Default)]
pub struct Formatted {
    buf: Vec<u8>,
    /// Where each record starts in `buf`.
    starts: Vec<usize>,
    /// Where each record's index placeholder starts in `buf`.
    holes: Vec<usize>,
    /// Whether each record is the first sentence of its line (a paragraph, for
    /// `--format html`).
    paragraphs: Vec<bool>,
}

impl Formatted {
    /// Forgets the records, keeping the memory.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.starts.clear();
        self.holes.clear();
        self.paragraphs.clear();
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

impl Formatter {
    /// The placeholder written where a record's index goes (empty: the format has no
    /// index).
    fn placeholder(&self) -> &'static [u8] {
        match self.format {
            Format::Table => b"    0",
            Format::Labels => b"",
            Format::Json | Format::Jsonl | Format::Csv | Format::Html => b"0",
        }
    }

    /// Where in a record (not `--format html`) the index placeholder starts.
    fn hole_at(&self) -> usize {
        match self.format {
            Format::Jsonl => {
                let name = serde_json::to_string(&self.file).unwrap_or_default();
                "{\"file\":".len() + name.len() + ",\"sentence\":".len()
            }
            Format::Json => "{\"sentence\":".len(),
            Format::Csv => {
                // The file field (and the source) as CSV quotes them, and a comma.
                let mut row = Vec::new();
                let source = self.source.unwrap_or("text");
                let fields: &[&str] = match self.source_column {
                    true => &[&self.file, source, "0"],
                    false => &[&self.file, "0"],
                };
                let _ = write_csv_row(&mut row, fields.iter().copied());
                row.iter().rposition(|&b| b == b'0').unwrap_or(0)
            }
            Format::Table | Format::Labels | Format::Html => 0,
        }
    }

    /// The index of the label a record is shown with: its best, or one past the
    /// model's labels for `uncertain`.
    fn shown(&self, r: &Record) -> usize {
        if self.decide.uncertain(r.scores[r.label]) {
            self.labels.len()
        } else {
            r.label
        }
    }

    /// Appends `r` to `out` (its `index` is not used: see [`Formatter`]).
    pub fn record(&self, out: &mut Formatted, r: &Record) -> io::Result<()> {
        let start = out.buf.len();
        let r = &Record { index: 0, ..*r };
        let hole = match &self.report {
            Some(rep) => start + rep.span(&mut out.buf, r, self.shown(r))?,
            None => {
                self.write_record(&mut out.buf, r)?;
                start + self.hole_at
            }
        };
        out.starts.push(start);
        out.holes.push(hole);
        out.paragraphs.push(r.paragraph);
        debug_assert_eq!(
            out.buf.get(hole..hole + self.placeholder().len()),
            Some(self.placeholder())
        );
        Ok(())
    }

    fn label_width(&self) -> usize {
        label_width(&self.labels, self.decide.min_prob.is_some())
    }

    /// A label for the table, padded to `w` and coloured when colour is on.
    fn table_label(&self, i: usize, w: usize) -> String {
        let name = label_name(&self.labels, i);
        let padded = format!("{name:<w$}");
        if !self.colour {
            return padded;
        }
        let style = console::Style::new().force_styling(true);
        let style = match name {
            "positive" => style.green(),
            "criticism" => style.red(),
            "anticipation" => style.blue(),
            "neutral" => style.dim(),
            UNCERTAIN => style.yellow(),
            _ => [style.clone().magenta(), style.clone().cyan()][i % 2].clone(),
        };
        style.apply_to(padded).to_string()
    }

    /// A JSON line with no optional field, byte for byte what [`JsonRecord`] gives, from
    /// the escaped parts in [`JsonlParts`]: only the text and the numbers are formatted
    /// per record (with serde_json, so they are the same bytes).
    fn write_jsonl_plain(&self, out: &mut Vec<u8>, r: &Record, shown: usize) -> io::Result<()> {
        let j = &self.jsonl;
        out.extend_from_slice(&j.prefix);
        write!(
            out,
            "{},\"start\":{},\"end\":{},\"text\":",
            r.index, r.start, r.end
        )?;
        serde_json::to_writer(&mut *out, r.text).map_err(json_err)?;
        out.extend_from_slice(b",\"label\":");
        out.extend_from_slice(&j.labels[shown]);
        out.extend_from_slice(b",\"scores\":");
        for (key, p) in j.keys.iter().zip(r.scores) {
            out.extend_from_slice(key);
            serde_json::to_writer(&mut *out, p).map_err(json_err)?;
        }
        if j.keys.is_empty() {
            out.push(b'{');
        }
        out.extend_from_slice(b"}}\n");
        Ok(())
    }

    fn write_record(&self, out: &mut Vec<u8>, r: &Record) -> io::Result<()> {
        let shown = self.shown(r);
        match self.format {
            Format::Html => {}
            Format::Labels => {
                out.write_all(label_name(&self.labels, shown).as_bytes())?;
                if let Some(ex) = r.explain {
                    for (i, (t, _)) in ex.iter().enumerate() {
                        out.write_all(if i == 0 { b"\t" } else { b", " })?;
                        out.write_all(t.as_bytes())?;
                    }
                }
                out.write_all(b"\n")?;
            }
            Format::Jsonl
                if r.explain.is_none() && self.source.is_none() && self.decide.top_k == 0 =>
            {
                self.write_jsonl_plain(out, r, shown)?;
            }
            Format::Jsonl | Format::Json => {
                let j = JsonRecord {
                    file: (self.format == Format::Jsonl).then_some(self.file.as_str()),
                    source: self.source,
                    rec: r,
                    labels: &self.labels,
                    label: label_name(&self.labels, shown),
                    top: top_labels(&self.labels, r, self.decide.top_k),
                };
                serde_json::to_writer(&mut *out, &j).map_err(json_err)?;
                if self.format == Format::Jsonl {
                    out.write_all(b"\n")?;
                }
            }
            Format::Csv => {
                let mut fields: Vec<String> = vec![
                    self.file.clone(),
                    r.index.to_string(),
                    r.start.to_string(),
                    r.end.to_string(),
                    label_name(&self.labels, shown).to_string(),
                ];
                if self.source_column {
                    fields.insert(1, self.source.unwrap_or("text").to_string());
                }
                fields.extend(r.scores.iter().map(|p| format!("{p:.6}")));
                fields.push(r.text.to_string());
                if self.explain {
                    let e: Vec<String> = r
                        .explain
                        .unwrap_or_default()
                        .iter()
                        .map(|(t, w)| format!("{t}:{w:.4}"))
                        .collect();
                    fields.push(e.join(";"));
                }
                if self.decide.top_k > 0 {
                    let t: Vec<String> = top_labels(&self.labels, r, self.decide.top_k)
                        .iter()
                        .map(|(l, p)| format!("{l}:{p:.6}"))
                        .collect();
                    fields.push(t.join(";"));
                }
                write_csv_row(&mut *out, fields.iter().map(String::as_str))?;
            }
            Format::Table => {
                let lw = self.label_width();
                let prefix = 5 + 2 + lw + 2 + 5 + 2;
                let room = self.width.saturating_sub(prefix).max(10);
                let text = one_line(r.text);
                let label = self.table_label(shown, lw);
                if self.wrap {
                    let lines = textwrap::wrap(&text, room);
                    for (i, line) in lines.iter().enumerate() {
                        match i {
                            0 => writeln!(
                                out,
                                "{:>5}  {label}  {:>5.2}  {line}",
                                r.index, r.scores[r.label]
                            )?,
                            _ => writeln!(out, "{:prefix$}{line}", "")?,
                        }
                    }
                } else {
                    writeln!(
                        out,
                        "{:>5}  {label}  {:>5.2}  {}",
                        r.index,
                        r.scores[r.label],
                        cut(&text, room)
                    )?;
                }
                if self.decide.top_k > 0 {
                    let t: Vec<String> = top_labels(&self.labels, r, self.decide.top_k)
                        .iter()
                        .map(|(l, p)| format!("{} {p:.2}", one_line(l)))
                        .collect();
                    self.table_more(out, "top: ", &t.join(", "), prefix, room)?;
                }
                if let Some(ex) = r.explain {
                    if !ex.is_empty() {
                        let terms: Vec<String> = ex
                            .iter()
                            .map(|(t, w)| format!("{} (+{w:.2})", one_line(t)))
                            .collect();
                        let terms = terms.join(", ");
                        self.table_more(out, "why: ", &terms, prefix, room)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A `why:` or `top:` line under a table row: cut to the room, or wrapped.
    fn table_more(
        &self,
        out: &mut Vec<u8>,
        head: &str,
        text: &str,
        prefix: usize,
        room: usize,
    ) -> io::Result<()> {
        if !self.wrap {
            return writeln!(out, "{:prefix$}{head}{}", "", cut(text, room));
        }
        let indent = " ".repeat(prefix + head.len());
        let first = format!("{:prefix$}{head}", "");
        let opts = textwrap::Options::new(prefix + room)
            .initial_indent(&first)
            .subsequent_indent(&indent);
        for line in textwrap::wrap(text, opts) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// Writes records in one format: name each input ([`Writer::begin_file`]), stream its
/// sentences into it ([`classify_one`](crate::classify_one)), then [`Writer::finish`].
///
/// ```
/// use stance::{classify_one, Classifier, Format, Scorer, Writer};
/// let model = Classifier::builtin()?;
/// let scorer = Scorer::new(&model, None, 1)?;
/// let mut out = Vec::new();
/// let mut writer = Writer::new(&mut out, Format::Jsonl, model.labels().to_vec(), 80);
/// writer.begin_file("review.txt");
/// let text = "The finale is a triumph. Season three arrives in May.\n";
/// classify_one(Box::new(text.as_bytes()), "review.txt", false, &scorer, &mut writer)?;
/// writer.finish().map_err(stance::Error::Write)?;
/// drop(writer);
/// let jsonl = String::from_utf8(out).unwrap();
/// assert_eq!(jsonl.lines().count(), 2);
/// assert!(jsonl.lines().all(|l| l.starts_with(r#"{"file":"review.txt""#)));
/// # Ok::<(), stance::Error>(())
/// ```
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    labels: Vec<String>,
    /// Terminal width for the table.
    width: usize,
    file_open: bool,
    any_file: bool,
    csv_header: bool,
    /// Records carry explanations (CSV then has an `explain` column).
    explain: bool,
    file: String,
    /// The current input is a web page, with this title if it has one.
    page: Option<Option<String>>,
    /// CSV has a `source` column (`text` or `html`).
    source_column: bool,
    /// The page being written, for `--format html`.
    report: Option<html::Report>,
    decide: Decisions,
    /// Sentences of the current input shown as `uncertain`, by their best label.
    moved: Vec<u64>,
    /// The table wraps long sentences onto more lines instead of cutting them.
    wrap: bool,
    /// The table colours labels (ANSI escapes).
    colour: bool,
    /// The current input's formatter, and room for one record ([`Writer::record`]).
    formatter: Formatter,
    one: Formatted,
}

impl<W: Write> Writer<W> {
    /// A writer of `format` to `out`, for a model with `labels`; `width` is the
    /// table's (a terminal's columns; at least 40 is used). See [`Writer`] for an example.
    pub fn new(out: W, format: Format, labels: Vec<String>, width: usize) -> Self {
        let report = (format == Format::Html).then(|| html::Report::new(&labels, false));
        let mut w = Writer {
            out,
            format,
            moved: vec![0; labels.len()],
            labels,
            width: width.max(40),
            file_open: false,
            any_file: false,
            csv_header: false,
            explain: false,
            file: String::new(),
            page: None,
            source_column: false,
            report,
            decide: Decisions::default(),
            wrap: false,
            colour: false,
            formatter: Formatter {
                format,
                labels: Vec::new(),
                width: 0,
                explain: false,
                file: String::new(),
                source: None,
                source_column: false,
                decide: Decisions::default(),
                wrap: false,
                colour: false,
                report: None,
                hole_at: 0,
                jsonl: JsonlParts::default(),
            },
            one: Formatted::default(),
        };
        w.renew_formatter();
        w
    }

    /// Makes the formatter anew for the current input and settings.
    fn renew_formatter(&mut self) {
        let mut f = Formatter {
            format: self.format,
            labels: self.labels.clone(),
            width: self.width,
            explain: self.explain,
            file: self.file.clone(),
            source: self.source(),
            source_column: self.source_column,
            decide: self.decide,
            wrap: self.wrap,
            colour: self.colour,
            report: self.report.clone(),
            hole_at: 0,
            jsonl: JsonlParts::default(),
        };
        f.hole_at = f.hole_at();
        if f.format == Format::Jsonl {
            f.jsonl = JsonlParts::new(&f.file, &f.labels);
        }
        self.formatter = f;
    }

    /// For a terminal: the table wraps sentences to the width (never cutting them) and,
    /// with `colour`, colours labels.
    ///
    /// ```
    /// use stance::{classify_one, Classifier, Format, Scorer, Writer};
    /// let model = Classifier::builtin()?;
    /// let scorer = Scorer::new(&model, None, 1)?;
    /// let mut out = Vec::new();
    /// let mut writer = Writer::new(&mut out, Format::Table, model.labels().to_vec(), 40)
    ///     .with_terminal(true, false);
    /// writer.begin_file("long.txt");
    /// let long = "word ".repeat(40) + "end.\n";
    /// classify_one(Box::new(long.as_bytes()), "long.txt", false, &scorer, &mut writer)?;
    /// drop(writer);
    /// let table = String::from_utf8(out).unwrap();
    /// assert!(table.contains("end.")); // wrapped, not cut
    /// assert!(!table.contains('\x1b')); // no colour
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn with_terminal(mut self, wrap: bool, colour: bool) -> Self {
        self.wrap = wrap;
        self.colour = colour;
        self.renew_formatter();
        self
    }

    /// Sets what is decided with the scores: `uncertain`, top labels, verdicts.
    ///
    /// ```
    /// use stance::{classify_one, Classifier, Decisions, Format, Scorer, Writer};
    /// let model = Classifier::builtin()?;
    /// let scorer = Scorer::new(&model, None, 1)?;
    /// let mut out = Vec::new();
    /// let all_uncertain = Decisions { min_prob: Some(1.01), ..Default::default() };
    /// let mut writer = Writer::new(&mut out, Format::Labels, model.labels().to_vec(), 80)
    ///     .with_decisions(all_uncertain);
    /// writer.begin_file("x.txt");
    /// classify_one(Box::new(&b"Anything at all.\n"[..]), "x.txt", false, &scorer, &mut writer)?;
    /// drop(writer);
    /// assert_eq!(String::from_utf8(out).unwrap(), "uncertain\n");
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn with_decisions(mut self, d: Decisions) -> Self {
        self.decide = d;
        if self.format == Format::Html {
            self.report = Some(html::Report::new(&self.labels, d.min_prob.is_some()));
        }
        self.renew_formatter();
        self
    }

    /// Counts a record of the current input as shown: one whose best label has too low
    /// a probability is shown as `uncertain` (with --min-prob). [`Writer::record`] does
    /// this itself; a caller of [`Writer::write_formatted`] does it for each record, in
    /// input order. Internal: for the classify stream.
    #[doc(hidden)]
    pub fn tally(&mut self, label: usize, scores: &[f32]) {
        if self.decide.uncertain(scores[label]) {
            self.moved[label] += 1;
        }
    }

    /// The counts of the current input as shown: per label, and `uncertain` (with
    /// --min-prob).
    fn shown_counts(&self, s: &Summary) -> (Vec<u64>, Option<u64>) {
        let counts = s
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| c - self.moved.get(i).copied().unwrap_or(0))
            .collect();
        let uncertain = self.decide.min_prob.map(|_| self.moved.iter().sum());
        (counts, uncertain)
    }

    /// Gives CSV a `source` column (`text` or `html`), for runs with web pages in.
    ///
    /// ```
    /// use stance::{classify_one, Classifier, Format, Scorer, Writer};
    /// let model = Classifier::builtin()?;
    /// let scorer = Scorer::new(&model, None, 1)?;
    /// let mut out = Vec::new();
    /// let mut writer = Writer::new(&mut out, Format::Csv, model.labels().to_vec(), 80)
    ///     .with_source_column(true);
    /// writer.begin_file("a.txt");
    /// classify_one(Box::new(&b"Great.\n"[..]), "a.txt", false, &scorer, &mut writer)?;
    /// drop(writer);
    /// let csv = String::from_utf8(out).unwrap();
    /// assert!(csv.lines().next().unwrap().contains("source"));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn with_source_column(mut self, on: bool) -> Self {
        self.source_column = on;
        self.renew_formatter();
        self
    }

    /// Names the next input, a web page: its records say `"source": "html"`, and its
    /// title (if any) is shown with its name.
    ///
    /// ```
    /// use stance::{classify_one, Classifier, Format, Scorer, Writer};
    /// let model = Classifier::builtin()?;
    /// let scorer = Scorer::new(&model, None, 1)?;
    /// let mut out = Vec::new();
    /// let mut writer = Writer::new(&mut out, Format::Jsonl, model.labels().to_vec(), 80);
    /// writer.begin_page("page.html", Some("A review"));
    /// classify_one(Box::new(&b"A fine season.\n"[..]), "page.html", false, &scorer, &mut writer)?;
    /// drop(writer);
    /// assert!(String::from_utf8(out).unwrap().contains(r#""source":"html""#));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn begin_page(&mut self, name: &str, title: Option<&str>) {
        self.begin(name, Some(title.map(str::to_string)));
    }

    fn source(&self) -> Option<&'static str> {
        self.page.as_ref().map(|_| "html")
    }

    /// Says that records carry explanations, so CSV has a column for them (give the
    /// [`Scorer`](crate::Scorer) a number of terms too).
    ///
    /// ```
    /// use stance::{classify_one, Classifier, Format, Scorer, Writer};
    /// let model = Classifier::builtin()?;
    /// let scorer = Scorer::new(&model, Some(2), 1)?;
    /// let mut out = Vec::new();
    /// let mut writer =
    ///     Writer::new(&mut out, Format::Csv, model.labels().to_vec(), 80).with_explain(true);
    /// writer.begin_file("a.txt");
    /// classify_one(Box::new(&b"A superb cast.\n"[..]), "a.txt", false, &scorer, &mut writer)?;
    /// drop(writer);
    /// let csv = String::from_utf8(out).unwrap();
    /// assert!(csv.lines().next().unwrap().ends_with("explain"));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn with_explain(mut self, explain: bool) -> Self {
        self.explain = explain;
        self.renew_formatter();
        self
    }

    /// Names the next input; nothing is written until its first record.
    ///
    /// ```
    /// use stance::{classify_one, Classifier, Format, Scorer, Writer};
    /// let model = Classifier::builtin()?;
    /// let scorer = Scorer::new(&model, None, 1)?;
    /// let mut out = Vec::new();
    /// let mut writer = Writer::new(&mut out, Format::Jsonl, model.labels().to_vec(), 80);
    /// writer.begin_file("empty.txt");
    /// classify_one(Box::new(&b"   \n"[..]), "empty.txt", false, &scorer, &mut writer)?;
    /// drop(writer);
    /// assert!(out.is_empty()); // no sentences: nothing written
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn begin_file(&mut self, name: &str) {
        self.begin(name, None);
    }

    fn begin(&mut self, name: &str, page: Option<Option<String>>) {
        self.file = name.to_string();
        self.file_open = false;
        self.page = page;
        self.moved.clear();
        self.moved.resize(self.labels.len(), 0);
        self.renew_formatter();
    }

    fn open_file(&mut self) -> io::Result<()> {
        if self.file_open {
            return Ok(());
        }
        match self.format {
            Format::Table => {
                if self.any_file {
                    writeln!(self.out)?;
                }
                writeln!(self.out, "== {} ==", one_line(&self.file))?;
                if let Some(Some(t)) = &self.page {
                    writeln!(self.out, "title: {}", one_line(t))?;
                }
                writeln!(
                    self.out,
                    "{:>5}  {:<w$}  {:>5}  sentence",
                    "#",
                    "label",
                    "prob",
                    w = self.label_width()
                )?;
            }
            Format::Json => {
                self.out.write_all(if self.any_file {
                    b",\n"
                } else {
                    b"{\"files\": [\n"
                })?;
                write!(self.out, "{{\"file\": ")?;
                serde_json::to_writer(&mut self.out, &self.file).map_err(json_err)?;
                if let Some(title) = &self.page {
                    write!(self.out, ", \"source\": \"html\", \"title\": ")?;
                    serde_json::to_writer(&mut self.out, title).map_err(json_err)?;
                }
                writeln!(self.out, ", \"sentences\": [")?;
            }
            Format::Csv => {
                if !self.csv_header {
                    let mut h = vec!["file", "sentence", "start", "end", "label"];
                    if self.source_column {
                        h.insert(1, "source");
                    }
                    h.extend(self.labels.iter().map(String::as_str));
                    h.push("text");
                    if self.explain {
                        h.push("explain");
                    }
                    if self.decide.top_k > 0 {
                        h.push("top");
                    }
                    write_csv_row(&mut self.out, h.iter().copied())?;
                    self.csv_header = true;
                }
            }
            Format::Html => {
                if let Some(rep) = self.report.as_mut() {
                    let title = self.page.as_ref().and_then(|t| t.as_deref());
                    rep.open_file(&mut self.out, &self.file, title)?;
                }
            }
            Format::Jsonl | Format::Labels => {}
        }
        self.file_open = true;
        self.any_file = true;
        Ok(())
    }

    fn label_width(&self) -> usize {
        label_width(&self.labels, self.decide.min_prob.is_some())
    }

    /// The formatter of the current input's records (see [`Formatter`]). Internal: for
    /// the classify stream.
    #[doc(hidden)]
    pub fn formatter(&self) -> &Formatter {
        &self.formatter
    }

    /// Formats and writes one record of the current input (internal: for tests and
    /// tools; the classify stream formats on its workers).
    #[doc(hidden)]
    pub fn record(&mut self, r: &Record) -> io::Result<()> {
        self.tally(r.label, r.scores);
        let mut one = std::mem::take(&mut self.one);
        one.clear();
        let res = self
            .formatter
            .record(&mut one, r)
            .and_then(|()| self.write_formatted(&one, r.index));
        self.one = one;
        res
    }

    /// Writes records formatted by [`Writer::formatter`], the first one with index
    /// `first_index` and each next one with the next (internal: for the classify stream).
    #[doc(hidden)]
    pub fn write_formatted(&mut self, f: &Formatted, first_index: u64) -> io::Result<()> {
        let skip = self.formatter.placeholder().len();
        let ends = f.starts.iter().skip(1).copied().chain([f.buf.len()]);
        for (j, (&start, end)) in f.starts.iter().zip(ends).enumerate() {
            let first = !self.file_open;
            self.open_file()?;
            match self.format {
                Format::Json if !first => self.out.write_all(b",\n")?,
                Format::Html => {
                    if let Some(rep) = self.report.as_mut() {
                        rep.separator(&mut self.out, f.paragraphs[j], first)?;
                    }
                }
                _ => {}
            }
            let index = first_index + j as u64;
            let hole = f.holes[j];
            self.out.write_all(&f.buf[start..hole])?;
            match self.format {
                Format::Labels => {}
                Format::Table => write!(self.out, "{index:>5}")?,
                Format::Json | Format::Jsonl | Format::Csv | Format::Html => {
                    write!(self.out, "{index}")?
                }
            }
            self.out.write_all(&f.buf[hole + skip..end])?;
        }
        Ok(())
    }

    /// Closes the current input with its summary (nothing if it had no sentences).
    /// Internal: [`classify_one`](crate::classify_one) calls it.
    #[doc(hidden)]
    pub fn end_file(&mut self, s: &Summary) -> io::Result<()> {
        if !self.file_open {
            return Ok(());
        }
        match self.format {
            Format::Table => {
                let n = s.sentences.max(1) as f64;
                let (counts, uncertain) = self.shown_counts(s);
                let mut parts: Vec<String> = self
                    .labels
                    .iter()
                    .zip(&counts)
                    .map(|(l, &c)| format!("{l} {c} ({:.0}%)", 100.0 * c as f64 / n))
                    .collect();
                if let Some(u) = uncertain {
                    parts.push(format!("{UNCERTAIN} {u} ({:.0}%)", 100.0 * u as f64 / n));
                }
                let mut lines = vec![format!(
                    "summary: {} sentences: {}",
                    s.sentences,
                    parts.join(", ")
                )];
                if self.decide.verdict {
                    let v = Verdict::new(&self.labels, &counts, uncertain);
                    lines.push(format!("verdict: {}", v.describe(&self.labels, &counts)));
                }
                for line in lines {
                    if self.wrap {
                        let opts =
                            textwrap::Options::new(self.width).subsequent_indent("         ");
                        for l in textwrap::wrap(&line, opts) {
                            writeln!(self.out, "{l}")?;
                        }
                    } else {
                        writeln!(self.out, "{line}")?;
                    }
                }
            }
            Format::Json => {
                let means: Vec<f64> = s
                    .score_sums
                    .iter()
                    .map(|&x| x / s.sentences.max(1) as f64)
                    .collect();
                write!(
                    self.out,
                    "\n], \"summary\": {{\"sentences\": {}, \"counts\": ",
                    s.sentences
                )?;
                let (counts, uncertain) = self.shown_counts(s);
                serde_json::to_writer(
                    &mut self.out,
                    &LabelMap {
                        labels: &self.labels,
                        values: &counts,
                    },
                )
                .map_err(json_err)?;
                if let Some(u) = uncertain {
                    write!(self.out, ", \"{UNCERTAIN}\": {u}")?;
                }
                if self.decide.verdict {
                    write!(self.out, ", \"verdict\": ")?;
                    let v = Verdict::new(&self.labels, &counts, uncertain);
                    serde_json::to_writer(&mut self.out, &v).map_err(json_err)?;
                }
                write!(self.out, ", \"mean_scores\": ")?;
                serde_json::to_writer(
                    &mut self.out,
                    &LabelMap {
                        labels: &self.labels,
                        values: &means,
                    },
                )
                .map_err(json_err)?;
                write!(self.out, "}}}}")?;
            }
            Format::Html => {
                let (counts, uncertain) = self.shown_counts(s);
                if let Some(rep) = self.report.as_mut() {
                    rep.end_file(&mut self.out, &counts, uncertain)?;
                }
            }
            Format::Jsonl | Format::Csv | Format::Labels => {}
        }
        self.file_open = false;
        Ok(())
    }

    /// Ends the output (closing the JSON document or the web page). See [`Writer`] for
    /// an example.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(rep) = self.report.as_mut() {
            rep.finish(&mut self.out)?;
        }
        if self.format == Format::Json {
            if self.any_file {
                self.out.write_all(b"\n]}\n")?;
            } else {
                self.out.write_all(b"{\"files\": []}\n")?;
            }
        }
        self.out.flush()
    }
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
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        vec!["neg".into(), "pos".into()]
    }

    /// The JSON-lines fast path writes what serde_json writes for the same record, for
    /// texts, file names and labels that need escaping, extreme numbers and `uncertain`.
    #[test]
    fn plain_json_lines_are_serde_json_byte_for_byte() {
        let names = ["a.txt", "we\"ird\\name\t.txt", "ünï\u{1}", ""];
        let label_sets: [Vec<String>; 3] = [
            labels(),
            vec!["q\"uote".into(), "back\\slash".into(), "\u{7f}del".into()],
            vec!["only".into()],
        ];
        let texts = ["plain", "\"q\" \\ \u{0}\u{1f}\n\r\t", "é 😀 \u{2028}", ""];
        let scores = [0.0f32, 1.0, 1e-38, 0.333_333_34, f32::MIN_POSITIVE, 3.5e-7];
        for name in names {
            for ls in &label_sets {
                let mut w = Writer::new(Vec::new(), Format::Jsonl, ls.clone(), 60);
                w.begin_file(name);
                let f = w.formatter().clone();
                for (t, text) in texts.iter().enumerate() {
                    let sc: Vec<f32> = (0..ls.len())
                        .map(|i| scores[(i + t) % scores.len()])
                        .collect();
                    for shown in [0, ls.len()] {
                        let r = Record {
                            index: 7,
                            start: 3,
                            end: u64::MAX,
                            text,
                            label: 0,
                            scores: &sc,
                            explain: None,
                            paragraph: false,
                        };
                        let mut fast = Vec::new();
                        f.write_jsonl_plain(&mut fast, &r, shown).unwrap();
                        let mut slow = serde_json::to_vec(&JsonRecord {
                            file: Some(name),
                            source: None,
                            rec: &r,
                            labels: ls,
                            label: label_name(ls, shown),
                            top: Vec::new(),
                        })
                        .unwrap();
                        slow.push(b'\n');
                        assert_eq!(
                            String::from_utf8(fast).unwrap(),
                            String::from_utf8(slow).unwrap()
                        );
                    }
                }
            }
        }
    }

    fn write(format: Format, files: &[(&str, &[&str])]) -> String {
        let mut buf = Vec::new();
        {
            let mut w = Writer::new(&mut buf, format, labels(), 60);
            for (name, sents) in files {
                w.begin_file(name);
                let mut s = Summary::new(2);
                for (i, t) in sents.iter().enumerate() {
                    let scores = [0.25, 0.75];
                    let r = Record {
                        index: i as u64,
                        start: 10 * i as u64,
                        end: 10 * i as u64 + t.len() as u64,
                        text: t,
                        label: 1,
                        scores: &scores,
                        explain: None,
                        paragraph: i == 0,
                    };
                    w.record(&r).unwrap();
                    s.add(1, &scores);
                }
                w.end_file(&s).unwrap();
            }
            w.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn json_is_valid_and_has_summaries() {
        let out = write(
            Format::Json,
            &[("a.txt", &["one", "two"]), ("empty", &[]), ("b", &["x"])],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let files = v["files"].as_array().unwrap();
        assert_eq!(files.len(), 2, "the empty input is left out");
        assert_eq!(files[0]["file"], "a.txt");
        assert_eq!(files[0]["sentences"][1]["text"], "two");
        assert_eq!(files[0]["summary"]["counts"]["pos"], 2);
        assert_eq!(files[0]["summary"]["mean_scores"]["pos"], 0.75);
        assert!(files[0]["sentences"][0].get("file").is_none());
    }

    #[test]
    fn json_with_no_input_is_still_a_document() {
        let v: serde_json::Value =
            serde_json::from_str(&write(Format::Json, &[("e", &[])])).unwrap();
        assert_eq!(v["files"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn jsonl_has_one_object_per_sentence() {
        let out = write(Format::Jsonl, &[("-", &["a, \"b\"", "c"])]);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["file"], "-");
        assert_eq!(lines[0]["text"], "a, \"b\"");
        assert_eq!(lines[1]["start"], 10);
        assert_eq!(lines[1]["scores"]["neg"], 0.25);
    }

    #[test]
    fn csv_quotes_fields_and_has_a_column_per_label() {
        let out = write(Format::Csv, &[("f", &["a, \"b\""])]);
        let mut r = csv::Reader::from_reader(out.as_bytes());
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            ["file", "sentence", "start", "end", "label", "neg", "pos", "text"]
        );
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[7], "a, \"b\"");
        assert_eq!(&row[4], "pos");
    }

    #[test]
    fn table_cuts_long_sentences_to_width() {
        let long = "word ".repeat(40);
        let out = write(Format::Table, &[("f", &[long.as_str()])]);
        let row = out.lines().nth(2).unwrap();
        assert!(row.chars().count() <= 60, "{row}");
        assert!(row.ends_with('…'));
        assert!(out.contains("summary: 1 sentences: neg 0 (0%), pos 1 (100%)"));
    }

    #[test]
    fn labels_format_is_bare() {
        assert_eq!(write(Format::Labels, &[("f", &["a", "b"])]), "pos\npos\n");
    }
}
