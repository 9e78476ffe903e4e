//! Stage 5: the model file.
//!
//! Layout: an 8-byte magic `STANCEM\n`, the format version (u32 LE), the payload length
//! (u64 LE), a CRC-32 of the payload (u32 LE), then the payload: one serde value
//! ([`ModelData`]) in postcard encoding holding labels, tokenizer and TF-IDF settings,
//! vocabulary (the word terms as packed ids of their stems, so loading splits and
//! compares no text), idf, weights, intercepts and training metadata.
//!
//! Loading checks magic, version, length, checksum and caps on sizes before decoding,
//! then every shape; a wrong, truncated, corrupted or inconsistent file gets an error
//! saying which. Nothing is allocated in proportion to a size the file declares before
//! that size is checked: [`read_file`] reads no more than the declared payload (itself
//! capped), and every list's declared length is checked against its cap before the list
//! is built. Every weight and idf value must be finite and at most [`MAX_MAGNITUDE`] in
//! size, so scores are always probabilities that sum to 1. Saving writes a temporary
//! file beside the target and renames it, so a model file is written whole or not at
//! all. Nothing in the payload depends on the clock or on hash order, so the same data
//! and settings give the same bytes.

use crate::error::{Error, Result};
use crate::features::TfidfConfig;
use crate::model::FitConfig;
use crate::tokens::TokenizerConfig;
use serde::{Deserialize, Deserializer, Serialize};
use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::Path;

/// The first eight bytes of every model file.
pub const MAGIC: &[u8; 8] = b"STANCEM\n";
/// The version of a model file without a semantic block (written byte for byte as
/// before the block existed).
pub const FORMAT_VERSION: u32 = 3;
/// The version of a model file with a semantic block: version 3's payload followed by
/// an [`EmbeddingData`].
pub const EMBEDDING_VERSION: u32 = 4;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;
/// Caps on what a model file may declare, checked before the payload is decoded.
pub const MAX_PAYLOAD_BYTES: u64 = 4 << 30;
pub use crate::limits::MAX_LABELS;
/// Cap on the number of word terms and of character n-grams a file may declare.
pub const MAX_TERMS: usize = 50_000_000;
/// Cap on the number of weights (each takes 4 payload bytes).
pub const MAX_WEIGHTS: usize = (MAX_PAYLOAD_BYTES / 4) as usize;
/// Largest magnitude of a weight, intercept or idf value. Trained models stay far
/// below it; with it, no sum in scoring can overflow to infinity (and so to NaN).
pub const MAX_MAGNITUDE: f32 = 1e6;

thread_local! {
    /// The message of the last cap a decode hit (postcard keeps no custom messages).
    static CAP_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Deserializes a list, refusing a declared length over `cap` before allocating it.
fn capped<'de, D, T>(d: D, cap: usize, what: &'static str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Visitor<T> {
        cap: usize,
        what: &'static str,
        marker: std::marker::PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {} {}", self.cap, self.what)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let over = |n: usize| {
                let msg = format!(
                    "model file declares {n} {}, over the cap of {}",
                    self.what, self.cap
                );
                CAP_ERROR.with(|e| *e.borrow_mut() = Some(msg.clone()));
                <A::Error as serde::de::Error>::custom(msg)
            };
            let declared = seq.size_hint().unwrap_or(0);
            if declared > self.cap {
                return Err(over(declared));
            }
            let mut v = Vec::with_capacity(declared.min(4096));
            while let Some(x) = seq.next_element()? {
                if v.len() == self.cap {
                    return Err(over(self.cap + 1));
                }
                v.push(x);
            }
            Ok(v)
        }
    }
    d.deserialize_seq(Visitor {
        cap,
        what,
        marker: std::marker::PhantomData,
    })
}

fn labels_capped<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    capped(d, MAX_LABELS, "labels")
}

fn intercepts_capped<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
    capped(d, MAX_LABELS, "intercepts")
}

/// A number stored as its little-endian bytes.
trait LeBytes: Sized {
    const SIZE: usize;
    fn put(&self, out: &mut Vec<u8>);
    /// From exactly [`LeBytes::SIZE`] bytes.
    fn get(b: &[u8]) -> Self;
}

