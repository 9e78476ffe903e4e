//! Measuring a model: accuracy, macro-F1, per-class precision/recall/F1, the confusion
//! matrix, and stratified k-fold cross-validation.

use crate::classifier::{argmax, Classifier, ScoreScratch, TrainSettings};
use crate::error::{Error, Result};
use crate::input::Labelled;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One label's figures in a [`Report`].
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// let rows = stance::Labelled {
///     texts: vec!["The new season premieres in May.".into()],
///     labels: vec!["anticipation".into()],
/// };
/// let r = stance::evaluate(&model, &rows);
/// let a = &r.per_class["anticipation"];
/// assert_eq!(a.support, 1);
/// assert!((0.0..=1.0).contains(&a.f1));
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassStats {
    /// Share of the rows predicted as this label that have it (0 when none predicted).
    pub precision: f64,
    /// Share of the rows with this label predicted as it (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Rows with this label.
    pub support: u64,
}

/// A confusion matrix with its labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// The rows' and columns' labels.
    pub labels: Vec<String>,
    /// `matrix[true][predicted]`.
    pub matrix: Vec<Vec<u64>>,
}

/// How a model did on labelled rows (what `stance evaluate` prints).
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// let rows = stance::Labelled {
///     texts: vec!["A gorgeous, moving season.".into(), "Season 2 arrives in June.".into()],
///     labels: vec!["positive".into(), "anticipation".into()],
/// };
/// let r = stance::evaluate(&model, &rows);
/// let right: u64 = (0..r.confusion.labels.len()).map(|i| r.confusion.matrix[i][i]).sum();
/// assert_eq!(r.accuracy, right as f64 / 2.0);
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Share of rows labelled right.
    pub accuracy: f64,
    /// Mean F1 over the labels in the truth or the predictions.
    pub macro_f1: f64,
    /// Each label's figures.
    pub per_class: BTreeMap<String, ClassStats>,
    /// Every row counted by its true and predicted label.
    pub confusion: Confusion,
}

/// Scores truth against predictions, both indices into `labels`. Macro-F1 averages
/// over the labels that occur in the truth or the predictions.
pub fn report(labels: &[String], truth: &[usize], pred: &[usize]) -> Report {
    let k = labels.len();
    let mut m = vec![vec![0u64; k]; k];
    for (&t, &p) in truth.iter().zip(pred) {
        m[t][p] += 1;
    }
    report_from_confusion(labels, m)
}

/// The figures of a confusion matrix (`m[true][predicted]`).
pub fn report_from_confusion(labels: &[String], m: Vec<Vec<u64>>) -> Report {
    let k = labels.len();
    let n: u64 = m.iter().flatten().sum();
    let correct: u64 = (0..k).map(|i| m[i][i]).sum();
    let mut per_class = BTreeMap::new();
    let mut f1_sum = 0.0;
    let mut f1_n = 0;
    for c in 0..k {
        let tp = m[c][c] as f64;
        let support: u64 = m[c].iter().sum();
        let predicted: u64 = (0..k).map(|i| m[i][c]).sum();
        let precision = if predicted > 0 {
            tp / predicted as f64
        } else {
            0.0
        };
        let recall = if support > 0 {
            tp / support as f64
        } else {
            0.0
        };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        if support > 0 || predicted > 0 {
            f1_sum += f1;
            f1_n += 1;
        }
        per_class.insert(
            labels[c].clone(),
            ClassStats {
                precision,
                recall,
                f1,
                support,
            },
        );
    }
    Report {
        accuracy: if n > 0 {
            correct as f64 / n as f64
        } else {
            0.0
        },
        macro_f1: if f1_n > 0 { f1_sum / f1_n as f64 } else { 0.0 },
        per_class,
        confusion: Confusion {
            labels: labels.to_vec(),
            matrix: m,
        },
    }
}

