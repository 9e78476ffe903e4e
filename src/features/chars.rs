//! The character n-grams of a word.

/// Scratch space for [`for_each_char_ngram`].
#[derive(Debug, Default)]
pub struct GramScratch {
    padded: String,
    bounds: Vec<usize>,
}

/// Calls `emit` with each character n-gram of `surface` (lengths `min..=max` in
/// characters, `surface` padded with a space on each side), shortest first, left to
/// right; nothing for a token that does not start with a letter or digit
/// (punctuation), and nothing when `max` is 0.
pub fn for_each_char_ngram(
    surface: &str,
    min: u8,
    max: u8,
    scratch: &mut GramScratch,
    mut emit: impl FnMut(&str),
) {
    if max == 0 || !surface.chars().next().is_some_and(char::is_alphanumeric) {
        return;
    }
    let GramScratch { padded, bounds } = scratch;
    padded.clear();
    padded.push(' ');
    padded.push_str(surface);
    padded.push(' ');
    bounds.clear();
    bounds.extend(padded.char_indices().map(|(i, _)| i));
    bounds.push(padded.len());
    let n_chars = bounds.len() - 1;
    for n in (min as usize).max(1)..=max as usize {
        if n > n_chars {
            break;
        }
        for start in 0..=n_chars - n {
            emit(&padded[bounds[start]..bounds[start + n]]);
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn grams(word: &str, min: u8, max: u8) -> Vec<String> {
        let mut out = Vec::new();
        for_each_char_ngram(word, min, max, &mut GramScratch::default(), |g| {
            out.push(g.to_string())
        });
        out
    }

    #[test]
    fn char_ngrams_are_padded_and_by_character() {
        assert_eq!(
            grams("good", 2, 3),
            [" g", "go", "oo", "od", "d ", " go", "goo", "ood", "od "]
        );
        assert_eq!(grams("a", 2, 5), [" a", "a ", " a "]);
        assert_eq!(grams("déjà", 5, 5), [" déjà", "déjà "]);
        assert!(
            grams(",", 2, 5).is_empty(),
            "punctuation has no character n-grams"
        );
        assert!(grams("good", 0, 0).is_empty());
    }
}
