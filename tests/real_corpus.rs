//! The real-writing corpus (models/real): reference tables always; the
//! regenerated text, where present, against contamination and its hashes.
//!
//! The text is read from `$STANCE_REAL_TSV`, else
//! `${XDG_CACHE_HOME:-$HOME/.cache}/stance/real.tsv`; it is made by
//! `models/real/regenerate --mirror-root DIR OUT` and never committed.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

const FORBIDDEN_REPOS: [&str; 3] = [
    "jeremiak/gothamist-scrape-data",
    "workingmirror/blog",
    "olshansk/olshansk.github.io",
];
const KINDS: [&str; 6] = ["review", "news", "discussion", "recap", "list", "other"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// Lower-cased, every run of non-alphanumerics one space, trimmed.
fn norm(s: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for ch in s.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(ch);
        } else {
            gap = true;
        }
    }
    out
}

/// The `text` column of a CSV with a header (RFC 4180 quoting).
fn csv_texts(path: &Path) -> Option<Vec<String>> {
    let data = fs::read_to_string(path).ok()?;
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut field, mut rec, mut quoted) = (String::new(), Vec::new(), false);
    let mut it = data.chars().peekable();
    while let Some(c) = it.next() {
        match (quoted, c) {
            (true, '"') if it.peek() == Some(&'"') => {
                it.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => rec.push(std::mem::take(&mut field)),
            (false, '\n') => {
                rec.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut rec));
            }
            (false, '\r') => {}
            (false, _) => field.push(c),
        }
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        records.push(rec);
    }
    let col = records.first()?.iter().position(|h| h == "text")?;
    Some(
        records
            .iter()
            .skip(1)
            .filter_map(|r| r.get(col).cloned())
            .collect(),
    )
}

fn docs() -> Vec<Vec<String>> {
    rows(&root().join("models/real/docs.tsv"))
}

fn labels() -> Vec<Vec<String>> {
    rows(&root().join("models/real/labels.tsv"))
}

#[test]
fn reference_tables_are_well_formed() {
    let docs = docs();
    assert_eq!(docs[0], ["doc", "repo", "commit", "path", "part", "kind"]);
    let mut ids = HashSet::new();
    for d in &docs[1..] {
        assert_eq!(d.len(), 6, "docs.tsv row {d:?}");
        assert!(ids.insert(d[0].clone()), "doc {} twice", d[0]);
        let repo = d[1].to_lowercase();
        assert!(repo.split('/').count() == 2, "{}: repo {}", d[0], d[1]);
        assert!(
            !FORBIDDEN_REPOS.contains(&repo.as_str()),
            "{}: forbidden repository {}",
            d[0],
            d[1]
        );
        assert!(is_hex(&d[2], 40), "{}: commit {}", d[0], d[2]);
        assert!(!d[3].is_empty(), "{}: empty path", d[0]);
        assert!(KINDS.contains(&d[5].as_str()), "{}: kind {}", d[0], d[5]);
    }
    let labels = labels();
    assert_eq!(labels[0], ["id", "doc", "index", "sha1", "label", "a", "b"]);
    let mut seen = HashSet::new();
    let mut last: Option<(String, usize)> = None;
    for r in &labels[1..] {
        assert_eq!(r.len(), 7, "labels.tsv row {r:?}");
        assert!(seen.insert(r[0].clone()), "id {} twice", r[0]);
        assert!(
            ids.contains(&r[1]),
            "{}: doc {} not in docs.tsv",
            r[0],
            r[1]
        );
        let index: usize = r[2]
            .parse()
            .unwrap_or_else(|_| panic!("{}: index {}", r[0], r[2]));
        assert_eq!(
            r[0],
            format!("{}-{:03}", r[1], index),
            "id does not match doc and index"
        );
        assert!(is_hex(&r[3], 40), "{}: sha1 {}", r[0], r[3]);
        for l in &r[4..7] {
            assert!(
                l.is_empty()
                    || ["positive", "criticism", "anticipation", "neutral"].contains(&l.as_str()),
                "{}: label {l}",
                r[0]
            );
        }
        if let Some((doc, i)) = &last {
            assert!(
                doc != &r[1] || *i < index,
                "{}: not in document order",
                r[0]
            );
        }
        last = Some((r[1].clone(), index));
    }
}

#[test]
fn sha1_is_right() {
    assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    let long = vec![b'a'; 1000];
    assert_eq!(sha1_hex(&long), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

#[test]
fn regenerated_text_is_clean_and_matches() {
    let path = match std::env::var_os("STANCE_REAL_TSV") {
        Some(p) => PathBuf::from(p),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
            match cache {
                Some(c) => c.join("stance/real.tsv"),
                None => {
                    println!("real_corpus: no STANCE_REAL_TSV, XDG_CACHE_HOME or HOME; skipping the text checks");
                    return;
                }
            }
        }
    };
    if !path.is_file() {
        println!(
            "real_corpus: {} is absent; skipping the text checks (make it with models/real/regenerate)",
            path.display()
        );
        return;
    }
    let text = rows(&path);
    let labels = labels();
    assert_eq!(
        text[0],
        ["id", "text", "label"],
        "{}: header",
        path.display()
    );
    assert_eq!(
        text.len(),
        labels.len(),
        "{}: {} sentences, labels.tsv has {}",
        path.display(),
        text.len() - 1,
        labels.len() - 1
    );
    let dev: HashSet<String> = match csv_texts(&root().join("../shared/datasets/tv-dev.csv")) {
        Some(t) => t
            .iter()
            .map(|s| norm(s))
            .filter(|s| !s.is_empty())
            .collect(),
        None => {
            println!("real_corpus: ../shared/datasets/tv-dev.csv absent; skipping that comparison");
            HashSet::new()
        }
    };
    for (t, l) in text[1..].iter().zip(&labels[1..]) {
        assert_eq!(t.len(), 3, "row {t:?}");
        assert_eq!(t[0], l[0], "ids do not line up");
        // The label column is a copy of labels.tsv's at regeneration time; labels grow
        // as labelling goes on, so an older copy of the text is not wrong, only stale.
        assert_eq!(
            sha1_hex(t[1].as_bytes()),
            l[3],
            "{}: sha1 does not match labels.tsv",
            t[0]
        );
        assert!(
            !t[1].to_lowercase().contains("jessica jones"),
            "{}: names a forbidden series",
            t[0]
        );
        assert!(
            !dev.contains(&norm(&t[1])),
            "{}: equals a tv-dev.csv sentence",
            t[0]
        );
    }
}
