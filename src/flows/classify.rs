//! The classify stream: an input's lines read into batches of sentences, scored on
//! worker threads, and written in input order, with memory bounded whatever the
//! input's size.

use crate::classifier::{argmax, Classifier, ScoreScratch};
use crate::input::LineReader;
use crate::output::{Record, Summary, Writer};
use crate::sentences::{self, Span};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Mutex;

/// Prints a warning on stderr (ignoring a failure to: a warning must not end the run).
pub(crate) fn warn(msg: &str) {
    let _ = writeln!(
        io::stderr(),
        "stance: warning: {}",
        msg.replace(['\n', '\r'], " ")
    );
}

/// A sentence in a [`Batch`]: `(start, end)` in the batch text, and in the input.
type Item = ((usize, usize), (u64, u64));

/// Sentences waiting to be scored: their text in one buffer, with spans.
#[derive(Default)]
pub(crate) struct Batch {
    text: String,
    items: Vec<Item>,
    /// Indices in `items` of the first sentence of each input line (a paragraph).
    firsts: Vec<usize>,
}

/// A batch's scores (and explanations), `k` per sentence.
#[derive(Default)]
struct Scores {
    scores: Vec<f32>,
    explains: Vec<Vec<(String, f32)>>,
}

/// A scored batch waiting to be written, and spare buffers for the next one's scores.
#[derive(Default)]
struct Scored {
    batch: Batch,
    scored: Scores,
    spare: Scores,
}

impl Scored {
    /// Writes the batch's records (none once written) and counts them in `summary`.
    fn write<W: Write>(
        &mut self,
        k: usize,
        index: &mut u64,
        summary: &mut Summary,
        writer: &mut Writer<W>,
    ) -> Result<()> {
        let (batch, sc) = (&mut self.batch, &self.scored);
        let mut firsts = batch.firsts.iter().peekable();
        for (j, ((a, b), (start, end))) in batch.items.iter().enumerate() {
            let paragraph = firsts.next_if(|&&f| f == j).is_some();
            let p = &sc.scores[j * k..j * k + k];
            let label = argmax(p);
            summary.add(label, p);
            writer.record(&Record {
                index: *index,
                start: *start,
                end: *end,
                text: &batch.text[*a..*b],
                label,
                scores: p,
                explain: sc.explains.get(j).map(Vec::as_slice),
                paragraph,
            })?;
            *index += 1;
        }
        batch.items.clear();
        batch.firsts.clear();
        Ok(())
    }
}

const BATCH_SENTENCES: usize = 8192;
const BATCH_BYTES: usize = 4 << 20;

pub(crate) struct Scorer<'a> {
    pub(crate) model: &'a Classifier,
    pub(crate) k: usize,
    pub(crate) explain: Option<usize>,
    /// One scratch per worker thread (and one for the calling thread).
    pub(crate) scratch: Vec<Mutex<ScoreScratch>>,
    pub(crate) pool: rayon::ThreadPool,
}

impl Scorer<'_> {
    fn score(&self, batch: &Batch, scores: &mut Vec<f32>, explains: &mut Vec<Vec<(String, f32)>>) {
        let k = self.k;
        scores.clear();
        scores.resize(batch.items.len() * k, 0.0);
        explains.clear();
        if self.explain.is_some() {
            explains.resize(batch.items.len(), Vec::new());
        }
        let run = |items: &[Item], out: &mut [f32], ex: &mut [Vec<(String, f32)>]| {
            let slot = rayon::current_thread_index().map_or(0, |i| i + 1);
            let mut scratch = self.scratch[slot].lock().unwrap_or_else(|p| p.into_inner());
            for (j, ((a, b), _)) in items.iter().enumerate() {
                let p = &mut out[j * k..j * k + k];
                let text = &batch.text[*a..*b];
                self.model.score_into(text, &mut scratch, p);
                if let Some(n) = self.explain {
                    ex[j] = self.model.explain_text(text, &mut scratch, argmax(p), n);
                }
            }
        };
        const CHUNK: usize = 512;
        if self.scratch.len() <= 2 || batch.items.len() <= CHUNK {
            run(&batch.items, scores, explains);
        } else if self.explain.is_some() {
            self.pool.install(|| {
                batch
                    .items
                    .par_chunks(CHUNK)
                    .zip(scores.par_chunks_mut(CHUNK * k))
                    .zip(explains.par_chunks_mut(CHUNK))
                    .for_each(|((it, sc), ex)| run(it, sc, ex))
            });
        } else {
            self.pool.install(|| {
                batch
                    .items
                    .par_chunks(CHUNK)
                    .zip(scores.par_chunks_mut(CHUNK * k))
                    .for_each(|(it, sc)| run(it, sc, &mut []))
            });
        }
    }
}

pub(crate) fn open_input(path: &Path) -> Result<BufReader<std::fs::File>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if meta.is_dir() {
        bail!("{}: is a directory", path.display());
    }
    let f =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    Ok(BufReader::with_capacity(1 << 18, f))
}

