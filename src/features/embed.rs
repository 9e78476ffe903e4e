//! The semantic block: a dense sentence vector from static word vectors.
//!
//! A table ([`EmbeddingTable`], the STVEC format of `models/embeddings/`) holds, per
//! lower-case surface token (the tokens of [`crate::tokens::for_each_surface`], before
//! stemming), a weight and an int8 row with one scale. A sentence's block is
//! `block_weight * v / ||v||` with `v` the sum of `weight * scale * row` over its tokens
//! found in the table (zero when none is): the same direction as the mean the table's
//! README describes, so the same block.
//!
//! STVEC layout (little-endian): magic `STVEC\0\x01\0`, `u32` dim, `u32` n, `u32`
//! name length and the name (UTF-8), n keys sorted by their bytes (`u8` length 1-255,
//! then the bytes), n `f32` weights, n `f32` scales, n x dim `i8` rows, then the CRC-32
//! of every byte before it.
//!
//! Loading checks the magic, the sizes (capped, and against the bytes there are before
//! anything is allocated), the CRC, that the keys are strictly sorted UTF-8, and that
//! every weight and scale is finite; it builds a hash map from each key's 64-bit hash
//! (the one the featurizer's cache already computes for each token, so scoring hashes
//! no token twice) to its row. Rows are read in place from the table's bytes.

use super::{key, prefetch, KeyMap, Scratch};
use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The first eight bytes of an STVEC table of the version read here.
pub const STVEC_MAGIC: &[u8; 8] = b"STVEC\x00\x01\x00";
/// Most dimensions a table may have.
pub const MAX_DIM: usize = 4096;
/// Most entries a table may have.
pub const MAX_ENTRIES: usize = 5_000_000;
/// Longest name a table may carry.
pub const MAX_NAME: usize = 1 << 16;
/// Most bytes a table may take.
pub const MAX_TABLE_BYTES: u64 = 1 << 30;
/// Largest magnitude of a weight times a scale.
const MAX_FACTOR: f32 = 1e6;
const HEAD: usize = 8 + 12;

/// The table built into the binary (`models/embeddings/vectors.bin`).
pub static BUILTIN_TABLE: &[u8] = include_bytes!("../../models/embeddings/vectors.bin");

/// A checked STVEC table of word vectors, ready for lookups: the semantic block's
/// source (format: `models/embeddings/README.md`).
///
/// ```
/// let table = stance::EmbeddingTable::builtin()?;
/// assert!(table.is_builtin() && !table.is_empty());
/// let i = table.lookup("season").expect("a common word");
/// assert_eq!(table.key(i), "season");
/// assert_eq!(table.vector(i).len(), table.dim());
/// # Ok::<(), stance::Error>(())
/// ```
pub struct EmbeddingTable {
    bytes: Cow<'static, [u8]>,
    name: (usize, usize),
    dim: usize,
    /// Where each key's bytes start (its length byte is just before).
    key_at: Vec<u32>,
    /// Per entry, `weight * scale`.
    factors: Vec<f32>,
    rows_at: usize,
    crc: u32,
    /// Entry of each key, by its [`key`] hash.
    map: KeyMap<u32>,
    builtin: bool,
}

impl std::fmt::Debug for EmbeddingTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingTable")
            .field("name", &self.name())
            .field("dim", &self.dim)
            .field("entries", &self.len())
            .field("crc", &self.crc)
            .field("builtin", &self.builtin)
            .finish()
    }
}

impl PartialEq for EmbeddingTable {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn f32_at(b: &[u8], at: usize) -> f32 {
    f32::from_bits(u32_at(b, at))
}

impl EmbeddingTable {
    /// Checks and indexes the bytes of a table; errors say what is wrong (the caller
    /// names the file).
    ///
    /// ```
    /// use std::borrow::Cow;
    /// let builtin = stance::EmbeddingTable::builtin()?;
    /// let copy = stance::EmbeddingTable::from_bytes(Cow::Owned(builtin.bytes().to_vec()))?;
    /// assert_eq!((copy.len(), copy.crc()), (builtin.len(), builtin.crc()));
    /// let e = stance::EmbeddingTable::from_bytes(Cow::Borrowed(b"STVEC")).unwrap_err();
    /// assert!(matches!(e, stance::Error::Embedding { .. }));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn from_bytes(bytes: Cow<'static, [u8]>) -> crate::Result<EmbeddingTable> {
        EmbeddingTable::parse(bytes, true).map_err(crate::Error::embedding)
    }

