//! Stage 3: TF-IDF features.
//!
//! A vocabulary of word n-grams over stemmed tokens (default uni- and bigrams) with
//! `min_df`, `max_df` and `max_features`; smoothed idf (`ln((1+n)/(1+df)) + 1`),
//! sublinear tf (`1 + ln tf`) and l2-normalised sparse rows.
//!
//! Transforming a sentence never builds a dense vector: a surface token maps to its stem
//! id through a per-[`Scratch`] cache (so Snowball runs once per distinct word), an
//! n-gram's id comes from the packed stem ids, and the row is a short list of
//! `(feature, value)` pairs.

use crate::tokens::{for_each_surface, Tokenizer, TokenizerConfig};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Longest n-gram the featurizer supports.
pub const MAX_NGRAM: u8 = 3;
/// Bits per stem id in a packed n-gram key.
const STEM_BITS: u32 = 21;
/// Most distinct stems a vocabulary may use (ids must fit in [`STEM_BITS`]).
pub const MAX_STEMS: usize = (1 << STEM_BITS) - 2;
/// Stem id of a word that is in no feature.
const UNKNOWN: u32 = u32::MAX;
/// Surface forms a [`Scratch`] cache holds before it starts over (bounds memory).
const CACHE_LIMIT: usize = 1 << 20;

/// Featurizer settings, stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TfidfConfig {
    /// Smallest n-gram length.
    pub ngram_min: u8,
    /// Largest n-gram length (at most [`MAX_NGRAM`]).
    pub ngram_max: u8,
    /// Keep terms that occur in at least this many training sentences.
    pub min_df: u32,
    /// Keep terms that occur in at most this share of training sentences.
    pub max_df: f64,
    /// Keep at most this many terms, the most frequent first.
    pub max_features: Option<u32>,
    /// Use `1 + ln(tf)` instead of the raw count.
    pub sublinear_tf: bool,
    /// Scale each term by its Naive Bayes log-count ratio (the NBSVM idea), learnt
    /// from the training labels and folded into the idf.
    pub nb_scale: bool,
}

impl Default for TfidfConfig {
    fn default() -> Self {
        TfidfConfig {
            ngram_min: 1,
            ngram_max: 2,
            min_df: 1,
            max_df: 1.0,
            max_features: None,
            sublinear_tf: true,
            nb_scale: false,
        }
    }
}

impl TfidfConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.ngram_min < 1 || self.ngram_min > self.ngram_max || self.ngram_max > MAX_NGRAM {
            return Err(format!(
                "n-gram range {}-{} is not valid: need 1 <= min <= max <= {MAX_NGRAM}",
                self.ngram_min, self.ngram_max
            ));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(format!("max_df {} is not in (0, 1]", self.max_df));
        }
        if self.max_features == Some(0) {
            return Err("max_features must be at least 1".into());
        }
        Ok(())
    }
}

/// Naive Bayes log-count-ratio scale of every feature (Wang & Manning's NBSVM idea,
/// for any number of labels): with `p_c(f) = (1 + docs of label c with f) / (F + docs
/// of label c)` and `q_c(f)` the same over the other labels, the scale is the mean over
/// labels of `|ln(p_c(f) / q_c(f))|`, so terms that separate labels weigh more.
pub fn nb_scales(x: &SparseMatrix, y: &[usize], k: usize) -> Vec<f32> {
    let d = x.n_cols;
    let mut df = vec![0f64; d * k];
    let mut per_label = vec![0f64; k];
    for (i, &c) in y.iter().enumerate() {
        per_label[c] += 1.0;
        for &f in x.row(i).0 {
            df[f as usize * k + c] += 1.0;
        }
    }
    let n: f64 = per_label.iter().sum();
    let mut total_c = vec![0f64; k];
    for f in 0..d {
        for c in 0..k {
            total_c[c] += df[f * k + c];
        }
    }
    let total: f64 = total_c.iter().sum();
    let _ = n;
    (0..d)
        .map(|f| {
            let row = &df[f * k..f * k + k];
            let all: f64 = row.iter().sum();
            let mut s = 0.0;
            for c in 0..k {
                let p = (1.0 + row[c]) / (d as f64 + total_c[c]);
                let q = (1.0 + all - row[c]) / (d as f64 + total - total_c[c]);
                s += (p / q).ln().abs();
            }
            (s / k as f64) as f32
        })
        .collect()
}

