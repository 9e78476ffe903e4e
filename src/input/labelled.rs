//! Labelled CSV input for `train`, `evaluate` and `cv`.
//!
//! A header row names the columns (`text` and `label` unless told otherwise); extra
//! columns are ignored. Every problem is an error naming the file and the line: a
//! missing column, a ragged row, an unbalanced quote, an empty text or label. Labels
//! are trimmed. Bytes that are not UTF-8 are decoded lossily with one warning per file.

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Rows of labelled text: `texts[i]` has `labels[i]`.
///
/// ```
/// let rows = stance::Labelled {
///     texts: vec!["Loved it.".into(), "Hated it.".into(), "Loved it again.".into()],
///     labels: vec!["good".into(), "bad".into(), "good".into()],
/// };
/// assert_eq!(rows.len(), 3);
/// assert_eq!(rows.label_set(), ["bad", "good"]);
/// assert!(stance::Labelled::default().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labelled {
    /// The texts, one row each.
    pub texts: Vec<String>,
    /// Each text's label.
    pub labels: Vec<String>,
}

impl Labelled {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Distinct labels, sorted.
    pub fn label_set(&self) -> Vec<String> {
        let mut l = self.labels.clone();
        l.sort();
        l.dedup();
        l
    }
}

/// Which columns hold the text and the label (default `text` and `label`; `stance
/// train --text-column/--label-column`).
///
/// ```
/// let path = std::env::temp_dir().join(format!("stance-doc-cols-{}.csv", std::process::id()));
/// std::fs::write(&path, "review,verdict\nA joy.,good\nA chore.,bad\n").unwrap();
/// let cols = stance::Columns { text: "review".into(), label: "verdict".into() };
/// let rows = stance::read_labelled(&[path.clone()], &cols)?;
/// assert_eq!(rows.labels, ["good", "bad"]);
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Columns {
    /// The text column's header.
    pub text: String,
    /// The label column's header.
    pub label: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            text: "text".into(),
            label: "label".into(),
        }
    }
}

/// The CSV files a path names: the file itself, or a directory's `*.csv` files in name order.
pub fn csv_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("{}: cannot read", path.display()), e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(format!("{}: cannot list directory", path.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::NoFiles(format!(
            "{}: directory holds no .csv files",
            path.display()
        )));
    }
    Ok(files)
}

/// Reads labelled rows from each path (a CSV file or a directory of them), in order.
/// Errors name the file and the line.
///
/// ```
/// let path = std::env::temp_dir().join(format!("stance-doc-read-{}.csv", std::process::id()));
/// std::fs::write(&path, "text,label\nIt soars.,positive\n\"unclosed,neutral\n").unwrap();
/// let e = stance::read_labelled(&[path.clone()], &stance::Columns::default()).unwrap_err();
/// assert!(matches!(e, stance::Error::Csv { line: Some(3), .. }));
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_labelled(paths: &[PathBuf], cols: &Columns) -> Result<Labelled> {
    let mut out = Labelled::default();
    let mut distinct = HashSet::new();
    for p in paths {
        for f in csv_files(p)? {
            let bytes = std::fs::read(&f)
                .map_err(|e| Error::io(format!("{}: cannot read", f.display()), e))?;
            let name = f.display().to_string();
            parse_named(&bytes, cols, &mut out, &name, &mut distinct).map_err(|e| e.in_file(&f))?;
        }
    }
    Ok(out)
}

/// Parses one CSV file's bytes, appending its rows to `out`. Errors carry `line N:`.
pub fn parse_labelled(bytes: &[u8], cols: &Columns, out: &mut Labelled) -> Result<()> {
    let mut distinct = out.labels.iter().cloned().collect();
    parse_named(bytes, cols, out, "input", &mut distinct)
}

