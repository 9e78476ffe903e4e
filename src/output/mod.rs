//! Output of `classify`: a table and per-file summary for people; JSON, JSONL, CSV and
//! bare labels for programs. Records stream out as they are scored (JSON too: it is
//! written piece by piece), and nothing is printed for an input with no sentences.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
}

/// One scored sentence.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub index: u64,
    pub start: u64,
    pub end: u64,
    pub text: &'a str,
    pub label: usize,
    pub scores: &'a [f32],
    /// The terms that pushed most toward the label, when asked for.
    pub explain: Option<&'a [(String, f32)]>,
}

/// Counts and score sums of one file's sentences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub sentences: u64,
    pub counts: Vec<u64>,
    pub score_sums: Vec<f64>,
}

impl Summary {
    pub fn new(k: usize) -> Self {
        Summary {
            sentences: 0,
            counts: vec![0; k],
            score_sums: vec![0.0; k],
        }
    }

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
    rec: &'a Record<'a>,
    labels: &'a [String],
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
        m.serialize_entry("text", r.text)?;
        m.serialize_entry("label", &self.labels[r.label])?;
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
        m.end()
    }
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
/// several threads and written in order.
#[derive(Debug, Clone)]
pub struct Formatter {
    format: Format,
    labels: Vec<String>,
    /// Terminal width for the table.
    width: usize,
    /// Records carry explanations (CSV then has an `explain` column).
    explain: bool,
    file: String,
    /// Where in a record the index placeholder starts.
    hole_at: usize,
}

/// Width of the table's label column.
fn label_width(labels: &[String]) -> usize {
    labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(5)
}

/// Records formatted by a [`Formatter`], waiting for their indices.
#[derive(Debug, Clone, Default)]
pub struct Formatted {
    buf: Vec<u8>,
    /// Where each record starts in `buf`.
    starts: Vec<usize>,
}

impl Formatted {
    /// Forgets the records, keeping the memory.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.starts.clear();
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

impl Formatter {
    fn new(format: Format, labels: Vec<String>, width: usize, explain: bool, file: &str) -> Self {
        let mut f = Formatter {
            format,
            labels,
            width,
            explain,
            file: file.to_string(),
            hole_at: 0,
        };
        f.hole_at = match format {
            Format::Jsonl => {
                let name = serde_json::to_string(file).unwrap_or_default();
                "{\"file\":".len() + name.len() + ",\"sentence\":".len()
            }
            Format::Json => "{\"sentence\":".len(),
            Format::Csv => {
                // The file field as CSV quotes it, and a comma.
                let mut row = Vec::new();
                let _ = write_csv_row(&mut row, [file, "0"].into_iter());
                row.iter().rposition(|&b| b == b'0').unwrap_or(0)
            }
            Format::Table | Format::Labels => 0,
        };
        f
    }

    /// The placeholder written where a record's index goes (empty: the format has no
    /// index).
    fn placeholder(&self) -> &'static [u8] {
        match self.format {
            Format::Table => b"    0",
            Format::Labels => b"",
            Format::Json | Format::Jsonl | Format::Csv => b"0",
        }
    }

    /// Appends `r` to `out` (its `index` is not used: see [`Formatter`]).
    pub fn record(&self, out: &mut Formatted, r: &Record) -> io::Result<()> {
        let start = out.buf.len();
        self.write_record(&mut out.buf, &Record { index: 0, ..*r })?;
        out.starts.push(start);
        debug_assert_eq!(
            out.buf
                .get(start + self.hole_at..start + self.hole_at + self.placeholder().len()),
            Some(self.placeholder())
        );
        Ok(())
    }

    fn label_width(&self) -> usize {
        label_width(&self.labels)
    }

