//! Per-row loss weights from the class-weight setting.

use super::config::ClassWeight;

/// Per-row loss weights from the class-weight setting.
pub fn sample_weights(y: &[usize], k: usize, cw: ClassWeight) -> Vec<f64> {
    match cw {
        ClassWeight::None => vec![1.0; y.len()],
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; k];
            for &c in y {
                counts[c] += 1;
            }
            let n = y.len() as f64;
            y.iter()
                .map(|&c| n / (k as f64 * counts[c] as f64))
                .collect()
        }
    }
}
