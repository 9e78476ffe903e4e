//! The whole pipeline in one value: text → tokens → TF-IDF row → label probabilities.
//!
//! A [`Classifier`] is what a model file holds; it trains from labelled texts, scores
//! sentences (reusing a [`ScoreScratch`] so scoring allocates nothing per sentence),
//! explains a score, and reads and writes model files.

use crate::error::{Error, Result};
use crate::features::embed::{dot8, DenseScratch, Embedding, EmbeddingTable};
use crate::features::{nb_scales, prefetch, Scratch, SparseMatrix, TermList, Tfidf, TfidfConfig};
use crate::input::Labelled;
use crate::model::{add_scaled, softmax_in_place, CharBlock, FitConfig, FitReport, Logistic};
use crate::modelfile::{self, EmbeddingData, Metadata, ModelData, TableRef};
use crate::tokens::TokenizerConfig;
use std::borrow::Cow;
use std::path::Path;

mod batch;
pub use batch::Sentence;

/// The model built into the binary (rebuilt from `models/corpus/` by `models/build.sh`).
pub static BUILTIN_MODEL: &[u8] = include_bytes!("../../models/stance.model");

/// Every training setting.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainSettings {
    pub tokenizer: TokenizerConfig,
    pub tfidf: TfidfConfig,
    pub fit: FitConfig,
    /// The semantic block (none: TF-IDF alone).
    pub embedding: Option<Embedding>,
}

impl TrainSettings {
    /// Checks every setting's range, as `stance train` does before it reads any data;
    /// a message names the `stance train` flag. Training checks them too.
    ///
    /// ```
    /// let mut s = stance::TrainSettings::default();
    /// assert!(s.check().is_ok());
    /// s.fit.alpha = -1.0;
    /// let e = s.check().unwrap_err();
    /// assert!(matches!(e, stance::Error::Setting(_)));
    /// assert_eq!(e.to_string(), "--alpha must be a number >= 0");
    /// ```
    pub fn check(&self) -> Result<()> {
        self.tfidf.validate().map_err(Error::Setting)?;
        let f = &self.fit;
        if !(f.alpha.is_finite() && f.alpha >= 0.0) {
            return Err(Error::Setting("--alpha must be a number >= 0".into()));
        }
        if !(f.nb_weight.is_finite() && f.nb_weight >= 0.0) {
            return Err(Error::Setting(
                "--nb-weight (naive Bayes weight) must be a number >= 0".into(),
            ));
        }
        if !(f.nb_smoothing.is_finite() && f.nb_smoothing > 0.0) {
            return Err(Error::Setting("--nb-smoothing must be a number > 0".into()));
        }
        Ok(())
    }

    /// Trains a classifier on labelled rows with these settings (checked first): the
    /// label set is the rows' sorted distinct labels. The model records the source
    /// `"library"` and the date 1970-01-01, so the same rows and settings always give
    /// the same model, byte for byte ([`Classifier::train`] takes both).
    ///
    /// ```
    /// use stance::{Labelled, TrainSettings};
    /// let rows = Labelled {
    ///     texts: vec!["a triumph".into(), "a mess".into(), "what a triumph".into(), "such a mess".into()],
    ///     labels: vec!["good".into(), "bad".into(), "good".into(), "bad".into()],
    /// };
    /// let model = TrainSettings::default().fit(&rows).unwrap();
    /// assert_eq!(model.labels(), ["bad", "good"]);
    /// assert_eq!(model.classify("A triumph.")[0].label, "good");
    /// let again = TrainSettings::default().fit(&rows).unwrap();
    /// assert_eq!(model.to_bytes().unwrap(), again.to_bytes().unwrap());
    /// ```
    pub fn fit(&self, rows: &Labelled) -> Result<Classifier> {
        let (model, _) =
            Classifier::train(&rows.texts, &rows.labels, self, "library", "1970-01-01")?;
        Ok(model)
    }
}

