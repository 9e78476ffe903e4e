//! A record to its bytes in each format, on any thread: [`Formatter`] and its
//! [`Formatted`] records, which wait for their indices.

use super::*;

/// Formats records into bytes exactly as [`Writer`] writes them, except for the
/// record's index: that is a running count over the input, known only in input order,
/// so the formatter writes a placeholder for it and notes where ([`Formatted`]), and
/// [`Writer::write_formatted`] puts the index in. So records can be formatted on
/// several threads and written in order. It knows what is decided with the scores
/// (`uncertain`, top labels) and the input (its name, whether it is a web page), so it
/// is made anew for each input ([`Writer::formatter`]).
#[derive(Debug, Clone)]
pub struct Formatter {
    pub(super) format: Format,
    pub(super) labels: Vec<String>,
    /// Terminal width for the table.
    pub(super) width: usize,
    /// Records carry explanations (CSV then has an `explain` column).
    pub(super) explain: bool,
    pub(super) file: String,
    /// `Some("html")` for a web page.
    pub(super) source: Option<&'static str>,
    /// CSV has a `source` column (`text` or `html`).
    pub(super) source_column: bool,
    pub(super) decide: Decisions,
    /// The table wraps long sentences onto more lines instead of cutting them.
    pub(super) wrap: bool,
    /// The table colours labels (ANSI escapes).
    pub(super) colour: bool,
    /// The sentences' markup, for `--format html`.
    pub(super) report: Option<html::Report>,
    /// Where in a record the index placeholder starts (not for `--format html`, where
    /// it depends on the record).
    pub(super) hole_at: usize,
    /// JSON lines: the escaped parts every record of this input shares, written once
    /// here instead of escaped again per record (see [`Formatter::write_jsonl_plain`]).
    pub(super) jsonl: JsonlParts,
}

/// Records formatted by a [`Formatter`], waiting for their indices.
#[derive(Debug, Clone, Default)]
pub struct Formatted {
    pub(super) buf: Vec<u8>,
    /// Where each record starts in `buf`.
    pub(super) starts: Vec<usize>,
    /// Where each record's index placeholder starts in `buf`.
    pub(super) holes: Vec<usize>,
    /// Whether each record is the first sentence of its line (a paragraph, for
    /// `--format html`).
    pub(super) paragraphs: Vec<bool>,
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
    pub(super) fn placeholder(&self) -> &'static [u8] {
        match self.format {
            Format::Table => b"    0",
            Format::Labels => b"",
            Format::Json | Format::Jsonl | Format::Csv | Format::Html => b"0",
        }
    }

    /// Where in a record (not `--format html`) the index placeholder starts.
    pub(super) fn hole_at(&self) -> usize {
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
    pub(super) fn write_jsonl_plain(
        &self,
        out: &mut Vec<u8>,
        r: &Record,
        shown: usize,
    ) -> io::Result<()> {
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
