//! The classify stream: an input cut into chunks of whole lines on the calling thread;
//! each chunk split into sentences, scored and formatted on a worker thread; the
//! formatted chunks written in input order. Memory stays bounded whatever the input's
//! size: a few chunks are in flight at once.

use crate::classifier::{argmax, Classifier, ScoreScratch};
use crate::error::{warn, Error, Result};
use crate::input::{Chunk, ChunkReader, Line};
use crate::output::{Formatted, Formatter, Record, Summary, Writer};
use crate::sentences::{self, Span};
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::sync::{mpsc, Mutex};

/// Bytes of input per chunk (a chunk holds whole lines, so it may be longer).
const CHUNK_BYTES: usize = 256 << 10;

/// A model with its worker threads and their scratch space: what [`classify_one`] runs on.
/// Make one per run and reuse it for every input (see [`Writer`] for a whole run).
///
/// ```
/// let model = stance::Classifier::builtin()?;
/// let scorer = stance::Scorer::new(&model, Some(3), 2)?; // 3 explaining terms, 2 threads
/// # let _ = scorer;
/// # Ok::<(), stance::Error>(())
/// ```
pub struct Scorer<'a> {
    model: &'a Classifier,
    k: usize,
    explain: Option<usize>,
    /// One scratch per worker thread (and one for the calling thread).
    scratch: Vec<Mutex<ScoreScratch>>,
    pool: rayon::ThreadPool,
}

impl<'a> Scorer<'a> {
    /// `model` on `threads` worker threads (1: everything on the calling thread), with
    /// the `explain` terms that pushed most toward each label when given. See
    /// [`Scorer`] for an example.
    pub fn new(model: &'a Classifier, explain: Option<usize>, threads: usize) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Threads(e.to_string()))?;
        Ok(Scorer {
            model,
            k: model.labels().len(),
            explain,
            scratch: (0..=threads)
                .map(|_| Mutex::new(ScoreScratch::default()))
                .collect(),
            pool,
        })
    }
}

/// The warnings an input can give, in the order they are given for one line.
#[derive(Debug, Clone, Copy)]
enum Warning {
    Utf8,
    LongLine,
    LongSentence,
}

impl Warning {
    const ALL: [Warning; 3] = [Warning::Utf8, Warning::LongLine, Warning::LongSentence];

    fn message(self, name: &str) -> String {
        match self {
            Warning::Utf8 => format!("{name}: not valid UTF-8; invalid bytes read as U+FFFD"),
            Warning::LongLine => format!(
                "{name}: a line longer than {} bytes was cut into pieces",
                crate::input::MAX_LINE_BYTES
            ),
            Warning::LongSentence => format!(
                "{name}: a sentence longer than {} bytes was cut into pieces",
                sentences::MAX_SENTENCE_BYTES
            ),
        }
    }
}

/// A chunk's records, formatted, with what the writer needs besides.
#[derive(Default)]
struct Done {
    /// The chunk's bytes, handed back for the next chunk to reuse.
    bytes: Vec<u8>,
    out: Formatted,
    /// `k` scores per record, and its label.
    scores: Vec<f32>,
    labels: Vec<usize>,
    /// For each [`Warning`], the first line of the chunk that gives it.
    warnings: [Option<usize>; 3],
    /// Scratch of the splitter.
    line: Line,
    spans: Vec<Span>,
}