impl LeBytes for f32 {
    const SIZE: usize = 4;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    #[inline(always)]
    fn get(b: &[u8]) -> Self {
        f32::from_le_bytes(b.try_into().unwrap())
    }
}

impl LeBytes for u64 {
    const SIZE: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    #[inline(always)]
    fn get(b: &[u8]) -> Self {
        u64::from_le_bytes(b.try_into().unwrap())
    }
}

/// A list of numbers kept as their little-endian bytes: decoding is one pass over a
/// slice of the payload (postcard checks the declared length against the bytes left
/// first), not a decoder call per number.
mod le_bytes {
    use super::LeBytes;
    use serde::{Deserializer, Serializer};

    pub fn serialize<T: LeBytes, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(v.len() * T::SIZE);
        for x in v {
            x.put(&mut bytes);
        }
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, T: LeBytes, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: LeBytes> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a list of {}-byte numbers", T::SIZE)
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Vec<T>, E> {
                if !b.len().is_multiple_of(T::SIZE) {
                    return Err(E::custom(format!(
                        "{} bytes of numbers, not a multiple of {}",
                        b.len(),
                        T::SIZE
                    )));
                }
                Ok(b.chunks_exact(T::SIZE).map(T::get).collect())
            }
        }
        d.deserialize_bytes(Visitor(std::marker::PhantomData))
    }
}

fn counts_capped<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, u64)>, D::Error> {
    capped(d, MAX_LABELS, "label counts")
}

/// How a model was trained, kept in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Training rows per label, in label order.
    #[serde(deserialize_with = "counts_capped")]
    pub rows_per_label: Vec<(String, u64)>,
    /// The tokenizer settings trained with.
    pub tokenizer: TokenizerConfig,
    /// The TF-IDF settings trained with.
    pub tfidf: TfidfConfig,
    /// The fit settings trained with.
    pub fit: FitConfig,
    /// Training date, `YYYY-MM-DD` (from `--date`, `SOURCE_DATE_EPOCH` or the clock).
    pub date: String,
    /// What it was trained on (file names as given).
    pub source: String,
    /// Optimiser iterations used.
    pub iterations: u64,
}

/// Everything a model file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelData {
    #[serde(deserialize_with = "labels_capped")]
    /// The label set, sorted.
    pub labels: Vec<String>,
    /// The tokenizer settings.
    pub tokenizer: TokenizerConfig,
    /// The TF-IDF settings.
    pub tfidf: TfidfConfig,
    /// The stems the word terms use, joined by line breaks; a stem's id is its place.
    pub stems: String,
    /// Word terms (features `0..terms.len()`): each one's stem ids, packed into one
    /// number (see [`crate::features::Tfidf::term_keys`]).
    #[serde(with = "le_bytes")]
    pub terms: Vec<u64>,
    /// Character n-grams (the features after the word terms), joined by line breaks.
    pub char_terms: String,
    /// Per feature, word terms first.
    #[serde(with = "le_bytes")]
    pub idf: Vec<f32>,
    /// Feature-major: `weights[f * labels + c]`.
    #[serde(with = "le_bytes")]
    pub weights: Vec<f32>,
    /// The naive Bayes term: added once per word term present, feature-major (empty
    /// when the model has none).
    #[serde(with = "le_bytes")]
    pub presence: Vec<f32>,
    #[serde(deserialize_with = "intercepts_capped")]
    /// One per label.
    pub intercepts: Vec<f32>,
    /// How the model was trained.
    pub meta: Metadata,
    /// The semantic block (version 4 files only; encoded after the rest).
    #[serde(skip)]
    pub embedding: Option<EmbeddingData>,
}

/// Where a model's embedding table is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TableRef {
    /// The table built into the binary, with its CRC-32 (checked at load) and name.
    Builtin {
        /// The table's CRC-32, as its file ends.
        crc: u32,
        /// The table's name (source model and settings).
        name: String,
    },
    /// The table's own bytes (an STVEC file), so the model file is self-contained.
    Embedded(#[serde(with = "raw_bytes")] Vec<u8>),
}