    /// [`EmbeddingTable::from_bytes`], the CRC checked only if `check_crc` (the
    /// built-in table's is checked by a test: reading its 11 MB of rows at every
    /// start would cost more than all the rest of loading).
    fn parse(bytes: Cow<'static, [u8]>, check_crc: bool) -> Result<EmbeddingTable, String> {
        let b: &[u8] = &bytes;
        if b.len() < 5 || &b[..5] != b"STVEC" {
            return Err("not an STVEC embedding table (no STVEC header)".into());
        }
        if b.len() < 8 || &b[..8] != STVEC_MAGIC {
            return Err("STVEC table of a version this stance does not read".into());
        }
        if b.len() < HEAD + 4 {
            return Err("STVEC table is truncated (header cut short)".into());
        }
        if b.len() as u64 > MAX_TABLE_BYTES {
            return Err(format!(
                "STVEC table of {} bytes, over the cap of {MAX_TABLE_BYTES}",
                b.len()
            ));
        }
        let (dim, n, name_len) = (
            u32_at(b, 8) as usize,
            u32_at(b, 12) as usize,
            u32_at(b, 16) as usize,
        );
        if !(1..=MAX_DIM).contains(&dim) {
            return Err(format!(
                "STVEC table has {dim} dimensions, not 1 to {MAX_DIM}"
            ));
        }
        if !(1..=MAX_ENTRIES).contains(&n) {
            return Err(format!(
                "STVEC table has {n} entries, not 1 to {MAX_ENTRIES}"
            ));
        }
        if name_len > MAX_NAME {
            return Err(format!(
                "STVEC table name of {name_len} bytes, over the cap of {MAX_NAME}"
            ));
        }
        // The least the declared sizes take (keys of one byte); all fit in u64.
        let least = (HEAD + name_len + 4) as u64 + n as u64 * (2 + 8 + dim as u64);
        if (b.len() as u64) < least {
            return Err(format!(
                "STVEC table is truncated ({} bytes, its sizes need at least {least})",
                b.len()
            ));
        }
        let body = b.len() - 4;
        let crc = u32_at(b, body);
        if check_crc && crc32fast::hash(&b[..body]) != crc {
            return Err("STVEC table is corrupted (checksum mismatch)".into());
        }
        let name = (HEAD, HEAD + name_len);
        if std::str::from_utf8(&b[name.0..name.1]).is_err() {
            return Err("STVEC table name is not UTF-8".into());
        }
        // The keys: each non-empty UTF-8, strictly after the one before.
        let tail = n * (8 + dim);
        let mut key_at = Vec::with_capacity(n);
        let mut p = name.1;
        let mut prev: &[u8] = &[];
        for i in 0..n {
            let len = b[p] as usize;
            let k = match b.get(p + 1..p + 1 + len) {
                Some(k) if p + 1 + len + tail <= body => k,
                _ => return Err(format!("STVEC table is truncated (in key {i})")),
            };
            if len == 0 || std::str::from_utf8(k).is_err() {
                return Err(format!("STVEC table key {i} is empty or not UTF-8"));
            }
            if i > 0 && k <= prev {
                return Err(format!(
                    "STVEC table keys are not strictly sorted (key {i})"
                ));
            }
            key_at.push((p + 1) as u32);
            prev = k;
            p += 1 + len;
        }
        if p + tail != body {
            return Err(format!(
                "STVEC table has {} bytes after its rows",
                body - p - tail
            ));
        }
        let (weights_at, scales_at) = (p, p + 4 * n);
        let mut factors = Vec::with_capacity(n);
        for i in 0..n {
            let (w, s) = (f32_at(b, weights_at + 4 * i), f32_at(b, scales_at + 4 * i));
            let f = w * s;
            if !(w.is_finite() && s.is_finite() && f.abs() <= MAX_FACTOR) {
                return Err(format!(
                    "STVEC table entry {i} has weight {w} and scale {s}, not finite numbers of a sensible size"
                ));
            }
            factors.push(f);
        }
        let mut map = KeyMap::with_capacity(n);
        for (i, &at) in key_at.iter().enumerate() {
            let at = at as usize;
            let k = &b[at..at + b[at - 1] as usize];
            // Checked UTF-8 above.
            let s = std::str::from_utf8(k).unwrap_or_default();
            if let Some(other) = map.insert(key(s), i as u32) {
                return Err(format!(
                    "STVEC table keys {other} and {i} share a hash; rebuild the table without one of them"
                ));
            }
        }
        let builtin = std::ptr::eq(b.as_ptr(), BUILTIN_TABLE.as_ptr());
        Ok(EmbeddingTable {
            name,
            dim,
            key_at,
            factors,
            rows_at: p + 8 * n,
            crc,
            map,
            builtin,
            bytes,
        })
    }