/// Per-thread scratch space for scoring.
#[derive(Debug, Default)]
pub struct ScoreScratch {
    tfidf: Scratch,
    row: Vec<(u32, f32)>,
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
    /// Scratch whose word cache starts over once it holds more than `limit` words.
    pub fn with_cache_limit(limit: usize) -> ScoreScratch {
        ScoreScratch {
            tfidf: Scratch::with_cache_limit(limit),
            ..ScoreScratch::default()
        }
    }
}

/// Featurized training texts.
struct Featurized {
    /// The rows: their word block, and their character block too unless `chars` holds it.
    x: SparseMatrix,
    /// The rows' character block, factored.
    chars: Option<CharBlock>,
    /// Label index of each row.
    y: Vec<usize>,
    /// The labels, sorted.
    names: Vec<String>,
}

impl Featurized {
    /// Fits the featurizer on `texts` and featurizes them; the label set is the sorted
    /// distinct `labels`.
    fn new<S: AsRef<str>>(
        texts: &[S],
        labels: &[S],
        settings: &TrainSettings,
    ) -> Result<(Tfidf, Featurized)> {
        if texts.len() != labels.len() {
            return Err(Error::Data(format!(
                "{} texts but {} labels",
                texts.len(),
                labels.len()
            )));
        }
        let mut names: Vec<String> = labels.iter().map(|l| l.as_ref().to_string()).collect();
        names.sort();
        names.dedup();
        if names.len() < 2 {
            return Err(Error::Data(format!(
                "training needs at least 2 different labels, found {}",
                names.len()
            )));
        }
        let y: Vec<usize> = labels
            .iter()
            .map(|l| {
                names
                    .binary_search_by(|n| n.as_str().cmp(l.as_ref()))
                    .unwrap()
            })
            .collect();
        settings.check()?;
        // The scratch's cache holds the training words already: none is stemmed again.
        let (mut tfidf, scratch) =
            Tfidf::fit_with_scratch(texts, settings.tokenizer, settings.tfidf)
                .map_err(Error::Data)?;
        let dim = settings.embedding.as_ref().map_or(0, Embedding::dim);
        // Before anything in proportion to features x labels is allocated.
        crate::model::check_fit_memory(
            texts.len(),
            tfidf.n_features() + dim,
            tfidf.n_terms(),
            names.len(),
            &settings.fit,
        )
        .map_err(Error::Fit)?;
        let (x, chars) = if settings.tfidf.nb_scale {
            // The scales need every feature's column. They change the idf, which the
            // cache's entries hold, so the second pass has a cache of its own.
            let x = tfidf.transform_batch(texts, scratch);
            tfidf.scale_idf(&nb_scales(&x, &y, names.len()));
            (tfidf.transform_batch(texts, Scratch::default()), None)
        } else if settings.tfidf.has_chars() {
            let (x, chars) = factored_rows(&tfidf, texts, scratch);
            (x, Some(chars))
        } else {
            (tfidf.transform_batch(texts, scratch), None)
        };
        let (x, chars) = match &settings.embedding {
            Some(e) => with_dense_block(&tfidf, e, texts, x, chars),
            None => (x, chars),
        };
        Ok((tfidf, Featurized { x, chars, y, names }))
    }

    /// Fits the model on these rows.
    fn train(
        &self,
        tfidf: Tfidf,
        settings: &TrainSettings,
        source: &str,
        date: &str,
    ) -> Result<(Classifier, FitReport)> {
        Classifier::train_on_rows(
            tfidf,
            &self.x,
            self.chars.as_ref(),
            &self.y,
            self.names.clone(),
            settings,
            source,
            date,
        )
    }
}

