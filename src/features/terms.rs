//! [`TermList`]: a list of terms kept as one string, as model files store them.

/// A list of terms kept as one string, each term ended by a line break except the last
/// (how model files store them: loading is one allocation, not one per term).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermList {
    pub(super) text: String,
    /// End offset of each term in `text`.
    pub(super) ends: Vec<u32>,
}

impl TermList {
    /// The terms of `text`, separated by `\n` (`""` is no terms).
    pub fn from_joined(text: String) -> Result<TermList, String> {
        if u32::try_from(text.len()).is_err() {
            return Err("term list over 4 GiB".into());
        }
        let mut ends = Vec::new();
        if !text.is_empty() {
            ends.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32));
            ends.push(text.len() as u32);
        }
        Ok(TermList { text, ends })
    }

    /// The list of `terms` (none of which may hold a line break).
    pub fn from_terms<S: AsRef<str>>(terms: &[S]) -> TermList {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(terms.len());
        for (i, t) in terms.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(t.as_ref());
            ends.push(text.len() as u32);
        }
        TermList { text, ends }
    }

    /// The terms joined by line breaks.
    pub fn joined(&self) -> &str {
        &self.text
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Term `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        };
        &self.text[start..self.ends[i] as usize]
    }

    /// The terms in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Whether `term` is one of the terms (a linear scan; for tests and tools).
    pub fn contains(&self, term: &str) -> bool {
        self.iter().any(|t| t == term)
    }

    /// The terms in order, collected.
    pub fn to_vec(&self) -> Vec<&str> {
        self.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_lists_round_trip_through_their_joined_text() {
        let l = TermList::from_terms(&["a b", "c", "[_x]"]);
        assert_eq!(l.joined(), "a b\nc\n[_x]");
        let back = TermList::from_joined(l.joined().to_string()).unwrap();
        assert_eq!(back, l);
        assert_eq!((back.len(), back.get(1)), (3, "c"));
        assert!(back.contains("a b") && !back.contains("a"));
        let empty = TermList::from_joined(String::new()).unwrap();
        assert!(empty.is_empty() && empty.to_vec().is_empty());
    }
}
