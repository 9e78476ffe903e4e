//! The hot path: a sentence to the probability of every label, allocating nothing
//! per sentence (the word table, the character and semantic blocks, softmax).

use super::*;

/// Per-thread scratch space for scoring: keep one per thread and pass it to every
/// call, so scoring allocates nothing per sentence.
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// let mut scratch = stance::ScoreScratch::default();
/// let mut p = vec![0.0; model.labels().len()];
/// model.score_into("What a finale.", &mut scratch, &mut p);
/// assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ScoreScratch {
    tfidf: Scratch,
    pub(super) row: Vec<(u32, f32)>,
    /// The current sentence's word block scores before normalisation (any number of
    /// labels; see [`zeros`]).
    word_acc: Vec<f32>,
    /// Per cached word (the featurizer's cache entries): what its character n-grams add
    /// to each label's score before the sentence's normalisation, `k` values each.
    word_scores: Vec<f32>,
    /// The featurizer cache generation `word_scores` belongs to.
    generation: u64,
    /// The current sentence's character block scores (any number of labels).
    char_scores: Vec<f32>,
    /// The semantic block's per-word lookups and the current sentence's sum.
    dense: DenseScratch,
}

impl ScoreScratch {
    /// Scratch whose word cache starts over once it holds more than `limit` words (the
    /// default limit suits most text; a small one bounds memory on endless input).
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let mut small = stance::ScoreScratch::with_cache_limit(2);
    /// let mut p = vec![0.0; model.labels().len()];
    /// model.score_into("One two three four five.", &mut small, &mut p);
    /// assert_eq!(p, model.predict("One two three four five.").1);
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn with_cache_limit(limit: usize) -> ScoreScratch {
        ScoreScratch {
            tfidf: Scratch::with_cache_limit(limit),
            ..ScoreScratch::default()
        }
    }
}

/// Everything scoring needs of a word term in one row, so a term costs one lookup:
/// `idf * weight` for each label, then (with a naive Bayes term) its presence weights,
/// then `idf²` (the sentence's norm is the square root of the sum of `tf² idf²`).
#[derive(Debug, Clone)]
pub(super) struct WordTable {
    stride: usize,
    presence: bool,
    values: Vec<f32>,
}

impl WordTable {
    pub(super) fn new(tfidf: &Tfidf, model: &Logistic) -> WordTable {
        let k = model.labels().len();
        let presence = !model.presence().is_empty();
        let stride = k * (1 + usize::from(presence)) + 1;
        let mut values = vec![0f32; tfidf.n_terms() * stride];
        // Word terms come first among the features, so the rows pair with the first
        // weights (`k` per feature) and idf values, and with the presence weights (`k`
        // per word term, for as many terms as there are; the other rows keep 0).
        let rows = values.chunks_exact_mut(stride);
        for ((row, w), &idf) in rows.zip(model.weights().chunks_exact(k)).zip(tfidf.idf()) {
            for (v, &w) in row[..k].iter_mut().zip(w) {
                *v = idf * w;
            }
            row[stride - 1] = idf * idf;
        }
        if presence {
            let rows = values.chunks_exact_mut(stride);
            for (row, p) in rows.zip(model.presence().chunks_exact(k)) {
                row[k..2 * k].copy_from_slice(p);
            }
        }
        WordTable {
            stride,
            presence,
            values,
        }
    }
}

/// `k` zeros to add label scores up in: `local` when the number of labels `K` is known
/// (`k` then equals it), else `spill` (kept in the scratch, so nothing is allocated).
#[inline(always)]
fn zeros<'a, const K: usize>(
    local: &'a mut [f32; K],
    spill: &'a mut Vec<f32>,
    k: usize,
) -> &'a mut [f32] {
    if K == 0 {
        spill.clear();
        spill.resize(k, 0.0);
        spill
    } else {
        local
    }
}

impl Classifier {
    /// The whole row of `text` the model scores: the TF-IDF row, then the semantic
    /// block's features (when the model has one). Internal: for `--explain` and tests.
    #[doc(hidden)]
    pub fn row_into(&self, text: &str, scratch: &mut ScoreScratch, out: &mut Vec<(u32, f32)>) {
        self.tfidf.transform_into(text, &mut scratch.tfidf, out);
        if let Some(e) = &self.embedding {
            e.block_into(&scratch.tfidf, self.tfidf.n_features(), out);
        }
    }

    /// Scores one sentence: probabilities for every label written to `out`.
    ///
    /// The same numbers as the model applied to [`Tfidf::transform_into`]'s row, but the
    /// character n-gram block is never built: each distinct word's share of every
    /// label's score is computed once and kept in `scratch`, so a word costs `k`
    /// additions however many n-grams it has. `out` must hold one value per label.
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let mut p = vec![0.0; model.labels().len()];
    /// model.score_into("It premieres on Friday.", &mut stance::ScoreScratch::default(), &mut p);
    /// assert!(p.iter().all(|&x| (0.0..=1.0).contains(&x)));
    /// # Ok::<(), stance::Error>(())
    /// ```
    #[inline]
    pub fn score_into(&self, text: &str, scratch: &mut ScoreScratch, out: &mut [f32]) {
        match out.len() {
            2 => self.score_with::<2>(text, scratch, out),
            3 => self.score_with::<3>(text, scratch, out),
            4 => self.score_with::<4>(text, scratch, out),
            _ => self.score_with::<0>(text, scratch, out),
        }
    }