/// The rows of `texts` as [`Tfidf::transform_into`] gives them, with the character block
/// factored: the word blocks as rows, and per row its tokens' words (each distinct
/// word's n-grams kept once) and the block's scale, `1 / sqrt(sum of the tokens'
/// squared norms)`.
/// `scratch` is the featurizer's word cache to use.
fn factored_rows<S: AsRef<str>>(
    tfidf: &Tfidf,
    texts: &[S],
    mut scratch: Scratch,
) -> (SparseMatrix, CharBlock) {
    const NONE: u32 = u32::MAX;
    let mut x = SparseMatrix::new(tfidf.n_features());
    let mut chars = CharBlock::new(tfidf.n_features());
    let (mut row, mut tokens) = (Vec::new(), Vec::new());
    // Our word of each of the scratch's cache entries (NONE: not seen yet).
    let mut word_of: Vec<u32> = Vec::new();
    let mut generation = scratch.generation();
    for text in texts {
        tfidf.words_into(text.as_ref(), &mut scratch, &mut row);
        x.push_row(&row);
        if scratch.generation() != generation {
            // The cache started over: its entry ids from `kept` on mean other words now.
            word_of.truncate(scratch.kept());
            generation = scratch.generation();
        }
        word_of.resize(scratch.n_entries(), NONE);
        tokens.clear();
        let mut norm2 = 0.0f32;
        for &e in scratch.tokens() {
            let (grams, n2) = scratch.entry_grams(e);
            norm2 += n2;
            if grams.is_empty() {
                continue;
            }
            let word = &mut word_of[e as usize];
            if *word == NONE {
                *word = chars.push_word(grams);
            }
            tokens.push(*word);
        }
        let scale = if norm2 > 0.0 { 1.0 / norm2.sqrt() } else { 0.0 };
        chars.push_row(&tokens, scale);
    }
    (x, chars)
}

/// `x` (and its character block) with each row's semantic block appended as the
/// features after the TF-IDF ones.
fn with_dense_block<S: AsRef<str>>(
    tfidf: &Tfidf,
    e: &Embedding,
    texts: &[S],
    x: SparseMatrix,
    chars: Option<CharBlock>,
) -> (SparseMatrix, Option<CharBlock>) {
    let first = x.n_cols;
    let mut out = SparseMatrix::new(first + e.dim());
    out.indices.reserve(x.indices.len() + texts.len() * e.dim());
    out.values.reserve(x.indices.len() + texts.len() * e.dim());
    let (mut word, mut sum, mut found) = (String::new(), Vec::new(), Vec::new());
    for (i, text) in texts.iter().enumerate() {
        let (idx, val) = x.row(i);
        out.indices.extend_from_slice(idx);
        out.values.extend_from_slice(val);
        let scale = e.sum_of_text(
            tfidf.tokenizer(),
            text.as_ref(),
            &mut word,
            &mut sum,
            &mut found,
        );
        if scale > 0.0 {
            out.indices.extend(first as u32..(first + e.dim()) as u32);
            out.values.extend(sum.iter().map(|v| v * scale));
        }
        out.indptr.push(out.indices.len());
    }
    (out, chars.map(|c| c.widened(first + e.dim())))
}

/// A trained pipeline.
#[derive(Debug, Clone)]
pub struct Classifier {
    tfidf: Tfidf,
    model: Logistic,
    meta: Metadata,
    /// The semantic block: its weights are the model's last `dim` features'.
    embedding: Option<Embedding>,
    /// The block's weights label by label (`[c * dim + j]`), for scoring.
    dense_by_label: Vec<f32>,
    /// What scoring reads of each word term, built from `tfidf` and `model`.
    words: WordTable,
}

/// Everything scoring needs of a word term in one row, so a term costs one lookup:
/// `idf * weight` for each label, then (with a naive Bayes term) its presence weights,
/// then `idf²` (the sentence's norm is the square root of the sum of `tf² idf²`).
#[derive(Debug, Clone)]
struct WordTable {
    stride: usize,
    presence: bool,
    values: Vec<f32>,
}