/// A model's semantic block as the file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingData {
    /// Which table the block reads.
    pub table: TableRef,
    /// The block's weight against the TF-IDF row.
    pub weight: f32,
    /// The table's dimensions.
    pub dim: u32,
    /// The block's weights, dimension-major: `weights[j * labels + c]`.
    #[serde(with = "le_bytes")]
    pub weights: Vec<f32>,
}

/// Bytes kept as they are (one slice of the payload, not a decoder call per byte).
mod raw_bytes {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Vec<u8>, E> {
                Ok(b.to_vec())
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

impl ModelData {
    /// The file's bytes: header, payload, checksum (values checked first, so a file
    /// that would not load is never written).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // Never write a file that would not load.
        self.check_values()
            .map_err(|e| Error::model(format!("cannot save the model: {e}")))?;
        let encode = |e: postcard::Error| Error::model(format!("cannot encode the model: {e}"));
        let mut payload = postcard::to_allocvec(self).map_err(encode)?;
        let version = match &self.embedding {
            None => FORMAT_VERSION,
            Some(e) => {
                let block = postcard::to_allocvec(e).map_err(encode)?;
                payload.extend_from_slice(&block);
                EMBEDDING_VERSION
            }
        };
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Decodes and checks a model file's bytes (shapes are checked by the caller that
    /// builds the model from the parts).
    pub fn from_bytes(bytes: &[u8]) -> Result<ModelData> {
        let len = check_header(bytes)?;
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        let crc = u32::from_le_bytes(bytes[20..24].try_into().unwrap());
        let payload = &bytes[HEADER_LEN..];
        if (payload.len() as u64) < len {
            return Err(Error::model(format!(
                "model file is truncated ({} of {len} payload bytes)",
                payload.len()
            )));
        }
        if (payload.len() as u64) > len {
            return Err(Error::model(format!(
                "model file has {} bytes after its payload",
                payload.len() as u64 - len
            )));
        }
        if crc32fast::hash(payload) != crc {
            return Err(Error::model("model file is corrupted (checksum mismatch)"));
        }
        CAP_ERROR.with(|e| e.borrow_mut().take());
        let malformed = |e: postcard::Error| match CAP_ERROR.with(|c| c.borrow_mut().take()) {
            Some(cap) => Error::model(cap),
            None => Error::model(format!("model file is malformed: {e}")),
        };
        let data: ModelData = if version == FORMAT_VERSION {
            postcard::from_bytes(payload).map_err(malformed)?
        } else {
            let (data, rest) =
                postcard::take_from_bytes::<ModelData>(payload).map_err(malformed)?;
            let (block, rest) =
                postcard::take_from_bytes::<EmbeddingData>(rest).map_err(malformed)?;
            if !rest.is_empty() {
                return Err(Error::model(format!(
                    "model file is malformed: {} bytes after its semantic block",
                    rest.len()
                )));
            }
            ModelData {
                embedding: Some(block),
                ..data
            }
        };
        if let Some(e) = &data.embedding {
            let max = crate::features::embed::MAX_DIM;
            if e.dim == 0 || e.dim as usize > max {
                return Err(Error::model(format!(
                    "model file's semantic block has {} dimensions, not 1 to {max}",
                    e.dim
                )));
            }
            if e.weights.len() != e.dim as usize * data.labels.len() {
                return Err(Error::model(format!(
                    "model file is inconsistent: {} semantic block weights for {} dimensions and {} labels",
                    e.weights.len(),
                    e.dim,
                    data.labels.len()
                )));
            }
        }
        if data.labels.len() > MAX_LABELS {
            return Err(Error::model(format!(
                "model file has {} labels, over the cap of {MAX_LABELS}",
                data.labels.len()
            )));
        }
        let n_terms = data.terms.len() + count_terms(&data.char_terms);
        if n_terms > MAX_TERMS {
            return Err(Error::model(format!(
                "model file has {n_terms} terms, over the cap of {MAX_TERMS}"
            )));
        }
        data.check_values()
            .map_err(|e| Error::model(format!("model file is inconsistent: {e}")))?;
        Ok(data)
    }