    /// Reads and checks a table file (what `stance train --embeddings FILE` reads);
    /// errors name it.
    ///
    /// ```
    /// let e = stance::EmbeddingTable::read_file("no/such/table.bin".as_ref()).unwrap_err();
    /// assert!(matches!(e, stance::Error::Io { .. }));
    /// assert!(e.to_string().starts_with("no/such/table.bin"));
    /// ```
    pub fn read_file(path: &Path) -> crate::Result<EmbeddingTable> {
        use crate::Error;
        use std::io::Read;
        let cannot_read = |e| {
            Error::io(
                format!("{}: cannot read embedding table", path.display()),
                e,
            )
        };
        let meta = std::fs::metadata(path).map_err(cannot_read)?;
        if meta.is_dir() {
            return Err(Error::embedding("is a directory, not an embedding table").in_file(path));
        }
        let f = std::fs::File::open(path).map_err(cannot_read)?;
        let mut bytes = Vec::new();
        f.take(MAX_TABLE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot_read)?;
        EmbeddingTable::from_bytes(Cow::Owned(bytes)).map_err(|e| e.in_file(path))
    }

    /// The table built into the binary, checked and indexed once per process (see
    /// [`EmbeddingTable`] for an example).
    pub fn builtin() -> crate::Result<Arc<EmbeddingTable>> {
        static TABLE: OnceLock<Result<Arc<EmbeddingTable>, String>> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                EmbeddingTable::parse(Cow::Borrowed(BUILTIN_TABLE), false).map(Arc::new)
            })
            .clone()
            .map_err(crate::Error::embedding)
    }

    /// Whether this is the table built into the binary.
    pub fn is_builtin(&self) -> bool {
        self.builtin
    }

    /// The table's bytes, as stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The source and settings the table records.
    pub fn name(&self) -> &str {
        std::str::from_utf8(&self.bytes[self.name.0..self.name.1]).unwrap_or_default()
    }

    /// Dimensions of every vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of entries (words).
    pub fn len(&self) -> usize {
        self.key_at.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.key_at.is_empty()
    }

    /// The table's stored CRC-32.
    pub fn crc(&self) -> u32 {
        self.crc
    }

    /// Entry `i`'s key.
    pub fn key(&self, i: usize) -> &str {
        let at = self.key_at[i] as usize;
        let k = &self.bytes[at..at + self.bytes[at - 1] as usize];
        std::str::from_utf8(k).unwrap_or_default()
    }

    /// The entry of surface token `token`, if the table has it.
    pub fn lookup(&self, token: &str) -> Option<usize> {
        let i = self.map.get(key(token))? as usize;
        (self.key(i) == token).then_some(i)
    }

    /// Entry `i`'s weight times its row, dequantised.
    pub fn vector(&self, i: usize) -> Vec<f32> {
        let f = self.factors[i];
        self.row(i)
            .iter()
            .map(|&q| f * f32::from(q as i8))
            .collect()
    }

    /// Entry `i`'s int8 row (as stored bytes).
    #[inline(always)]
    fn row(&self, i: usize) -> &[u8] {
        let at = self.rows_at + i * self.dim;
        &self.bytes[at..at + self.dim]
    }

    /// Writes the sum of `weight * scale * row` over the entries `found` to `sum`
    /// (`dim` long) and returns its squared norm. The same arithmetic in the same
    /// order on any processor (a multiply then an add per value, no fused ones; the
    /// norm in eight lanes), so training and scoring agree to the bit.
    #[inline]
    fn sum_rows(&self, found: &[u32], sum: &mut [f32]) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            return unsafe { self.sum_rows_avx2(found, sum) };
        }
        self.sum_rows_plain(found, sum)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn sum_rows_avx2(&self, found: &[u32], sum: &mut [f32]) -> f32 {
        self.sum_rows_plain(found, sum)
    }

    #[inline(always)]
    fn sum_rows_plain(&self, found: &[u32], sum: &mut [f32]) -> f32 {
        sum.fill(0.0);
        for &i in found {
            let f = self.factors[i as usize];
            let row = self.row(i as usize);
            let sum = &mut sum[..row.len()];
            // Sixteen at a time, so it vectorises without bounds checks.
            let (sc, rc) = (sum.chunks_exact_mut(16), row.chunks_exact(16));
            for (s, r) in sc.zip(rc) {
                for j in 0..16 {
                    s[j] += f * f32::from(r[j] as i8);
                }
            }
            let rest = row.len() / 16 * 16;
            for (s, &q) in sum[rest..].iter_mut().zip(&row[rest..]) {
                *s += f * f32::from(q as i8);
            }
        }
        dot8(sum, sum)
    }
}