/// [`parse_labelled`] of the file `name` (named in the warning about invalid UTF-8);
/// `distinct` holds the labels read so far (of this and earlier files), so reading stops
/// at the first row past the cap of [`crate::limits::MAX_LABELS`] labels.
fn parse_named(
    bytes: &[u8],
    cols: &Columns,
    out: &mut Labelled,
    name: &str,
    distinct: &mut HashSet<String>,
) -> Result<()> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::csv(
            Some(1),
            "the file is UTF-16 text; save it as CSV in UTF-8",
        ));
    }
    if let Some(line) = unbalanced_quote_line(bytes) {
        return Err(Error::csv(
            Some(line),
            "a quoted field is never closed (unbalanced quote)",
        ));
    }
    let mut warned = false;
    let mut decode = |b: &[u8]| -> String {
        match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => {
                if !warned {
                    warned = true;
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "stance: warning: {name}: not valid UTF-8; invalid bytes read as U+FFFD"
                    );
                }
                String::from_utf8_lossy(b).into_owned()
            }
        }
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = rdr
        .byte_headers()
        .map_err(|e| Error::csv(Some(1), format!("cannot read the header: {e}")))?
        .clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::csv(
            None,
            format!(
                "file is empty: expected a header with columns {:?} and {:?}",
                cols.text, cols.label
            ),
        ));
    }
    let names: Vec<String> = headers
        .iter()
        .map(|h| decode(h).trim().to_string())
        .collect();
    let find = |name: &str| -> Result<usize> {
        names.iter().position(|h| h == name).ok_or_else(|| {
            let mut hint = String::new();
            if names.len() == 1 {
                if let Some(sep) = [';', '\t', '|'].into_iter().find(|&c| names[0].contains(c)) {
                    hint = format!("; the file seems separated by {sep:?}, stance reads commas");
                }
            }
            Error::csv(
                Some(1),
                format!(
                    "no column {name:?} in the header (columns: {}){hint}",
                    show_columns(&names)
                ),
            )
        })
    };
    let ti = find(&cols.text)?;
    let li = find(&cols.label)?;
    if cols.text == cols.label {
        return Err(Error::csv(
            None,
            format!(
                "the text and the label cannot both be column {:?}",
                cols.text
            ),
        ));
    }
    for (what, want) in [("text", &cols.text), ("label", &cols.label)] {
        let at: Vec<String> = (0..names.len())
            .filter(|&i| names[i] == *want)
            .map(|i| (i + 1).to_string())
            .collect();
        if at.len() > 1 {
            return Err(Error::csv(Some(1), format!(
                "the header names the {what} column {want:?} {} times (columns {}); rename all but one",
                at.len(),
                at.join(", ")
            )));
        }
    }
    let mut rec = csv::ByteRecord::new();
    // An empty label is an error, but a label column empty in every row gets its own.
    let mut first_empty_label: Option<u64> = None;
    let mut rows = 0u64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        return Err(Error::csv(
                            Some(line),
                            format!("row has {len} fields, the header has {expected_len}"),
                        ))
                    }
                    _ => return Err(Error::csv(Some(line), format!("{e}"))),
                }
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        rows += 1;
        let label = decode(&rec[li]).trim().to_string();
        match (label.is_empty(), first_empty_label) {
            (true, None) if rows == 1 => {
                first_empty_label = Some(line);
                continue;
            }
            (true, None) => return Err(Error::csv(Some(line), "empty label")),
            (true, Some(_)) => continue,
            (false, Some(first)) => return Err(Error::csv(Some(first), "empty label")),
            (false, None) => {}
        }
        if label.contains(char::is_control) {
            return Err(Error::csv(
                Some(line),
                format!("the label {label:?} holds a control character (a line break or tab?)"),
            ));
        }
        let text = decode(&rec[ti]);
        if text.trim().is_empty() {
            return Err(Error::csv(Some(line), "empty text"));
        }
        if !distinct.contains(&label) {
            if distinct.len() >= crate::limits::MAX_LABELS {
                return Err(Error::csv(
                    Some(line),
                    format!(
                    "more than {} different labels, the cap (is the label column the right one?)",
                    crate::limits::MAX_LABELS
                ),
                ));
            }
            distinct.insert(label.clone());
        }
        out.texts.push(text);
        out.labels.push(label);
    }
    if let Some(first) = first_empty_label {
        if rows == 1 {
            return Err(Error::csv(Some(first), "empty label"));
        }
        return Err(Error::csv(
            None,
            format!(
                "the {:?} column is empty in every row ({rows} rows): no labels to learn from",
                cols.label
            ),
        ));
    }
    Ok(())
}