/// Rows of sparse features: compressed sparse rows, l2-normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseMatrix {
    pub n_cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseMatrix {
    pub fn new(n_cols: usize) -> Self {
        SparseMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn push_row(&mut self, row: &[(u32, f32)]) {
        for &(i, v) in row {
            self.indices.push(i);
            self.values.push(v);
        }
        self.indptr.push(self.indices.len());
    }

    /// The `(indices, values)` of row `r`.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The rows at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> SparseMatrix {
        let mut out = SparseMatrix::new(self.n_cols);
        for &r in rows {
            let (a, b) = (self.indptr[r], self.indptr[r + 1]);
            out.indices.extend_from_slice(&self.indices[a..b]);
            out.values.extend_from_slice(&self.values[a..b]);
            out.indptr.push(out.indices.len());
        }
        out
    }
}

/// Reusable per-thread state for [`Tfidf::transform_into`]: no allocation per sentence
/// once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    word: String,
    cache: FxHashMap<Box<str>, u32>,
    ids: Vec<u32>,
    /// Distinct features of the current sentence, in order of first appearance.
    feats: Vec<u32>,
    /// Per feature: the stamp of the last sentence it was seen in, and its count there.
    seen: Vec<(u32, u32)>,
    stamp: u32,
}

/// A fitted TF-IDF featurizer.
#[derive(Debug, Clone)]
pub struct Tfidf {
    config: TfidfConfig,
    tokenizer: Tokenizer,
    terms: Vec<String>,
    idf: Vec<f32>,
    stem_ids: FxHashMap<String, u32>,
    /// Feature id of each stem as a unigram (`UNKNOWN` if it is not one).
    unigram: Vec<u32>,
    /// Feature id of each longer n-gram, by packed stem ids.
    ngram_ids: FxHashMap<u64, u32>,
}

fn pack(ids: &[u32]) -> u64 {
    ids.iter()
        .fold(0u64, |k, &id| (k << STEM_BITS) | (u64::from(id) + 1))
}