    /// Every label is non-empty text without control characters, and no term holds one
    /// (both are printed as they are); every idf value, weight and intercept is finite and at most [`MAX_MAGNITUDE`].
    fn check_values(&self) -> std::result::Result<(), String> {
        if let Some(l) = self
            .labels
            .iter()
            .find(|l| l.is_empty() || l.contains(char::is_control))
        {
            return Err(format!(
                "label {:?} is empty or holds a control character",
                l.chars().take(40).collect::<String>()
            ));
        }
        for (what, list) in [
            ("word", &self.stems),
            ("character n-gram", &self.char_terms),
        ] {
            if let Some(at) = first_control(list) {
                // Its place: the line breaks before it.
                let i = memchr::memchr_iter(b'\n', &list.as_bytes()[..at]).count();
                return Err(format!("{what} {i} holds a control character"));
            }
        }
        for (what, values) in [
            ("idf value", &self.idf),
            ("weight", &self.weights),
            ("presence weight", &self.presence),
            ("intercept", &self.intercepts),
            (
                "semantic block weight",
                self.embedding.as_ref().map_or(&EMPTY, |e| &e.weights),
            ),
        ] {
            // NaN, the infinities and anything over the cap are bad. Checked a
            // block at a time (a branch per 64 values), so the loop vectorises.
            // No short-circuit, so a block's test vectorises.
            let bad = |v: &f32| v.is_nan() | (v.abs() > MAX_MAGNITUDE);
            let clean = values
                .chunks(64)
                .all(|c| !c.iter().fold(false, |any, v| any | bad(v)));
            if clean {
                continue;
            }
            if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| bad(v)) {
                return Err(format!(
                    "{what} {i} is {v}, not a finite number of at most {MAX_MAGNITUDE:e} in size"
                ));
            }
        }
        Ok(())
    }
}

static EMPTY: Vec<f32> = Vec::new();

/// Byte offset of the first control character (Unicode `Cc`: U+0000-U+001F and
/// U+007F-U+009F) other than a line break, scanning bytes: in UTF-8 the C0 controls and
/// DEL are single bytes, and U+0080-U+009F are `C2 80`-`C2 9F`.
fn first_control(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    // Bytes that are or may start a control character (no short-circuit, so a block's
    // test vectorises).
    let suspect = |c: u8| ((c < 0x20) & (c != b'\n')) | (c == 0x7f) | (c == 0xc2);
    let mut base = 0;
    for block in b.chunks(64) {
        if block.iter().fold(false, |any, &c| any | suspect(c)) {
            for (j, &c) in block.iter().enumerate() {
                let i = base + j;
                if suspect(c)
                    && (c != 0xc2 || b.get(i + 1).is_some_and(|&n| (0x80..=0x9f).contains(&n)))
                {
                    return Some(i);
                }
            }
        }
        base += block.len();
    }
    None
}

/// How many terms a line-break-joined list holds.
fn count_terms(joined: &str) -> usize {
    if joined.is_empty() {
        0
    } else {
        memchr::memchr_iter(b'\n', joined.as_bytes()).count() + 1
    }
}

/// Checks a model file's header (the first [`HEADER_LEN`] bytes of `bytes`, or what
/// there is of them) and returns the declared payload length.
fn check_header(bytes: &[u8]) -> Result<u64> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::model("not a stance model file (no stance header)"));
    }
    if bytes.len() < HEADER_LEN {
        return Err(Error::model("model file is truncated (header cut short)"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    if version != FORMAT_VERSION && version != EMBEDDING_VERSION {
        return Err(Error::model(format!(
            "model file has format version {version}, this stance reads versions {FORMAT_VERSION} and {EMBEDDING_VERSION}"
        )));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
    if len > MAX_PAYLOAD_BYTES {
        return Err(Error::model(format!(
            "model file declares a {len}-byte payload, over the cap of {MAX_PAYLOAD_BYTES}"
        )));
    }
    Ok(len)
}

/// Reads a model file's bytes, never more than its header declares (so a device such
/// as `/dev/zero`, a pipe, or a huge file that is not a model cannot exhaust memory):
/// the header is read and checked first, then at most the declared payload. Errors
/// name the file; the bytes still go through [`ModelData::from_bytes`].
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let name = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| Error::io(format!("{name}: cannot read model"), e))?;
    if meta.is_dir() {
        return Err(Error::model("is a directory, not a model file").in_file(path));
    }
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("{name}: cannot read model"), e))?;
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    (&mut f)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("{name}: cannot read model"), e))?;
    let len = check_header(&bytes).map_err(|e| e.in_file(path))?;
    let total = HEADER_LEN as u64 + len;
    if meta.is_file() {
        if meta.len() > total {
            return Err(Error::model(format!(
                "model file has {} bytes after its payload",
                meta.len() - total
            ))
            .in_file(path));
        }
        bytes.reserve_exact((meta.len().min(total) as usize).saturating_sub(HEADER_LEN));
    }
    if !meta.is_file() {
        // A pipe or a device has no size to check first: read the start of the payload
        // and check what it declares (labels and settings) before reading the rest, so
        // a stream of garbage behind a valid header fails at once.
        (&mut f)
            .take(len.min(PREFIX_BYTES))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("{name}: cannot read model"), e))?;
        check_prefix(&bytes[HEADER_LEN..]).map_err(|e| e.in_file(path))?;
        let rest = len.saturating_sub(len.min(PREFIX_BYTES));
        f.take(rest + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("{name}: cannot read model"), e))?;
        return Ok(bytes);
    }
    // One byte more than declared, so trailing bytes are seen (and refused).
    f.take(len + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("{name}: cannot read model"), e))?;
    Ok(bytes)
}

