//! The Python module `stance`: the crate's [`stance::Classifier`] with its batch
//! scoring (GIL released, on all cores), document classification, training with
//! `stance train`'s settings, and model files.

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple};
use std::path::PathBuf;

/// `stance classify --threads` takes at most this many.
const MAX_THREADS: usize = 256;

/// An error of the command line's flag parser on one line, as the command line prints it.
fn message(e: &anyhow::Error) -> String {
    format!("{e:#}").replace(['\n', '\r'], " ")
}

/// A library error: `FileNotFoundError` or `OSError` when the cause is the file
/// system, `ValueError` otherwise (a file that is not a model, bad rows), with the
/// command line's one-line message.
fn file_error(e: stance::Error) -> PyErr {
    let text = e.full_message();
    match &e {
        stance::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(text)
        }
        stance::Error::Io { .. } | stance::Error::Write(_) => PyOSError::new_err(text),
        _ => PyValueError::new_err(text),
    }
}

/// Texts from any iterable of `str` (not a `str` itself), copied into one buffer:
/// the buffer and each text's end in it.
fn gather_texts(texts: &Bound<'_, PyAny>, what: &str) -> PyResult<(String, Vec<usize>)> {
    if texts.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an iterable of str, not one str (wrap it in a list)"
        )));
    }
    let (mut buf, mut ends) = (String::new(), Vec::new());
    if let Ok(n) = texts.len() {
        ends.reserve(n);
    }
    for (i, item) in texts.try_iter()?.enumerate() {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}[{i}] is {}, not str",
                item.get_type()
                    .name()
                    .map_or("not a str".into(), |n| n.to_string())
            ))
        })?;
        buf.push_str(s.to_str()?);
        ends.push(buf.len());
    }
    Ok((buf, ends))
}

/// The texts [`gather_texts`] gathered, as slices of its buffer.
fn slices<'a>(buf: &'a str, ends: &[usize]) -> Vec<&'a str> {
    let mut start = 0;
    ends.iter()
        .map(|&end| {
            let s = &buf[start..end];
            start = end;
            s
        })
        .collect()
}

fn check_threads(threads: usize) -> PyResult<usize> {
    if threads > MAX_THREADS {
        return Err(PyValueError::new_err(format!(
            "threads must be 0 (all cores) to {MAX_THREADS}, not {threads}"
        )));
    }
    Ok(threads)
}

/// A probability as the command line's JSON prints it (the shortest decimal that reads
/// back as the same `f32`), so records compare equal to `stance classify --format jsonl`.
fn as_printed(p: f32) -> f64 {
    p.to_string().parse().unwrap_or(f64::from(p))
}

/// A trained stance classifier: splits documents into sentences and gives each one a
/// label (by default positive, criticism, anticipation or neutral) with the probability
/// of every label.
///
/// ``Classifier()`` is the model built into stance; ``Classifier.load(path)`` reads a
/// model file (as written by ``stance train`` or ``.save``).
#[pyclass(name = "Classifier", module = "stance", frozen)]
struct Classifier {
    inner: stance::Classifier,
}

impl Classifier {
    /// The labels as Python strings, made once per call (not once per text).
    fn label_strings<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyString>> {
        let labels = self.inner.labels();
        labels.iter().map(|l| PyString::new(py, l)).collect()
    }
}

#[pymethods]
impl Classifier {
    /// The built-in model.
    #[new]
    fn new() -> PyResult<Self> {
        let inner = stance::Classifier::builtin().map_err(file_error)?;
        Ok(Classifier { inner })
    }