/// Column names for a message: escaped, each and all cut short.
fn show_columns(names: &[String]) -> String {
    const MAX_COLUMNS: usize = 12;
    const MAX_CHARS: usize = 40;
    let mut shown: Vec<String> = names
        .iter()
        .take(MAX_COLUMNS)
        .map(|n| {
            let mut s: String = n
                .chars()
                .take(MAX_CHARS)
                .flat_map(char::escape_debug)
                .collect();
            if n.chars().count() > MAX_CHARS {
                s.push('…');
            }
            s
        })
        .collect();
    if names.len() > MAX_COLUMNS {
        shown.push(format!("… {} more", names.len() - MAX_COLUMNS));
    }
    shown.join(", ")
}

/// The line on which a quoted field opens and never closes, if any.
fn unbalanced_quote_line(bytes: &[u8]) -> Option<u64> {
    #[derive(PartialEq)]
    enum St {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut st = St::FieldStart;
    let mut line = 1u64;
    let mut open_line = 0u64;
    for &b in bytes {
        st = match (st, b) {
            (St::FieldStart, b'"') => {
                open_line = line;
                St::Quoted
            }
            (St::Quoted, b'"') => St::QuoteInQuoted,
            (St::QuoteInQuoted, b'"') => St::Quoted,
            (St::Quoted, _) => St::Quoted,
            (_, b',') => St::FieldStart,
            (_, b'\n') => St::FieldStart,
            (_, b'\r') => St::FieldStart,
            (_, _) => St::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (st == St::Quoted).then_some(open_line)
}

/// Checks that a labelled set can train a model.
pub fn check_trainable(data: &Labelled, what: &str) -> Result<()> {
    if data.is_empty() {
        return Err(Error::Data(format!("{what}: no rows")));
    }
    let labels = data.label_set();
    if labels.len() > crate::limits::MAX_LABELS {
        return Err(Error::Data(format!(
            "{what}: {} different labels, over the cap of {} (is the label column the right one?)",
            labels.len(),
            crate::limits::MAX_LABELS
        )));
    }
    if labels.len() < 2 {
        return Err(Error::Data(format!(
            "{what}: training needs at least 2 different labels, found {} ({})",
            labels.len(),
            labels.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Labelled> {
        let mut out = Labelled::default();
        parse_labelled(s.as_bytes(), &Columns::default(), &mut out).map(|_| out)
    }

    #[test]
    fn reads_rows_with_quotes_bom_crlf_and_extra_columns() {
        let d = parse("\u{feff}id,text,label\r\n1,\"a \"\"quoted\"\", text\",pos \r\n2,\"multi\nline\",neg\r\n").unwrap();
        assert_eq!(d.texts, ["a \"quoted\", text", "multi\nline"]);
        assert_eq!(d.labels, ["pos", "neg"]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("text,label\ngood,pos\nbad\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("text,label\ngood,pos\n,neg\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("empty text"), "{e}");
        let e = parse("text,label\ngood, \n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("empty label"), "{e}");
        let e = parse("text,label\ngood,pos\n\"open,neg\nmore,pos\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("unbalanced"), "{e}");
        let e = parse("words,label\ngood,pos\n").unwrap_err().to_string();
        assert!(e.contains("no column \"text\""), "{e}");
    }

    #[test]
    fn doubled_quotes_are_balanced() {
        assert_eq!(unbalanced_quote_line(b"a,\"x \"\"y\"\" z\",b\n"), None);
        assert_eq!(unbalanced_quote_line(b"a,b\n\"x,y\n"), Some(2));
        assert_eq!(unbalanced_quote_line(b"say \"hi\" now,b\n"), None);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let mut out = Labelled::default();
        parse_labelled(
            b"text,label\ncaf\xe9 ok,pos\n",
            &Columns::default(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.texts, ["caf\u{fffd} ok"]);
    }

    #[test]
    fn fewer_than_two_labels_cannot_train() {
        let d = parse("text,label\na,x\nb,x\n").unwrap();
        assert!(check_trainable(&d, "f.csv")
            .unwrap_err()
            .to_string()
            .contains("at least 2"));
    }
}