impl WordTable {
    fn new(tfidf: &Tfidf, model: &Logistic) -> WordTable {
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

pub use crate::kernels::argmax;

impl Classifier {
    fn new(
        tfidf: Tfidf,
        model: Logistic,
        meta: Metadata,
        embedding: Option<Embedding>,
    ) -> Classifier {
        let words = WordTable::new(&tfidf, &model);
        let k = model.labels().len();
        let dense = &model.weights()[tfidf.n_features() * k..];
        let dim = dense.len() / k;
        let dense_by_label = (0..k * dim)
            .map(|i| dense[(i % dim) * k + i / dim])
            .collect();
        Classifier {
            tfidf,
            model,
            meta,
            embedding,
            dense_by_label,
            words,
        }
    }

    /// Trains on `texts` with their `labels`; the label set is the sorted distinct labels.
    pub fn train<S: AsRef<str>>(
        texts: &[S],
        labels: &[S],
        settings: &TrainSettings,
        source: &str,
        date: &str,
    ) -> Result<(Classifier, FitReport)> {
        let (tfidf, rows) = Featurized::new(texts, labels, settings)?;
        rows.train(tfidf, settings, source, date)
    }

    /// [`Classifier::train`], and the share of the training rows the model labels
    /// right, scored from their features (the texts are not featurized again).
    pub fn train_with_accuracy<S: AsRef<str>>(
        texts: &[S],
        labels: &[S],
        settings: &TrainSettings,
        source: &str,
        date: &str,
    ) -> Result<(Classifier, FitReport, f64)> {
        let (tfidf, rows) = Featurized::new(texts, labels, settings)?;
        let (model, report) = rows.train(tfidf, settings, source, date)?;
        let labelled = model.model.label_rows(&rows.x, rows.chars.as_ref());
        let right = labelled.iter().zip(&rows.y).filter(|(p, y)| p == y).count();
        Ok((model, report, right as f64 / rows.y.len() as f64))
    }

    /// Fits the model on rows already featurized by `tfidf`.
    ///
    /// `chars`, when given, is the rows' character n-gram block, factored (`x` then holds
    /// the word block only).
    #[allow(clippy::too_many_arguments)]
    pub fn train_on_rows(
        tfidf: Tfidf,
        x: &SparseMatrix,
        chars: Option<&CharBlock>,
        y: &[usize],
        names: Vec<String>,
        settings: &TrainSettings,
        source: &str,
        date: &str,
    ) -> Result<(Classifier, FitReport)> {
        let (model, report) = Logistic::fit_with_chars(x, chars, y, names.clone(), &settings.fit)
            .map_err(Error::Fit)?;
        let model = model
            .add_naive_bayes(
                x,
                y,
                tfidf.n_terms(),
                settings.fit.nb_weight,
                settings.fit.nb_smoothing,
            )
            .map_err(Error::Fit)?;
        let mut counts = vec![0u64; names.len()];
        for &c in y {
            counts[c] += 1;
        }
        let meta = Metadata {
            rows_per_label: names.into_iter().zip(counts).collect(),
            tokenizer: settings.tokenizer,
            tfidf: settings.tfidf,
            fit: settings.fit,
            date: date.to_string(),
            source: source.to_string(),
            iterations: report.iterations,
        };
        let embedding = settings.embedding.clone();
        let dim = embedding.as_ref().map_or(0, Embedding::dim);
        if model.n_features() != tfidf.n_features() + dim {
            return Err(Error::Data(format!(
                "rows of {} features for {} TF-IDF features and a block of {dim}",
                model.n_features(),
                tfidf.n_features()
            )));
        }
        Ok((Classifier::new(tfidf, model, meta, embedding), report))
    }

    pub fn labels(&self) -> &[String] {
        self.model.labels()
    }

    pub fn tfidf(&self) -> &Tfidf {
        &self.tfidf
    }

    pub fn model(&self) -> &Logistic {
        &self.model
    }

    pub fn meta(&self) -> &Metadata {
        &self.meta
    }

    /// The semantic block, if the model has one.
    pub fn embedding(&self) -> Option<&Embedding> {
        self.embedding.as_ref()
    }

    /// The semantic block's weights, dimension-major (`[j * labels + c]`; empty
    /// without a block).
    pub fn dense_weights(&self) -> &[f32] {
        &self.model.weights()[self.tfidf.n_features() * self.labels().len()..]
    }

    /// How feature `f` reads: a TF-IDF feature's name, or `[semantic block]` for the
    /// block's dimensions.
    pub fn feature_name(&self, f: usize) -> String {
        if f >= self.tfidf.n_features() {
            "[semantic block]".to_string()
        } else {
            self.tfidf.feature_name(f)
        }
    }

    /// The whole row of `text` the model scores: the TF-IDF row, then the semantic
    /// block's features (when the model has one).
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
    /// additions however many n-grams it has.
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

    /// [`Classifier::explain`] for `text`'s whole row (every feature block).
    pub fn explain_text(
        &self,
        text: &str,
        scratch: &mut ScoreScratch,
        c: usize,
        n: usize,
    ) -> Vec<(String, f32)> {
        let mut row = std::mem::take(&mut scratch.row);
        self.row_into(text, scratch, &mut row);
        // Every feature of the row, named by the words of `text` that made it; features
        // made by the same words add up.
        let all = self.explain(&row, c, row.len() + 1);
        scratch.row = row;
        let words = self.surface_words(text);
        let mut named: Vec<(String, f32)> = Vec::with_capacity(all.len());
        for (name, w) in all {
            let name = surface_name(&words, &name);
            match named.iter_mut().find(|(m, _)| *m == name) {
                Some((_, total)) => *total += w,
                None => named.push((name, w)),
            }
        }
        named.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        named.truncate(n);
        named
    }

    /// The normalised surface tokens of `text` with their terms (stems), in order.
    fn surface_words(&self, text: &str) -> Vec<(String, String)> {
        let tok = self.tfidf.tokenizer();
        let mut out = Vec::new();
        let mut word = String::new();
        tok.for_each_surface(text, &mut word, |s| {
            out.push((s.to_string(), tok.stem(s).into_owned()))
        });
        out
    }

    /// Label index and probabilities of one sentence (allocates; for tests and tools).
    pub fn predict(&self, text: &str) -> (usize, Vec<f32>) {
        let mut p = vec![0.0; self.labels().len()];
        self.score_into(text, &mut ScoreScratch::default(), &mut p);
        (argmax(&p), p)
    }

    /// The `n` features of `row` that pushed most toward label `c` relative to the
    /// other labels: what the feature adds to `c`'s score minus the mean it adds over
    /// all labels, largest first, positive only.
    ///
    /// The semantic block's dimensions count as one feature, `[semantic block]`.
    pub fn explain(&self, row: &[(u32, f32)], c: usize, n: usize) -> Vec<(String, f32)> {
        let k = self.labels().len() as f32;
        let nf = self.tfidf.n_features() as u32;
        let mut block = 0f32;
        let mut contrib: Vec<(u32, f32)> = row
            .iter()
            .map(|&(f, v)| {
                let f_ = f as usize;
                let mean: f32 = (0..self.labels().len())
                    .map(|j| self.model.contribution(f_, v, j))
                    .sum::<f32>()
                    / k;
                (f, self.model.contribution(f_, v, c) - mean)
            })
            .filter(|p| {
                if p.0 >= nf {
                    block += p.1;
                }
                p.0 < nf && p.1 > 0.0
            })
            .collect();
        if block > 0.0 {
            contrib.push((nf, block));
        }
        contrib.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        contrib
            .into_iter()
            .take(n)
            .map(|(f, w)| (self.feature_name(f as usize), w))
            .collect()
    }

    /// The model file's contents.
    pub fn to_data(&self) -> ModelData {
        let split = self.tfidf.n_features() * self.labels().len();
        let embedding = self.embedding.as_ref().map(|e| EmbeddingData {
            table: if e.table.is_builtin() {
                TableRef::Builtin {
                    crc: e.table.crc(),
                    name: e.table.name().to_string(),
                }
            } else {
                TableRef::Embedded(e.table.bytes().to_vec())
            },
            weight: e.weight,
            dim: e.dim() as u32,
            weights: self.model.weights()[split..].to_vec(),
        });
        ModelData {
            labels: self.labels().to_vec(),
            tokenizer: self.tfidf.tokenizer().config(),
            tfidf: self.tfidf.config(),
            stems: self.tfidf.stems().joined().to_string(),
            terms: self.tfidf.term_keys().to_vec(),
            char_terms: self.tfidf.char_terms().joined().to_string(),
            idf: self.tfidf.idf().to_vec(),
            weights: self.model.weights()[..split].to_vec(),
            presence: self.model.presence().to_vec(),
            intercepts: self.model.intercepts().to_vec(),
            meta: self.meta.clone(),
            embedding,
        }
    }

    /// Builds a classifier from a model file's contents, checking every shape.
    pub fn from_data(d: ModelData) -> Result<Classifier> {
        let stems = TermList::from_joined(d.stems).map_err(Error::model)?;
        let char_terms = TermList::from_joined(d.char_terms).map_err(Error::model)?;
        let tfidf = Tfidf::from_parts(d.tokenizer, d.tfidf, stems, d.terms, char_terms, d.idf)
            .map_err(Error::model)?;
        let embedding = d.embedding.map(embedding_of).transpose()?;
        let (mut weights, dim) = (d.weights, embedding.as_ref().map_or(0, |e| e.0.dim()));
        if let Some(e) = &embedding {
            if weights.len() != tfidf.n_features() * d.labels.len() {
                return Err(Error::model(format!(
                    "{} weights for {} features and {} labels",
                    weights.len(),
                    tfidf.n_features(),
                    d.labels.len()
                )));
            }
            weights.extend_from_slice(&e.1);
        }
        let embedding = embedding.map(|e| e.0);
        let model = Logistic::from_parts(d.labels, tfidf.n_features() + dim, weights, d.intercepts)
            .and_then(|m| m.with_presence(d.presence))
            .map_err(Error::model)?;
        if model.presence().len() > tfidf.n_terms() * model.labels().len() {
            return Err(Error::model(
                "presence weights for more features than there are word terms",
            ));
        }
        if d.meta.rows_per_label.len() != model.labels().len() {
            return Err(Error::model(format!(
                "metadata lists {} labels, the model has {}",
                d.meta.rows_per_label.len(),
                model.labels().len()
            )));
        }
        Ok(Classifier::new(tfidf, model, d.meta, embedding))
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_data().to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        Classifier::from_data(ModelData::from_bytes(bytes)?)
            .map_err(|e| e.prefixed("model file is inconsistent"))
    }

    /// Reads a model file (never more than its header declares); errors name the file.
    pub fn load(path: &Path) -> Result<Classifier> {
        Classifier::from_bytes(&modelfile::read_file(path)?).map_err(|e| e.in_file(path))
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        modelfile::write_atomically(path, &self.to_bytes()?)
    }

    /// The model built into the binary.
    pub fn builtin() -> Result<Classifier> {
        Classifier::from_bytes(BUILTIN_MODEL).map_err(|e| e.prefixed("the built-in model"))
    }
}

/// The semantic block a model file describes, and its weights: the table checked (the
/// built-in one by its CRC, an embedded one in full) and its size matched.
fn embedding_of(d: EmbeddingData) -> Result<(Embedding, Vec<f32>)> {
    let table = match d.table {
        TableRef::Builtin { crc, .. } => {
            let t = EmbeddingTable::builtin()
                .map_err(|e| e.prefixed("the built-in embedding table"))?;
            if t.crc() != crc {
                return Err(Error::embedding(format!(
                    "the model was trained with a built-in embedding table of CRC {crc:08x}; this stance has {:08x} (retrain, or use a stance of the same version)",
                    t.crc()
                )));
            }
            t
        }
        TableRef::Embedded(bytes) => std::sync::Arc::new(
            EmbeddingTable::from_bytes(Cow::Owned(bytes))
                .map_err(|e| e.prefixed("its embedding table"))?,
        ),
    };
    if table.dim() != d.dim as usize {
        return Err(Error::embedding(format!(
            "semantic block of {} dimensions over a table of {}",
            d.dim,
            table.dim()
        )));
    }
    let e = Embedding::new(table, d.weight).map_err(|e| Error::embedding(e.to_string()))?;
    Ok((e, d.weights))
}

/// A feature's name as the words of the sentence that made it: a word n-gram (stems
/// joined by spaces) as the surface tokens where those stems first occur in a row; a
/// character n-gram (`[_ab]`, `_` for the padding space) as the first word holding it;
/// anything else (the semantic block, a term not found) unchanged.
fn surface_name(words: &[(String, String)], name: &str) -> String {
    if let Some(gram) = name.strip_prefix('[').and_then(|g| g.strip_suffix(']')) {
        if name == "[semantic block]" {
            return name.to_string();
        }
        let gram = gram.replace('_', " ");
        return words
            .iter()
            .find(|(w, _)| format!(" {w} ").contains(&gram))
            .map_or_else(|| name.to_string(), |(w, _)| w.clone());
    }
    let stems: Vec<&str> = name.split(' ').collect();
    words
        .windows(stems.len())
        .find(|win| win.iter().zip(&stems).all(|((_, st), want)| st == want))
        .map_or_else(
            || name.to_string(),
            |win| {
                win.iter()
                    .map(|(w, _)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts_and_labels() -> (Vec<&'static str>, Vec<&'static str>) {
        let rows = [
            (
                "A brilliant, moving season with terrific performances.",
                "positive",
            ),
            (
                "The writing is sharp and the cast is wonderful!",
                "positive",
            ),
            ("Funny, warm and beautifully made.", "positive"),
            ("The season was a tedious mess.", "criticism"),
            ("Dull, bloated and badly written...", "criticism"),
            ("The acting is wooden and the jokes fall flat.", "criticism"),
            ("Season three premieres in March.", "anticipation"),
            ("The show was renewed for another season.", "anticipation"),
        ];
        rows.iter().copied().unzip()
    }

    /// The same texts under five labels (scoring for any label count, not just 2-4).
    fn five_labels() -> (Vec<&'static str>, Vec<&'static str>) {
        let (texts, labels) = texts_and_labels();
        let spread = ["a", "b", "c", "d", "e"];
        let labels = labels
            .iter()
            .enumerate()
            .map(|(i, _)| spread[i % 5])
            .collect();
        (texts, labels)
    }

    /// The fast scorer (character block from per-word cached scores) gives the model's
    /// probabilities on the explicit row, for known, unknown and repeated words.
    #[test]
    fn fast_scores_match_the_model_on_the_whole_row() {
        for ((texts, labels), settings) in
            [texts_and_labels(), five_labels()]
                .into_iter()
                .flat_map(|data| {
                    [
                        TrainSettings::default(),
                        TrainSettings {
                            tfidf: TfidfConfig {
                                nb_scale: true,
                                char_min: 1,
                                char_max: 3,
                                ..TfidfConfig::default()
                            },
                            ..TrainSettings::default()
                        },
                    ]
                    .map(|s| (data.clone(), s))
                })
        {
            let k = if labels.contains(&"e") { 5 } else { 3 };
            let (m, _) = Classifier::train(&texts, &labels, &settings, "t", "d").unwrap();
            assert!(m.tfidf().config().has_chars());
            // A cache of 3 words starts over (reusing entry ids) within a sentence or two.
            let mut scratch = ScoreScratch::with_cache_limit(3);
            let mut row_scratch = Scratch::default();
            let mut row = Vec::new();
            assert_eq!(m.labels().len(), k);
            let (mut fast, mut slow) = (vec![0.0; k], vec![0.0; k]);
            for text in [
                "A wonderful, moving finale!",
                "Brilliantly written; a tedious, bloated mess.",
                "Zzyzx qwerty",
                "",
                "mess mess mess mess",
                "A wonderful, moving finale!",
            ] {
                m.score_into(text, &mut scratch, &mut fast);
                m.tfidf().transform_into(text, &mut row_scratch, &mut row);
                m.model().probabilities_into(&row, &mut slow);
                for (a, b) in fast.iter().zip(&slow) {
                    assert!((a - b).abs() < 1e-5, "{text:?}: {fast:?} vs {slow:?}");
                }
            }
        }
    }

    /// The factored rows, expanded, are the featurizer's rows, also when the word cache
    /// starts over (a cache of 3 words does within a sentence or two, reusing entry ids).
    #[test]
    fn factored_rows_expand_to_the_featurizer_rows() {
        let (texts, _) = texts_and_labels();
        let mut texts = texts.clone();
        texts.extend(["", "mess mess mess", "Zzyzx", ", ,"]);
        let t = Tfidf::fit(&texts, TokenizerConfig::default(), TfidfConfig::default()).unwrap();
        let (x, chars) = factored_rows(&t, &texts, Scratch::with_cache_limit(3));
        assert!(chars.n_words() > 10);
        let mut scratch = Scratch::default();
        let mut want = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            t.transform_into(text, &mut scratch, &mut want);
            let mut got = vec![0f64; t.n_features()];
            let (idx, val) = x.row(i);
            for (&f, &v) in idx.iter().zip(val) {
                got[f as usize] += f64::from(v);
            }
            chars.for_each_in_row(i, |f, v| got[f as usize] += v);
            let mut dense = vec![0f64; t.n_features()];
            for &(f, v) in &want {
                dense[f as usize] += f64::from(v);
            }
            for (f, (a, b)) in got.iter().zip(&dense).enumerate() {
                assert!((a - b).abs() < 1e-6, "{text:?} feature {f}: {a} vs {b}");
            }
        }
    }

    /// Sentences whose tokens are all marks have no character n-grams: the character
    /// block is empty, and training still learns the marks (it once panicked there).
    #[test]
    fn sentences_without_character_ngrams_train() {
        let (texts, labels) = (["!!", "??", "! !", "? ?"], ["a", "b", "a", "b"]);
        let settings = TrainSettings::default();
        assert!(settings.tfidf.has_chars());
        let (model, _) = Classifier::train(&texts, &labels, &settings, "t", "").unwrap();
        assert_eq!(model.predict("!").0, 0);
        assert_eq!(model.predict("?").0, 1);
    }

    /// The naive Bayes term and the character n-grams each change the model, and
    /// turning both off gives plain logistic regression over word n-grams.
    #[test]
    fn naive_bayes_and_char_settings_reach_the_model() {
        let (texts, labels) = texts_and_labels();
        let train = |nb_weight: f64, chars: bool| {
            let mut s = TrainSettings::default();
            s.fit.nb_weight = nb_weight;
            if !chars {
                s.tfidf.char_min = 0;
                s.tfidf.char_max = 0;
            }
            Classifier::train(&texts, &labels, &s, "t", "d").unwrap().0
        };
        let plain = train(0.0, false);
        assert!(plain.model().presence().is_empty());
        assert!(plain.tfidf().char_terms().is_empty());
        let nb = train(0.3, false);
        assert_eq!(nb.model().presence().len(), nb.tfidf().terms().len() * 3);
        assert_eq!(
            nb.model().weights(),
            plain.model().weights(),
            "same regression"
        );
        let chars = train(0.0, true);
        assert!(chars.tfidf().char_terms().len() > 100);
        let p = |m: &Classifier| m.predict("Wonderful writing, terrific cast.").1;
        assert_ne!(p(&plain), p(&nb));
        assert_ne!(p(&plain), p(&chars));
        // Saved and loaded, each scores the same.
        for m in [&plain, &nb, &chars] {
            let back = Classifier::from_bytes(&m.to_bytes().unwrap()).unwrap();
            assert_eq!(p(&back), p(m));
        }
    }
}