/// How much of a streamed payload is read before its start is checked.
const PREFIX_BYTES: u64 = 64 << 10;

/// The first fields of [`ModelData`], as encoded.
#[derive(Deserialize)]
struct Prefix {
    #[serde(deserialize_with = "labels_capped")]
    labels: Vec<String>,
    #[allow(dead_code)]
    tokenizer: TokenizerConfig,
    tfidf: TfidfConfig,
}

/// Checks the start of a payload (all of it, or its first [`PREFIX_BYTES`]): its
/// labels and settings must decode and make sense. A start too short to hold them
/// passes (the whole payload is checked later).
fn check_prefix(start: &[u8]) -> Result<()> {
    CAP_ERROR.with(|e| e.borrow_mut().take());
    let p: Prefix = match postcard::take_from_bytes(start) {
        Ok((p, _)) => p,
        Err(postcard::Error::DeserializeUnexpectedEnd) => return Ok(()),
        Err(e) => match CAP_ERROR.with(|c| c.borrow_mut().take()) {
            Some(cap) => return Err(Error::model(cap)),
            None => return Err(Error::model(format!("model file is malformed: {e}"))),
        },
    };
    if p.labels.len() < 2 {
        return Err(Error::model(format!(
            "model file is malformed: {} labels (a model has at least 2)",
            p.labels.len()
        )));
    }
    p.tfidf
        .validate()
        .map_err(|e| Error::model(format!("model file is malformed: {e}")))?;
    Ok(())
}

/// Prefix of the temporary files [`write_atomically`] makes; the writer's process id
/// and a random part follow, then `.tmp`.
const TMP_PREFIX: &str = ".stance-model-";

/// Where a write to `path` lands: `path` with the symbolic links of its last component
/// followed (the link itself is never replaced), and whether the chain passes through
/// `/proc` (as `/dev/stdout` and `/dev/fd/N` do), whose links name open files rather
/// than paths to rename onto.
pub(crate) fn resolve_links(path: &Path) -> (std::path::PathBuf, bool) {
    let mut p = path.to_path_buf();
    let mut magic = p.starts_with("/proc");
    // As the kernel does, give up after 40 links (a loop); the write then fails on open.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {}
            _ => break,
        }
        let Ok(target) = std::fs::read_link(&p) else {
            break;
        };
        p = match p.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
        magic |= p.starts_with("/proc");
    }
    (p, magic)
}