impl Scorer<'_> {
    /// Splits (or, in `lines_mode`, takes each line as a sentence), scores and formats
    /// the chunk into `done`, with the scratch of the thread it runs on.
    fn process(
        &self,
        chunk: Chunk,
        lines_mode: bool,
        formatter: &Formatter,
        done: &mut Done,
    ) -> io::Result<()> {
        let slot = rayon::current_thread_index().map_or(0, |i| i + 1);
        let mut scratch = self.scratch[slot].lock().unwrap_or_else(|p| p.into_inner());
        let k = self.k;
        done.out.clear();
        done.scores.clear();
        done.labels.clear();
        done.warnings = [None; 3];
        let (line, spans) = (&mut done.line, &mut done.spans);
        let mut lines = chunk.lines();
        let mut n = 0;
        while chunk.read_line(&mut lines, line) {
            let mut flag = |w: Warning| {
                done.warnings[w as usize].get_or_insert(n);
            };
            if line.map.is_some() {
                flag(Warning::Utf8);
            }
            if line.cut {
                flag(Warning::LongLine);
            }
            spans.clear();
            if lines_mode {
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
            } else if sentences::split_counting_cuts(&line.text, spans) > 0 {
                flag(Warning::LongSentence);
            }
            for (i, s) in spans.iter().enumerate() {
                let text = &line.text[s.start..s.end];
                let at = done.scores.len();
                done.scores.resize(at + k, 0.0);
                let p = &mut done.scores[at..];
                self.model.score_into(text, &mut scratch, p);
                let label = argmax(p);
                let explain = self
                    .explain
                    .map(|m| self.model.explain_text(text, &mut scratch, label, m));
                done.labels.push(label);
                formatter.record(
                    &mut done.out,
                    &Record {
                        index: 0,
                        start: line.raw_offset(s.start),
                        end: line.raw_offset(s.end),
                        text,
                        label,
                        scores: &done.scores[at..],
                        explain: explain.as_deref(),
                        paragraph: i == 0,
                    },
                )?;
            }
            n += 1;
        }
        done.bytes = chunk.bytes;
        Ok(())
    }
}

/// Opens a file to classify, buffered for [`classify_one`]: an error names the file
/// (a missing or unreadable file, or a directory, is [`Error::Io`]; a directory's
/// error has the kind [`io::ErrorKind::IsADirectory`]).
///
/// ```
/// let e = stance::open_input("no/such/article.txt".as_ref()).unwrap_err();
/// assert!(matches!(e, stance::Error::Io { .. }));
/// assert_eq!(e.to_string(), "no/such/article.txt: cannot read");
/// ```
pub fn open_input(path: &Path) -> Result<BufReader<std::fs::File>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("{}: cannot read", path.display()), e))?;
    if meta.is_dir() {
        return Err(Error::io(
            format!("{}: is a directory", path.display()),
            io::Error::from(io::ErrorKind::IsADirectory),
        ));
    }
    let f = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("{}: cannot open", path.display()), e))?;
    Ok(BufReader::with_capacity(1 << 18, f))
}

/// The writing end of the stream: records in input order, the summary, and each
/// warning once, at the first line that gives it.
struct Sink<'w, W: Write> {
    writer: &'w mut Writer<W>,
    name: &'w str,
    k: usize,
    summary: Summary,
    index: u64,
    warned: [bool; 3],
}

impl<W: Write> Sink<'_, W> {
    fn write(&mut self, done: &Done) -> io::Result<()> {
        let mut first: Vec<(usize, Warning)> = Warning::ALL
            .iter()
            .filter_map(|&w| done.warnings[w as usize].map(|line| (line, w)))
            .collect();
        // By line, and for one line in the order of `Warning::ALL`.
        first.sort_by_key(|&(line, w)| (line, w as usize));
        for (_, w) in first {
            if !std::mem::replace(&mut self.warned[w as usize], true) {
                warn(&w.message(self.name));
            }
        }
        for (p, &label) in done.scores.chunks_exact(self.k).zip(&done.labels) {
            self.summary.add(label, p);
            self.writer.tally(label, p);
        }
        self.writer.write_formatted(&done.out, self.index)?;
        self.index += done.out.len() as u64;
        Ok(())
    }
}

