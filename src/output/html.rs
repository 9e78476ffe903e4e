//! `--format html`: one self-contained page (inline CSS, no scripts, nothing fetched)
//! with, per input, its name, a bar of the share of each label and every sentence in
//! order, paragraphs kept, coloured by label, its probabilities in a tooltip.
//!
//! The page streams out like the other formats: a file's bar is written after its
//! sentences (when its counts are known) and shown above them by CSS (`order`).

use super::decide::{Verdict, UNCERTAIN};
use super::Record;
use std::io::{self, Write};

/// Colours (line, background) of the built-in model's labels, and of `uncertain`.
fn known_colour(label: &str) -> Option<(&'static str, &'static str)> {
    Some(match label {
        "positive" => ("#1f9d55", "#d9f2e3"),
        "criticism" => ("#d64545", "#fbe1e1"),
        "anticipation" => ("#3867d6", "#e1e9fb"),
        "neutral" => ("#aab0ba", "#f1f2f4"),
        "uncertain" => ("#c59a16", "#fbf1d3"),
        _ => return None,
    })
}

/// Colours of other labels, in turn.
const PALETTE: &[(&str, &str)] = &[
    ("#8e5bd6", "#ece3fa"),
    ("#e0832e", "#fbe9d8"),
    ("#1b9aaa", "#d7f0f3"),
    ("#d6539b", "#f9e0ee"),
    ("#6b8e23", "#e8f0d8"),
    ("#a0522d", "#f1e2d9"),
];

/// `s` with `&`, `<`, `>`, `"` and `'` escaped, and control characters other than
/// whitespace shown as U+FFFD, fit for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f2ee; color: #1d2230;
  font: 17px/1.65 "Iowan Old Style", Charter, Georgia, "DejaVu Serif", serif; }
.wrap { max-width: 54rem; margin: 0 auto; padding: 2.2rem 1.4rem 3rem; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1.4rem;
  margin-bottom: 1.6rem; }
header.top h1 { margin: 0; font: 700 1.55rem/1.2 system-ui, "DejaVu Sans", sans-serif;
  letter-spacing: -.01em; }
