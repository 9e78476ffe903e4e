//! Decisions made with the scores: `uncertain` below a threshold (`--min-prob`), the
//! K best labels (`--top-k`), and a verdict per document (`--verdict`).

use serde::Serialize;
use std::collections::BTreeMap;

/// The label a sentence is shown with when its top probability is below `--min-prob`.
pub const UNCERTAIN: &str = "uncertain";

/// What `classify` decides beyond the most probable label (`--min-prob`, `--top-k`,
/// `--verdict`); give it to [`Writer::with_decisions`](crate::Writer::with_decisions).
///
/// ```
/// let d = stance::Decisions { min_prob: Some(0.5), ..Default::default() };
/// assert!(d.uncertain(0.4) && !d.uncertain(0.6));
/// assert!(!stance::Decisions::default().uncertain(0.0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decisions {
    /// Below this top probability a sentence is `uncertain`.
    pub min_prob: Option<f32>,
    /// How many of the best labels to list with their probabilities (0: none).
    pub top_k: usize,
    /// Print each document's verdict in its summary.
    pub verdict: bool,
}

impl Decisions {
    /// Whether a sentence whose best label has probability `p` is uncertain.
    pub fn uncertain(&self, p: f32) -> bool {
        self.min_prob.is_some_and(|m| p < m)
    }
}

/// The `k` best labels' indices, most probable first (ties: label order).
pub fn top(scores: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

/// A document's verdict: the share of each label (and of `uncertain`), and the net
/// score (positive − criticism) / (positive + criticism) when the model has those two
/// labels and the document has any such sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Each label's share of the document's sentences (and `uncertain`'s).
    pub shares: BTreeMap<String, f64>,
    /// Sentences labelled positive or criticism.
    pub opinion_sentences: u64,
    /// In [-1, 1]; null when there is no opinion sentence (or no such labels).
    pub net: Option<f64>,
}

impl Verdict {
    /// From the counts shown per label (`uncertain` last when present).
    pub fn new(labels: &[String], counts: &[u64], uncertain: Option<u64>) -> Verdict {
        let n = (counts.iter().sum::<u64>() + uncertain.unwrap_or(0)).max(1) as f64;
        let mut shares: BTreeMap<String, f64> = labels
            .iter()
            .zip(counts)
            .map(|(l, &c)| (l.clone(), c as f64 / n))
            .collect();
        if let Some(u) = uncertain {
            shares.insert(UNCERTAIN.to_string(), u as f64 / n);
        }
        let count = |name: &str| labels.iter().position(|l| l == name).map(|i| counts[i]);
        let (pos, crit) = (count("positive"), count("criticism"));
        let opinion = pos.unwrap_or(0) + crit.unwrap_or(0);
        let net = match (pos, crit) {
            (Some(p), Some(c)) if opinion > 0 => Some((p as f64 - c as f64) / opinion as f64),
            _ => None,
        };
        Verdict {
            shares,
            opinion_sentences: opinion,
            net,
        }
    }

    /// One line for people: `net +0.20 (3 positive, 2 criticism of 5 opinion sentences)`.
    pub fn describe(&self, labels: &[String], counts: &[u64]) -> String {
        let count = |name: &str| {
            labels
                .iter()
                .position(|l| l == name)
                .map_or(0, |i| counts[i])
        };
        match self.net {
            Some(net) => format!(
                "net {net:+.2} ({} positive, {} criticism of {} opinion sentences)",
                count("positive"),
                count("criticism"),
                self.opinion_sentences
            ),
            None => "no opinion sentences (positive or criticism)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_net_score_is_positive_minus_criticism_over_opinion_sentences() {
        let labels: Vec<String> = ["anticipation", "criticism", "neutral", "positive"]
            .map(String::from)
            .to_vec();
        let v = Verdict::new(&labels, &[1, 1, 4, 3], Some(1));
        assert_eq!(v.opinion_sentences, 4);
        assert_eq!(v.net, Some(0.5));
        assert_eq!(v.shares["neutral"], 0.4);
        assert_eq!(v.shares[UNCERTAIN], 0.1);
        assert_eq!(
            v.describe(&labels, &[1, 1, 4, 3]),
            "net +0.50 (3 positive, 1 criticism of 4 opinion sentences)"
        );
        let none = Verdict::new(&labels, &[2, 0, 1, 0], None);
        assert_eq!(none.net, None);
        let other = Verdict::new(&["a".into(), "b".into()], &[1, 1], None);
        assert_eq!((other.net, other.opinion_sentences), (None, 0));
    }

    #[test]
    fn top_orders_by_probability() {
        assert_eq!(top(&[0.2, 0.5, 0.3], 2), [1, 2]);
        assert_eq!(top(&[0.5, 0.5], 5), [0, 1]);
        assert!(!Decisions::default().uncertain(0.0));
        let d = Decisions {
            min_prob: Some(0.6),
            ..Decisions::default()
        };
        assert!(d.uncertain(0.59) && !d.uncertain(0.6));
    }
}