impl Tfidf {
    /// Fits the vocabulary and idf on `docs`.
    pub fn fit<S: AsRef<str>>(
        docs: &[S],
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
    ) -> Result<Tfidf, String> {
        config.validate()?;
        let tok = Tokenizer::new(tokenizer);
        let mut stems: FxHashMap<String, u32> = FxHashMap::default();
        let mut stem_names: Vec<String> = Vec::new();
        let mut df: FxHashMap<[u32; 3], u32> = FxHashMap::default();
        let mut word = String::new();
        let mut ids: Vec<u32> = Vec::new();
        let mut keys: Vec<[u32; 3]> = Vec::new();
        for doc in docs {
            ids.clear();
            for_each_surface(doc.as_ref(), &mut word, |s| {
                let st = tok.stem(s);
                let st: &str = if st.is_empty() { s } else { &st };
                let id = match stems.get(st) {
                    Some(&id) => id,
                    None => {
                        let id = stem_names.len() as u32;
                        stems.insert(st.to_string(), id);
                        stem_names.push(st.to_string());
                        id
                    }
                };
                ids.push(id);
            });
            keys.clear();
            for n in config.ngram_min..=config.ngram_max {
                let n = n as usize;
                for w in ids.windows(n) {
                    let mut k = [UNKNOWN; 3];
                    k[..n].copy_from_slice(w);
                    keys.push(k);
                }
            }
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                *df.entry(*k).or_insert(0) += 1;
            }
        }
        let n_docs = docs.len();
        let max_df = (config.max_df * n_docs as f64).floor() as u32;
        let mut kept: Vec<(String, u32)> = df
            .into_iter()
            .filter(|&(_, d)| d >= config.min_df && (config.max_df >= 1.0 || d <= max_df))
            .map(|(k, d)| {
                let term = k
                    .iter()
                    .take_while(|&&id| id != UNKNOWN)
                    .map(|&id| stem_names[id as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                (term, d)
            })
            .collect();
        if let Some(m) = config.max_features {
            kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            kept.truncate(m as usize);
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if kept.is_empty() {
            return Err("no terms left in the vocabulary: the training text has no words (or min_df/max_df remove them all)".into());
        }
        let idf = kept
            .iter()
            .map(|&(_, d)| (((1 + n_docs) as f64 / (1 + d) as f64).ln() + 1.0) as f32)
            .collect();
        let terms = kept.into_iter().map(|(t, _)| t).collect();
        Tfidf::from_parts(tokenizer, config, terms, idf)
    }

    /// Rebuilds a featurizer from its stored parts (as read from a model file).
    pub fn from_parts(
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
        terms: Vec<String>,
        idf: Vec<f32>,
    ) -> Result<Tfidf, String> {
        config.validate()?;
        if terms.len() != idf.len() {
            return Err(format!(
                "{} terms but {} idf values",
                terms.len(),
                idf.len()
            ));
        }
        if let Some(v) = idf.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return Err(format!("idf value {v} is not a finite number >= 0"));
        }
        let mut stem_ids: FxHashMap<String, u32> = FxHashMap::default();
        stem_ids.reserve(terms.len() / 2);
        let mut ngram_ids: FxHashMap<u64, u32> = FxHashMap::default();
        ngram_ids.reserve(terms.len());
        let mut ids: Vec<u32> = Vec::with_capacity(MAX_NGRAM as usize);
        for (f, term) in terms.iter().enumerate() {
            ids.clear();
            for stem in term.split(' ') {
                if stem.is_empty() {
                    return Err(format!("term {f} ({term:?}) has an empty word"));
                }
                let id = match stem_ids.get(stem) {
                    Some(&id) => id,
                    None => {
                        let id = stem_ids.len() as u32;
                        stem_ids.insert(stem.to_string(), id);
                        id
                    }
                };
                ids.push(id);
                if ids.len() > config.ngram_max as usize {
                    return Err(format!(
                        "term {f} ({term:?}) is longer than the n-gram range allows"
                    ));
                }
            }
            if ids.len() < config.ngram_min as usize {
                return Err(format!(
                    "term {f} ({term:?}) is shorter than the n-gram range allows"
                ));
            }
            if stem_ids.len() > MAX_STEMS {
                return Err(format!("vocabulary uses more than {MAX_STEMS} words"));
            }
            if ngram_ids.insert(pack(&ids), f as u32).is_some() {
                return Err(format!("term {term:?} appears twice"));
            }
        }
        let mut unigram = vec![UNKNOWN; stem_ids.len()];
        for (&key, &f) in &ngram_ids {
            if key >> STEM_BITS == 0 {
                unigram[(key - 1) as usize] = f;
            }
        }
        ngram_ids.retain(|&key, _| key >> STEM_BITS != 0);
        Ok(Tfidf {
            config,
            tokenizer: Tokenizer::new(tokenizer),
            terms,
            idf,
            stem_ids,
            unigram,
            ngram_ids,
        })
    }

    pub fn config(&self) -> TfidfConfig {
        self.config
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    pub fn n_features(&self) -> usize {
        self.terms.len()
    }

    /// Multiplies each term's idf by `scale[f]` (a learnt per-term weight).
    pub fn scale_idf(&mut self, scale: &[f32]) {
        for (w, &s) in self.idf.iter_mut().zip(scale) {
            *w *= s;
        }
    }

    /// Writes the l2-normalised TF-IDF row of `text` into `out` as `(feature, value)`
    /// pairs, each feature once, in order of first appearance.
    pub fn transform_into(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<(u32, f32)>) {
        out.clear();
        let Scratch {
            word,
            cache,
            ids,
            feats,
            seen,
            stamp,
        } = scratch;
        ids.clear();
        if cache.len() > CACHE_LIMIT {
            cache.clear();
        }
        for_each_surface(text, word, |s| {
            let id = match cache.get(s) {
                Some(&id) => id,
                None => {
                    let st = self.tokenizer.stem(s);
                    let st: &str = if st.is_empty() { s } else { &st };
                    let id = self.stem_ids.get(st).copied().unwrap_or(UNKNOWN);
                    cache.insert(s.into(), id);
                    id
                }
            };
            ids.push(id);
        });
        feats.clear();
        if seen.len() < self.terms.len() {
            seen.resize(self.terms.len(), (0, 0));
        }
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            seen.iter_mut().for_each(|s| *s = (0, 0));
            *stamp = 1;
        }
        let mut add = |f: u32| {
            let s = &mut seen[f as usize];
            if s.0 == *stamp {
                s.1 += 1;
            } else {
                *s = (*stamp, 1);
                feats.push(f);
            }
        };
        for n in self.config.ngram_min..=self.config.ngram_max {
            if n == 1 {
                for &id in ids.iter() {
                    if id != UNKNOWN && self.unigram[id as usize] != UNKNOWN {
                        add(self.unigram[id as usize]);
                    }
                }
                continue;
            }
            for w in ids.windows(n as usize) {
                if w.contains(&UNKNOWN) {
                    continue;
                }
                if let Some(&f) = self.ngram_ids.get(&pack(w)) {
                    add(f);
                }
            }
        }
        let mut norm = 0.0f32;
        for &f in feats.iter() {
            let tf = seen[f as usize].1 as f32;
            let tf = if self.config.sublinear_tf {
                1.0 + tf.ln()
            } else {
                tf
            };
            let v = tf * self.idf[f as usize];
            norm += v * v;
            out.push((f, v));
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            for p in out.iter_mut() {
                p.1 *= inv;
            }
        }
    }

    /// The TF-IDF rows of many texts.
    pub fn transform_batch<S: AsRef<str>>(&self, docs: &[S]) -> SparseMatrix {
        let mut m = SparseMatrix::new(self.n_features());
        let mut scratch = Scratch::default();
        let mut row = Vec::new();
        for d in docs {
            self.transform_into(d.as_ref(), &mut scratch, &mut row);
            m.push_row(&row);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(min_df: u32, max_df: f64, max_features: Option<u32>) -> TfidfConfig {
        TfidfConfig {
            min_df,
            max_df,
            max_features,
            ..TfidfConfig::default()
        }
    }

    #[test]
    fn vocabulary_has_unigrams_and_bigrams_sorted() {
        let t = Tfidf::fit(
            &["good show", "bad show"],
            TokenizerConfig::default(),
            cfg(1, 1.0, None),
        )
        .unwrap();
        assert_eq!(t.terms(), ["bad", "bad show", "good", "good show", "show"]);
    }

    #[test]
    fn min_df_max_df_and_max_features_prune() {
        let docs = ["good show", "bad show", "good plot"];
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(2, 1.0, None)).unwrap();
        assert_eq!(t.terms(), ["good", "show"]);
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(1, 0.5, None)).unwrap();
        assert!(!t.terms().contains(&"show".to_string()));
        assert!(t.terms().contains(&"bad show".to_string()));
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(1, 1.0, Some(2))).unwrap();
        assert_eq!(t.terms(), ["good", "show"]);
    }