header.top .sub { margin: 0; color: #5b6272; font: .9rem system-ui, "DejaVu Sans", sans-serif; }
.legend { display: flex; flex-wrap: wrap; gap: .35rem .9rem; list-style: none; margin: 0;
  padding: 0; font: .85rem system-ui, "DejaVu Sans", sans-serif; color: #3a4050; width: 100%; }
.legend li { display: flex; align-items: center; gap: .4rem; }
.sw { display: inline-block; width: .95rem; height: .95rem; border-radius: 4px;
  background: var(--bg); border: 2px solid var(--c); }
section.file { display: flex; flex-direction: column; background: #fff; border-radius: 14px;
  box-shadow: 0 1px 2px rgba(20,25,40,.06), 0 6px 24px rgba(20,25,40,.07);
  padding: 1.5rem 1.8rem 1.7rem; margin: 0 0 1.6rem; }
section.file > h2 { order: -3; margin: 0; font: 600 .8rem/1.3 ui-monospace, "DejaVu Sans Mono", monospace;
  color: #6a7181; word-break: break-all; }
section.file > .page-title { order: -2; margin: .35rem 0 0; font-size: 1.45rem; line-height: 1.25;
  font-weight: 700; }
.summary { order: -1; margin: 1rem 0 1.1rem; font: .85rem system-ui, "DejaVu Sans", sans-serif; color: #3a4050; }
.bar { display: flex; height: .8rem; border-radius: 99px; overflow: hidden; background: #eceef1; }
.bar span { display: block; height: 100%; background: var(--c); }
.bar span + span { box-shadow: -2px 0 0 #fff; }
.counts { display: flex; flex-wrap: wrap; gap: .2rem 1rem; margin: .5rem 0 0; padding: 0; list-style: none; }
.counts li { display: flex; align-items: center; gap: .35rem; }
.counts strong { font-weight: 600; }
.verdict { margin: .45rem 0 0; color: #5b6272; }
.doc p { margin: 0 0 .95rem; }
.s { background: var(--bg); border-bottom: 2px solid var(--c); border-radius: 3px;
  padding: .05em .12em; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.s:hover { background: var(--c); color: #fff; }
footer.bottom { color: #7a8191; font: .8rem system-ui, "DejaVu Sans", sans-serif; text-align: center; }
.empty { color: #7a8191; font-style: italic; }
"#;

/// The page's state: which label is which colour, and where in a file we are.
#[derive(Debug, Clone)]
pub(super) struct Report {
    labels: Vec<String>,
    /// `data-label` and tooltip names, escaped once (`uncertain` last, with --min-prob).
    escaped: Vec<String>,
    began: bool,
    files: u64,
    sentences: u64,
}

impl Report {
    pub(super) fn new(labels: &[String], uncertain: bool) -> Self {
        let mut escaped: Vec<String> = labels.iter().map(|l| escape(l)).collect();
        if uncertain {
            escaped.push(UNCERTAIN.to_string());
        }
        Report {
            labels: labels.to_vec(),
            escaped,
            began: false,
            files: 0,
            sentences: 0,
        }
    }

    fn colours(&self) -> Vec<(&'static str, &'static str)> {
        let mut next = 0;
        let uncertain = (self.escaped.len() > self.labels.len()).then_some(UNCERTAIN);
        self.labels
            .iter()
            .map(String::as_str)
            .chain(uncertain)
            .map(|l| {
                known_colour(l).unwrap_or_else(|| {
                    next += 1;
                    PALETTE[(next - 1) % PALETTE.len()]
                })
            })
            .collect()
    }

    /// The page's head, style and legend (once, before the first file).
    fn begin<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        if self.began {
            return Ok(());
        }
        self.began = true;
        out.write_all(
            b"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"stance\">\n<title>Stance report</title>\n<style>",
        )?;
        out.write_all(CSS.as_bytes())?;
        for (i, (c, bg)) in self.colours().iter().enumerate() {
            writeln!(out, ".l{i} {{ --c: {c}; --bg: {bg}; }}")?;
        }
        out.write_all(b"</style>\n</head>\n<body>\n<div class=\"wrap\">\n<header class=\"top\">\n<h1>Stance report</h1>\n\
<p class=\"sub\">Every sentence coloured by its stance; hover over one for its probabilities.</p>\n<ul class=\"legend\">")?;
        for (i, l) in self.escaped.iter().enumerate() {
            write!(out, "<li><span class=\"sw l{i}\"></span>{l}</li>")?;
        }
        out.write_all(b"</ul>\n</header>\n<main>\n")
    }

    /// Opens a file's section.
    pub(super) fn open_file<W: Write>(
        &mut self,
        out: &mut W,
        name: &str,
        title: Option<&str>,
    ) -> io::Result<()> {
        self.begin(out)?;
        self.files += 1;
        write!(
            out,
            "<section class=\"file\" data-file=\"{n}\">\n<h2>{n}</h2>\n",
            n = escape(name)
        )?;
        if let Some(t) = title {
            writeln!(out, "<p class=\"page-title\">{}</p>", escape(t))?;
        }
        out.write_all(b"<div class=\"doc\">\n<p>")
    }

    /// What comes before a sentence (and counts it): nothing before the file's first,
    /// a new paragraph before the first sentence of a line, else a space.
    pub(super) fn separator<W: Write>(
        &mut self,
        out: &mut W,
        paragraph: bool,
        first: bool,
    ) -> io::Result<()> {
        self.sentences += 1;
        if paragraph && !first {
            out.write_all(b"</p>\n<p>")?;
        } else if !first {
            out.write_all(b" ")?;
        }
        Ok(())
    }

    /// One sentence, shown with label `shown`; returns where in what it wrote the
    /// index (`r.index`) starts, so the index can be put in later.
    pub(super) fn span(&self, out: &mut Vec<u8>, r: &Record, shown: usize) -> io::Result<usize> {
        let start = out.len();
        let order = super::decide::top(r.scores, r.scores.len());
        let tip: Vec<String> = order
            .iter()
            .map(|&i| format!("{} {:.0}%", self.escaped[i], 100.0 * r.scores[i]))
            .collect();
        let mut tip = tip.join(" · ");
        if let Some(ex) = r.explain.filter(|e| !e.is_empty()) {
            let why: Vec<String> = ex
                .iter()
                .map(|(t, w)| format!("{} (+{w:.2})", escape(t)))
                .collect();
            tip.push_str("&#10;why: ");
            tip.push_str(&why.join(", "));
        }
        let probs: Vec<String> = (0..r.scores.len())
            .map(|i| format!("{}:{:.4}", self.escaped[i], r.scores[i]))
            .collect();
        write!(
            out,
            "<span class=\"s l{}\" data-label=\"{}\" data-index=\"",
            shown, self.escaped[shown],
        )?;
        let hole = out.len() - start;
        write!(
            out,
            "{}\" data-probs=\"{}\" title=\"{}\">{}</span>",
            r.index,
            probs.join(" "),
            tip,
            escape(r.text)
        )?;
        Ok(hole)
    }

    /// Closes a file's section with its bar and counts.
    pub(super) fn end_file<W: Write>(
        &mut self,
        out: &mut W,
        counts: &[u64],
        uncertain: Option<u64>,
    ) -> io::Result<()> {
        out.write_all(b"</p>\n</div>\n<div class=\"summary\">\n<div class=\"bar\">")?;
        let verdict = Verdict::new(&self.labels, counts, uncertain);
        let shown: Vec<u64> = counts.iter().copied().chain(uncertain).collect();
        let n = shown.iter().sum::<u64>().max(1) as f64;
        for (i, &c) in shown.iter().enumerate() {
            if c > 0 {
                write!(
                    out,
                    "<span class=\"l{i}\" data-label=\"{}\" style=\"width: {:.3}%\" title=\"{} {c} ({:.0}%)\"></span>",
                    self.escaped[i],
                    100.0 * c as f64 / n,
                    self.escaped[i],
                    100.0 * c as f64 / n
                )?;
            }
        }
        out.write_all(b"</div>\n<ul class=\"counts\">")?;
        for (i, &c) in shown.iter().enumerate() {
            write!(
                out,
                "<li><span class=\"sw l{i}\"></span>{} <strong>{:.0}%</strong> ({c})</li>",
                self.escaped[i],
                100.0 * c as f64 / n
            )?;
        }
        out.write_all(b"</ul>\n")?;
        if verdict.net.is_some() {
            writeln!(
                out,
                "<p class=\"verdict\">Verdict: {}</p>",
                escape(&verdict.describe(&self.labels, counts))
            )?;
        }
        writeln!(out, "</div>\n</section>")
    }

    /// Ends the page.
    pub(super) fn finish<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.begin(out)?;
        if self.files == 0 {
            out.write_all(b"<p class=\"empty\">No sentences.</p>\n")?;
        }
        writeln!(
            out,
            "</main>\n<footer class=\"bottom\">{} sentences in {} {} · made by stance</footer>\n</div>\n</body>\n</html>",
            self.sentences,
            self.files,
            if self.files == 1 { "input" } else { "inputs" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_no_controls() {
        assert_eq!(
            escape("<a href=\"x\">Tom & 'Jerry'</a>\u{1b}[31m\n"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;\u{FFFD}[31m "
        );
    }

    #[test]
    fn labels_of_any_name_are_escaped_and_coloured() {
        let labels = vec![
            "<b>".to_string(),
            "positive".to_string(),
            "x\"y".to_string(),
        ];
        let mut r = Report::new(&labels, true);
        let mut out = Vec::new();
        r.open_file(&mut out, "a<b>.txt", Some("T & T")).unwrap();
        let scores = [0.2, 0.5, 0.3];
        let rec = Record {
            index: 0,
            start: 0,
            end: 3,
            text: "<i>",
            label: 1,
            scores: &scores,
            explain: None,
            paragraph: true,
        };
        r.separator(&mut out, rec.paragraph, true).unwrap();
        r.span(&mut out, &rec, 3).unwrap();
        r.end_file(&mut out, &[0, 0, 0], Some(1)).unwrap();
        r.finish(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains("data-label=\"uncertain\""));
        assert!(page.contains("&lt;b&gt;:0.2000 positive:0.5000 x&quot;y:0.3000"));
        assert!(page.contains(">&lt;i&gt;</span>"));
        assert!(page.contains("<h2>a&lt;b&gt;.txt</h2>"));
        assert!(page.contains("T &amp; T"));
        assert!(!page.contains("<b>") && !page.contains("<i>"));
        // One colour rule per label, and one for uncertain.
        assert_eq!(page.matches(" { --c: ").count(), 4);
    }
}