    /// Reads a model file; ``FileNotFoundError``/``OSError`` when it cannot be read,
    /// ``ValueError`` when it is not a valid model.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py
            .detach(|| stance::Classifier::load(&path))
            .map_err(file_error)?;
        Ok(Classifier { inner })
    }

    /// Writes the model file (whole or not at all), as ``stance train -o PATH`` does.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| {
            stance::internals::flows::train::check_target(&path, &[])?;
            self.inner.save(&path)
        })
        .map_err(|e| match file_error(e) {
            e if e.is_instance_of::<PyValueError>(py) => {
                PyOSError::new_err(e.value(py).to_string())
            }
            e => e,
        })
    }

    /// The model file's bytes (what ``save`` writes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(file_error)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A classifier from a model file's bytes; ``ValueError`` when they are not one.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let inner = stance::Classifier::from_bytes(data).map_err(file_error)?;
        Ok(Classifier { inner })
    }

    /// Pickles as the model file's bytes (for Spark broadcasts and multiprocessing).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        let bytes = slf.get().to_bytes(py)?;
        (from_bytes, (bytes,)).into_pyobject(py)
    }

    /// The labels, in the order of ``predict_proba``'s columns and of ``scores``.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    fn __repr__(&self) -> String {
        let m = self.inner.meta();
        format!(
            "stance.Classifier(labels={:?}, features={}, trained {:?} on {:?})",
            self.inner.labels(),
            self.inner.tfidf().n_features(),
            m.date,
            m.source
        )
    }

    /// The label of each text (each text one sentence, as with ``stance classify
    /// --lines``), on ``threads`` threads (0: all cores) with the GIL released.
    #[pyo3(signature = (texts, threads = 0))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let threads = check_threads(threads)?;
        let (buf, ends) = gather_texts(texts, "texts")?;
        let labels = py.detach(|| self.inner.predict_batch(&slices(&buf, &ends), threads));
        let names = self.label_strings(py);
        PyList::new(py, labels.iter().map(|&c| names[c].clone()))
    }

    /// The probability of every label for each text (each one sentence): a float32
    /// array of shape ``(len(texts), len(labels))`` whose rows sum to 1, columns in
    /// ``labels`` order. Runs on ``threads`` threads (0: all cores), GIL released.
    #[pyo3(signature = (texts, threads = 0))]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let threads = check_threads(threads)?;
        let (buf, ends) = gather_texts(texts, "texts")?;
        let k = self.inner.labels().len();
        let p = py.detach(|| {
            self.inner
                .predict_proba_batch(&slices(&buf, &ends), threads)
        });
        let a = Array2::from_shape_vec((ends.len(), k), p)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(a.into_pyarray(py))
    }

    /// Splits a document into sentences and scores each one, as ``stance classify``
    /// does: a list of dicts with ``start`` and ``end`` (byte offsets in the UTF-8
    /// text, as the command line gives them), ``text``, ``label`` and ``scores`` (label
    /// to probability). ``text`` may be ``str`` or ``bytes`` (UTF-8; invalid bytes read
    /// as U+FFFD, offsets still in the raw bytes).
    fn classify<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (doc, map) = document(text)?;
        let sentences = py.detach(|| self.inner.classify(&doc));
        let raw = |pos: usize| map.as_ref().map_or(pos, |m| m.raw(pos));
        let labels = self.label_strings(py);
        let out = PyList::empty(py);
        for s in sentences {
            let d = PyDict::new(py);
            d.set_item("start", raw(s.start))?;
            d.set_item("end", raw(s.end))?;
            d.set_item("text", s.text)?;
            d.set_item("label", &labels[s.label_index])?;
            let scores = PyDict::new(py);
            for (l, &p) in labels.iter().zip(&s.probabilities) {
                scores.set_item(l, as_printed(p))?;
            }
            d.set_item("scores", scores)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// The JSON lines ``stance classify --format jsonl`` prints for this document,
    /// byte for byte, with ``file`` as the file's name: one line per sentence, each
    /// ending in a newline ("" for a document without sentences). ``text`` as in
    /// ``classify``. Faster than ``classify`` and ``json.dumps`` when JSON is wanted.
    #[pyo3(signature = (text, file = "-"))]
    fn classify_jsonl(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        file: &str,
    ) -> PyResult<String> {
        use stance::internals::output::{Format, Record, Summary, Writer};
        let (doc, map) = document(text)?;
        let raw = |pos: usize| map.as_ref().map_or(pos, |m| m.raw(pos)) as u64;
        let bytes = py
            .detach(|| -> std::io::Result<Vec<u8>> {
                let labels = self.inner.labels().to_vec();
                let mut summary = Summary::new(labels.len());
                let mut out = Vec::new();
                let mut w = Writer::new(&mut out, Format::Jsonl, labels, 100);
                w.begin_file(file);
                for (i, s) in self.inner.classify(&doc).iter().enumerate() {
                    summary.add(s.label_index, &s.probabilities);
                    w.record(&Record {
                        index: i as u64,
                        start: raw(s.start),
                        end: raw(s.end),
                        text: &s.text,
                        label: s.label_index,
                        scores: &s.probabilities,
                        explain: None,
                        // Paragraphs show only in the HTML report, not in JSON lines.
                        paragraph: false,
                    })?;
                }
                w.end_file(&summary)?;
                w.finish()?;
                drop(w);
                Ok(out)
            })
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }
}

