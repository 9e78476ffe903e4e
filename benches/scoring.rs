//! Criterion benches of the hot path: raw sentences in, probabilities out, with the
//! built-in model, one thread. Throughput is in elements (sentences) per second.
//!
//! Sentences are generated outside the timed code from the words of our own corpus
//! (`models/corpus/`) with a fixed seed: `words` per sentence, `batch` sentences.
//! Bench ids carry both: `score_batch/words=21/batch=10000`.
//! When `../shared/datasets/mr.csv` is present, `score_mr` also scores its real snippets,
//! with the built-in model and with a model trained on them (`score_mr/model=mr/...`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stance::internals::features::Scratch;
use stance::internals::input::{read_labelled, Columns};
use stance::internals::tokens::for_each_surface;
use stance::{Classifier, ScoreScratch, TrainSettings};
use std::hint::black_box;
use std::path::PathBuf;

fn corpus() -> stance::internals::input::Labelled {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/corpus");
    read_labelled(&[dir], &Columns::default()).expect("models/corpus")
}

/// `n` sentences of `words` words drawn (seeded) from the corpus's running text.
fn sentences(n: usize, words: usize, seed: u64) -> Vec<String> {
    let data = corpus();
    let vocab: Vec<&str> = data
        .texts
        .iter()
        .flat_map(|t| t.split_whitespace())
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut s = String::new();
            for i in 0..words {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(vocab[rng.random_range(0..vocab.len())]);
            }
            s
        })
        .collect()
}

fn score_all(
    model: &Classifier,
    batch: &[String],
    scratch: &mut ScoreScratch,
    out: &mut [f32],
) -> f32 {
    let mut acc = 0.0;
    for s in batch {
        model.score_into(s, scratch, out);
        acc += out[0];
    }
    acc
}

fn bench_stages(c: &mut Criterion) {
    let model = Classifier::builtin().unwrap();
    let k = model.labels().len();
    for &(words, batch) in &[(21usize, 10_000usize), (8, 10_000), (40, 10_000)] {
        let data = sentences(batch, words, 7);
        let id = format!("words={words}/batch={batch}");

        let mut g = c.benchmark_group("tokenize");
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(BenchmarkId::from_parameter(&id), |b| {
            let mut word = String::new();
            b.iter(|| {
                let mut n = 0usize;
                for s in &data {
                    for_each_surface(s, &mut word, true, |t| n += t.len());
                }
                black_box(n)
            })
        });
        g.finish();

        let mut g = c.benchmark_group("featurize");
        g.throughput(Throughput::Elements(batch as u64));
        let mut scratch = Scratch::default();
        let mut row = Vec::new();
        g.bench_function(BenchmarkId::from_parameter(&id), |b| {
            b.iter(|| {
                let mut n = 0usize;
                for s in &data {
                    model.tfidf().transform_into(s, &mut scratch, &mut row);
                    n += row.len();
                }
                black_box(n)
            })
        });
        g.finish();

        let rows: Vec<Vec<(u32, f32)>> = {
            let mut scratch = Scratch::default();
            data.iter()
                .map(|s| {
                    let mut row = Vec::new();
                    model.tfidf().transform_into(s, &mut scratch, &mut row);
                    row
                })
                .collect()
        };
        let mut g = c.benchmark_group("score_rows");
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(BenchmarkId::from_parameter(&id), |b| {
            let mut p = vec![0.0; k];
            b.iter(|| {
                let mut acc = 0.0;
                for r in &rows {
                    model.model().probabilities_into(r, &mut p);
                    acc += p[0];
                }
                black_box(acc)
            })
        });
        g.finish();

        let mut g = c.benchmark_group("score_batch");
        g.throughput(Throughput::Elements(batch as u64));
        let mut scratch = ScoreScratch::default();
        let mut p = vec![0.0; k];
        g.bench_function(BenchmarkId::from_parameter(&id), |b| {
            b.iter(|| black_box(score_all(&model, &data, &mut scratch, &mut p)))
        });
        g.finish();
    }
}

fn bench_mr(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/mr.csv");
    if !path.exists() {
        eprintln!("score_mr skipped: {} is absent", path.display());
        return;
    }
    let data = read_labelled(&[path], &Columns::default()).unwrap();
    let trained = Classifier::train(
        &data.texts,
        &data.labels,
        &TrainSettings::default(),
        "mr",
        "",
    )
    .unwrap()
    .0;
    let builtin = Classifier::builtin().unwrap();
    let mut g = c.benchmark_group("score_mr");
    g.throughput(Throughput::Elements(data.len() as u64));
    for (name, model) in [("builtin", &builtin), ("mr", &trained)] {
        let id = format!("model={name}/batch={}", data.len());
        let mut scratch = ScoreScratch::default();
        let mut p = vec![0.0; model.labels().len()];
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| black_box(score_all(model, &data.texts, &mut scratch, &mut p)))
        });
    }
    g.finish();
}

/// The semantic block's cost: the same 3,000 corpus rows trained without and with the
/// built-in table (weight 0.25), scoring the same generated sentences; the gap
/// between `block=none` and `block=builtin` is the block alone.
fn bench_block(c: &mut Criterion) {
    let data = corpus();
    let (texts, labels) = (&data.texts[..3000], &data.labels[..3000]);
    let table = stance::internals::features::embed::EmbeddingTable::builtin().unwrap();
    let with = TrainSettings {
        embedding: Some(stance::internals::features::embed::Embedding::new(table, 0.25).unwrap()),
        ..TrainSettings::default()
    };
    let train = |s: &TrainSettings| Classifier::train(texts, labels, s, "bench", "").unwrap().0;
    let models = [
        ("none", train(&TrainSettings::default())),
        ("builtin", train(&with)),
    ];
    let batch = sentences(10_000, 21, 5);
    let mut g = c.benchmark_group("score_block");
    g.throughput(Throughput::Elements(batch.len() as u64));
    for (name, model) in &models {
        let mut scratch = ScoreScratch::default();
        let mut p = vec![0.0; model.labels().len()];
        let id = format!("block={name}/words=21/batch={}", batch.len());
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| black_box(score_all(model, &batch, &mut scratch, &mut p)))
        });
    }
    g.finish();
}

fn bench_training(c: &mut Criterion) {
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    for &rows in &[2_000usize, 8_000] {
        let texts = sentences(rows, 21, 11);
        let labels: Vec<String> = (0..rows)
            .map(|i| ["a", "b", "c", "d"][i % 4].to_string())
            .collect();
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_function(
            BenchmarkId::from_parameter(format!("rows={rows}/words=21/labels=4")),
            |b| {
                b.iter(|| {
                    black_box(
                        Classifier::train(&texts, &labels, &TrainSettings::default(), "bench", "")
                            .unwrap(),
                    )
                })
            },
        );
    }
    g.finish();
}

// The film-review group runs first: the heap the other groups' setup leaves behind
// slowed it by a third.
criterion_group!(benches, bench_mr, bench_stages, bench_block, bench_training);
criterion_main!(benches);