    /// [`Classifier::score_into`] for `K` labels (0: any number).
    ///
    /// With `K` known, the scores add up in local arrays the compiler keeps in
    /// registers, not in memory where each addition would wait for the last one's store.
    #[inline(always)]
    fn score_with<const K: usize>(&self, text: &str, scratch: &mut ScoreScratch, out: &mut [f32]) {
        let k = out.len();
        let WordTable {
            stride,
            presence,
            ref values,
        } = self.words;
        // Each term's row starts loading as soon as the term is found.
        self.tfidf.count_terms_with(text, &mut scratch.tfidf, |f| {
            prefetch(&values[f as usize * stride])
        });
        let (mut z_local, mut acc_local) = ([0f32; K], [0f32; K]);
        let z: &mut [f32] = if K == 0 { &mut *out } else { &mut z_local };
        z.copy_from_slice(self.model.intercepts());
        let acc = zeros(&mut acc_local, &mut scratch.word_acc, k);
        let mut norm2 = 0.0f32;
        for &(f, count) in scratch.tfidf.terms() {
            let row = &values[f as usize * stride..(f as usize + 1) * stride];
            let tf = self.tfidf.tf(count);
            add_scaled::<K>(acc, row, tf);
            if presence {
                add_scaled::<K>(z, &row[k..], 1.0);
            }
            norm2 += tf * tf * row[stride - 1];
        }
        if norm2 > 0.0 {
            add_scaled::<K>(z, acc, 1.0 / norm2.sqrt());
        }
        if self.tfidf.config().has_chars() {
            self.add_char_scores::<K>(scratch, z);
        }
        if let Some(e) = &self.embedding {
            self.add_dense_scores::<K>(e, scratch, z);
        }
        if K > 0 {
            out.copy_from_slice(&z_local);
        }
        softmax_in_place(out);
    }

    /// Adds the character block's share of the scores of the sentence last featurized.
    #[inline(always)]
    fn add_char_scores<const K: usize>(&self, scratch: &mut ScoreScratch, out: &mut [f32]) {
        let k = out.len();
        // Per cached word: its share of each label's score, then its squared norm.
        let stride = k + 1;
        let ScoreScratch {
            tfidf,
            word_scores,
            generation,
            char_scores,
            ..
        } = scratch;
        if *generation != tfidf.generation() {
            word_scores.truncate(tfidf.kept() * stride);
            *generation = tfidf.generation();
        }
        while word_scores.len() < tfidf.n_entries() * stride {
            let (grams, norm2) = tfidf.entry_grams((word_scores.len() / stride) as u32);
            let at = word_scores.len();
            word_scores.resize(at + stride, 0.0);
            let weights = self.model.weights();
            for &(f, u) in grams {
                add_scaled::<K>(&mut word_scores[at..at + k], &weights[f as usize * k..], u);
            }
            word_scores[at + k] = norm2;
        }
        let mut local = [0f32; K];
        let sums = zeros(&mut local, char_scores, k);
        let mut norm2 = 0.0f32;
        for &e in tfidf.tokens() {
            let s = &word_scores[e as usize * stride..e as usize * stride + stride];
            add_scaled::<K>(sums, s, 1.0);
            norm2 += s[k];
        }
        if norm2 > 0.0 {
            add_scaled::<K>(out, sums, 1.0 / norm2.sqrt());
        }
    }

    /// Adds the semantic block's share of the scores of the sentence last featurized:
    /// the block's weights times the sum of its tokens' vectors, times the sum's scale.
    #[inline(always)]
    fn add_dense_scores<const K: usize>(
        &self,
        e: &Embedding,
        scratch: &mut ScoreScratch,
        out: &mut [f32],
    ) {
        let k = if K == 0 { out.len() } else { K };
        let scale = e.sum_of_sentence(&scratch.tfidf, &mut scratch.dense);
        if scale == 0.0 {
            return;
        }
        let sum = &scratch.dense.sum;
        for (o, w) in out[..k]
            .iter_mut()
            .zip(self.dense_by_label.chunks_exact(sum.len()))
        {
            *o += scale * dot8(w, sum);
        }
    }

    /// Label index and probabilities of one sentence (allocates; for tests and tools).
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let (c, p) = model.predict("A dazzling, heartfelt season.");
    /// assert!(p.iter().all(|&x| x <= p[c]));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn predict(&self, text: &str) -> (usize, Vec<f32>) {
        let mut p = vec![0.0; self.labels().len()];
        self.score_into(text, &mut ScoreScratch::default(), &mut p);
        (argmax(&p), p)
    }
}
