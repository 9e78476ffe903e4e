//! Stage 3: TF-IDF features.
//!
//! Two blocks of features, each with smoothed idf (`ln((1+n)/(1+df)) + 1`), sublinear tf
//! (`1 + ln tf`) and l2-normalised on its own:
//! - word n-grams over stemmed tokens (default uni- and bigrams), with `min_df`,
//!   `max_df` and `max_features`;
//! - character n-grams inside each word (default 2 to 5 characters, the word padded
//!   with a space on each side, unstemmed: `good` gives ` g`, `go`, ..., `ood `), kept
//!   with the same `min_df` and `max_df`. They catch what stems miss (misspellings,
//!   rare inflections, shared roots) and are cached per distinct word, so they cost a
//!   few additions per word, not a new pass over the text.
//!
//! Feature ids: word terms first, then character n-grams.
//!
//! Transforming a sentence never builds a dense vector: a surface token maps to its stem
//! id and its character n-grams through a per-[`Scratch`] cache (so Snowball runs once
//! per distinct word), an n-gram's id comes from the packed stem ids, and the row is a
//! short list of `(feature, value)` pairs.

pub mod embed;

use crate::tokens::{Tokenizer, TokenizerConfig};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Longest n-gram the featurizer supports.
pub const MAX_NGRAM: u8 = 3;
/// Bits per stem id in a packed n-gram key.
const STEM_BITS: u32 = 21;
/// Most distinct stems a vocabulary may use (ids must fit in the 21 bits a packed n-gram
/// key gives each stem).
pub const MAX_STEMS: usize = (1 << STEM_BITS) - 2;
/// Stem id of a word that is in no feature.
const UNKNOWN: u32 = u32::MAX;
/// Surface forms a [`Scratch`] cache holds before it starts over (bounds memory: the
/// map then has at most `2 * CACHE_LIMIT` slots of 24 bytes).
const CACHE_LIMIT: usize = 1 << 17;
/// Character n-gram entries (8 bytes each) the cache's words may hold before it starts
/// over, less room for one long sentence's new words, so the list's storage stays
/// 8 MiB. With this and [`CACHE_LIMIT`], a scratch stays near 20 MB on any input.
const ARENA_LIMIT: usize = (1 << 20) - (1 << 12);
/// Longest character n-gram the featurizer supports.
pub const MAX_CHAR_NGRAM: u8 = 8;

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
    /// Shortest character n-gram (0 with `char_max` 0: no character n-grams).
    pub char_min: u8,
    /// Longest character n-gram (at most [`MAX_CHAR_NGRAM`]).
    pub char_max: u8,
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
            char_min: 2,
            char_max: 5,
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
        let off = self.char_min == 0 && self.char_max == 0;
        if !off
            && (self.char_min < 1
                || self.char_min > self.char_max
                || self.char_max > MAX_CHAR_NGRAM)
        {
            return Err(format!(
                "character n-gram range {}-{} is not valid: need 1 <= min <= max <= {MAX_CHAR_NGRAM} (or 0-0 for none)",
                self.char_min, self.char_max
            ));
        }
        Ok(())
    }

    /// Whether the featurizer has a character n-gram block.
    pub fn has_chars(&self) -> bool {
        self.char_max > 0
    }
}

/// Scratch space for [`for_each_char_ngram`].
#[derive(Debug, Default)]
pub struct GramScratch {
    padded: String,
    bounds: Vec<usize>,
}

/// Calls `emit` with each character n-gram of `surface` (lengths `min..=max` in
/// characters, `surface` padded with a space on each side), shortest first, left to
/// right; nothing for a token that does not start with a letter or digit
/// (punctuation), and nothing when `max` is 0.
pub fn for_each_char_ngram(
    surface: &str,
    min: u8,
    max: u8,
    scratch: &mut GramScratch,
    mut emit: impl FnMut(&str),
) {
    if max == 0 || !surface.chars().next().is_some_and(char::is_alphanumeric) {
        return;
    }
    let GramScratch { padded, bounds } = scratch;
    padded.clear();
    padded.push(' ');
    padded.push_str(surface);
    padded.push(' ');
    bounds.clear();
    bounds.extend(padded.char_indices().map(|(i, _)| i));
    bounds.push(padded.len());
    let n_chars = bounds.len() - 1;
    for n in (min as usize).max(1)..=max as usize {
        if n > n_chars {
            break;
        }
        for start in 0..=n_chars - n {
            emit(&padded[bounds[start]..bounds[start + n]]);
        }
    }
}

