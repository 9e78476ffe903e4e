//! [`Writer`]: records in input order with their indices, each input's header and
//! summary, and the document's start and end, in one format.

use super::*;

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
