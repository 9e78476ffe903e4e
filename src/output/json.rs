//! The JSON shapes of a record (serde), and the constant parts of a JSON line.

use super::*;

pub(super) struct LabelMap<'a, T: Serialize> {
    pub(super) labels: &'a [String],
    pub(super) values: &'a [T],
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

pub(super) struct Term<'a>(&'a (String, f32));

impl Serialize for Term<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Term", 2)?;
        st.serialize_field("term", &self.0 .0)?;
        st.serialize_field("weight", &self.0 .1)?;
        st.end()
    }
}

pub(super) struct JsonRecord<'a> {
    pub(super) file: Option<&'a str>,
    /// `Some("html")` for a web page (its spans then refer to the extracted text).
    pub(super) source: Option<&'a str>,
    pub(super) rec: &'a Record<'a>,
    pub(super) labels: &'a [String],
    /// The label shown (`uncertain` below --min-prob).
    pub(super) label: &'a str,
    /// The best labels with their probabilities (--top-k).
    pub(super) top: Vec<(&'a str, f32)>,
}

pub(super) struct TopLabel<'a>(&'a str, f32);

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

/// The constant parts of a JSON line: `{"file":NAME,"sentence":`, each label's name as a
/// JSON string (and `uncertain`'s, last), and each score's key with its separator.
#[derive(Debug, Clone, Default)]
pub(super) struct JsonlParts {
    pub(super) prefix: Vec<u8>,
    pub(super) labels: Vec<Vec<u8>>,
    pub(super) keys: Vec<Vec<u8>>,
}

impl JsonlParts {
    pub(super) fn new(file: &str, labels: &[String]) -> Self {
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
