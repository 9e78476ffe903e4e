//! Keys and the map they index: a word's or character n-gram's 64-bit hash ([`key`]),
//! an n-gram's packed stem ids ([`pack`]), the open-addressing [`KeyMap`], and
//! [`prefetch`].

/// Bits per stem id in a packed n-gram key.
pub(super) const STEM_BITS: u32 = 21;

/// Most distinct stems a vocabulary may use (ids must fit in the 21 bits a packed n-gram
/// key gives each stem).
pub const MAX_STEMS: usize = (1 << STEM_BITS) - 2;

/// Stem id of a word that is in no feature.
pub(super) const UNKNOWN: u32 = u32::MAX;

/// The key of a word or character n-gram in the vocabulary maps: a 64-bit hash, so the
/// maps hold no strings. Two vocabulary entries with one hash are refused when a model
/// is built; an unknown word sharing a known one's hash (odds about 1 in 10^13 per
/// word for a vocabulary of 200,000) would be read as that word.
#[inline]
pub(super) fn key(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// A map from 64-bit keys ([`key`] hashes, packed stem ids) to small values: open
/// addressing with linear probing, never more than half full, so a lookup is one
/// multiply, one slot read and a compare, and an absent key usually stops at the first
/// empty slot. Key 0 marks an empty slot; a stored 0 is kept as 1.
#[derive(Debug, Clone)]
pub(super) struct KeyMap<V = u32> {
    slots: Vec<(u64, V)>,
    len: usize,
    /// `64 - log2(slots.len())`: a key's first slot is the top bits of its product.
    shift: u32,
}

impl<V: Copy + Default> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap::with_capacity(0)
    }
}

impl<V: Copy + Default> KeyMap<V> {
    pub(super) fn with_capacity(n: usize) -> KeyMap<V> {
        let size = (n * 2).next_power_of_two().max(16);
        // Written, not `calloc`ed: a zeroed allocation maps the shared zero page, so the
        // first read of a slot and the first write to it would each fault (the second
        // also flushing the other threads' address caches).
        let mut slots = Vec::with_capacity(size);
        slots.resize(size, (0, V::default()));
        KeyMap {
            slots,
            len: 0,
            shift: 64 - size.trailing_zeros(),
        }
    }

    #[inline(always)]
    fn first_slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline(always)]
    pub(super) fn get(&self, key: u64) -> Option<V> {
        let key = key.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(key);
        loop {
            let (k, v) = self.slots[i & mask];
            if k == key {
                return Some(v);
            }
            if k == 0 {
                return None;
            }
            i += 1;
        }
    }

    /// Asks the processor to start loading `key`'s first slot, so a lookup a little
    /// later does not wait for memory (lookups of a sentence's n-grams are independent,
    /// and a vocabulary's map is bigger than the cache).
    #[inline(always)]
    pub(super) fn prefetch(&self, key: u64) {
        let i = self.first_slot(key.max(1)) & (self.slots.len() - 1);
        prefetch(&self.slots[i]);
    }

    /// Sets `key`'s value; returns the value it replaced.
    pub(super) fn insert(&mut self, key: u64, value: V) -> Option<V> {
        let (slot, new) = self.value_mut(key);
        let old = std::mem::replace(slot, value);
        (!new).then_some(old)
    }

    /// `key`'s value to change, put in as `V::default()` if absent; and whether it was.
    #[inline]
    pub(super) fn value_mut(&mut self, key: u64) -> (&mut V, bool) {
        if (self.len + 1) * 2 > self.slots.len() {
            let mut bigger = KeyMap::with_capacity(self.slots.len());
            for &(k, v) in self.slots.iter().filter(|s| s.0 != 0) {
                bigger.insert(k, v);
            }
            *self = bigger;
        }
        let key = key.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.first_slot(key) & mask;
        loop {
            if self.slots[i].0 == key {
                return (&mut self.slots[i].1, false);
            }
            if self.slots[i].0 == 0 {
                self.slots[i].0 = key;
                self.len += 1;
                return (&mut self.slots[i].1, true);
            }
            i = (i + 1) & mask;
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The entries, in no particular order (a key stored as 0 reads 1).
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, V)> + '_ {
        self.slots.iter().copied().filter(|s| s.0 != 0)
    }

    /// Keeps only the entries whose value passes `keep` (same capacity).
    pub(super) fn retain(&mut self, keep: impl Fn(&V) -> bool) {
        let empty = vec![(0, V::default()); self.slots.len()];
        let old = std::mem::replace(&mut self.slots, empty);
        self.len = 0;
        for (k, v) in old {
            if k != 0 && keep(&v) {
                self.insert(k, v);
            }
        }
    }
}

