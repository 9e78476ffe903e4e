//! Stage 5: the model file.
//!
//! Layout: an 8-byte magic `STANCEM\n`, the format version (u32 LE), the payload length
//! (u64 LE), a CRC-32 of the payload (u32 LE), then the payload: one serde value
//! ([`ModelData`]) in postcard encoding holding labels, tokenizer and TF-IDF settings,
//! vocabulary, idf, weights, intercepts and training metadata.
//!
//! Loading checks magic, version, length, checksum and caps on sizes before decoding,
//! then every shape; a wrong, truncated, corrupted or inconsistent file gets an error
//! saying which. Saving writes a temporary file beside the target and renames it, so
//! a model file is written whole or not at all. Nothing in the payload depends on the
//! clock or on hash order, so the same data and settings give the same bytes.

use crate::logistic::FitConfig;
use crate::tfidf::TfidfConfig;
use crate::tokens::TokenizerConfig;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub const MAGIC: &[u8; 8] = b"STANCEM\n";
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;
/// Caps on what a model file may declare, checked before the payload is decoded.
pub const MAX_PAYLOAD_BYTES: u64 = 4 << 30;
pub const MAX_LABELS: usize = 10_000;
pub const MAX_TERMS: usize = 50_000_000;

/// How a model was trained, kept in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Training rows per label, in label order.
    pub rows_per_label: Vec<(String, u64)>,
    pub tokenizer: TokenizerConfig,
    pub tfidf: TfidfConfig,
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
    pub labels: Vec<String>,
    pub tokenizer: TokenizerConfig,
    pub tfidf: TfidfConfig,
    pub terms: Vec<String>,
    pub idf: Vec<f32>,
    /// Feature-major: `weights[f * labels + c]`.
    pub weights: Vec<f32>,
    pub intercepts: Vec<f32>,
    pub meta: Metadata,
}

impl ModelData {
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let payload = postcard::to_allocvec(self).context("cannot encode the model")?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Decodes and checks a model file's bytes (shapes are checked by the caller that
    /// builds the model from the parts).
    pub fn from_bytes(bytes: &[u8]) -> Result<ModelData> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            bail!("not a stance model file (no stance header)");
        }
        if bytes.len() < HEADER_LEN {
            bail!("model file is truncated (header cut short)");
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        if version != FORMAT_VERSION {
            bail!("model file has format version {version}, this stance reads version {FORMAT_VERSION}");
        }
        let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
        if len > MAX_PAYLOAD_BYTES {
            bail!("model file declares a {len}-byte payload, over the cap of {MAX_PAYLOAD_BYTES}");
        }
        let crc = u32::from_le_bytes(bytes[20..24].try_into().unwrap());
        let payload = &bytes[HEADER_LEN..];
        if (payload.len() as u64) < len {
            bail!(
                "model file is truncated ({} of {len} payload bytes)",
                payload.len()
            );
        }
        if (payload.len() as u64) > len {
            bail!(
                "model file has {} bytes after its payload",
                payload.len() as u64 - len
            );
        }
        if crc32fast::hash(payload) != crc {
            bail!("model file is corrupted (checksum mismatch)");
        }
        let data: ModelData = postcard::from_bytes(payload)
            .map_err(|e| anyhow::anyhow!("model file is malformed: {e}"))?;
        if data.labels.len() > MAX_LABELS {
            bail!(
                "model file has {} labels, over the cap of {MAX_LABELS}",
                data.labels.len()
            );
        }
        if data.terms.len() > MAX_TERMS {
            bail!(
                "model file has {} terms, over the cap of {MAX_TERMS}",
                data.terms.len()
            );
        }
        Ok(data)
    }
}

/// Writes `bytes` to `path` whole or not at all: a temporary file in the same
/// directory, synced, then renamed over the target. A target that exists and is not a
/// regular file (a device such as `/dev/null`) is written directly.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            bail!("{}: is a directory", path.display());
        }
        if !meta.is_file() {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("{}: cannot open for writing", path.display()))?;
            f.write_all(bytes)
                .and_then(|_| f.flush())
                .with_context(|| format!("{}: cannot write the model", path.display()))?;
            return Ok(());
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".stance-model-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a temporary file in {}",
                path.display(),
                dir.display()
            )
        })?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| {
            format!(
                "{}: cannot write the model (the old file, if any, is unchanged)",
                path.display()
            )
        })?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| {
        format!(
            "{}: cannot put the model in place (the old file, if any, is unchanged)",
            path.display()
        )
    })?;
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
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_414), "2025-11-22");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