/// Whether process `pid` exists (or did not answer because it is another user's).
#[cfg(unix)]
fn process_exists(pid: i32) -> bool {
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes the temporary files in `dir` left by writers that were killed (their
/// process no longer exists); files of running writers, and anything else, stay.
#[cfg(unix)]
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(TMP_PREFIX))
            .filter(|rest| rest.ends_with(".tmp"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(pid_i) = i32::try_from(pid) else {
            continue;
        };
        if pid != me && pid_i > 0 && !process_exists(pid_i) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(not(unix))]
fn remove_stale_temporaries(_dir: &Path) {}

/// Writes `bytes` straight into `path` (a device, a pipe, or a file behind
/// `/dev/stdout`): not atomic, but there is nothing to rename onto.
fn write_directly(path: &Path, bytes: &[u8], truncate: bool) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(truncate)
        .open(path)
        .map_err(|e| Error::io(format!("{}: cannot open for writing", path.display()), e))?;
    f.write_all(bytes)
        .and_then(|_| f.flush())
        .map_err(|e| Error::io(format!("{}: cannot write the model", path.display()), e))?;
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: a temporary file in the same
/// directory, synced, then renamed over the target (keeping the old file's
/// permissions; a new file gets the usual `0666` less the umask). A symbolic link is
/// written through: the file it points to is replaced, never the link. A target that
/// exists and is not a regular file (a device such as `/dev/null`, a pipe) or that is
/// reached through `/proc` (`/dev/stdout`) is written directly. The temporary file's
/// name carries this process's id, and the ones that killed writers left in the
/// directory are removed first. On any error the message says whether an old file was
/// left unchanged.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let (target, magic) = resolve_links(path);
    if magic {
        let is_file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        return write_directly(path, bytes, is_file);
    }
    let old = std::fs::metadata(&target).ok();
    if let Some(meta) = &old {
        if meta.is_dir() {
            return Err(Error::Output(format!("{}: is a directory", path.display())));
        }
        if !meta.is_file() {
            return write_directly(path, bytes, false);
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let unchanged = match &old {
        Some(_) => "the old file is unchanged",
        None => "no file was written",
    };
    remove_stale_temporaries(dir);
    let prefix = format!("{TMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    match &old {
        Some(meta) => {
            builder.permissions(meta.permissions());
        }
        #[cfg(unix)]
        None => {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        #[cfg(not(unix))]
        None => {}
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| {
        let what = format!(
            "{}: cannot create a temporary file in {} ({unchanged})",
            path.display(),
            dir.display()
        );
        Error::io(what, e)
    })?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| {
            let what = format!("{}: cannot write the model ({unchanged})", path.display());
            Error::io(what, e)
        })?;
    tmp.persist(&target).map_err(|e| {
        let what = format!(
            "{}: cannot put the model in place ({unchanged})",
            path.display()
        );
        Error::io(what, e.error)
    })?;
    // Make the rename itself durable; a failure here loses nothing.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Today's date (UTC) as `YYYY-MM-DD`, or the one `SOURCE_DATE_EPOCH` names.
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    civil_date(secs.div_euclid(86_400))
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (H. Hinnant's civil-from-days).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_by_bytes_as_by_chars() {
        for s in [
            "plain\nterms",
            "tab\there",
            "del\u{7f}",
            "c1 \u{85} next line",
            "\u{9f}",
            "é Ā \u{a0} ★",
            "",
        ] {
            let by_chars = s.find(|c: char| c.is_control() && c != '\n');
            assert_eq!(first_control(s), by_chars, "{s:?}");
        }
    }

    #[test]
    fn numbers_survive_the_byte_encoding() {
        let v = vec![0.0f32, -1.5, f32::MAX, f32::MIN_POSITIVE, 1e-30];
        let bytes = postcard::to_allocvec(&Wrap(v.clone())).unwrap();
        let back: Wrap = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.0, v);
        // A length that is not a multiple of 4 is refused.
        assert!(postcard::from_bytes::<Wrap>(&[3, 1, 2, 3]).is_err());
    }

    #[derive(Serialize, Deserialize)]
    struct Wrap(#[serde(with = "le_bytes")] Vec<f32>);

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_414), "2025-11-22");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