    #[test]
    fn idf_is_smoothed() {
        let t = Tfidf::fit(&["a b", "a"], TokenizerConfig::default(), cfg(1, 1.0, None)).unwrap();
        let idf_a = t.idf()[t.terms().iter().position(|x| x == "a").unwrap()];
        let idf_b = t.idf()[t.terms().iter().position(|x| x == "b").unwrap()];
        assert!((idf_a - 1.0).abs() < 1e-6);
        assert!((idf_b - ((3.0f32 / 2.0).ln() + 1.0)).abs() < 1e-6);
    }

    #[test]
    fn rows_are_sublinear_and_l2_normalised() {
        let t = Tfidf::fit(
            &["good good good bad", "x"],
            TokenizerConfig::default(),
            cfg(1, 1.0, None),
        )
        .unwrap();
        let mut row = Vec::new();
        t.transform_into(
            "good good good bad unseen",
            &mut Scratch::default(),
            &mut row,
        );
        let norm: f32 = row.iter().map(|p| p.1 * p.1).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let f = |term: &str| t.terms().iter().position(|x| x == term).unwrap() as u32;
        let good = row.iter().find(|p| p.0 == f("good")).unwrap().1;
        let bad = row.iter().find(|p| p.0 == f("bad")).unwrap().1;
        // same idf, tf 3 vs 1: ratio is 1 + ln 3
        assert!((good / bad - (1.0 + 3.0f32.ln())).abs() < 1e-4);
        // the bigram "bad unseen" is not in the vocabulary; "good good" is
        assert!(row.iter().any(|p| p.0 == f("good good")));
        let mut ids: Vec<u32> = row.iter().map(|p| p.0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), row.len(), "each feature once");
    }

    #[test]
    fn unknown_text_gives_an_empty_row() {
        let t = Tfidf::fit(
            &["good show"],
            TokenizerConfig::default(),
            cfg(1, 1.0, None),
        )
        .unwrap();
        let mut row = vec![(9, 9.0)];
        t.transform_into("zzz qqq", &mut Scratch::default(), &mut row);
        assert!(row.is_empty());
    }

    #[test]
    fn stems_join_inflected_forms() {
        let t = Tfidf::fit(
            &["renewed shows"],
            TokenizerConfig::default(),
            cfg(1, 1.0, None),
        )
        .unwrap();
        let m = t.transform_batch(&["renewing show", "renewed shows"]);
        assert_eq!(m.row(0), m.row(1));
    }

    #[test]
    fn from_parts_rejects_inconsistent_vocabularies() {
        let c = TfidfConfig::default();
        let tc = TokenizerConfig::default();
        assert!(Tfidf::from_parts(tc, c, vec!["a".into()], vec![]).is_err());
        assert!(Tfidf::from_parts(tc, c, vec!["a".into(), "a".into()], vec![1.0, 1.0]).is_err());
        assert!(Tfidf::from_parts(tc, c, vec!["a b c".into()], vec![1.0]).is_err());
        assert!(Tfidf::from_parts(tc, c, vec!["a".into()], vec![f32::NAN]).is_err());
        assert!(Tfidf::from_parts(tc, c, vec!["a  b".into()], vec![1.0]).is_err());
    }

    #[test]
    fn trigrams_when_asked() {
        let c = TfidfConfig {
            ngram_max: 3,
            ..TfidfConfig::default()
        };
        let t = Tfidf::fit(&["not very good"], TokenizerConfig::default(), c).unwrap();
        assert!(t.terms().contains(&"not veri good".to_string()));
    }
}
