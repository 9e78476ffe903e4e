//! Fitting: counting the training text (its distinct words, their stems and
//! character n-grams, and each term's document frequency) and pruning the counts to a
//! vocabulary with its idf.

use super::chars::{for_each_char_ngram, GramScratch};
use super::config::{TfidfConfig, MAX_NGRAM};
use super::keymap::{key, pack, pack_next, unpack, KeyMap, MAX_STEMS, STEM_BITS, UNKNOWN};
use super::scratch::{Scratch, ARENA_LIMIT, CACHE_LIMIT};
use super::terms::TermList;
use super::vocabulary::StemKeys;
use super::Tfidf;
use crate::tokens::{Tokenizer, TokenizerConfig};
use rayon::prelude::*;

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

pub(super) fn smoothed_idf(n_docs: usize, df: u32) -> f32 {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