/// `a . b` summed in eight lanes (`j % 8`, for as many whole eights as there are, the
/// rest after), then the lanes in a fixed order: vectorises, same bits everywhere.
#[inline(always)]
pub fn dot8(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ar.iter().zip(br) {
        tail += x * y;
    }
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
        + tail
}

/// Table entry of a featurizer cache entry not looked up yet, and of one not in the
/// table.
const UNSET: u32 = u32::MAX;
const ABSENT: u32 = u32::MAX - 1;

/// Per-thread scratch for [`Embedding::sum_of_sentence`]: the table entry of each of the
/// featurizer's cache entries, so a word is looked up once, not once a sentence.
#[derive(Debug, Default)]
pub struct DenseScratch {
    entry_rows: Vec<u32>,
    /// The featurizer cache generation `entry_rows` belongs to.
    generation: u64,
    found: Vec<u32>,
    /// The current sentence's sum of rows.
    pub sum: Vec<f32>,
}

/// A model's semantic block: its table and the block's weight (what
/// [`TrainSettings::embedding`](crate::TrainSettings::embedding) takes).
///
/// ```
/// let block = stance::Embedding::new(stance::EmbeddingTable::builtin()?, 0.25)?;
/// let mut settings = stance::TrainSettings::default();
/// settings.embedding = Some(block);
/// assert!(settings.check().is_ok());
/// # Ok::<(), stance::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// The word vectors.
    pub table: Arc<EmbeddingTable>,
    /// What the unit-length sentence vector is multiplied by before it joins the row.
    pub weight: f32,
}

/// Most a block weight may be.
pub const MAX_BLOCK_WEIGHT: f32 = 1e3;

impl Embedding {
    /// A block over `table` with `weight` (a number > 0, at most 1000).
    ///
    /// ```
    /// let table = stance::EmbeddingTable::builtin()?;
    /// assert!(stance::Embedding::new(table.clone(), 0.25).is_ok());
    /// let e = stance::Embedding::new(table, 0.0).unwrap_err();
    /// assert!(matches!(e, stance::Error::Setting(_)));
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn new(table: Arc<EmbeddingTable>, weight: f32) -> crate::Result<Embedding> {
        if !(weight.is_finite() && weight > 0.0 && weight <= MAX_BLOCK_WEIGHT) {
            return Err(crate::Error::Setting(format!(
                "embedding weight {weight} must be a number > 0 and at most {MAX_BLOCK_WEIGHT}"
            )));
        }
        Ok(Embedding { table, weight })
    }

    /// The block's dimensions (its table's).
    pub fn dim(&self) -> usize {
        self.table.dim
    }

    /// The tokens of the sentence `scratch` last featurized (its surface forms' hashes,
    /// as [`Scratch`] keeps them): writes the sum of their rows to `sum` (resized to
    /// `dim`) and returns what it is multiplied by to be the block (0 when no token is
    /// in the table). `found` is scratch space for the entries.
    #[inline]
    pub fn sum_of(&self, scratch: &Scratch, sum: &mut Vec<f32>, found: &mut Vec<u32>) -> f32 {
        self.sum_of_keys(scratch.surface_keys.iter().map(|k| k.0), sum, found)
    }