/// Asks the processor to start loading the cache line holding `at` (a hint: no
/// effect on results, nothing on other targets).
#[inline(always)]
pub fn prefetch<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults or changes memory, and `at` is a
    // valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((at as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// The key of an n-gram's stem ids (none [`UNKNOWN`]).
pub(super) fn pack(ids: &[u32]) -> u64 {
    ids.iter().fold(0u64, |k, &id| pack_next(k, id))
}

/// `key`, the packed ids of an n-gram's first words, extended by stem `id`.
#[inline(always)]
pub(super) fn pack_next(key: u64, id: u32) -> u64 {
    (key << STEM_BITS) | (u64::from(id) + 1)
}

/// The stem ids of a [`pack`]ed n-gram key, first word first.
pub(super) fn unpack(key: u64) -> impl Iterator<Item = u32> {
    let n = (u64::BITS - key.leading_zeros()).div_ceil(STEM_BITS);
    let field = (1u64 << STEM_BITS) - 1;
    (0..n)
        .rev()
        .map(move |i| ((key >> (i * STEM_BITS)) & field) as u32 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The map holds what was put in through its growth, replaces on a second insert,
    /// misses what it does not hold, keeps what `retain` keeps, and treats key 0 as key 1
    /// (0 marks empty slots).
    #[test]
    fn key_map_holds_what_was_inserted() {
        let mut map = KeyMap::default();
        let mut reference = HashMap::new();
        // Keys with equal low or high bits, and spread ones, to crowd some slots.
        let keys = (1..3000u64)
            .flat_map(|i| [i, i << 40, i.wrapping_mul(0x9E37_79B9_7F4A_7C15)])
            .collect::<Vec<_>>();
        for (v, &k) in keys.iter().enumerate() {
            assert_eq!(map.insert(k, v as u32), reference.insert(k, v as u32));
        }
        assert_eq!(map.insert(keys[5], 7), Some(5));
        reference.insert(keys[5], 7);
        assert_eq!(map.len(), reference.len());
        assert!(map.slots.len() >= 2 * map.len());
        for (&k, &v) in &reference {
            assert_eq!(map.get(k), Some(v));
        }
        for k in [3001u64, 3001 << 40, u64::MAX] {
            assert_eq!(map.get(k), None);
        }
        // Retaining some keeps exactly those, findable through the rebuilt table.
        map.retain(|&v| v % 3 == 0);
        for (&k, &v) in &reference {
            assert_eq!(map.get(k), (v % 3 == 0).then_some(v));
        }
        assert_eq!(
            map.len(),
            reference.values().filter(|&&v| v % 3 == 0).count()
        );
        map.retain(|_| false);
        assert_eq!((map.len(), map.get(keys[0])), (0, None));
        assert_eq!(map.insert(0, 9), None);
        assert_eq!(map.get(1), Some(9));
    }

    /// Packed n-gram keys unpack to their stem ids, first word first.
    #[test]
    fn packed_keys_unpack_to_their_ids() {
        let top = MAX_STEMS as u32 - 1;
        for ids in [&[0][..], &[5, 0], &[top, 7, 0], &[1, top], &[top]] {
            assert_eq!(unpack(pack(ids)).collect::<Vec<_>>(), ids);
        }
    }
}
