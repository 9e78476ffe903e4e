//! The library's one-call entry points: a document to scored sentences, and many
//! sentences scored at once on several threads.

use super::{Classifier, ScoreScratch};
use crate::kernels::argmax;
use crate::sentences;
use rayon::prelude::*;

/// One sentence of a document, scored: its byte span in the document, its text, its
/// label and the probability of every label (in [`Classifier::labels`] order; they sum
/// to 1).
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// let doc = "We watched it all. Season two is coming.";
/// for s in model.classify(doc) {
///     assert_eq!(&doc[s.start..s.end], s.text);
///     assert_eq!(model.labels()[s.label_index], s.label);
///     assert!(s.probabilities.iter().all(|&p| p <= s.probabilities[s.label_index]));
/// }
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    /// Byte offset of the sentence's first byte in the document.
    pub start: usize,
    /// Byte offset just past the sentence's last byte.
    pub end: usize,
    /// The sentence's text, `&document[start..end]`.
    pub text: String,
    /// The most probable label (the first on ties).
    pub label: String,
    /// Index of `label` in [`Classifier::labels`].
    pub label_index: usize,
    /// The probability of every label, in [`Classifier::labels`] order (they sum to 1).
    pub probabilities: Vec<f32>,
}

impl Classifier {
    /// Splits `text` into sentences and scores each one, as `stance classify` does
    /// (a leading byte-order mark is not text).
    ///
    /// ```
    /// let model = stance::Classifier::builtin().unwrap();
    /// let doc = "The second season premieres in March. The finale was a triumph.";
    /// let sentences = model.classify(doc);
    /// assert_eq!(sentences.len(), 2);
    /// assert_eq!(&doc[sentences[1].start..sentences[1].end], sentences[1].text);
    /// let total: f32 = sentences[0].probabilities.iter().sum();
    /// assert!((total - 1.0).abs() < 1e-4);
    /// ```
    pub fn classify(&self, text: &str) -> Vec<Sentence> {
        self.classify_with(text, &mut ScoreScratch::default())
    }

    /// [`Classifier::classify`] with scratch space kept between calls (faster over many
    /// documents).
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let mut scratch = stance::ScoreScratch::default();
    /// for doc in ["Renewed for a third season!", "The plot meanders. The cast shines."] {
    ///     let with = model.classify_with(doc, &mut scratch);
    ///     assert_eq!(with, model.classify(doc));
    /// }
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn classify_with(&self, text: &str, scratch: &mut ScoreScratch) -> Vec<Sentence> {
        let skip = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let body = &text[skip..];
        let k = self.labels().len();
        sentences::split(body)
            .into_iter()
            .map(|s| {
                let t = s.text(body);
                let mut p = vec![0.0; k];
                self.score_into(t, scratch, &mut p);
                let c = argmax(&p);
                Sentence {
                    start: s.start + skip,
                    end: s.end + skip,
                    text: t.to_string(),
                    label: self.labels()[c].clone(),
                    label_index: c,
                    probabilities: p,
                }
            })
            .collect()
    }

    /// The probabilities of every label for each text (each text one sentence, as with
    /// `--lines`), row by row: `texts.len() x labels().len()` values. Runs on `threads`
    /// threads (0: all cores); the result does not depend on the number.
    ///
    /// ```
    /// let model = stance::Classifier::builtin().unwrap();
    /// let p = model.predict_proba_batch(&["A wonderful season.", "It drags."], 2);
    /// assert_eq!(p.len(), 2 * model.labels().len());
    /// ```
    pub fn predict_proba_batch<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        threads: usize,
    ) -> Vec<f32> {
        let k = self.labels().len();
        let mut out = vec![0f32; texts.len() * k];
        let run = |out: &mut [f32]| {
            // One contiguous share per task, so each keeps its scratch (and word cache).
            let share = texts
                .len()
                .div_ceil(4 * rayon::current_num_threads())
                .max(256);
            out.par_chunks_mut(share * k)
                .zip(texts.par_chunks(share))
                .for_each(|(o, t)| {
                    let mut scratch = ScoreScratch::default();
                    for (p, text) in o.chunks_exact_mut(k).zip(t) {
                        self.score_into(text.as_ref(), &mut scratch, p);
                    }
                });
        };
        match threads {
            0 => run(&mut out),
            n => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
                Ok(pool) => pool.install(|| run(&mut out)),
                Err(_) => run(&mut out),
            },
        }
        out
    }

    /// The label index of each text (each one sentence), on `threads` threads (0: all).
    ///
    /// ```
    /// let model = stance::Classifier::builtin().unwrap();
    /// let labels = model.predict_batch(&["Season 3 arrives in June."], 1);
    /// assert!(labels[0] < model.labels().len());
    /// ```
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S], threads: usize) -> Vec<usize> {
        let k = self.labels().len();
        self.predict_proba_batch(texts, threads)
            .chunks_exact(k)
            .map(argmax)
            .collect()
    }
}