    fn write_record(&self, out: &mut Vec<u8>, r: &Record) -> io::Result<()> {
        match self.format {
            Format::Labels => {
                out.write_all(self.labels[r.label].as_bytes())?;
                if let Some(ex) = r.explain {
                    for (i, (t, _)) in ex.iter().enumerate() {
                        out.write_all(if i == 0 { b"\t" } else { b", " })?;
                        out.write_all(t.as_bytes())?;
                    }
                }
                out.write_all(b"\n")?;
            }
            Format::Jsonl => {
                let j = JsonRecord {
                    file: Some(&self.file),
                    rec: r,
                    labels: &self.labels,
                };
                serde_json::to_writer(&mut *out, &j).map_err(json_err)?;
                out.write_all(b"\n")?;
            }
            Format::Json => {
                let j = JsonRecord {
                    file: None,
                    rec: r,
                    labels: &self.labels,
                };
                serde_json::to_writer(&mut *out, &j).map_err(json_err)?;
            }
            Format::Csv => {
                let mut fields: Vec<String> = vec![
                    self.file.clone(),
                    r.index.to_string(),
                    r.start.to_string(),
                    r.end.to_string(),
                    self.labels[r.label].clone(),
                ];
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
                write_csv_row(&mut *out, fields.iter().map(String::as_str))?;
            }
            Format::Table => {
                let lw = self.label_width();
                let prefix = 5 + 2 + lw + 2 + 5 + 2;
                let room = self.width.saturating_sub(prefix).max(10);
                let text = one_line(r.text);
                writeln!(
                    out,
                    "{:>5}  {:<lw$}  {:>5.2}  {}",
                    r.index,
                    self.labels[r.label],
                    r.scores[r.label],
                    cut(&text, room)
                )?;
                if let Some(ex) = r.explain {
                    if !ex.is_empty() {
                        let terms: Vec<String> = ex
                            .iter()
                            .map(|(t, w)| format!("{} (+{w:.2})", one_line(t)))
                            .collect();
                        writeln!(out, "{:prefix$}why: {}", "", cut(&terms.join(", "), room))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Writes records in one format.
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
    /// The current file's formatter, and room for one record ([`Writer::record`]).
    formatter: Formatter,
    one: Formatted,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W, format: Format, labels: Vec<String>, width: usize) -> Self {
        Writer {
            out,
            format,
            labels,
            width: width.max(40),
            file_open: false,
            any_file: false,
            csv_header: false,
            explain: false,
            file: String::new(),
            formatter: Formatter::new(format, Vec::new(), width.max(40), false, ""),
            one: Formatted::default(),
        }
    }

    /// Says that records carry explanations, so CSV has a column for them.
    pub fn with_explain(mut self, explain: bool) -> Self {
        self.explain = explain;
        self.formatter.explain = explain;
        self
    }

    /// Names the next input; nothing is written until its first record.
    pub fn begin_file(&mut self, name: &str) {
        self.file = name.to_string();
        self.file_open = false;
        self.formatter = Formatter::new(
            self.format,
            self.labels.clone(),
            self.width,
            self.explain,
            name,
        );
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
                writeln!(self.out, ", \"sentences\": [")?;
            }
            Format::Csv => {
                if !self.csv_header {
                    let mut h = vec!["file", "sentence", "start", "end", "label"];
                    h.extend(self.labels.iter().map(String::as_str));
                    h.push("text");
                    if self.explain {
                        h.push("explain");
                    }
                    write_csv_row(&mut self.out, h.iter().copied())?;
                    self.csv_header = true;
                }
            }
            Format::Jsonl | Format::Labels => {}
        }
        self.file_open = true;
        self.any_file = true;
        Ok(())
    }

    fn label_width(&self) -> usize {
        label_width(&self.labels)
    }

    /// The formatter of the current input's records (see [`Formatter`]).
    pub fn formatter(&self) -> &Formatter {
        &self.formatter
    }

    pub fn record(&mut self, r: &Record) -> io::Result<()> {
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
    /// `first_index` and each next one with the next.
    pub fn write_formatted(&mut self, f: &Formatted, first_index: u64) -> io::Result<()> {
        let hole_at = self.formatter.hole_at;
        let skip = self.formatter.placeholder().len();
        let ends = f.starts.iter().skip(1).copied().chain([f.buf.len()]);
        for (j, (&start, end)) in f.starts.iter().zip(ends).enumerate() {
            let first = !self.file_open;
            self.open_file()?;
            if self.format == Format::Json && !first {
                self.out.write_all(b",\n")?;
            }
            let index = first_index + j as u64;
            let hole = start + hole_at;
            self.out.write_all(&f.buf[start..hole])?;
            match self.format {
                Format::Labels => {}
                Format::Table => write!(self.out, "{index:>5}")?,
                Format::Json | Format::Jsonl | Format::Csv => write!(self.out, "{index}")?,
            }
            self.out.write_all(&f.buf[hole + skip..end])?;
        }
        Ok(())
    }

    /// Closes the current input with its summary (nothing if it had no sentences).
    pub fn end_file(&mut self, s: &Summary) -> io::Result<()> {
        if !self.file_open {
            return Ok(());
        }
        match self.format {
            Format::Table => {
                let n = s.sentences.max(1) as f64;
                let parts: Vec<String> = self
                    .labels
                    .iter()
                    .zip(&s.counts)
                    .map(|(l, &c)| format!("{l} {c} ({:.0}%)", 100.0 * c as f64 / n))
                    .collect();
                writeln!(
                    self.out,
                    "summary: {} sentences: {}",
                    s.sentences,
                    parts.join(", ")
                )?;
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
                serde_json::to_writer(
                    &mut self.out,
                    &LabelMap {
                        labels: &self.labels,
                        values: &s.counts,
                    },
                )
                .map_err(json_err)?;
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
            Format::Jsonl | Format::Csv | Format::Labels => {}
        }
        self.file_open = false;
        Ok(())
    }

    /// Ends the output.
    pub fn finish(&mut self) -> io::Result<()> {
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