/// Naive Bayes log-count-ratio scale of every feature (Wang & Manning's NBSVM idea,
/// for any number of labels): with `p_c(f) = (1 + docs of label c with f) / (F + docs
/// of label c)` and `q_c(f)` the same over the other labels, the scale is the mean over
/// labels of `|ln(p_c(f) / q_c(f))|`, so terms that separate labels weigh more.
pub fn nb_scales(x: &SparseMatrix, y: &[usize], k: usize) -> Vec<f32> {
    let d = x.n_cols;
    let LabelCounts {
        counts: df,
        totals: total_c,
        ..
    } = x.label_counts(y, k, d);
    let total: f64 = total_c.iter().sum();
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

/// How often features occur under each label (see [`SparseMatrix::label_counts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCounts {
    /// `counts[f * k + c]`: rows of label `c` that hold feature `f`.
    pub counts: Vec<f64>,
    /// Rows of each label.
    pub rows: Vec<f64>,
    /// Per label, the sum of `counts` over features.
    pub totals: Vec<f64>,
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

    /// For the first `d` features, how many rows of each of the `k` labels (row `i` has
    /// label `y[i]`) hold each feature.
    pub fn label_counts(&self, y: &[usize], k: usize, d: usize) -> LabelCounts {
        let d = d.min(self.n_cols);
        let mut counts = vec![0f64; d * k];
        let mut rows = vec![0f64; k];
        for (i, &c) in y.iter().enumerate() {
            rows[c] += 1.0;
            for &f in self.row(i).0 {
                if (f as usize) < d {
                    counts[f as usize * k + c] += 1.0;
                }
            }
        }
        let mut totals = vec![0f64; k];
        for f in 0..d {
            for c in 0..k {
                totals[c] += counts[f * k + c];
            }
        }
        LabelCounts {
            counts,
            rows,
            totals,
        }
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

/// A list of terms kept as one string, each term ended by a line break except the last
/// (how model files store them: loading is one allocation, not one per term).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermList {
    text: String,
    /// End offset of each term in `text`.
    ends: Vec<u32>,
}

impl TermList {
    /// The terms of `text`, separated by `\n` (`""` is no terms).
    pub fn from_joined(text: String) -> Result<TermList, String> {
        if u32::try_from(text.len()).is_err() {
            return Err("term list over 4 GiB".into());
        }
        let mut ends = Vec::new();
        if !text.is_empty() {
            ends.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32));
            ends.push(text.len() as u32);
        }
        Ok(TermList { text, ends })
    }

    /// The list of `terms` (none of which may hold a line break).
    pub fn from_terms<S: AsRef<str>>(terms: &[S]) -> TermList {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(terms.len());
        for (i, t) in terms.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(t.as_ref());
            ends.push(text.len() as u32);
        }
        TermList { text, ends }
    }

    /// The terms joined by line breaks.
    pub fn joined(&self) -> &str {
        &self.text
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Term `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn contains(&self, term: &str) -> bool {
        self.iter().any(|t| t == term)
    }

    pub fn to_vec(&self) -> Vec<&str> {
        self.iter().collect()
    }
}

/// The key of a word or character n-gram in the vocabulary maps: a 64-bit hash, so the
/// maps hold no strings. Two vocabulary entries with one hash are refused when a model
/// is built; an unknown word sharing a known one's hash (odds about 1 in 10^13 per
/// word for a vocabulary of 200,000) would be read as that word.
#[inline]
fn key(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// A map from 64-bit keys ([`key`] hashes, packed stem ids) to small values: open
/// addressing with linear probing, never more than half full, so a lookup is one
/// multiply, one slot read and a compare, and an absent key usually stops at the first
/// empty slot. Key 0 marks an empty slot; a stored 0 is kept as 1.
#[derive(Debug, Clone)]
struct KeyMap<V = u32> {
    slots: Vec<(u64, V)>,
    len: usize,
    /// `64 - log2(slots.len())`: a key's first slot is the top bits of its product.
    shift: u32,
}

impl<V: Copy + Default> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap::with_capacity(0)
    }
}

impl<V: Copy + Default> KeyMap<V> {
    fn with_capacity(n: usize) -> KeyMap<V> {
        let size = (n * 2).next_power_of_two().max(16);
        // Written, not `calloc`ed: a zeroed allocation maps the shared zero page, so the
        // first read of a slot and the first write to it would each fault (the second
        // also flushing the other threads' address caches).
        let mut slots = Vec::with_capacity(size);
        slots.resize(size, (0, V::default()));
        KeyMap {
            slots,
            len: 0,
            shift: 64 - size.trailing_zeros(),
        }
    }

    #[inline(always)]
    fn first_slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline(always)]
    fn get(&self, key: u64) -> Option<V> {
        let key = key.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(key);
        loop {
            let (k, v) = self.slots[i & mask];
            if k == key {
                return Some(v);
            }
            if k == 0 {
                return None;
            }
            i += 1;
        }
    }

    /// Asks the processor to start loading `key`'s first slot, so a lookup a little
    /// later does not wait for memory (lookups of a sentence's n-grams are independent,
    /// and a vocabulary's map is bigger than the cache).
    #[inline(always)]
    fn prefetch(&self, key: u64) {
        let i = self.first_slot(key.max(1)) & (self.slots.len() - 1);
        prefetch(&self.slots[i]);
    }

    /// Sets `key`'s value; returns the value it replaced.
    fn insert(&mut self, key: u64, value: V) -> Option<V> {
        let (slot, new) = self.value_mut(key);
        let old = std::mem::replace(slot, value);
        (!new).then_some(old)
    }

    /// `key`'s value to change, put in as `V::default()` if absent; and whether it was.
    #[inline]
    fn value_mut(&mut self, key: u64) -> (&mut V, bool) {
        if (self.len + 1) * 2 > self.slots.len() {
            let mut bigger = KeyMap::with_capacity(self.slots.len());
            for &(k, v) in self.slots.iter().filter(|s| s.0 != 0) {
                bigger.insert(k, v);
            }
            *self = bigger;
        }
        let key = key.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(key) & mask;
        loop {
            if self.slots[i].0 == key {
                return (&mut self.slots[i].1, false);
            }
            if self.slots[i].0 == 0 {
                self.slots[i].0 = key;
                self.len += 1;
                return (&mut self.slots[i].1, true);
            }
            i = (i + 1) & mask;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The entries, in no particular order (a key stored as 0 reads 1).
    fn iter(&self) -> impl Iterator<Item = (u64, V)> + '_ {
        self.slots.iter().copied().filter(|s| s.0 != 0)
    }

    /// Keeps only the entries whose value passes `keep` (same capacity).
    fn retain(&mut self, keep: impl Fn(&V) -> bool) {
        let empty = vec![(0, V::default()); self.slots.len()];
        let old = std::mem::replace(&mut self.slots, empty);
        self.len = 0;
        for (k, v) in old {
            if k != 0 && keep(&v) {
                self.insert(k, v);
            }
        }
    }
}

/// Asks the processor to start loading the cache line holding `at` (a hint: no
/// effect on results, nothing on other targets).
#[inline(always)]
pub fn prefetch<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults or changes memory, and `at` is a
    // valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((at as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// The distinct word terms of one sentence with their counts, in order of first
/// appearance. A small open-addressing table over the sentence's features (sized for
/// the sentence, emptied by bumping a stamp) finds a term seen before, so the lookups
/// stay in a few cache lines whatever the vocabulary's size.
#[derive(Debug, Default)]
struct TermCounts {
    /// `(stamp, feature, place in terms)`; a slot with an old stamp is empty.
    slots: Vec<(u32, u32, u32)>,
    shift: u32,
    stamp: u32,
    terms: Vec<(u32, u32)>,
}

impl TermCounts {
    /// Starts a sentence of at most `most` terms.
    fn begin(&mut self, most: usize) {
        self.terms.clear();
        let want = (most * 2).next_power_of_two().max(64);
        // Grown for a long sentence; shrunk again when far too big to stay in cache.
        if self.slots.len() < want || self.slots.len() > want * 16 {
            self.slots = vec![(0, 0, 0); want];
            self.shift = 32 - want.trailing_zeros();
            self.stamp = 0;
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slots.fill((0, 0, 0));
            self.stamp = 1;
        }
    }

    /// Counts one occurrence of feature `f`.
    #[inline(always)]
    fn add(&mut self, f: u32) {
        let mask = self.slots.len() - 1;
        let mut i = (f.wrapping_mul(0x9E37_79B1) >> self.shift) as usize;
        loop {
            let slot = &mut self.slots[i & mask];
            if slot.0 != self.stamp {
                *slot = (self.stamp, f, self.terms.len() as u32);
                self.terms.push((f, 1));
                return;
            }
            if slot.1 == f {
                self.terms[slot.2 as usize].1 += 1;
                return;
            }
            i += 1;
        }
    }
}

/// A cached surface form: its stem id, its unigram feature, and where its character
/// n-grams are.
#[derive(Debug, Clone, Copy)]
struct Entry {
    stem: u32,
    /// Feature id of the stem as a unigram term (`UNKNOWN` if none).
    unigram: u32,
    start: u32,
    end: u32,
    /// Squared l2 norm of the word's character n-gram vector.
    norm2: f32,
}

/// Marks a surface form's start as a place in the scratch's copies, not the sentence.
const IN_SURFACES: u32 = 1 << 31;

/// Reusable per-thread state for [`Tfidf::transform_into`]: no allocation per sentence
/// once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    word: String,
    grams: GramScratch,
    gram_ids: Vec<u32>,
    /// Surface form (by [`key`]) → its index into `entries`, stem id and unigram
    /// feature (the last two copied from the entry, so the commonest lookups stop here).
    cache: KeyMap<(u32, u32, u32)>,
    entries: Vec<Entry>,
    /// `(feature, count in the word * idf)` of each cached surface form's character
    /// n-grams, each feature once per word.
    arena: Vec<(u32, f32)>,
    /// Bumped whenever the cache starts over (entry ids from `kept` on are then
    /// reused).
    generation: u64,
    /// Entries kept when the cache last started over: the first ones, so the words
    /// met first (in most text the commonest) stay cached.
    kept: usize,
    /// Surface forms held before the cache starts over (`None`: [`CACHE_LIMIT`]).
    cache_limit: Option<usize>,
    /// The current sentence's surface forms, one after another.
    surfaces: String,
    /// Each surface form's [`key`], where it starts (in the sentence, or with
    /// [`IN_SURFACES`] set in `surfaces`) and its length in bytes.
    surface_keys: Vec<(u64, u32, u32)>,
    /// Entries of the current sentence's tokens, in order.
    tokens: Vec<u32>,
    /// Stem ids of the current sentence's tokens, in order.
    ids: Vec<u32>,
    /// The current sentence's n-gram keys.
    keys: Vec<u64>,
    /// The current sentence's word terms and their counts.
    counts: TermCounts,
    /// Per character n-gram feature: the stamp of the last sentence it was seen in and
    /// its place in that sentence's row.
    seen: Vec<(u32, u32)>,
    stamp: u32,
}

impl Scratch {
    /// Scratch whose cache starts over once it holds more than `limit` surface forms.
    pub fn with_cache_limit(limit: usize) -> Scratch {
        Scratch {
            cache_limit: Some(limit),
            ..Scratch::default()
        }
    }

    /// The cache entry of each token of the last sentence, in order.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// The distinct word terms of the last sentence with their counts, in order of
    /// first appearance.
    pub fn terms(&self) -> &[(u32, u32)] {
        &self.counts.terms
    }

    /// How many surface forms the cache holds.
    pub fn n_entries(&self) -> usize {
        self.entries.len()
    }

    /// Changes whenever the cache starts over, so entry ids held elsewhere from
    /// [`Scratch::kept`] on are stale.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many entries (the first ones) the cache kept when it last started over.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// The character n-grams of cache entry `e` as `(feature, unnormalised value)`, and
    /// the squared norm of that vector.
    pub fn entry_grams(&self, e: u32) -> (&[(u32, f32)], f32) {
        let en = self.entries[e as usize];
        (&self.arena[en.start as usize..en.end as usize], en.norm2)
    }
}

/// A fitted TF-IDF featurizer.
#[derive(Debug, Clone)]
pub struct Tfidf {
    config: TfidfConfig,
    tokenizer: Tokenizer,
    /// The word terms as stored: stems and packed stem ids.
    stem_keys: StemKeys,
    /// The word terms as text, made when first asked for (scoring never needs it).
    terms: OnceLock<TermList>,
    char_terms: TermList,
    idf: Vec<f32>,
    /// Stem id of each stem in the vocabulary, by [`key`].
    stem_ids: KeyMap<u32>,
    /// Feature id of each stem as a unigram (`UNKNOWN` if it is not one).
    unigram: Vec<u32>,
    /// Feature id of each longer n-gram, by packed stem ids.
    ngram_ids: KeyMap,
    /// Feature id of each character n-gram, by [`key`].
    char_ids: KeyMap,
}

/// The key of an n-gram's stem ids (none [`UNKNOWN`]).
fn pack(ids: &[u32]) -> u64 {
    ids.iter().fold(0u64, |k, &id| pack_next(k, id))
}

/// `key`, the packed ids of an n-gram's first words, extended by stem `id`.
#[inline(always)]
fn pack_next(key: u64, id: u32) -> u64 {
    (key << STEM_BITS) | (u64::from(id) + 1)
}

/// Terms kept by `min_df`, `max_df` (and `cap`, the most frequent first), in the order
/// of their keys `K` (distinct).
fn prune<K: Ord>(
    df: impl Iterator<Item = (K, u32)>,
    n_docs: usize,
    config: &TfidfConfig,
    cap: Option<u32>,
) -> Vec<(K, u32)> {
    let max_df = (config.max_df * n_docs as f64).floor() as u32;
    let mut kept: Vec<(K, u32)> = df
        .filter(|&(_, d)| d >= config.min_df && (config.max_df >= 1.0 || d <= max_df))
        .collect();
    if let Some(m) = cap {
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(m as usize);
    }
    kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    kept
}

/// The stem ids of a [`pack`]ed n-gram key, first word first.
fn unpack(key: u64) -> impl Iterator<Item = u32> {
    let n = (u64::BITS - key.leading_zeros()).div_ceil(STEM_BITS);
    let field = (1u64 << STEM_BITS) - 1;
    (0..n)
        .rev()
        .map(move |i| ((key >> (i * STEM_BITS)) & field) as u32 - 1)
}

/// Distinct strings, each given the next id when first met and kept once in one buffer,
/// found by their [`key`]. Two strings with one key are refused, as in a vocabulary
/// (see [`Interner::check`]).
#[derive(Debug, Default)]
struct Interner {
    ids: KeyMap<u32>,
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<usize>,
    /// The first two strings found to share a key.
    clash: Option<(String, String)>,
}

impl Interner {
    /// The id of `s`, the next one if `s` is new.
    #[inline]
    fn intern(&mut self, s: &str) -> u32 {
        // A string of up to 7 bytes is its own key: its length and bytes, the top bit
        // set. A longer one's is its hash with the top bit clear, checked on a match.
        let short = s.len() <= 7;
        let k = if short {
            let mut bytes = [0u8; 8];
            bytes[0] = 0x80 | s.len() as u8;
            bytes[1..=s.len()].copy_from_slice(s.as_bytes());
            u64::from_be_bytes(bytes)
        } else {
            key(s) >> 1
        };
        let (id, new) = self.ids.value_mut(k);
        if new {
            *id = self.ends.len() as u32;
            self.text.push_str(s);
            self.ends.push(self.text.len());
            return *id;
        }
        let id = *id;
        if !short && self.get(id) != s && self.clash.is_none() {
            self.clash = Some((s.to_string(), self.get(id).to_string()));
        }
        id
    }

    /// String `id`.
    fn get(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// An error if two strings met so far share a key.
    fn check(&self) -> Result<(), String> {
        match &self.clash {
            Some((a, b)) => Err(format!("words {a:?} and {b:?} share a hash")),
            None => Ok(()),
        }
    }
}

/// What fitting counts in the training text: its distinct surface forms (first met
/// first) with their stems and character n-grams, and the document frequency of each
/// n-gram of stems and each character n-gram.
struct Counts {
    surfaces: Interner,
    /// Stem of each surface form, in `stems`.
    surface_stem: Vec<u32>,
    /// Where each surface form's character n-grams end in `surface_grams`.
    gram_ends: Vec<usize>,
    /// The surface forms' character n-grams (each occurrence), in `grams`.
    surface_grams: Vec<u32>,
    stems: Interner,
    grams: Interner,
    /// Documents holding each n-gram of stems (and the last one counted), by
    /// [`pack`]ed stem ids.
    ngram_df: KeyMap<(u32, u32)>,
    /// Documents holding each character n-gram.
    gram_df: Vec<u32>,
}

impl Counts {
    fn new<S: AsRef<str>>(
        docs: &[S],
        tok: &Tokenizer,
        config: &TfidfConfig,
    ) -> Result<Counts, String> {
        // Each document's tokens as surface form ids: a word is hashed once per token,
        // stemmed once.
        let mut surfaces = Interner::default();
        let mut tokens: Vec<u32> = Vec::new();
        let mut doc_ends: Vec<usize> = Vec::with_capacity(docs.len());
        let mut word = String::new();
        for doc in docs {
            tok.for_each_surface(doc.as_ref(), &mut word, |s| {
                tokens.push(surfaces.intern(s));
            });
            doc_ends.push(tokens.len());
        }
        surfaces.check()?;
        let n = surfaces.len() as u32;
        // The stems (in parallel: Snowball is the costly part) beside the character
        // n-grams.
        let (stemmed, (grams, gram_ends, surface_grams)) = rayon::join(
            || {
                (0..n)
                    .into_par_iter()
                    .map(|i| tok.stem(surfaces.get(i)))
                    .collect::<Vec<_>>()
            },
            || {
                let mut grams = Interner::default();
                let (mut ends, mut list) = (Vec::with_capacity(n as usize), Vec::new());
                let mut scratch = GramScratch::default();
                for i in 0..n {
                    let (min, max) = (config.char_min, config.char_max);
                    for_each_char_ngram(surfaces.get(i), min, max, &mut scratch, |g| {
                        list.push(grams.intern(g));
                    });
                    ends.push(list.len());
                }
                (grams, ends, list)
            },
        );
        grams.check()?;
        let mut stems = Interner::default();
        let surface_stem: Vec<u32> = stemmed.iter().map(|st| stems.intern(st)).collect();
        stems.check()?;
        if stems.len() > MAX_STEMS {
            return Err(format!(
                "the training text has more than {MAX_STEMS} different words"
            ));
        }
        // Each document's range of `tokens`.
        let docs = || {
            let starts = std::iter::once(0).chain(doc_ends.iter().copied());
            starts.zip(&doc_ends).map(|(a, &b)| &tokens[a..b])
        };
        // Each count keeps the last document (from 1) it counted, so a document counts
        // once. The n-grams of stems and the character n-grams are counted side by side.
        let (ngram_df, gram_df) = rayon::join(
            || {
                let mut df: KeyMap<(u32, u32)> = KeyMap::with_capacity(tokens.len() / 2);
                let (mut ids, mut keys) = (Vec::new(), Vec::new());
                for (stamp, doc) in (1..).zip(docs()) {
                    ids.clear();
                    ids.extend(doc.iter().map(|&t| surface_stem[t as usize]));
                    // All the document's keys are prefetched before any is counted, so
                    // their loads from the (big) map overlap.
                    keys.clear();
                    for n in config.ngram_min..=config.ngram_max {
                        keys.extend(ids.windows(n as usize).map(pack));
                    }
                    for &k in &keys {
                        df.prefetch(k);
                    }
                    for &k in &keys {
                        let (count, seen) = df.value_mut(k).0;
                        if *seen != stamp {
                            (*count, *seen) = (*count + 1, stamp);
                        }
                    }
                }
                df
            },
            || {
                let mut df = vec![(0u32, 0u32); grams.len()];
                let mut surface_seen = vec![0u32; n as usize];
                for (stamp, doc) in (1..).zip(docs()) {
                    for &t in doc {
                        let t = t as usize;
                        if std::mem::replace(&mut surface_seen[t], stamp) == stamp {
                            continue;
                        }
                        let from = if t == 0 { 0 } else { gram_ends[t - 1] };
                        for &g in &surface_grams[from..gram_ends[t]] {
                            let (count, seen) = &mut df[g as usize];
                            if *seen != stamp {
                                (*count, *seen) = (*count + 1, stamp);
                            }
                        }
                    }
                }
                df.into_iter().map(|d| d.0).collect()
            },
        );
        Ok(Counts {
            surfaces,
            surface_stem,
            gram_ends,
            surface_grams,
            stems,
            grams,
            ngram_df,
            gram_df,
        })
    }
}

/// The word terms kept of `ngram_df` (by [`Counts`]' stem ids), sorted: their document
/// frequencies, and their text joined by line breaks.
fn word_terms(
    stems: &Interner,
    ngram_df: &KeyMap<(u32, u32)>,
    n_docs: usize,
    config: &TfidfConfig,
) -> Result<(Vec<u32>, StemKeys), String> {
    // The terms sort as their stems' ranks in string order do: no token holds a byte at
    // or below a space, so "a b" sorts before "a-" and "ab" just as (a, b) does, and a
    // term before its extensions. Keys: the packed ranks, first word in the top bits
    // (unused fields 0), and the packed ranks themselves.
    let mut by_text: Vec<u32> = (0..stems.len() as u32).collect();
    by_text.sort_unstable_by(|&a, &b| stems.get(a).cmp(stems.get(b)));
    let mut rank = vec![0u32; stems.len()];
    for (r, &id) in by_text.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    let terms = ngram_df.iter().map(|(k, (d, _))| {
        let ranks = unpack(k).fold(0, |p, id| pack_next(p, rank[id as usize]));
        let n = unpack(k).count() as u32;
        (
            (ranks << ((u32::from(MAX_NGRAM) - n) * STEM_BITS), ranks),
            d,
        )
    });
    let kept = prune(terms, n_docs, config, config.max_features);
    if kept.is_empty() {
        return Err("no terms left in the vocabulary: the training text has no words (or min_df/max_df remove them all)".into());
    }
    // The stems the kept terms use, numbered in order of first use (as `stem_keys`
    // numbers them), by rank.
    let mut id_of = vec![UNKNOWN; stems.len()];
    let mut used: Vec<&str> = Vec::new();
    let keys = kept
        .iter()
        .map(|&((_, ranks), _)| {
            unpack(ranks).fold(0, |key, r| {
                let id = &mut id_of[r as usize];
                if *id == UNKNOWN {
                    *id = used.len() as u32;
                    used.push(stems.get(by_text[r as usize]));
                }
                pack_next(key, *id)
            })
        })
        .collect();
    let stem_keys = StemKeys {
        stems: TermList::from_terms(&used),
        keys,
    };
    Ok((kept.into_iter().map(|t| t.1).collect(), stem_keys))
}

/// A vocabulary's word terms as a model file holds them: the distinct stems (a stem's
/// id is its place in the list) and each term's [`pack`]ed stem ids.
#[derive(Debug, Clone)]
struct StemKeys {
    stems: TermList,
    keys: Vec<u64>,
}

/// The [`StemKeys`] of `terms` (n-grams of stems joined by spaces), checked against the
/// n-gram range. Stems are numbered in order of first use.
fn stem_keys(config: &TfidfConfig, terms: &TermList) -> Result<StemKeys, String> {
    let mut stem_ids: KeyMap<u32> = KeyMap::with_capacity(terms.len() / 2);
    // The text of each stem id, to tell a stem seen again from a hash collision.
    let mut stem_text: Vec<&str> = Vec::with_capacity(terms.len() / 2);
    let mut keys = Vec::with_capacity(terms.len());
    let mut ids: Vec<u32> = Vec::with_capacity(MAX_NGRAM as usize);
    // The terms are sorted, so runs of them start with the same word: its id is
    // reused without hashing it again.
    let mut last_first: (&str, u32) = ("", UNKNOWN);
    for (f, term) in terms.iter().enumerate() {
        ids.clear();
        for stem in term.split(' ') {
            if stem.is_empty() {
                return Err(format!("term {f} ({term:?}) has an empty word"));
            }
            let id = if ids.is_empty() && stem == last_first.0 {
                last_first.1
            } else {
                match stem_ids.get(key(stem)) {
                    Some(id) if stem_text[id as usize] == stem => id,
                    Some(id) => {
                        return Err(format!(
                            "words {stem:?} and {:?} share a hash",
                            stem_text[id as usize]
                        ))
                    }
                    None => {
                        let id = stem_text.len() as u32;
                        stem_ids.insert(key(stem), id);
                        stem_text.push(stem);
                        id
                    }
                }
            };
            if ids.is_empty() {
                last_first = (stem, id);
            }
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
        if stem_text.len() > MAX_STEMS {
            return Err(format!("vocabulary uses more than {MAX_STEMS} words"));
        }
        keys.push(pack(&ids));
    }
    Ok(StemKeys {
        stems: TermList::from_terms(&stem_text),
        keys,
    })
}

/// The word terms of `stem_keys` as text: each term's stems joined by spaces.
fn term_text(stem_keys: &StemKeys) -> TermList {
    let StemKeys { stems, keys } = stem_keys;
    let mut text = String::with_capacity(keys.len() * 8);
    let mut ends = Vec::with_capacity(keys.len());
    for &k in keys {
        if !ends.is_empty() {
            text.push('\n');
        }
        for (i, id) in unpack(k).enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(stems.get(id as usize));
        }
        ends.push(text.len() as u32);
    }
    TermList { text, ends }
}

/// What scoring looks a word term up in.
struct WordMaps {
    /// Each stem's id, by its [`key`].
    stem_ids: KeyMap<u32>,
    /// Each stem id's unigram feature (`UNKNOWN` if none).
    unigram: Vec<u32>,
    /// Each longer n-gram's feature, by its [`pack`]ed stem ids.
    ngram_ids: KeyMap,
}

/// The [`WordMaps`] of a vocabulary's stems and packed terms, checked: stems distinct,
/// non-empty and without spaces; each term's ids valid, as many as the n-gram range
/// allows, and each term once.
fn word_maps(config: &TfidfConfig, stem_keys: &StemKeys) -> Result<WordMaps, String> {
    let StemKeys { stems, keys } = stem_keys;
    if stems.len() > MAX_STEMS {
        return Err(format!("vocabulary uses more than {MAX_STEMS} words"));
    }
    let mut stem_ids = KeyMap::with_capacity(stems.len());
    for (id, stem) in stems.iter().enumerate() {
        if stem.is_empty() || stem.contains(' ') {
            return Err(format!("word {id} ({stem:?}) is empty or holds a space"));
        }
        if let Some(other) = stem_ids.insert(key(stem), id as u32) {
            let other = stems.get(other as usize);
            return Err(if other == stem {
                format!("word {stem:?} appears twice")
            } else {
                format!("words {stem:?} and {other:?} share a hash")
            });
        }
    }
    let mut unigram = vec![UNKNOWN; stems.len()];
    let mut longer = 0;
    let field = (1u64 << STEM_BITS) - 1;
    for (f, &k) in keys.iter().enumerate() {
        let n = (u64::BITS - k.leading_zeros()).div_ceil(STEM_BITS);
        if n < u32::from(config.ngram_min) || n > u32::from(config.ngram_max) {
            return Err(format!(
                "term {f} has {n} words, outside the n-gram range {}-{}",
                config.ngram_min, config.ngram_max
            ));
        }
        // Each field holds a stem id plus 1.
        if (0..n).any(|i| !(1..=stems.len() as u64).contains(&((k >> (i * STEM_BITS)) & field))) {
            return Err(format!("term {f} names a word that is not in the list"));
        }
        if n == 1 {
            if std::mem::replace(&mut unigram[k as usize - 1], f as u32) != UNKNOWN {
                return Err(format!("term {f} appears twice"));
            }
        } else {
            longer += 1;
        }
    }
    let mut ngram_ids = KeyMap::with_capacity(longer);
    // Each slot is prefetched a few terms ahead, so the loads from the (big) map
    // overlap.
    for (f, &k) in keys.iter().enumerate() {
        if let Some(&ahead) = keys.get(f + 8) {
            ngram_ids.prefetch(ahead);
        }
        if k > field && ngram_ids.insert(k, f as u32).is_some() {
            return Err(format!("term {f} appears twice"));
        }
    }
    Ok(WordMaps {
        stem_ids,
        unigram,
        ngram_ids,
    })
}

/// The map of a vocabulary's character n-grams (features from `first` on) by their
/// [`key`].
fn char_map(config: &TfidfConfig, first: usize, char_terms: &TermList) -> Result<KeyMap, String> {
    let mut char_ids = KeyMap::with_capacity(char_terms.len());
    for (i, g) in char_terms.iter().enumerate() {
        let n = g.chars().count();
        if n < config.char_min as usize || n > config.char_max as usize {
            return Err(format!(
                "character n-gram {i} ({g:?}) is outside the range {}-{}",
                config.char_min, config.char_max
            ));
        }
        if let Some(other) = char_ids.get(key(g)) {
            let other = char_terms.get(other as usize - first);
            return Err(if other == g {
                format!("character n-gram {g:?} appears twice")
            } else {
                format!("character n-grams {g:?} and {other:?} share a hash")
            });
        }
        char_ids.insert(key(g), (first + i) as u32);
    }
    Ok(char_ids)
}

fn smoothed_idf(n_docs: usize, df: u32) -> f32 {
    (((1 + n_docs) as f64 / (1 + df) as f64).ln() + 1.0) as f32
}

impl Tfidf {
    /// Fits the vocabulary and idf on `docs`.
    pub fn fit<S: AsRef<str>>(
        docs: &[S],
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
    ) -> Result<Tfidf, String> {
        Ok(Tfidf::fit_counts(docs, tokenizer, config)?.0)
    }

    /// [`Tfidf::fit`], with a [`Scratch`] whose cache already holds the words of `docs`
    /// (as many as a cache keeps, the first met first), so featurizing `docs` with it
    /// stems no word again.
    pub fn fit_with_scratch<S: AsRef<str>>(
        docs: &[S],
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
    ) -> Result<(Tfidf, Scratch), String> {
        let (tfidf, counts, gram_feature) = Tfidf::fit_counts(docs, tokenizer, config)?;
        let Counts {
            surfaces,
            surface_stem,
            gram_ends,
            surface_grams,
            stems,
            ..
        } = counts;
        // The vocabulary's id of each stem, as a cache entry would look it up.
        let stem_id: Vec<u32> = (0..stems.len() as u32)
            .map(|i| tfidf.stem_ids.get(key(stems.get(i))).unwrap_or(UNKNOWN))
            .collect();
        let mut scratch = Scratch::default();
        let mut from = 0;
        for (i, &end) in gram_ends.iter().enumerate() {
            let grams = &surface_grams[from..end];
            from = end;
            if scratch.entries.len() + 1 >= CACHE_LIMIT
                || scratch.arena.len() + grams.len() > ARENA_LIMIT
            {
                break;
            }
            let Scratch {
                gram_ids,
                arena,
                entries,
                cache,
                ..
            } = &mut scratch;
            gram_ids.clear();
            let features = grams.iter().map(|&g| gram_feature[g as usize]);
            gram_ids.extend(features.filter(|&f| f != UNKNOWN));
            let stem = stem_id[surface_stem[i] as usize];
            let e = tfidf.push_entry(stem, gram_ids, arena, entries);
            let en = &entries[e as usize];
            cache.insert(key(surfaces.get(i as u32)), (e, en.stem, en.unigram));
        }
        Ok((tfidf, scratch))
    }

    /// [`Tfidf::fit`], with what it counted and the feature of each of the counts'
    /// character n-grams (`UNKNOWN` if pruned).
    fn fit_counts<S: AsRef<str>>(
        docs: &[S],
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
    ) -> Result<(Tfidf, Counts, Vec<u32>), String> {
        config.validate()?;
        let counts = Counts::new(docs, &Tokenizer::new(tokenizer), &config)?;
        let Counts {
            stems,
            grams,
            ngram_df,
            gram_df,
            ..
        } = &counts;
        let n_docs = docs.len();
        // The word terms and the character n-grams are pruned and sorted side by side.
        let (words, (chars, char_text)) = rayon::join(
            || word_terms(stems, ngram_df, n_docs, &config),
            || {
                // Character n-grams sort by their first eight bytes (as a big-endian
                // number, zero-padded: a string sorts before its extensions), then by
                // the rest.
                let all = (0..grams.len() as u32).map(|id| {
                    let g = grams.get(id);
                    let mut head = [0u8; 8];
                    let n = g.len().min(8);
                    head[..n].copy_from_slice(&g.as_bytes()[..n]);
                    ((u64::from_be_bytes(head), g, id), gram_df[id as usize])
                });
                let chars = prune(all, n_docs, &config, None);
                let mut text = String::new();
                for (j, &((_, g, _), _)) in chars.iter().enumerate() {
                    if j > 0 {
                        text.push('\n');
                    }
                    text.push_str(g);
                }
                (chars, text)
            },
        );
        let (word_df, stem_keys) = words?;
        let mut gram_feature = vec![UNKNOWN; grams.len()];
        for (j, &((_, _, id), _)) in chars.iter().enumerate() {
            gram_feature[id as usize] = (word_df.len() + j) as u32;
        }
        let dfs = word_df.into_iter().chain(chars.iter().map(|t| t.1));
        let idf = dfs.map(|d| smoothed_idf(n_docs, d)).collect();
        let tfidf = Tfidf::from_parts(
            tokenizer,
            config,
            stem_keys.stems,
            stem_keys.keys,
            TermList::from_joined(char_text)?,
            idf,
        )?;
        debug_assert!(tfidf
            .terms()
            .iter()
            .zip(tfidf.terms().iter().skip(1))
            .all(|(a, b)| a < b));
        Ok((tfidf, counts, gram_feature))
    }

    /// A featurizer from its word terms as text (n-grams of stems joined by spaces),
    /// character n-grams, and the idf of each (word terms first).
    pub fn from_terms(
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
        terms: TermList,
        char_terms: TermList,
        idf: Vec<f32>,
    ) -> Result<Tfidf, String> {
        config.validate()?;
        let keys = stem_keys(&config, &terms)?;
        let tfidf = Tfidf::from_parts(tokenizer, config, keys.stems, keys.keys, char_terms, idf)?;
        tfidf.terms.get_or_init(|| terms);
        Ok(tfidf)
    }

    /// Rebuilds a featurizer from its stored parts (as read from a model file): the
    /// stems its word terms use (a stem's id is its place), each word term's stem ids
    /// (see [`Tfidf::term_keys`]), the character n-grams, and the idf of each feature
    /// (word terms first).
    pub fn from_parts(
        tokenizer: TokenizerConfig,
        config: TfidfConfig,
        stems: TermList,
        term_keys: Vec<u64>,
        char_terms: TermList,
        idf: Vec<f32>,
    ) -> Result<Tfidf, String> {
        config.validate()?;
        if term_keys.len() + char_terms.len() != idf.len() {
            return Err(format!(
                "{} terms and {} character n-grams but {} idf values",
                term_keys.len(),
                char_terms.len(),
                idf.len()
            ));
        }
        // Checked without a branch per value (so it vectorises), then found.
        let bad = |v: &f32| !v.is_finite() | (*v < 0.0);
        if idf.iter().fold(false, |any, v| any | bad(v)) {
            if let Some(v) = idf.iter().find(|v| bad(v)) {
                return Err(format!("idf value {v} is not a finite number >= 0"));
            }
        }
        if !char_terms.is_empty() && !config.has_chars() {
            return Err("character n-grams stored but the settings have none".into());
        }
        let stem_keys = StemKeys {
            stems,
            keys: term_keys,
        };
        // The word terms' maps and the character n-grams' are built side by side (in this
        // thread alone when there are no character n-grams).
        let words = || word_maps(&config, &stem_keys);
        let chars = || char_map(&config, stem_keys.keys.len(), &char_terms);
        let (words, chars) = match char_terms.is_empty() {
            true => (words(), chars()),
            false => rayon::join(words, chars),
        };
        let WordMaps {
            stem_ids,
            unigram,
            ngram_ids,
        } = words?;
        let char_ids = chars?;
        Ok(Tfidf {
            config,
            tokenizer: Tokenizer::new(tokenizer),
            stem_keys,
            terms: OnceLock::new(),
            char_terms,
            idf,
            stem_ids,
            unigram,
            ngram_ids,
            char_ids,
        })
    }

    pub fn config(&self) -> TfidfConfig {
        self.config
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The word terms (features `0..n_terms()`), as text: each term's stems joined by
    /// spaces. Made from the stems and their ids when first asked for.
    pub fn terms(&self) -> &TermList {
        self.terms.get_or_init(|| term_text(&self.stem_keys))
    }

    /// The number of word terms.
    pub fn n_terms(&self) -> usize {
        self.stem_keys.keys.len()
    }

    /// The stems the word terms use; a stem's id is its place in this list.
    pub fn stems(&self) -> &TermList {
        &self.stem_keys.stems
    }

    /// Each word term's stem ids, packed into one number: from the first word's, 21
    /// bits each, each id plus 1 (`"a b"` with ids 4 and 7 is `5 << 21 | 8`).
    pub fn term_keys(&self) -> &[u64] {
        &self.stem_keys.keys
    }

    /// The character n-grams (the features after the word terms).
    pub fn char_terms(&self) -> &TermList {
        &self.char_terms
    }

    /// How a feature reads: a word term as it is, a character n-gram in brackets with
    /// its padding spaces shown as `_` (`[_go]`).
    pub fn feature_name(&self, f: usize) -> String {
        if f < self.n_terms() {
            self.terms().get(f).to_string()
        } else {
            format!(
                "[{}]",
                self.char_terms.get(f - self.n_terms()).replace(' ', "_")
            )
        }
    }

    /// idf of every feature, word terms first.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Number of features: word terms plus character n-grams.
    pub fn n_features(&self) -> usize {
        self.n_terms() + self.char_terms.len()
    }

    /// Multiplies each term's idf by `scale[f]` (a learnt per-term weight).
    pub fn scale_idf(&mut self, scale: &[f32]) {
        for (w, &s) in self.idf.iter_mut().zip(scale) {
            *w *= s;
        }
    }

    /// Writes the TF-IDF row of `text` into `out` as `(feature, value)` pairs, each
    /// feature once: the word terms in order of first appearance, l2-normalised, then
    /// the character n-gram block.
    ///
    /// The character block sums each word's vector (`count in the word * idf` per
    /// n-gram) and divides by the square root of the sum of their squared norms, so a
    /// label's score from it is a sum of per-word numbers (cached per distinct word, see
    /// [`Scratch::entry_grams`]) over one per-sentence square root. Its norm is 1 when no
    /// two words share an n-gram, a little more when they do.
    pub fn transform_into(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<(u32, f32)>) {
        self.words_into(text, scratch, out);
        let Scratch {
            entries,
            arena,
            tokens,
            seen,
            stamp,
            ..
        } = scratch;
        if seen.len() < self.n_features() {
            seen.resize(self.n_features(), (0, 0));
        }
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            seen.fill((0, 0));
            *stamp = 1;
        }
        let first = out.len();
        let mut norm2 = 0.0f32;
        for &e in tokens.iter() {
            let en = entries[e as usize];
            norm2 += en.norm2;
            for &(f, u) in &arena[en.start as usize..en.end as usize] {
                let s = &mut seen[f as usize];
                if s.0 == *stamp {
                    out[s.1 as usize].1 += u;
                } else {
                    *s = (*stamp, out.len() as u32);
                    out.push((f, u));
                }
            }
        }
        if norm2 > 0.0 {
            let inv = 1.0 / norm2.sqrt();
            for p in out[first..].iter_mut() {
                p.1 *= inv;
            }
        }
    }

    /// Tokenizes `text` (filling `scratch.tokens()`) and writes the l2-normalised word
    /// term values of its row into `out`: the first block of [`Tfidf::transform_into`].
    pub fn words_into(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<(u32, f32)>) {
        self.count_terms(text, scratch);
        out.clear();
        let mut norm = 0.0f32;
        for &(f, count) in scratch.terms() {
            let v = self.tf(count) * self.idf[f as usize];
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

    /// The tf of a term that occurs `count` times in a sentence.
    #[inline(always)]
    pub fn tf(&self, count: u32) -> f32 {
        // Most terms occur once in a sentence: 1 + ln 1 = 1, no logarithm needed.
        if count == 1 || !self.config.sublinear_tf {
            count as f32
        } else {
            1.0 + (count as f32).ln()
        }
    }

    /// Tokenizes `text`: fills `scratch.tokens()` (each token's cache entry) and
    /// `scratch.terms()` (its word terms with their counts).
    #[inline]
    pub fn count_terms(&self, text: &str, scratch: &mut Scratch) {
        self.count_terms_with(text, scratch, |_| {});
    }

    /// [`Tfidf::count_terms`], calling `found` with each word term as it is found (for
    /// each occurrence), so a caller can start loading what it will read of the term.
    #[inline(always)]
    pub fn count_terms_with(&self, text: &str, scratch: &mut Scratch, mut found: impl FnMut(u32)) {
        let Scratch {
            word,
            grams,
            gram_ids,
            cache,
            entries,
            arena,
            generation,
            kept,
            cache_limit,
            surfaces,
            surface_keys,
            tokens,
            ids,
            keys,
            counts,
            ..
        } = scratch;
        tokens.clear();
        ids.clear();
        if cache.len() >= cache_limit.unwrap_or(CACHE_LIMIT) || arena.len() > ARENA_LIMIT {
            // Start over, keeping the first entries: at most half of them, holding at
            // most half the n-gram list.
            let half = entries.partition_point(|e| e.end as usize <= ARENA_LIMIT / 2);
            *kept = half.min(entries.len() / 2);
            entries.truncate(*kept);
            arena.truncate(entries.last().map_or(0, |e| e.end as usize));
            cache.retain(|v| (v.0 as usize) < *kept);
            *generation += 1;
        }
        let config = &self.config;
        // Each surface form's slot in the cache is prefetched as the tokenizer finds it
        // and looked up once the sentence is tokenized, so the loads overlap.
        // A surface form that is a slice of `text` (most are) is found there again on a
        // miss; the others (lower-cased, joined, split) are copied to `surfaces`.
        surfaces.clear();
        surface_keys.clear();
        self.tokenizer.for_each_surface(text, word, |s| {
            let k = key(s);
            cache.prefetch(k);
            let offset = (s.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
            let at = if offset < text.len() && offset < IN_SURFACES as usize {
                offset as u32
            } else {
                surfaces.push_str(s);
                (surfaces.len() - s.len()) as u32 | IN_SURFACES
            };
            surface_keys.push((k, at, s.len() as u32));
        });
        let orders = (config.ngram_max - config.ngram_min + 1) as usize;
        counts.begin(surface_keys.len() * orders);
        // Bigram keys are made (and their slots prefetched) as each token's stem is
        // found, so their loads overlap the rest of this loop.
        let bigrams = config.ngram_min <= 2 && config.ngram_max >= 2;
        keys.clear();
        let mut last = UNKNOWN;
        // Unigrams first (counted here), then each longer order, as in the vocabulary.
        for &(k, at, len) in surface_keys.iter() {
            let (e, stem, unigram) = match cache.get(k) {
                Some(found) => found,
                None => {
                    let start = (at & !IN_SURFACES) as usize;
                    let from = if at & IN_SURFACES == 0 {
                        text
                    } else {
                        &surfaces[..]
                    };
                    let s = &from[start..start + len as usize];
                    let e = self.new_entry(s, grams, gram_ids, arena, entries);
                    let en = &entries[e as usize];
                    let found = (e, en.stem, en.unigram);
                    cache.insert(k, found);
                    found
                }
            };
            tokens.push(e);
            ids.push(stem);
            if config.ngram_min == 1 && unigram != UNKNOWN {
                found(unigram);
                counts.add(unigram);
            }
            if bigrams && last != UNKNOWN && stem != UNKNOWN {
                let key = pack_next(pack_next(0, last), stem);
                self.ngram_ids.prefetch(key);
                keys.push(key);
            }
            last = stem;
        }
        // Longer n-grams, order by order: the keys from the stem ids, all prefetched
        // before any is looked up, so their loads overlap.
        for n in config.ngram_min.max(2)..=config.ngram_max {
            if n > 2 {
                keys.clear();
                for w in ids.windows(n as usize) {
                    if !w.contains(&UNKNOWN) {
                        keys.push(pack(w));
                    }
                }
                for &key in keys.iter() {
                    self.ngram_ids.prefetch(key);
                }
            }
            for &key in keys.iter() {
                if let Some(f) = self.ngram_ids.get(key) {
                    found(f);
                    counts.add(f);
                }
            }
        }
    }

    /// Adds the cache entry of surface form `s`: its stem id and unigram feature, and
    /// its character n-grams in `arena`.
    #[inline(never)]
    fn new_entry(
        &self,
        s: &str,
        grams: &mut GramScratch,
        gram_ids: &mut Vec<u32>,
        arena: &mut Vec<(u32, f32)>,
        entries: &mut Vec<Entry>,
    ) -> u32 {
        let stem = self
            .stem_ids
            .get(key(&self.tokenizer.stem(s)))
            .unwrap_or(UNKNOWN);
        gram_ids.clear();
        let config = &self.config;
        for_each_char_ngram(s, config.char_min, config.char_max, grams, |g| {
            if let Some(f) = self.char_ids.get(key(g)) {
                gram_ids.push(f);
            }
        });
        self.push_entry(stem, gram_ids, arena, entries)
    }

    /// Adds a cache entry for a word of stem id `stem` (`UNKNOWN`: none) whose
    /// character n-grams are the features `gram_ids` (each occurrence; sorted here):
    /// each feature once in `arena`, with its count times its idf.
    fn push_entry(
        &self,
        stem: u32,
        gram_ids: &mut [u32],
        arena: &mut Vec<(u32, f32)>,
        entries: &mut Vec<Entry>,
    ) -> u32 {
        gram_ids.sort_unstable();
        let start = arena.len() as u32;
        let mut norm2 = 0.0f32;
        for run in gram_ids.chunk_by(|a, b| a == b) {
            let u = run.len() as f32 * self.idf[run[0] as usize];
            norm2 += u * u;
            arena.push((run[0], u));
        }
        entries.push(Entry {
            stem,
            unigram: match stem {
                UNKNOWN => UNKNOWN,
                id => self.unigram[id as usize],
            },
            start,
            end: arena.len() as u32,
            norm2,
        });
        entries.len() as u32 - 1
    }

    /// The TF-IDF rows of many texts, `scratch` the word cache to use.
    pub fn transform_batch<S: AsRef<str>>(&self, docs: &[S], mut scratch: Scratch) -> SparseMatrix {
        let mut m = SparseMatrix::new(self.n_features());
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
    use std::collections::HashMap;

    /// The map holds what was put in through its growth, replaces on a second insert,
    /// misses what it does not hold, keeps what `retain` keeps, and treats key 0 as key 1
    /// (0 marks empty slots).
    #[test]
    fn key_map_holds_what_was_inserted() {
        let mut map = KeyMap::default();
        let mut reference = HashMap::new();
        // Keys with equal low or high bits, and spread ones, to crowd some slots.
        let keys = (1..3000u64)
            .flat_map(|i| [i, i << 40, i.wrapping_mul(0x9E37_79B9_7F4A_7C15)])
            .collect::<Vec<_>>();
        for (v, &k) in keys.iter().enumerate() {
            assert_eq!(map.insert(k, v as u32), reference.insert(k, v as u32));
        }
        assert_eq!(map.insert(keys[5], 7), Some(5));
        reference.insert(keys[5], 7);
        assert_eq!(map.len(), reference.len());
        assert!(map.slots.len() >= 2 * map.len());
        for (&k, &v) in &reference {
            assert_eq!(map.get(k), Some(v));
        }
        for k in [3001u64, 3001 << 40, u64::MAX] {
            assert_eq!(map.get(k), None);
        }
        // Retaining some keeps exactly those, findable through the rebuilt table.
        map.retain(|&v| v % 3 == 0);
        for (&k, &v) in &reference {
            assert_eq!(map.get(k), (v % 3 == 0).then_some(v));
        }
        assert_eq!(
            map.len(),
            reference.values().filter(|&&v| v % 3 == 0).count()
        );
        map.retain(|_| false);
        assert_eq!((map.len(), map.get(keys[0])), (0, None));
        assert_eq!(map.insert(0, 9), None);
        assert_eq!(map.get(1), Some(9));
    }

    /// Term counts agree with plain counting, in order of first appearance, across
    /// sentences (stale slots are empty) and a sentence long enough to grow the table.
    #[test]
    fn term_counts_count_each_feature_in_order_of_first_appearance() {
        let mut counts = TermCounts::default();
        let sentences: Vec<Vec<u32>> = vec![
            vec![5, 9, 5, 5, 70, 9],
            vec![9, 1 << 20, 64, 128, 9],
            (0..5000u32).map(|i| (i * 7919) % 1500).collect(),
            vec![3, 3],
            vec![],
        ];
        for features in &sentences {
            counts.begin(features.len());
            for &f in features {
                counts.add(f);
            }
            let mut want: Vec<(u32, u32)> = Vec::new();
            for &f in features {
                match want.iter_mut().find(|t| t.0 == f) {
                    Some(t) => t.1 += 1,
                    None => want.push((f, 1)),
                }
            }
            assert_eq!(counts.terms, want);
        }
        // The table grown for the long sentence was shrunk again for the short ones.
        assert!(counts.slots.len() <= 64 * 16);
    }

    /// Word n-grams only.
    fn cfg(min_df: u32, max_df: f64, max_features: Option<u32>) -> TfidfConfig {
        TfidfConfig {
            min_df,
            max_df,
            max_features,
            char_min: 0,
            char_max: 0,
            ..TfidfConfig::default()
        }
    }

    /// The default settings with character n-grams of `min..=max` characters.
    fn with_chars(min: u8, max: u8) -> TfidfConfig {
        TfidfConfig {
            char_min: min,
            char_max: max,
            ..TfidfConfig::default()
        }
    }

    fn grams(word: &str, min: u8, max: u8) -> Vec<String> {
        let mut out = Vec::new();
        for_each_char_ngram(word, min, max, &mut GramScratch::default(), |g| {
            out.push(g.to_string())
        });
        out
    }

    #[test]
    fn char_ngrams_are_padded_and_by_character() {
        assert_eq!(
            grams("good", 2, 3),
            [" g", "go", "oo", "od", "d ", " go", "goo", "ood", "od "]
        );
        assert_eq!(grams("a", 2, 5), [" a", "a ", " a "]);
        assert_eq!(grams("déjà", 5, 5), [" déjà", "déjà "]);
        assert!(
            grams(",", 2, 5).is_empty(),
            "punctuation has no character n-grams"
        );
        assert!(grams("good", 0, 0).is_empty());
    }

    #[test]
    fn char_block_follows_words_and_is_normalised_on_its_own() {
        let c = with_chars(3, 3);
        let t = Tfidf::fit(&["goodness me", "bad"], TokenizerConfig::default(), c).unwrap();
        let n_words = t.terms().len();
        assert!(t.char_terms().contains("goo"));
        assert!(t.char_terms().contains(" me"));
        assert_eq!(t.n_features(), n_words + t.char_terms().len());
        assert_eq!(t.idf().len(), t.n_features());
        // "goo" is not a word term, but shares " go" and "goo" with "goodness".
        let mut row = Vec::new();
        t.transform_into("goo", &mut Scratch::default(), &mut row);
        assert!(row.iter().all(|p| p.0 as usize >= n_words));
        let names: Vec<String> = row.iter().map(|p| t.feature_name(p.0 as usize)).collect();
        assert_eq!(names, ["[_go]", "[goo]"]);
        let norm: f32 = row.iter().map(|p| p.1 * p.1).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        // Both blocks: each has unit norm, words first.
        t.transform_into("bad goodness", &mut Scratch::default(), &mut row);
        let split = row.iter().position(|p| p.0 as usize >= n_words).unwrap();
        assert!(row[split..].iter().all(|p| p.0 as usize >= n_words));
        let w: f32 = row[..split].iter().map(|p| p.1 * p.1).sum();
        let ch: f32 = row[split..].iter().map(|p| p.1 * p.1).sum();
        assert!(
            (w - 1.0).abs() < 1e-5 && (ch - 1.0).abs() < 1e-5,
            "{w} {ch}"
        );
    }

    #[test]
    fn char_block_sums_word_vectors_over_their_norms() {
        let c = with_chars(2, 2);
        let t = Tfidf::fit(&["aaa ab"], TokenizerConfig::default(), c).unwrap();
        let mut row = Vec::new();
        t.transform_into("aaa ab", &mut Scratch::default(), &mut row);
        let value = |g: &str| {
            let f = t.terms().len() + t.char_terms().iter().position(|x| x == g).unwrap();
            row.iter().find(|p| p.0 as usize == f).unwrap().1
        };
        // All n-grams have the same idf (one document). "aaa" is " a" + 2 "aa" + "a ",
        // "ab" is " a" + "ab" + "b ": squared norms 1 + 4 + 1 and 1 + 1 + 1, idf² apart.
        let idf = t.idf()[t.terms().len()];
        let norm = idf * (6.0f32 + 3.0).sqrt();
        for (g, count) in [
            (" a", 2.0),
            ("aa", 2.0),
            ("a ", 1.0),
            ("ab", 1.0),
            ("b ", 1.0),
        ] {
            assert!(
                (value(g) - count * idf / norm).abs() < 1e-6,
                "{g:?}: {} vs {}",
                value(g),
                count * idf / norm
            );
        }
    }

    /// Training text with the vocabulary's awkward cases: stems that are prefixes of
    /// others (`a`, `ab`, `a-b` splits to `a` `b`), punctuation tokens, non-ASCII
    /// letters, words repeated within a sentence, one-letter words.
    const AWKWARD: [&str; 8] = [
        "A b ab a-b abc!",
        "ab a b? a b a",
        "Café cafés café x y z",
        "it's x-y ... -- z x y",
        "runner runs run, running?",
        "Ünïcode über x über",
        "b a ab abc a",
        "zz z z, y",
    ];

    /// Document frequencies counted the plain way: each sentence's terms as text
    /// (stems joined by spaces) and its character n-grams, each once a sentence.
    fn plain_df(
        docs: &[&str],
        config: &TfidfConfig,
    ) -> (HashMap<String, u32>, HashMap<String, u32>) {
        let tok = Tokenizer::new(TokenizerConfig::default());
        let (mut words, mut chars) = (HashMap::new(), HashMap::new());
        for doc in docs {
            let stems = tok.tokens(doc);
            let mut terms = std::collections::BTreeSet::new();
            for n in config.ngram_min..=config.ngram_max {
                for w in stems.windows(n as usize) {
                    terms.insert(w.join(" "));
                }
            }
            let mut grams = std::collections::BTreeSet::new();
            let mut word = String::new();
            tok.for_each_surface(doc, &mut word, |s| {
                grams.extend(self::grams(s, config.char_min, config.char_max));
            });
            for t in terms {
                *words.entry(t).or_insert(0) += 1;
            }
            for g in grams {
                *chars.entry(g).or_insert(0) += 1;
            }
        }
        (words, chars)
    }

    /// The vocabulary is what counting each term by its text gives: the terms kept by
    /// min_df, max_df and max_features (the most frequent, ties by text), sorted as
    /// strings, with their idf.
    #[test]
    fn vocabulary_is_the_plain_count_of_each_term() {
        let configs = [
            with_chars(2, 4),
            TfidfConfig {
                ngram_max: 3,
                min_df: 2,
                ..with_chars(1, 3)
            },
            TfidfConfig {
                ngram_min: 2,
                ngram_max: 3,
                max_df: 0.3,
                ..cfg(1, 1.0, None)
            },
            cfg(1, 1.0, Some(7)),
        ];
        let n = AWKWARD.len();
        for config in configs {
            let t = Tfidf::fit(&AWKWARD, TokenizerConfig::default(), config).unwrap();
            let (words, chars) = plain_df(&AWKWARD, &config);
            let keep = |df: &HashMap<String, u32>, cap: Option<u32>| {
                let max = (config.max_df * n as f64).floor() as u32;
                let mut kept: Vec<(String, u32)> = df
                    .iter()
                    .map(|(t, &d)| (t.clone(), d))
                    .filter(|&(_, d)| d >= config.min_df && (config.max_df >= 1.0 || d <= max))
                    .collect();
                kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                kept.truncate(cap.map_or(usize::MAX, |c| c as usize));
                kept.sort();
                kept
            };
            let (w, c) = (keep(&words, config.max_features), keep(&chars, None));
            let names: Vec<&str> = w.iter().chain(&c).map(|p| p.0.as_str()).collect();
            let got: Vec<&str> = t.terms().iter().chain(t.char_terms().iter()).collect();
            assert_eq!(got, names, "{config:?}");
            let idf: Vec<f32> = w.iter().chain(&c).map(|p| smoothed_idf(n, p.1)).collect();
            assert_eq!(t.idf(), idf, "{config:?}");
        }
    }

    /// The scratch `fit_with_scratch` gives, its cache already full of the training
    /// words, featurizes any text as a fresh scratch does, pruned words and n-grams
    /// included.
    #[test]
    fn scratch_from_fitting_gives_the_rows_of_a_fresh_one() {
        let config = TfidfConfig {
            min_df: 2,
            ..with_chars(2, 3)
        };
        let (t, mut warm) =
            Tfidf::fit_with_scratch(&AWKWARD, TokenizerConfig::default(), config).unwrap();
        assert!(warm.n_entries() > 20);
        let mut cold = Scratch::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for text in AWKWARD.iter().chain(&["new words, café ab", "x y z zz"]) {
            t.transform_into(text, &mut warm, &mut a);
            t.transform_into(text, &mut cold, &mut b);
            assert_eq!(a, b, "{text}");
        }
    }

    /// The interner gives each string the next id when first met and the same id after,
    /// short strings (their own keys) and long ones (hashed) alike.
    #[test]
    fn interner_gives_each_string_one_id() {
        let words = [
            "",
            "a",
            "abcdefg",
            "abcdefgh",
            "abcdefghijk",
            "a",
            "é",
            "abcdefgh",
        ];
        let mut interner = Interner::default();
        let ids: Vec<u32> = words.iter().map(|w| interner.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 1, 5, 3]);
        for (w, &id) in words.iter().zip(&ids) {
            assert_eq!(interner.get(id), *w);
        }
        assert_eq!(interner.len(), 6);
        assert!(interner.check().is_ok());
    }

    /// Packed n-gram keys unpack to their stem ids, first word first.
    #[test]
    fn packed_keys_unpack_to_their_ids() {
        let top = MAX_STEMS as u32 - 1;
        for ids in [&[0][..], &[5, 0], &[top, 7, 0], &[1, top], &[top]] {
            assert_eq!(unpack(pack(ids)).collect::<Vec<_>>(), ids);
        }
    }

    /// A full cache starts over keeping its first entries (at most half), and rows
    /// stay those of a fresh cache throughout.
    #[test]
    fn full_cache_keeps_its_first_entries() {
        let docs = [
            "the good show was very good",
            "a bad dull season, badly written",
            "the cast was great and the show moved fast",
        ];
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), with_chars(2, 3)).unwrap();
        let mut small = Scratch::with_cache_limit(6);
        let (mut row, mut want) = (Vec::new(), Vec::new());
        let mut starts = Vec::new();
        for text in docs.iter().chain(&docs).chain(&["unseen words here now"]) {
            let (generation, held) = (small.generation(), small.n_entries());
            t.transform_into(text, &mut small, &mut row);
            t.transform_into(text, &mut Scratch::default(), &mut want);
            assert_eq!(row.len(), want.len(), "{text:?}");
            for (a, b) in row.iter().zip(&want) {
                assert!(
                    a.0 == b.0 && (a.1 - b.1).abs() < 1e-6,
                    "{text:?}: {a:?} {b:?}"
                );
            }
            if small.generation() != generation {
                starts.push((held, small.kept()));
            }
        }
        // The cache started over whenever it held 6 words or more, keeping half.
        assert!(starts.len() >= 3, "{starts:?}");
        assert!(
            starts
                .iter()
                .all(|&(held, kept)| held >= 6 && kept == held / 2),
            "{starts:?}"
        );
    }

    #[test]
    fn vocabulary_has_unigrams_and_bigrams_sorted() {
        let t = Tfidf::fit(
            &["good show", "bad show"],
            TokenizerConfig::default(),
            cfg(1, 1.0, None),
        )
        .unwrap();
        assert_eq!(
            t.terms().to_vec(),
            ["bad", "bad show", "good", "good show", "show"]
        );
    }

    #[test]
    fn min_df_max_df_and_max_features_prune() {
        let docs = ["good show", "bad show", "good plot"];
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(2, 1.0, None)).unwrap();
        assert_eq!(t.terms().to_vec(), ["good", "show"]);
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(1, 0.5, None)).unwrap();
        assert!(!t.terms().contains("show"));
        assert!(t.terms().contains("bad show"));
        let t = Tfidf::fit(&docs, TokenizerConfig::default(), cfg(1, 1.0, Some(2))).unwrap();
        assert_eq!(t.terms().to_vec(), ["good", "show"]);
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
        let m = t.transform_batch(&["renewing show", "renewed shows"], Scratch::default());
        assert_eq!(m.row(0), m.row(1));
    }

    #[test]
    fn stored_word_terms_are_checked() {
        let c = TfidfConfig {
            ngram_max: 2,
            ..TfidfConfig::default()
        };
        let tc = TokenizerConfig::default();
        let (a, b, ab, ba) = (1, 2, 1 << STEM_BITS | 2, 2 << STEM_BITS | 1);
        let parts = |stems: &[&str], keys: &[u64]| {
            let idf = vec![1.0; keys.len()];
            let none = TermList::from_terms::<&str>(&[]);
            Tfidf::from_parts(tc, c, TermList::from_terms(stems), keys.to_vec(), none, idf)
        };
        let t = parts(&["x", "y"], &[a, ab, b, ba]).unwrap();
        assert_eq!(t.terms().to_vec(), ["x", "x y", "y", "y x"]);
        assert!(t.stem_ids.get(key("y")) == Some(1) && t.unigram == [0, 2]);
        assert_eq!(t.ngram_ids.get(ba), Some(3));
        for (stems, keys, why) in [
            (&["x", "x"][..], &[a][..], "a word twice"),
            (&["x", ""], &[a], "an empty word"),
            (&["x", "y z"], &[a], "a word with a space"),
            (&["x", "y"], &[a, a], "a unigram twice"),
            (&["x", "y"], &[ab, ab], "a bigram twice"),
            (&["x", "y"], &[3], "a word id past the list"),
            (&["x", "y"], &[1 << STEM_BITS], "a word id field of 0"),
            (&["x", "y"], &[0], "no words"),
            (&["x", "y"], &[(ab << STEM_BITS) | 1], "a trigram"),
        ] {
            assert!(parts(stems, keys).is_err(), "{why}");
        }
    }

    #[test]
    fn word_terms_round_trip_through_stems_and_keys() {
        let terms = ["a", "a b", "bb", "bb a", "bb c", "c", "c bb c"];
        let c = TfidfConfig {
            ngram_max: 3,
            ..TfidfConfig::default()
        };
        let keys = stem_keys(&c, &TermList::from_terms(&terms)).unwrap();
        assert_eq!(keys.stems.to_vec(), ["a", "b", "bb", "c"]);
        assert_eq!(term_text(&keys).to_vec(), terms);
    }

    #[test]
    fn fitting_numbers_stems_as_terms_given_as_text_do() {
        // Fitting makes its stems and keys from ranks; `from_terms` from the text.
        for (min, max) in [(1, 1), (1, 2), (1, 3), (2, 3)] {
            let c = TfidfConfig {
                ngram_min: min,
                ngram_max: max,
                ..TfidfConfig::default()
            };
            let tc = TokenizerConfig::default();
            let fitted = Tfidf::fit(&AWKWARD, tc, c).unwrap();
            let terms = TermList::from_terms(&fitted.terms().to_vec());
            let none = TermList::from_terms::<&str>(&[]);
            let idf = fitted.idf()[..fitted.n_terms()].to_vec();
            let c_words = TfidfConfig {
                char_min: 0,
                char_max: 0,
                ..c
            };
            let given = Tfidf::from_terms(tc, c_words, terms, none, idf).unwrap();
            assert_eq!(
                given.stems().to_vec(),
                fitted.stems().to_vec(),
                "{min}-{max}"
            );
            assert_eq!(given.term_keys(), fitted.term_keys(), "{min}-{max}");
        }
    }

    #[test]
    fn from_parts_rejects_inconsistent_vocabularies() {
        let c = TfidfConfig::default();
        let tc = TokenizerConfig::default();
        let words_only = TfidfConfig {
            char_min: 0,
            char_max: 0,
            ..c
        };
        let parts_with = |c: TfidfConfig, terms: &[&str], chars: &[&str], idf: Vec<f32>| {
            let list = TermList::from_terms;
            Tfidf::from_terms(tc, c, list(terms), list(chars), idf)
        };
        let parts = |terms: &[&str], chars: &[&str], idf| parts_with(c, terms, chars, idf);
        assert!(parts(&["a"], &[" a"], vec![1.0, 1.0]).is_ok());
        assert!(parts(&["a"], &[], vec![]).is_err());
        assert!(parts(&["a", "a"], &[], vec![1.0, 1.0]).is_err());
        assert!(parts(&["a b c"], &[], vec![1.0]).is_err());
        assert!(parts(&["a"], &[], vec![f32::NAN]).is_err());
        assert!(parts(&["a  b"], &[], vec![1.0]).is_err());
        assert!(
            parts(&["a", "", "b"], &[], vec![1.0; 3]).is_err(),
            "empty term"
        );
        assert!(
            parts(&["a"], &[" a", " a"], vec![1.0; 3]).is_err(),
            "n-gram twice"
        );
        assert!(
            parts(&["a"], &["abcdef"], vec![1.0; 2]).is_err(),
            "n-gram too long"
        );
        assert!(parts(&["a"], &[" a"], vec![1.0]).is_err(), "idf count");
        assert!(parts_with(words_only, &["a"], &[" a"], vec![1.0; 2]).is_err());
    }

    #[test]
    fn term_lists_round_trip_through_their_joined_text() {
        let l = TermList::from_terms(&["a b", "c", "[_x]"]);
        assert_eq!(l.joined(), "a b\nc\n[_x]");
        let back = TermList::from_joined(l.joined().to_string()).unwrap();
        assert_eq!(back, l);
        assert_eq!((back.len(), back.get(1)), (3, "c"));
        assert!(back.contains("a b") && !back.contains("a"));
        let empty = TermList::from_joined(String::new()).unwrap();
        assert!(empty.is_empty() && empty.to_vec().is_empty());
    }

    #[test]
    fn trigrams_when_asked() {
        let c = TfidfConfig {
            ngram_max: 3,
            ..cfg(1, 1.0, None)
        };
        let t = Tfidf::fit(&["not very good"], TokenizerConfig::default(), c).unwrap();
        assert!(t.terms().contains("not veri good"));
    }
}
