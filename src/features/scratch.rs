//! The per-thread [`Scratch`]: the word cache (each distinct surface form's stem id,
//! unigram feature and character n-grams) and the per-sentence buffers of
//! [`Tfidf::transform_into`], and how a cache entry is made.

use super::chars::{for_each_char_ngram, GramScratch};
use super::keymap::{key, KeyMap, UNKNOWN};
use super::Tfidf;

/// Surface forms a [`Scratch`] cache holds before it starts over (bounds memory: the
/// map then has at most `2 * CACHE_LIMIT` slots of 24 bytes).
pub(super) const CACHE_LIMIT: usize = 1 << 17;

/// Character n-gram entries (8 bytes each) the cache's words may hold before it starts
/// over, less room for one long sentence's new words, so the list's storage stays
/// 8 MiB. With this and [`CACHE_LIMIT`], a scratch stays near 20 MB on any input.
pub(super) const ARENA_LIMIT: usize = (1 << 20) - (1 << 12);

/// The distinct word terms of one sentence with their counts, in order of first
/// appearance. A small open-addressing table over the sentence's features (sized for
/// the sentence, emptied by bumping a stamp) finds a term seen before, so the lookups
/// stay in a few cache lines whatever the vocabulary's size.
#[derive(Debug, Default)]
pub(super) struct TermCounts {
    /// `(stamp, feature, place in terms)`; a slot with an old stamp is empty.
    slots: Vec<(u32, u32, u32)>,
    shift: u32,
    stamp: u32,
    terms: Vec<(u32, u32)>,
}

impl TermCounts {
    /// Starts a sentence of at most `most` terms.
    pub(super) fn begin(&mut self, most: usize) {
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
    pub(super) fn add(&mut self, f: u32) {
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
pub(super) struct Entry {
    pub(super) stem: u32,
    /// Feature id of the stem as a unigram term (`UNKNOWN` if none).
    pub(super) unigram: u32,
    pub(super) start: u32,
    pub(super) end: u32,
    /// Squared l2 norm of the word's character n-gram vector.
    pub(super) norm2: f32,
}

/// Marks a surface form's start as a place in the scratch's copies, not the sentence.
pub(super) const IN_SURFACES: u32 = 1 << 31;

/// Reusable per-thread state for [`Tfidf::transform_into`]: no allocation per sentence
/// once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(super) word: String,
    pub(super) grams: GramScratch,
    pub(super) gram_ids: Vec<u32>,
    /// Surface form (by [`key`]) → its index into `entries`, stem id and unigram
    /// feature (the last two copied from the entry, so the commonest lookups stop here).
    pub(super) cache: KeyMap<(u32, u32, u32)>,
    pub(super) entries: Vec<Entry>,
    /// `(feature, count in the word * idf)` of each cached surface form's character
    /// n-grams, each feature once per word.
    pub(super) arena: Vec<(u32, f32)>,
    /// Bumped whenever the cache starts over (entry ids from `kept` on are then
    /// reused).
    pub(super) generation: u64,
    /// Entries kept when the cache last started over: the first ones, so the words
    /// met first (in most text the commonest) stay cached.
    pub(super) kept: usize,
    /// Surface forms held before the cache starts over (`None`: [`CACHE_LIMIT`]).
    pub(super) cache_limit: Option<usize>,
    /// The current sentence's surface forms, one after another.
    pub(super) surfaces: String,
    /// Each surface form's [`key`], where it starts (in the sentence, or with
    /// [`IN_SURFACES`] set in `surfaces`) and its length in bytes.
    pub(super) surface_keys: Vec<(u64, u32, u32)>,
    /// Entries of the current sentence's tokens, in order.
    pub(super) tokens: Vec<u32>,
    /// Stem ids of the current sentence's tokens, in order.
    pub(super) ids: Vec<u32>,
    /// The current sentence's n-gram keys.
    pub(super) keys: Vec<u64>,
    /// The current sentence's word terms and their counts.
    pub(super) counts: TermCounts,
    /// Per character n-gram feature: the stamp of the last sentence it was seen in and
    /// its place in that sentence's row.
    pub(super) seen: Vec<(u32, u32)>,
    pub(super) stamp: u32,
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

impl Tfidf {
    /// Adds the cache entry of surface form `s`: its stem id and unigram feature, and
    /// its character n-grams in `arena`.
    #[inline(never)]
    pub(super) fn new_entry(
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
    pub(super) fn push_entry(
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
