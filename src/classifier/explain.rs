//! Why a sentence got its label: the features that pushed most toward it, named by
//! the words of the sentence that made them.

use super::*;

impl Classifier {
    /// The `n` features of `text` that pushed most toward label `c` relative to the
    /// other labels, named by the words that made them, largest first (what
    /// `stance classify --explain` prints).
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let text = "The performances are superb.";
    /// let (c, _) = model.predict(text);
    /// let why = model.explain_text(text, &mut stance::ScoreScratch::default(), c, 3);
    /// assert!(why.len() <= 3);
    /// assert!(why.windows(2).all(|w| w[0].1 >= w[1].1));
    /// # Ok::<(), stance::Error>(())
    /// ```
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

    /// The `n` features of `row` that pushed most toward label `c` relative to the
    /// other labels: what the feature adds to `c`'s score minus the mean it adds over
    /// all labels, largest first, positive only.
    ///
    /// The semantic block's dimensions count as one feature, `[semantic block]`.
    /// Internal: rows are the featurizer's; [`Classifier::explain_text`] takes text.
    #[doc(hidden)]
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