/// Reads one input's lines into batches of sentences.
struct BatchReader<'a> {
    lines: LineReader<Box<dyn BufRead + 'a>>,
    line: crate::input::Line,
    spans: Vec<Span>,
    name: &'a str,
    lines_mode: bool,
    warned: (bool, bool, bool),
    done: bool,
}

impl BatchReader<'_> {
    /// Fills `batch` with the next sentences (empty only at the end of the input).
    fn fill(&mut self, batch: &mut Batch) -> Result<()> {
        let name = self.name;
        batch.text.clear();
        batch.items.clear();
        batch.firsts.clear();
        while !self.done && batch.items.len() < BATCH_SENTENCES && batch.text.len() < BATCH_BYTES {
            let line = &mut self.line;
            if !self
                .lines
                .read_line(line)
                .with_context(|| format!("{name}: cannot read"))?
            {
                self.done = true;
                break;
            }
            let (warned_utf8, warned_cut, warned_long) = &mut self.warned;
            if line.map.is_some() && !*warned_utf8 {
                *warned_utf8 = true;
                warn(&format!(
                    "{name}: not valid UTF-8; invalid bytes read as U+FFFD"
                ));
            }
            if line.cut && !*warned_cut {
                *warned_cut = true;
                warn(&format!(
                    "{name}: a line longer than {} bytes was cut into pieces",
                    crate::input::MAX_LINE_BYTES
                ));
            }
            let spans = &mut self.spans;
            spans.clear();
            if self.lines_mode {
                // One record per line: a blank line is an empty sentence at its start.
                let t = line.text.trim();
                let start = match t.is_empty() {
                    true => 0,
                    false => t.as_ptr() as usize - line.text.as_ptr() as usize,
                };
                spans.push(Span {
                    start,
                    end: start + t.len(),
                });
            } else {
                let cuts = sentences::split_counting_cuts(&line.text, spans);
                if cuts > 0 && !*warned_long {
                    *warned_long = true;
                    warn(&format!(
                        "{name}: a sentence longer than {} bytes was cut into pieces",
                        sentences::MAX_SENTENCE_BYTES
                    ));
                }
            }
            if !spans.is_empty() {
                batch.firsts.push(batch.items.len());
            }
            for s in spans.iter() {
                let a = batch.text.len();
                batch.text.push_str(&line.text[s.start..s.end]);
                batch.items.push((
                    (a, batch.text.len()),
                    (line.raw_offset(s.start), line.raw_offset(s.end)),
                ));
            }
        }
        Ok(())
    }
}

/// Classifies one input, streaming: read a batch of lines, split, score, write. With
/// worker threads, the next batch is read while the workers score this one.
pub(crate) fn classify_one<W: Write>(
    reader: Box<dyn BufRead + '_>,
    name: &str,
    lines_mode: bool,
    scorer: &Scorer,
    writer: &mut Writer<W>,
) -> Result<()> {
    let (reader, _, offset) =
        crate::input::open_text(reader).with_context(|| format!("{name}: cannot read"))?;
    let mut input = BatchReader {
        lines: LineReader::new(reader).starting_at(offset),
        line: crate::input::Line::default(),
        spans: Vec::new(),
        name,
        lines_mode,
        warned: (false, false, false),
        done: false,
    };
    // Three batches in turn: the workers score one while this thread writes the
    // records of the one before and reads the one after.
    let (mut done, mut batch, mut next) = (Scored::default(), Batch::default(), Batch::default());
    let mut summary = Summary::new(scorer.k);
    let mut index = 0u64;
    input.fill(&mut batch)?;
    while !batch.items.is_empty() {
        // A read error ends the input, after the sentences read before it are written.
        let mut read = Ok(());
        let mut wrote = Ok(());
        let mut scored = std::mem::take(&mut done.spare);
        if scorer.scratch.len() > 2 {
            scorer.pool.in_place_scope(|s| {
                s.spawn(|_| scorer.score(&batch, &mut scored.scores, &mut scored.explains));
                wrote = done.write(scorer.k, &mut index, &mut summary, writer);
                read = input.fill(&mut next);
            });
        } else {
            scorer.score(&batch, &mut scored.scores, &mut scored.explains);
            wrote = done.write(scorer.k, &mut index, &mut summary, writer);
            read = input.fill(&mut next);
        }
        wrote?;
        // The batch just scored is written next time round, the one just read is
        // scored, and the one just written (now empty) takes the next read.
        std::mem::swap(&mut done.batch, &mut batch);
        std::mem::swap(&mut batch, &mut next);
        std::mem::swap(&mut done.scored, &mut scored);
        done.spare = scored;
        if read.is_err() {
            done.write(scorer.k, &mut index, &mut summary, writer)?;
            read?;
        }
    }
    done.write(scorer.k, &mut index, &mut summary, writer)?;
    writer.end_file(&summary)?;
    Ok(())
}