/// Predicted label index of every text.
pub fn predict_all(model: &Classifier, texts: &[String]) -> Vec<usize> {
    let k = model.labels().len();
    // One contiguous share per thread, so each thread's scratch space (and its cache of
    // words seen) is built once.
    let share = texts.len().div_ceil(rayon::current_num_threads()).max(256);
    texts
        .par_chunks(share)
        .flat_map_iter(|chunk| {
            let mut scratch = ScoreScratch::default();
            let mut p = vec![0.0; k];
            chunk
                .iter()
                .map(|t| {
                    model.score_into(t, &mut scratch, &mut p);
                    argmax(&p)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Evaluates `model` on labelled data. Labels the model does not know are added to
/// the report (they can only be missed).
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// let rows = stance::Labelled {
///     texts: vec!["Filming starts next spring.".into()],
///     labels: vec!["a label the model lacks".into()],
/// };
/// let r = stance::evaluate(&model, &rows);
/// assert_eq!(r.accuracy, 0.0);
/// assert!(r.per_class.contains_key("a label the model lacks"));
/// # Ok::<(), stance::Error>(())
/// ```
pub fn evaluate(model: &Classifier, data: &Labelled) -> Report {
    let mut labels = model.labels().to_vec();
    for l in data.label_set() {
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    let truth: Vec<usize> = data
        .labels
        .iter()
        .map(|l| labels.iter().position(|x| x == l).unwrap())
        .collect();
    let pred = predict_all(model, &data.texts);
    report(&labels, &truth, &pred)
}

/// Fold (0..k) of every row: each label's rows shuffled with `seed`, then dealt out in turn.
pub fn stratified_folds(labels: &[String], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_label.entry(l.as_str()).or_default().push(i);
    }
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for rows in by_label.values_mut() {
        rows.shuffle(&mut rng);
        for &r in rows.iter() {
            fold[r] = next % k;
            next += 1;
        }
    }
    fold
}

/// What [`cross_validate`] found, fold by fold and pooled (what `stance cv` prints).
///
/// ```
/// let rows = stance::Labelled {
///     texts: ["fun", "dull", "fun show", "dull show"].map(String::from).to_vec(),
///     labels: ["good", "bad", "good", "bad"].map(String::from).to_vec(),
/// };
/// let (cv, _) = stance::cross_validate(&rows, &stance::TrainSettings::default(), 2, 1, &|| {})?;
/// let mean = cv.per_fold.iter().map(|f| f.accuracy).sum::<f64>() / 2.0;
/// assert!((cv.accuracy_mean - mean).abs() < 1e-12);
/// assert_eq!(cv.pooled.confusion.matrix.iter().flatten().sum::<u64>(), 4);
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvSummary {
    /// Number of folds.
    pub folds: usize,
    /// Mean of the folds' accuracies.
    pub accuracy_mean: f64,
    /// Standard deviation of the folds' accuracies (population).
    pub accuracy_std: f64,
    /// Mean of the folds' macro-F1.
    pub macro_f1_mean: f64,
    /// Standard deviation of the folds' macro-F1 (population).
    pub macro_f1_std: f64,
    /// Each fold's rows held out and figures on them (folds numbered from 1).
    pub per_fold: Vec<FoldStats>,
    /// Every held-out prediction of every fold pooled: per class and confusion.
    pub pooled: Report,
}

/// One fold's figures on its held-out rows (see [`CvSummary`] for an example).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldStats {
    /// The fold's number, from 1.
    pub fold: usize,
    /// Rows held out in it.
    pub rows: u64,
    /// Accuracy on them.
    pub accuracy: f64,
    /// Macro-F1 on them.
    pub macro_f1: f64,
}

/// The folds' reports pooled into one, by label name (a fold's model may lack a label).
pub fn pooled(reports: &[Report]) -> Report {
    let mut labels: Vec<String> = Vec::new();
    for r in reports {
        for l in &r.confusion.labels {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
    }
    labels.sort();
    let k = labels.len();
    let mut m = vec![vec![0u64; k]; k];
    for r in reports {
        let at: Vec<usize> = r
            .confusion
            .labels
            .iter()
            .map(|l| labels.iter().position(|x| x == l).unwrap_or(0))
            .collect();
        for (i, row) in r.confusion.matrix.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                m[at[i]][at[j]] += v;
            }
        }
    }
    report_from_confusion(&labels, m)
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Stratified k-fold cross-validation: each fold's featurizer and model are fitted on
/// the other folds only. `on_fold` is called as each fold finishes. Returns the
/// summary and each fold's report; the same `seed` gives the same folds.
///
/// ```
/// let texts = ["fun", "dull", "fun show", "dull show", "so fun", "so dull"];
/// let labels = ["good", "bad", "good", "bad", "good", "bad"];
/// let rows = stance::Labelled {
///     texts: texts.iter().map(|t| t.to_string()).collect(),
///     labels: labels.iter().map(|l| l.to_string()).collect(),
/// };
/// let (summary, reports) =
///     stance::cross_validate(&rows, &stance::TrainSettings::default(), 3, 7, &|| {})?;
/// assert_eq!((summary.folds, reports.len()), (3, 3));
/// assert_eq!(summary.per_fold.iter().map(|f| f.rows).sum::<u64>(), 6);
/// # Ok::<(), stance::Error>(())
/// ```
pub fn cross_validate(
    data: &Labelled,
    settings: &TrainSettings,
    k: usize,
    seed: u64,
    on_fold: &(dyn Fn() + Sync),
) -> Result<(CvSummary, Vec<Report>)> {
    if k < 2 {
        return Err(Error::Setting("--folds must be at least 2".into()));
    }
    if k > data.len() {
        return Err(Error::Setting(format!(
            "--folds {k} is more than the {} rows",
            data.len()
        )));
    }
    let fold = stratified_folds(&data.labels, k, seed);
    // The folds fitted at once share the memory budget.
    let at_once = rayon::current_num_threads().clamp(1, k) as u64;
    let mut settings = settings.clone();
    settings.fit.memory_budget /= at_once;
    let settings = &settings;
    let reports: Vec<Result<Report>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let (mut tr_t, mut tr_l, mut te) = (Vec::new(), Vec::new(), Labelled::default());
            for (i, &fi) in fold.iter().enumerate() {
                if fi == f {
                    te.texts.push(data.texts[i].clone());
                    te.labels.push(data.labels[i].clone());
                } else {
                    tr_t.push(data.texts[i].as_str());
                    tr_l.push(data.labels[i].as_str());
                }
            }
            let (model, _) = Classifier::train(&tr_t, &tr_l, settings, "cv", "")?;
            let r = evaluate(&model, &te);
            on_fold();
            Ok(r)
        })
        .collect();
    let reports = reports.into_iter().collect::<Result<Vec<_>>>()?;
    let acc: Vec<f64> = reports.iter().map(|r| r.accuracy).collect();
    let f1: Vec<f64> = reports.iter().map(|r| r.macro_f1).collect();
    let (am, asd) = mean_std(&acc);
    let (fm, fsd) = mean_std(&f1);
    Ok((
        CvSummary {
            folds: k,
            accuracy_mean: am,
            accuracy_std: asd,
            macro_f1_mean: fm,
            macro_f1_std: fsd,
            per_fold: reports
                .iter()
                .enumerate()
                .map(|(fold, r)| FoldStats {
                    fold: fold + 1,
                    rows: r.confusion.matrix.iter().flatten().sum(),
                    accuracy: r.accuracy,
                    macro_f1: r.macro_f1,
                })
                .collect(),
            pooled: pooled(&reports),
        },
        reports,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_counts_precision_recall_f1() {
        let labels = vec!["a".to_string(), "b".to_string()];
        // truth: a a a b ; pred: a a b b
        let r = report(&labels, &[0, 0, 0, 1], &[0, 0, 1, 1]);
        assert!((r.accuracy - 0.75).abs() < 1e-12);
        let a = &r.per_class["a"];
        assert!((a.precision - 1.0).abs() < 1e-12 && (a.recall - 2.0 / 3.0).abs() < 1e-12);
        let b = &r.per_class["b"];
        assert!((b.precision - 0.5).abs() < 1e-12 && (b.recall - 1.0).abs() < 1e-12);
        let f1a = 2.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0);
        let f1b = 2.0 * 0.5 / 1.5;
        assert!((r.macro_f1 - (f1a + f1b) / 2.0).abs() < 1e-12);
        assert_eq!(r.confusion.matrix, vec![vec![2, 1], vec![0, 1]]);
    }

    #[test]
    fn pooled_reports_add_confusions_by_label_name() {
        let ab = vec!["a".to_string(), "b".to_string()];
        let ba = vec!["b".to_string(), "a".to_string()];
        let r1 = report(&ab, &[0, 0, 1], &[0, 1, 1]);
        let r2 = report(&ba, &[0, 1], &[1, 1]);
        let p = pooled(&[r1, r2]);
        assert_eq!(p.confusion.labels, ab);
        // r2's rows: true b predicted a, true a predicted a.
        assert_eq!(p.confusion.matrix, vec![vec![2, 1], vec![1, 1]]);
        assert!((p.accuracy - 3.0 / 5.0).abs() < 1e-12);
        assert_eq!(p.per_class["a"].support, 3);
    }

    #[test]
    fn folds_are_stratified_and_seeded() {
        let labels: Vec<String> = (0..40)
            .map(|i| if i < 30 { "x" } else { "y" }.to_string())
            .collect();
        let f = stratified_folds(&labels, 5, 7);
        for k in 0..5 {
            let xs = (0..40).filter(|&i| f[i] == k && labels[i] == "x").count();
            let ys = (0..40).filter(|&i| f[i] == k && labels[i] == "y").count();
            assert_eq!((xs, ys), (6, 2));
        }
        assert_eq!(f, stratified_folds(&labels, 5, 7));
        assert_ne!(f, stratified_folds(&labels, 5, 8));
    }
}