    /// [`Embedding::sum_of`] for the tokens of `text` (a tokenizing pass of its own).
    pub fn sum_of_text(
        &self,
        tokenizer: &crate::tokens::Tokenizer,
        text: &str,
        word: &mut String,
        sum: &mut Vec<f32>,
        found: &mut Vec<u32>,
    ) -> f32 {
        let mut keys = Vec::new();
        tokenizer.for_each_surface(text, word, |s| keys.push(key(s)));
        self.sum_of_keys(keys.into_iter(), sum, found)
    }

    #[inline(always)]
    fn sum_of_keys(
        &self,
        keys: impl Iterator<Item = u64>,
        sum: &mut Vec<f32>,
        found: &mut Vec<u32>,
    ) -> f32 {
        let t = &*self.table;
        found.clear();
        // All the rows start loading before any is added.
        for k in keys {
            if let Some(i) = t.map.get(k) {
                prefetch(&t.bytes[t.rows_at + i as usize * t.dim]);
                found.push(i);
            }
        }
        self.finish(found, sum)
    }

    /// The sum of the rows `found` in `sum`, and its scale.
    #[inline(always)]
    fn finish(&self, found: &[u32], sum: &mut Vec<f32>) -> f32 {
        sum.resize(self.table.dim, 0.0);
        let norm2 = self.table.sum_rows(found, sum);
        if norm2 > 0.0 {
            self.weight / norm2.sqrt()
        } else {
            0.0
        }
    }

    /// [`Embedding::sum_of`] for the scoring hot path: each of the featurizer's cache
    /// entries is looked up in the table once and remembered in `dense`. The sum is in
    /// `dense.sum`.
    #[inline]
    pub fn sum_of_sentence(&self, scratch: &Scratch, dense: &mut DenseScratch) -> f32 {
        let t = &*self.table;
        let DenseScratch {
            entry_rows,
            generation,
            found,
            sum,
        } = dense;
        if *generation != scratch.generation() {
            // The cache started over: its entry ids from `kept` on mean other words now.
            entry_rows.truncate(scratch.kept());
            *generation = scratch.generation();
        }
        if entry_rows.len() < scratch.n_entries() {
            entry_rows.resize(scratch.n_entries(), UNSET);
        }
        found.clear();
        for (&e, k) in scratch.tokens.iter().zip(&scratch.surface_keys) {
            let r = &mut entry_rows[e as usize];
            if *r == UNSET {
                *r = t.map.get(k.0).unwrap_or(ABSENT);
            }
            if *r != ABSENT {
                prefetch(&t.bytes[t.rows_at + *r as usize * t.dim]);
                found.push(*r);
            }
        }
        self.finish(found, sum)
    }

    /// The block of the sentence `scratch` last featurized, as `(feature, value)` pairs
    /// from feature `first` on (all `dim` of them unless no token was found).
    pub fn block_into(&self, scratch: &Scratch, first: usize, out: &mut Vec<(u32, f32)>) {
        let (mut sum, mut found) = (Vec::new(), Vec::new());
        let scale = self.sum_of(scratch, &mut sum, &mut found);
        if scale > 0.0 {
            out.extend((first..).zip(&sum).map(|(f, &v)| (f as u32, v * scale)));
        }
    }
}