/// Classifies one input, streaming: chunks of lines are read here, split, scored and
/// formatted on the workers (a few chunks ahead), and written here in input order.
/// The records go to `writer` after its [`Writer::begin_file`] (the caller's, with the
/// input's name), and the input's summary after them. With `lines_mode` each line is
/// one sentence (`--lines`); otherwise lines are split into sentences.
///
/// ```
/// use stance::{classify_one, Classifier, Format, Scorer, Writer};
/// let model = Classifier::builtin()?;
/// let scorer = Scorer::new(&model, None, 1)?;
/// let mut out = Vec::new();
/// let mut writer = Writer::new(&mut out, Format::Labels, model.labels().to_vec(), 80);
/// writer.begin_file("lines.txt");
/// let input = "One line. Still one sentence.\nAnother line.\n";
/// classify_one(Box::new(input.as_bytes()), "lines.txt", true, &scorer, &mut writer)?;
/// writer.finish().map_err(stance::Error::Write)?;
/// drop(writer);
/// assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
/// # Ok::<(), stance::Error>(())
/// ```
pub fn classify_one<W: Write>(
    reader: Box<dyn BufRead + '_>,
    name: &str,
    lines_mode: bool,
    scorer: &Scorer,
    writer: &mut Writer<W>,
) -> Result<()> {
    let (reader, _, offset) = crate::input::open_text(reader)
        .map_err(|e| Error::io(format!("{name}: cannot read"), e))?;
    let mut chunks = ChunkReader::new(reader, offset, CHUNK_BYTES);
    let formatter = writer.formatter().clone();
    let mut sink = Sink {
        writer,
        name,
        k: scorer.k,
        summary: Summary::new(scorer.k),
        index: 0,
        warned: [false; 3],
    };
    let cannot_read = |e: io::Error| Error::io(format!("{name}: cannot read"), e);
    let workers = scorer.scratch.len() - 1;
    // A read error ends the input, after the sentences of the chunks read before it are
    // written.
    let mut read = Ok(());
    if workers <= 1 {
        let mut done = Done::default();
        loop {
            match chunks.next_chunk(std::mem::take(&mut done.bytes)) {
                Ok(Some(chunk)) => {
                    scorer
                        .process(chunk, lines_mode, &formatter, &mut done)
                        .map_err(Error::Write)?;
                    sink.write(&done).map_err(Error::Write)?;
                }
                Ok(None) => break,
                Err(e) => {
                    read = Err(e);
                    break;
                }
            }
        }
    } else {
        // Chunks in flight: enough to keep every worker busy while this thread writes.
        let ahead = 2 * workers + 1;
        let mut spare: Vec<Done> = Vec::new();
        let wrote = scorer.pool.in_place_scope(|s| -> io::Result<()> {
            let mut queue = VecDeque::new();
            let mut more = true;
            loop {
                while more && queue.len() < ahead {
                    let mut done = spare.pop().unwrap_or_default();
                    match chunks.next_chunk(std::mem::take(&mut done.bytes)) {
                        Ok(Some(chunk)) => {
                            let (tx, rx) = mpsc::sync_channel(1);
                            let formatter = &formatter;
                            s.spawn(move |_| {
                                let res = scorer.process(chunk, lines_mode, formatter, &mut done);
                                // The receiver is gone only when writing failed.
                                let _ = tx.send(res.map(|()| done));
                            });
                            queue.push_back(rx);
                        }
                        Ok(None) => more = false,
                        Err(e) => {
                            read = Err(e);
                            more = false;
                        }
                    }
                }
                let Some(rx) = queue.pop_front() else {
                    return Ok(());
                };
                // A worker that panicked drops its sender; the scope then re-raises it.
                let Ok(res) = rx.recv() else {
                    return Ok(());
                };
                let done = res?;
                sink.write(&done)?;
                spare.push(done);
            }
        });
        wrote.map_err(Error::Write)?;
    }
    read.map_err(cannot_read)?;
    sink.writer.end_file(&sink.summary).map_err(Error::Write)?;
    Ok(())
}
