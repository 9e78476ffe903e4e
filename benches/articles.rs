//! Criterion benches of the article path: the sentence splitter alone (the fast one
//! and the full-rules reference), and raw article bytes to output records (the classify
//! stream with the built-in model, one thread, into memory). Throughput is in bytes of
//! input per second; ids of the article path carry the sentence count
//! (`article_path/labels/articles/sentences=9240`), for sentences per second.
//!
//! Times are the bench thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time:
//! on a shared, loaded machine wall time counts the other jobs' turns as well.
//!
//! The text is the project's sample articles (`../shared/articles/*.txt`, read at run
//! time, never copied here) repeated to about 1 MB; where they are absent, text
//! generated (seeded) from the words of our own corpus (`models/corpus/`) in sentences
//! and paragraphs. Bench ids say which: `split/fast/articles`, `split/fast/generated`.

use criterion::{criterion_group, criterion_main, Bencher, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stance::internals::flows::classify::{classify_one, Scorer};
use stance::internals::input::{read_labelled, Columns};
use stance::internals::output::{Format, Writer};
use stance::internals::sentences::{self, Span};
use stance::Classifier;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

const TARGET_BYTES: usize = 1 << 20;

/// The sample articles repeated to about 1 MB, if present.
fn articles() -> Option<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/articles");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    if texts.is_empty() {
        eprintln!(
            "articles not found at {}: generated text only",
            dir.display()
        );
        return None;
    }
    let mut out = String::new();
    while out.len() < TARGET_BYTES {
        for t in &texts {
            out.push_str(t);
            out.push('\n');
        }
    }
    Some(out)
}

/// About 1 MB of paragraphs of sentences of corpus words (seeded), with capitals,
/// commas, quotes and a few abbreviations.
fn generated() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/corpus");
    let data = read_labelled(&[dir], &Columns::default()).expect("models/corpus");
    let vocab: Vec<&str> = data
        .texts
        .iter()
        .flat_map(|t| t.split_whitespace())
        .collect();
    let mut rng = StdRng::seed_from_u64(16);
    let mut out = String::new();
    while out.len() < TARGET_BYTES {
        for _ in 0..rng.random_range(1..8) {
            let words = rng.random_range(4..30);
            for i in 0..words {
                if i > 0 {
                    out.push_str(match rng.random_range(0..40) {
                        0 => ", ",
                        1 => " Dr. ",
                        2 => " “",
                        _ => " ",
                    });
                }
                out.push_str(vocab[rng.random_range(0..vocab.len())]);
            }
            out.push_str([". ", "? ", "! ", "… ", ".” "][rng.random_range(0..5)]);
        }
        out.push_str("\n\n");
    }
    out
}

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Runs `f` as criterion asks, timing the thread's CPU time.
fn iter_cpu<R>(b: &mut Bencher, mut f: impl FnMut() -> R) {
    b.iter_custom(|iters| {
        let t0 = thread_cpu();
        for _ in 0..iters {
            black_box(f());
        }
        thread_cpu() - t0
    })
}

fn inputs() -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(a) = articles() {
        v.push(("articles", a));
    }
    v.push(("generated", generated()));
    v
}

fn bench_split(c: &mut Criterion) {
    let mut g = c.benchmark_group("split");
    for (name, text) in inputs() {
        g.throughput(Throughput::Bytes(text.len() as u64));
        let mut spans: Vec<Span> = Vec::new();
        g.bench_function(BenchmarkId::new("fast", name), |b| {
            iter_cpu(b, || {
                spans.clear();
                black_box(sentences::split_counting_cuts(black_box(&text), &mut spans));
                spans.len()
            })
        });
        g.bench_function(BenchmarkId::new("reference", name), |b| {
            iter_cpu(b, || {
                spans.clear();
                black_box(sentences::reference::split_counting_cuts(
                    black_box(&text),
                    &mut spans,
                ));
                spans.len()
            })
        });
    }
    g.finish();
}

fn bench_article_path(c: &mut Criterion) {
    let model = Classifier::builtin().unwrap();
    let scorer = Scorer::new(&model, None, 1).unwrap();
    let mut g = c.benchmark_group("article_path");
    g.sample_size(20);
    for (name, text) in inputs() {
        g.throughput(Throughput::Bytes(text.len() as u64));
        let sentences = sentences::split(&text).len();
        for format in [Format::Labels, Format::Jsonl] {
            let mut out = Vec::with_capacity(text.len() * 4);
            let id = format!("{format:?}/{name}/sentences={sentences}").to_lowercase();
            g.bench_function(BenchmarkId::from_parameter(id), |b| {
                iter_cpu(b, || {
                    out.clear();
                    let mut w = Writer::new(&mut out, format, model.labels().to_vec(), 100);
                    w.begin_file("bench");
                    let input = Box::new(black_box(text.as_bytes()));
                    classify_one(input, "bench", false, &scorer, &mut w).unwrap();
                    w.finish().unwrap();
                    drop(w);
                    out.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench_split, bench_article_path);
criterion_main!(benches);