/// A document given as `str` or as `bytes` (UTF-8, invalid bytes read as U+FFFD: then
/// with the map back to raw offsets).
fn document(
    text: &Bound<'_, PyAny>,
) -> PyResult<(String, Option<stance::internals::input::OffsetMap>)> {
    if let Ok(s) = text.cast::<PyString>() {
        Ok((s.to_str()?.to_string(), None))
    } else if let Ok(b) = text.cast::<PyBytes>() {
        Ok(stance::internals::input::decode_lossy(b.as_bytes()))
    } else {
        Err(PyTypeError::new_err("text must be str or bytes"))
    }
}

/// `stance train`'s flags for the keyword settings: `alpha=0.5` is `--alpha=0.5`,
/// `no_stem=True` is `--no-stem` (`False` and `None` leave the default).
fn settings_flags(settings: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let mut flags = Vec::new();
    let Some(settings) = settings else {
        return Ok(flags);
    };
    for (key, value) in settings.iter() {
        let flag = format!("--{}", key.extract::<String>()?.replace('_', "-"));
        if value.is_none() {
            continue;
        }
        if let Ok(b) = value.cast::<PyBool>() {
            if b.is_true() {
                flags.push(flag);
            }
            continue;
        }
        flags.push(format!("{flag}={}", value.str()?.to_str()?));
    }
    Ok(flags)
}

/// Trains a classifier on ``texts`` (one sentence each) and their ``labels``, with
/// ``stance train``'s settings and defaults as keyword arguments (its flags with ``_``
/// for ``-``: ``alpha=0.5``, ``no_stem=True``, ``class_weight="balanced"``,
/// ``date="2025-01-31"``, ...). Bad settings or rows raise ``ValueError`` with the
/// command line's message. The GIL is released while it trains.
#[pyfunction]
#[pyo3(signature = (texts, labels, **settings))]
fn train(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<Classifier> {
    let flags = settings_flags(settings)?;
    let (settings, date) =
        stance::cli::train_settings(&flags).map_err(|e| PyValueError::new_err(message(&e)))?;
    let (tbuf, tends) = gather_texts(texts, "texts")?;
    let (lbuf, lends) = gather_texts(labels, "labels")?;
    let texts = slices(&tbuf, &tends);
    let labels = slices(&lbuf, &lends);
    if texts.len() != labels.len() {
        return Err(PyValueError::new_err(format!(
            "{} texts but {} labels",
            texts.len(),
            labels.len()
        )));
    }
    // The rows as `stance train` reads them from a CSV file: labels trimmed, no empty
    // text or label, no label with a control character.
    let mut rows = stance::internals::input::Labelled::default();
    for (i, (t, l)) in texts.iter().zip(&labels).enumerate() {
        let l = l.trim();
        let bad = if l.is_empty() {
            format!("labels[{i}]: empty label")
        } else if l.contains(char::is_control) {
            format!("labels[{i}]: the label {l:?} holds a control character (a line break or tab?)")
        } else if t.trim().is_empty() {
            format!("texts[{i}]: empty text")
        } else {
            rows.texts.push(t.to_string());
            rows.labels.push(l.to_string());
            continue;
        };
        return Err(PyValueError::new_err(bad));
    }
    stance::internals::input::check_trainable(&rows, "the training rows").map_err(file_error)?;
    let (inner, _) = py
        .detach(|| stance::Classifier::train(&rows.texts, &rows.labels, &settings, "python", &date))
        .map_err(file_error)?;
    Ok(Classifier { inner })
}

/// Sentence-level stance toward a TV show's new season.
#[pymodule]
fn _stance(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Classifier>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