/// An STVEC table's bytes for `keys` (any order, distinct, 1-255 bytes each) with their
/// `weights` and `rows` (`keys.len()` rows of `dim` values): quantised to int8 with one
/// scale per row, as `models/embeddings/stvec.py` writes them (for tests and tools).
pub fn write_table(keys: &[&str], weights: &[f32], rows: &[Vec<f32>], name: &str) -> Vec<u8> {
    let dim = rows.first().map_or(0, Vec::len);
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].as_bytes().cmp(keys[b].as_bytes()));
    let mut out = Vec::new();
    out.extend_from_slice(STVEC_MAGIC);
    for v in [dim, keys.len(), name.len()] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    for &i in &order {
        out.push(keys[i].len() as u8);
        out.extend_from_slice(keys[i].as_bytes());
    }
    for &i in &order {
        out.extend_from_slice(&weights[i].to_le_bytes());
    }
    let scale = |r: &[f32]| {
        let max = r.iter().fold(0f32, |m, v| m.max(v.abs()));
        if max > 0.0 {
            max / 127.0
        } else {
            1.0
        }
    };
    for &i in &order {
        out.extend_from_slice(&scale(&rows[i]).to_le_bytes());
    }
    for &i in &order {
        let s = scale(&rows[i]);
        out.extend(
            rows[i]
                .iter()
                .map(|v| (v / s).round().clamp(-127.0, 127.0) as i8 as u8),
        );
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Vec<u8> {
        let rows = vec![
            vec![1.0, 0.0, 0.5],
            vec![0.0, -2.0, 1.0],
            vec![0.25, 0.25, 0.0],
        ];
        write_table(&["great", "awful", "é"], &[1.0, 0.5, 2.0], &rows, "tiny")
    }

    #[test]
    fn a_written_table_reads_back() {
        let t = EmbeddingTable::from_bytes(Cow::Owned(tiny())).unwrap();
        assert_eq!((t.dim(), t.len(), t.name()), (3, 3, "tiny"));
        assert_eq!((t.key(0), t.key(1), t.key(2)), ("awful", "great", "é"));
        assert_eq!(t.lookup("great"), Some(1));
        assert_eq!(t.lookup("grea"), None);
        // Row [1, 0, 0.5] with scale 1/127, weight 1.
        let v = t.vector(1);
        assert!((v[0] - 1.0).abs() < 1e-6 && v[1] == 0.0 && (v[2] - 0.5).abs() < 5e-3);
        let v = t.vector(0);
        assert!((v[1] + 1.0).abs() < 1e-6, "weight 0.5 times -2: {v:?}");
        assert!(!t.is_builtin());
    }

    #[test]
    fn damaged_tables_are_refused() {
        let good = tiny();
        let fix_crc = |mut b: Vec<u8>| {
            let n = b.len() - 4;
            let crc = crc32fast::hash(&b[..n]);
            b[n..].copy_from_slice(&crc.to_le_bytes());
            b
        };
        let mut cases: Vec<(Vec<u8>, &str)> = vec![
            (b"nope".to_vec(), "no STVEC header"),
            (good[..30].to_vec(), "truncated"),
            (good[..good.len() - 1].to_vec(), "checksum"),
        ];
        let mut flipped = good.clone();
        flipped[40] ^= 1;
        cases.push((flipped, "checksum"));
        let mut unsorted = good.clone();
        // Keys start after the 4-byte name: swap "awful" for "zwful".
        unsorted[HEAD + 4 + 1] = b'z';
        cases.push((fix_crc(unsorted), "sorted"));
        let mut big = good.clone();
        big[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        cases.push((fix_crc(big), "entries"));
        let mut long = good.clone();
        long.splice(good.len() - 4..good.len() - 4, [0u8; 3]);
        cases.push((fix_crc(long), "after its rows"));
        let mut version = good.clone();
        version[6] = 2;
        cases.push((version, "version"));
        for (bytes, want) in cases {
            let e = EmbeddingTable::from_bytes(Cow::Owned(bytes)).unwrap_err();
            assert!(matches!(e, crate::Error::Embedding { .. }), "{e:?}");
            assert!(e.to_string().contains(want), "{e:?} should say {want:?}");
        }
    }

    /// Every prefix and every single-byte change of a table is refused or read, never a
    /// panic.
    #[test]
    fn any_damage_is_an_error_not_a_panic() {
        let good = tiny();
        for n in 0..good.len() {
            assert!(EmbeddingTable::from_bytes(Cow::Owned(good[..n].to_vec())).is_err());
        }
        for i in 0..good.len() - 4 {
            for x in [1u8, 0x80, 0xff] {
                let mut b = good.clone();
                b[i] ^= x;
                let n = b.len() - 4;
                let crc = crc32fast::hash(&b[..n]);
                b[n..].copy_from_slice(&crc.to_le_bytes());
                let _ = EmbeddingTable::from_bytes(Cow::Owned(b));
            }
        }
    }

    #[test]
    fn the_builtin_table_reads_and_its_checksum_holds() {
        let t = EmbeddingTable::builtin().unwrap();
        assert!(t.is_builtin() && t.dim() == 256 && t.len() > 10_000);
        let n = BUILTIN_TABLE.len() - 4;
        assert_eq!(crc32fast::hash(&BUILTIN_TABLE[..n]), t.crc());
        let i = t.lookup("good").expect("a common word");
        assert_eq!(t.key(i), "good");
    }
}
