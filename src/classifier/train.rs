//! Training: featurize the texts (the character block factored, the semantic block
//! appended), fit the model, and join them into a [`Classifier`].

use super::*;

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
pub(super) fn factored_rows<S: AsRef<str>>(
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

impl Classifier {
    /// Trains on `texts` with their `labels`; the label set is the sorted distinct labels.
    /// `source` and `date` are recorded in the model file (fix the date for a
    /// reproducible file); [`TrainSettings::fit`] is the shorter call.
    ///
    /// ```
    /// use stance::{Classifier, TrainSettings};
    /// let texts = ["loved it", "hated it", "loved every minute", "hated every minute"];
    /// let labels = ["good", "bad", "good", "bad"];
    /// let (model, report) =
    ///     Classifier::train(&texts, &labels, &TrainSettings::default(), "demo", "2026-01-01")?;
    /// assert_eq!(model.labels(), ["bad", "good"]);
    /// assert!(report.iterations > 0);
    /// # Ok::<(), stance::Error>(())
    /// ```
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
    ///
    /// ```
    /// use stance::{Classifier, TrainSettings};
    /// let texts = ["loved it", "hated it", "loved every minute", "hated every minute"];
    /// let labels = ["good", "bad", "good", "bad"];
    /// let (_, _, accuracy) =
    ///     Classifier::train_with_accuracy(&texts, &labels, &TrainSettings::default(), "demo", "")?;
    /// assert!((0.0..=1.0).contains(&accuracy));
    /// # Ok::<(), stance::Error>(())
    /// ```
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
    /// the word block only). Internal: for cross-validation, which featurizes once.
    #[doc(hidden)]
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
}
