//! The hot path: a sentence to its TF-IDF row, through the word cache of a
//! [`Scratch`].

use super::keymap::{key, pack, pack_next, UNKNOWN};
use super::scratch::{Scratch, ARENA_LIMIT, CACHE_LIMIT, IN_SURFACES};
use super::sparse::SparseMatrix;
use super::Tfidf;

impl Tfidf {
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
