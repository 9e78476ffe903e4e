//! Sentence splitter: the first stage of the pipeline.
//!
//! [`split`] / [`split_into`] cut a text into sentence spans (byte ranges into
//! the input). The rules, in order:
//!
//! 1. **Line breaks** (`\n`, `\r\n`, `\r`, VT, FF, NEL, U+2028, U+2029) always
//!    end a sentence, so a headline, byline or list item without a final stop
//!    is a sentence of its own, and an abbreviation at the end of a line still
//!    ends its sentence. Blank lines produce nothing.
//! 2. Inside a line, the **UAX #29 sentence boundaries** of `unicode-segmentation`
//!    are the starting point. They already keep closing quotes and brackets
//!    with the sentence they close (`He said "Go."` | `Then he left.`), and do
//!    not break at decimals (`3.5`, `v1.2`), domains (`Netflix.com`), or before a
//!    lower-case word (`and then... nothing`).
//! 3. A UAX #29 boundary after `.` is **dropped** (the segments are merged)
//!    when the word before the dot is a title or common abbreviation
//!    (`Dr.`, `Mr.`, `St.`, `vs.`, `etc.`, `Inc.`, `Jan.`, ... case-insensitive;
//!    `No.` only before a number), a single capital initial (`J. R. Ramirez`),
//!    or letters joined by inner dots (`J.R.`, `U.S.`, `a.m.`, `e.g.`, `Ph.D.`).
//!    `U.S.` before a capitalised word is ambiguous; we prefer not splitting.
//!    A boundary after `?` or `!` (and their closing quotes) is dropped when the
//!    next word starts with a lower-case letter (`"Why?" she asked.`).
//! 4. **Extra boundaries** are added where UAX #29 finds none:
//!    * text glued together where markup was stripped: `.` directly followed by
//!      an upper-case letter when the token before the dot is a plain
//!      lower-case word of 2+ letters (`season one.Season two`; not after
//!      capitalised or dotted tokens such as `Netflix.Com`, `www.example.Com`,
//!      `e.g.The`, nor when the next word continues like a domain or address,
//!      `name.Surname@host`), and `?`/`!` directly followed by an upper-case letter;
//!    * an ellipsis `…` followed (after closing quotes and spaces) by an
//!      upper-case word (`well… Maybe`). Before a lower-case word it never ends
//!      a sentence (`well… maybe`). The three-dot form `...` behaves the same;
//!    * a single `.` (plus closers) followed by a space and a number
//!      (`It ended. 31 minutes later...`), which UAX #29 joins; the
//!      abbreviation rules still apply (`No. 5`, `Jan. 5`).
//! 5. Spans are trimmed of (Unicode) whitespace, and a run longer than
//!    [`MAX_SENTENCE_BYTES`] is cut at the last whitespace before the limit,
//!    else at the last grapheme (or, failing that, char) boundary.
//!
//! Em dashes, colons, semicolons and commas never end a sentence.
//!
//! Cost is linear in the input: UAX #29's look-ahead rule is quadratic on long
//! runs of spaces or punctuation after a full stop, so very long lines are fed
//! to it in bounded chunks (cut before long punctuation runs, else at
//! whitespace), and each chunk seam is decided by the same rules.
//!
//! Speed: the rules of UAX #29 are run only on small windows around the chars after
//! which it can break (see `uax_breaks`), and the scans for line breaks, stops and
//! terminators pass over plain ASCII a block or a `memchr` at a time. The spans are
//! exactly those of [`reference`](mod@reference), the same steps with UAX #29 run over every chunk,
//! which the tests compare it with. Scratch space is allocated once per call.

use unicode_segmentation::GraphemeCursor;

#[doc(hidden)]
pub mod reference;

/// Longest sentence, in bytes, that the splitter emits; a longer run is cut (at the last whitespace before the limit when there is one, else at a char boundary).
pub const MAX_SENTENCE_BYTES: usize = 4096;

/// A sentence's byte span `start..end` in the input text.
///
/// ```
/// let text = "It returns in May. Fans rejoice!";
/// let spans = stance::split(text);
/// assert_eq!(spans[1].text(text), "Fans rejoice!");
/// assert_eq!(spans[1].len(), spans[1].end - spans[1].start);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The span's text in `s` (the string it was computed from).
    ///
    /// # Panics
    /// If the span is out of bounds or not on char boundaries of `s`.
    pub fn text<'a>(&self, s: &'a str) -> &'a str {
        &s[self.start..self.end]
    }
}

/// Splits `text` into sentences, appending their spans to `out` (does not clear it). Offsets are relative to `text`.
pub fn split_into(text: &str, out: &mut Vec<Span>) {
    split_counting_cuts(text, out);
}

/// [`split_into`], returning how many times a run longer than [`MAX_SENTENCE_BYTES`]
/// was cut (0 when every sentence fit), so a caller can warn that a sentence was cut.
pub fn split_counting_cuts(text: &str, out: &mut Vec<Span>) -> usize {
    let mut cuts = 0;
    let mut scratch = LineScratch::default();
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Only these bytes can start a line break; a block without any is passed over.
        if let Some(block) = bytes.get(i..i + BLOCK) {
            let maybe = block
                .iter()
                .fold(false, |a, &x| a | (x < 0x0E) | (x == 0xC2) | (x == 0xE2));
            if !maybe {
                i += BLOCK;
                continue;
            }
        }
        if !BREAK_LEAD[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        let brk = line_break_len(bytes, i);
        if brk > 0 {
            split_line(text, line_start, i, out, &mut cuts, &mut scratch);
            i += brk;
            line_start = i;
        } else {
            i += 1;
        }
    }
    split_line(text, line_start, bytes.len(), out, &mut cuts, &mut scratch);
    cuts
}

/// The length of the line break starting at `bytes[i]`, 0 if none does.
fn line_break_len(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        b'\n' | b'\r' | 0x0B | 0x0C => 1,
        // U+0085 NEXT LINE
        0xC2 if bytes.get(i + 1) == Some(&0x85) => 2,
        // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
        0xE2 if bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(&0xA8) | Some(&0xA9)) =>
        {
            3
        }
        _ => 0,
    }
}

/// The first byte of every line break `split_counting_cuts` knows.
static BREAK_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[0x0B] = true;
    t[0x0C] = true;
    t[0xC2] = true;
    t[0xE2] = true;
    t
};

/// Scratch space of `split_line`, kept across the lines of a text.
#[derive(Default)]
struct LineScratch {
    /// UAX #29 boundaries of the current chunk.
    breaks: Vec<usize>,
    /// Positions of `.`, `?`, `!` and `…` in the line.
    stops: Vec<usize>,
    /// Positions and lengths of possible UAX #29 terminators in the line.
    terms: Vec<(usize, usize)>,
}

/// Splits one line `text[start..end]` (no line breaks inside): the same steps as
/// [`reference`](mod@reference)'s, with UAX #29 run only around terminators ([`uax_breaks`]).
fn split_line(
    text: &str,
    start: usize,
    end: usize,
    out: &mut Vec<Span>,
    cuts: &mut usize,
    scratch: &mut LineScratch,
) {
    let raw = &text[start..end];
    let trimmed = raw.trim_start();
    let base = start + (raw.len() - trimmed.len());
    let line = trimmed.trim_end();
    if line.is_empty() {
        return;
    }
    let bytes = line.as_bytes();
    let LineScratch {
        breaks,
        stops,
        terms,
    } = scratch;
    find_stops_and_terminators(line, stops, terms);

    let mut cur = 0;
    let mut chunk_start = 0;
    let (mut si, mut ti) = (0, 0);
    while chunk_start < line.len() {
        let chunk_end = uax_chunk_end_fast(line, chunk_start);
        breaks.clear();
        let tj = ti + terms[ti..].partition_point(|&(p, _)| p < chunk_end);
        uax_breaks(line, chunk_start, chunk_end, &terms[ti..tj], breaks);
        ti = tj;
        // The UAX boundaries are segment ends; `next` is the first one not handled yet.
        let mut next = 0;
        while let Some(&q) = stops.get(si).filter(|&&q| q < chunk_end) {
            si += 1;
            // Segments that end at or before this stop are finished: their boundaries first.
            while next < breaks.len() && breaks[next] <= q {
                let e = breaks[next];
                if e > cur && keep_break(line, e) {
                    emit(text, base, cur, e, out, cuts);
                    cur = e;
                }
                next += 1;
            }
            let seg_end = breaks.get(next).copied().unwrap_or(chunk_end);
            // Extra boundaries inside the UAX segment.
            let b = match bytes[q] {
                b'?' | b'!' => q + 1,
                c => {
                    let len = if c == b'.' { 1 } else { '…'.len_utf8() };
                    let after = &line[q + len..];
                    q + len + (after.len() - after.trim_start_matches(is_closer).len())
                }
            };
            if b > cur && b < seg_end && is_glued_break(line, b) && keep_break(line, b) {
                emit(text, base, cur, b, out, cuts);
                cur = b;
            }
        }
        for &e in &breaks[next..] {
            if e > cur && keep_break(line, e) {
                emit(text, base, cur, e, out, cuts);
                cur = e;
            }
        }
        if chunk_end < line.len() && chunk_end > cur && is_seam_break(line, chunk_end) {
            emit(text, base, cur, chunk_end, out, cuts);
            cur = chunk_end;
        }
        chunk_start = chunk_end;
    }
    emit(text, base, cur, line.len(), out, cuts);
}

/// Bytes looked at a block at a time: a block of plain ASCII is passed over at once.
const BLOCK: usize = 16;

/// Fills `stops` with the positions of `.`, `?`, `!` and `…` in `line`, and `terms`
/// with those of the chars that may be UAX #29 terminators ([`SA_TERMS`]), in order.
fn find_stops_and_terminators(line: &str, stops: &mut Vec<usize>, terms: &mut Vec<(usize, usize)>) {
    let b = line.as_bytes();
    stops.clear();
    terms.clear();
    stops.extend(memchr::memchr3_iter(b'.', b'?', b'!', b));
    if b.is_ascii() {
        terms.extend(stops.iter().map(|&p| (p, 1)));
        return;
    }
    // Non-ASCII chars: found a block at a time, then merged in order with the ASCII ones.
    let ascii = std::mem::take(stops);
    let mut a = 0;
    let mut push = |p: usize,
                    len: usize,
                    stop: bool,
                    stops: &mut Vec<usize>,
                    terms: &mut Vec<(usize, usize)>| {
        while a < ascii.len() && ascii[a] < p {
            stops.push(ascii[a]);
            terms.push((ascii[a], 1));
            a += 1;
        }
        if stop {
            stops.push(p);
        }
        if len > 0 {
            terms.push((p, len));
        }
    };
    for (k, block) in b.chunks(BLOCK).enumerate() {
        if block.is_ascii() {
            continue;
        }
        for (j, &x) in block.iter().enumerate() {
            if x >= 0xC0 {
                let p = k * BLOCK + j;
                let c = line[p..].chars().next().unwrap_or_default();
                let term = is_sa_term(c);
                if c == '…' || term {
                    push(
                        p,
                        if term { c.len_utf8() } else { 0 },
                        c == '…',
                        stops,
                        terms,
                    );
                }
            }
        }
    }
    push(usize::MAX, 0, false, stops, terms);
}

/// Appends to `out` the inner UAX #29 sentence boundaries of the chunk
/// `line[start..end]` (those its `split_sentence_bound_indices` finds besides its start
/// and end), as positions in `line`. `terms` are the possible terminators in the chunk.
///
/// Inside a line (no paragraph separators), UAX #29 breaks only after a terminator
/// (STerm or ATerm), its closers and spaces. So the rules run on small windows
/// around each terminator, and the windows are cut at *anchors*: a position with
/// an ASCII letter before it and an ASCII letter or digit at it. An anchor is never a
/// boundary, every boundary after a terminator lies before the first anchor after
/// it, and no rule looks back across an anchor's letter, nor (the lower-case look-ahead
/// of rule SB8) forward past it, so a window from anchor to anchor has the
/// boundaries the whole chunk has there.
fn uax_breaks(
    line: &str,
    start: usize,
    end: usize,
    terms: &[(usize, usize)],
    out: &mut Vec<usize>,
) {
    use unicode_segmentation::UnicodeSegmentation;
    let b = &line.as_bytes()[..end];
    // The window waiting to be run, and where the next one may start.
    let mut window: Option<(usize, usize)> = None;
    let mut low = start;
    for &(t, len) in terms {
        if t < start || window.is_some_and(|(_, e)| t < e) {
            // Its boundaries lie before the window's end anchor already.
            continue;
        }
        let from = (low + 1..=t)
            .rev()
            .find(|&q| is_anchor(b, q))
            .unwrap_or(low);
        let to = (t + len + 1..end).find(|&q| is_anchor(b, q)).unwrap_or(end);
        if let Some((s, e)) = window.replace((from, to)) {
            push_inner_breaks(&line[s..e], s, out);
        }
        low = to;
    }
    if let Some((s, e)) = window {
        push_inner_breaks(&line[s..e], s, out);
    }

    fn push_inner_breaks(w: &str, offset: usize, out: &mut Vec<usize>) {
        if let Some(found) = plain_window_break(w.as_bytes()) {
            out.extend(found.map(|i| offset + i));
            return;
        }
        out.extend(
            w.split_sentence_bound_indices()
                .map(|(i, _)| i)
                .filter(|&i| i > 0)
                .map(|i| offset + i),
        );
    }
}

/// The inner boundary of the commonest window, a sentence end in plain prose (`d. T`:
/// a letter, `.` `?` or `!`, spaces, a letter), decided as UAX #29 decides it; `None`
/// for any other window. Before an upper-case letter it breaks (SB11; SB7 and SB8 need
/// no space or a lower-case letter); before a lower-case one only after `?` or `!`
/// (after `.`, SB8 joins).
fn plain_window_break(w: &[u8]) -> Option<Option<usize>> {
    let n = w.len();
    if n < 4
        || !w[0].is_ascii_alphabetic()
        || !matches!(w[1], b'.' | b'?' | b'!')
        || !w[n - 1].is_ascii_alphabetic()
        || !w[2..n - 1].iter().all(|&x| x == b' ')
    {
        return None;
    }
    Some((w[n - 1].is_ascii_uppercase() || w[1] != b'.').then_some(n - 1))
}

/// `b[q - 1]` is an ASCII letter and `b[q]` an ASCII letter or digit.
fn is_anchor(b: &[u8], q: usize) -> bool {
    q > 0 && q < b.len() && b[q - 1].is_ascii_alphabetic() && b[q].is_ascii_alphanumeric()
}

/// Whether `c` is in [`SA_TERMS`].
fn is_sa_term(c: char) -> bool {
    SA_TERMS
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The chars after which `unicode-segmentation` can find a sentence boundary: its
/// STerm and ATerm, and the paragraph separators (which never reach `split_line`).
/// A test checks the list against the crate, char by char.
#[rustfmt::skip]
const SA_TERMS: &[(char, char)] = &[
    ('\u{a}', '\u{a}'), ('\u{d}', '\u{d}'), ('\u{21}', '\u{21}'), ('\u{2e}', '\u{2e}'),
    ('\u{3f}', '\u{3f}'), ('\u{85}', '\u{85}'), ('\u{589}', '\u{589}'), ('\u{61d}', '\u{61f}'),
    ('\u{6d4}', '\u{6d4}'), ('\u{700}', '\u{702}'), ('\u{7f9}', '\u{7f9}'), ('\u{837}', '\u{837}'),
    ('\u{839}', '\u{839}'), ('\u{83d}', '\u{83e}'), ('\u{964}', '\u{965}'), ('\u{104a}', '\u{104b}'),
    ('\u{1362}', '\u{1362}'), ('\u{1367}', '\u{1368}'), ('\u{166e}', '\u{166e}'), ('\u{1735}', '\u{1736}'),
    ('\u{17d4}', '\u{17d5}'), ('\u{1803}', '\u{1803}'), ('\u{1809}', '\u{1809}'), ('\u{1944}', '\u{1945}'),
    ('\u{1aa8}', '\u{1aab}'), ('\u{1b4e}', '\u{1b4f}'), ('\u{1b5a}', '\u{1b5b}'), ('\u{1b5e}', '\u{1b5f}'),
    ('\u{1b7d}', '\u{1b7f}'), ('\u{1c3b}', '\u{1c3c}'), ('\u{1c7e}', '\u{1c7f}'), ('\u{2024}', '\u{2024}'),
    ('\u{2028}', '\u{2029}'), ('\u{203c}', '\u{203d}'), ('\u{2047}', '\u{2049}'), ('\u{2cf9}', '\u{2cfb}'),
    ('\u{2e2e}', '\u{2e2e}'), ('\u{2e3c}', '\u{2e3c}'), ('\u{2e53}', '\u{2e54}'), ('\u{3002}', '\u{3002}'),
    ('\u{a4ff}', '\u{a4ff}'), ('\u{a60e}', '\u{a60f}'), ('\u{a6f3}', '\u{a6f3}'), ('\u{a6f7}', '\u{a6f7}'),
    ('\u{a876}', '\u{a877}'), ('\u{a8ce}', '\u{a8cf}'), ('\u{a92f}', '\u{a92f}'), ('\u{a9c8}', '\u{a9c9}'),
    ('\u{aa5d}', '\u{aa5f}'), ('\u{aaf0}', '\u{aaf1}'), ('\u{abeb}', '\u{abeb}'), ('\u{fe12}', '\u{fe12}'),
    ('\u{fe15}', '\u{fe16}'), ('\u{fe52}', '\u{fe52}'), ('\u{fe56}', '\u{fe57}'), ('\u{ff01}', '\u{ff01}'),
    ('\u{ff0e}', '\u{ff0e}'), ('\u{ff1f}', '\u{ff1f}'), ('\u{ff61}', '\u{ff61}'), ('\u{10a56}', '\u{10a57}'),
    ('\u{10f55}', '\u{10f59}'), ('\u{10f86}', '\u{10f89}'), ('\u{11047}', '\u{11048}'), ('\u{110be}', '\u{110c1}'),
    ('\u{11141}', '\u{11143}'), ('\u{111c5}', '\u{111c6}'), ('\u{111cd}', '\u{111cd}'), ('\u{111de}', '\u{111df}'),
    ('\u{11238}', '\u{11239}'), ('\u{1123b}', '\u{1123c}'), ('\u{112a9}', '\u{112a9}'), ('\u{113d4}', '\u{113d5}'),
    ('\u{1144b}', '\u{1144c}'), ('\u{115c2}', '\u{115c3}'), ('\u{115c9}', '\u{115d7}'), ('\u{11641}', '\u{11642}'),
    ('\u{1173c}', '\u{1173e}'), ('\u{11944}', '\u{11944}'), ('\u{11946}', '\u{11946}'), ('\u{11a42}', '\u{11a43}'),
    ('\u{11a9b}', '\u{11a9c}'), ('\u{11c41}', '\u{11c42}'), ('\u{11ef7}', '\u{11ef8}'), ('\u{11f43}', '\u{11f44}'),
    ('\u{16a6e}', '\u{16a6f}'), ('\u{16af5}', '\u{16af5}'), ('\u{16b37}', '\u{16b38}'), ('\u{16b44}', '\u{16b44}'),
    ('\u{16d6e}', '\u{16d6f}'), ('\u{16e98}', '\u{16e98}'), ('\u{1bc9f}', '\u{1bc9f}'), ('\u{1da88}', '\u{1da88}'),
];

/// [`uax_chunk_end`], faster: where no run of inert chars can be (every block of 16
/// bytes has an ASCII letter or digit), only the length cap decides.
fn uax_chunk_end_fast(line: &str, start: usize) -> usize {
    let b = line.as_bytes();
    let limit = start + UAX_CHUNK_BYTES;
    // A run of INERT_RUN_CHARS chars (at least as many bytes) ending before `limit`
    // holds a whole block.
    let scan = &b[start..b.len().min(limit)];
    let busy = |block: &[u8]| block.iter().any(u8::is_ascii_alphanumeric);
    if scan.chunks_exact(BLOCK).all(busy) {
        // Is there a char starting at or after `limit`?
        let mut j = limit;
        while j < b.len() && !line.is_char_boundary(j) {
            j += 1;
        }
        return if j < b.len() {
            cap_cut(line, start, limit)
        } else {
            line.len()
        };
    }
    // Somewhere a block may be inert: decide char by char.
    uax_chunk_end(line, start)
}

/// Splits `text` into sentences: their byte spans, in order (abbreviations, decimals,
/// quotes and line breaks handled; a run longer than 4,096 bytes is cut).
///
/// ```
/// let text = "Dr. Who returns on Jan. 5, with 2.5 hours of TV. \"Wow,\" said fans.";
/// let sentences: Vec<&str> = stance::split(text).iter().map(|s| s.text(text)).collect();
/// assert_eq!(sentences, ["Dr. Who returns on Jan. 5, with 2.5 hours of TV.", "\"Wow,\" said fans."]);
/// ```
pub fn split(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    split_into(text, &mut out);
    out
}

/// Largest input handed to UAX #29 at once (bytes), see the module docs.
const UAX_CHUNK_BYTES: usize = 2048;
/// A run of this many chars that are neither alphanumeric nor terminators
/// (spaces, quotes, marks, ...) starts a new UAX #29 chunk.
const INERT_RUN_CHARS: usize = 32;

/// Title and common abbreviations (lower case, without the dot) after which a
/// full stop does not end a sentence. `no`/`nos` count only before a number
/// (`No. 5`), see `is_abbreviation`.
#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    // titles and ranks
    "mr", "mrs", "ms", "mx", "messrs", "dr", "prof", "sr", "jr", "st", "mt", "gen", "col",
    "lt", "sgt", "capt", "cmdr", "adm", "maj", "cpl", "pvt", "det", "insp", "supt", "rep",
    "sen", "gov", "pres", "rev", "hon", "fr", "atty",
    // common abbreviations
    "vs", "v", "etc", "eg", "ie", "cf", "viz", "approx", "est", "misc", "incl", "dept",
    "univ", "assn", "assoc", "bros", "inc", "ltd", "co", "corp", "vol", "vols", "ep", "eps",
    "ch", "pt", "pp", "fig", "ave", "blvd",
    // months
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    // numbers
    "no", "nos",
];

/// Characters that close a quotation or parenthesis.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '}' | '」' | '』' | '）' | '］'
    )
}

/// Characters that may open a quotation or parenthesis.
fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '‘'
            | '„'
            | '‚'
            | '«'
            | '‹'
            | '('
            | '['
            | '{'
            | '「'
            | '『'
            | '（'
            | '¿'
            | '¡'
    )
}

/// Sentence terminators (a subset of UAX #29 STerm/ATerm), used at chunk seams.
fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '.' | '?'
            | '!'
            | '‼'
            | '‽'
            | '⁇'
            | '⁈'
            | '⁉'
            | '․'
            | '﹒'
            | '。'
            | '．'
            | '？'
            | '！'
            | '｡'
            | '։'
            | '؟'
            | '۔'
            | '।'
            | '॥'
    )
}

fn last_char(s: &str) -> Option<char> {
    s.chars().next_back()
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

/// End of the chunk of `line` starting at `start` that is handed to UAX #29.
fn uax_chunk_end(line: &str, start: usize) -> usize {
    let limit = start + UAX_CHUNK_BYTES;
    let mut run_start = start;
    let mut run_len = 0;
    for (i, c) in line[start..].char_indices() {
        let i = start + i;
        if i >= limit {
            return cap_cut(line, start, limit);
        }
        if c.is_alphanumeric() || is_terminator(c) {
            // Terminators stop UAX #29's look-ahead, so they end a run too.
            run_len = 0;
        } else {
            if run_len == 0 {
                run_start = i;
            }
            run_len += 1;
            if run_len == INERT_RUN_CHARS && run_start > start {
                return run_start;
            }
        }
    }
    line.len()
}

/// Cut position for a chunk that reached `limit`: the start of the last
/// whitespace run after `start`, else the last char boundary before `limit`.
fn cap_cut(line: &str, start: usize, limit: usize) -> usize {
    let lim = floor_char_boundary(line, limit);
    let mut prev_ws = true;
    let mut best = None;
    for (i, c) in line[start..lim].char_indices() {
        let ws = c.is_whitespace();
        if ws && !prev_ws {
            best = Some(start + i);
        }
        prev_ws = ws;
    }
    if !prev_ws && line[lim..].starts_with(char::is_whitespace) {
        return lim;
    }
    match best {
        Some(b) => b,
        None if lim > start => lim,
        None => line.len(),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// At a chunk seam, decide as UAX #29 would (terminator, closers, space), then
/// apply our rules.
fn is_seam_break(line: &str, b: usize) -> bool {
    let ws_before = line[..b].ends_with(char::is_whitespace);
    let ws_after = line[b..].starts_with(char::is_whitespace);
    if ws_before && ws_after {
        // Inside a whitespace run: its start was already a seam and decided.
        return false;
    }
    if is_glued_break(line, b) {
        return keep_break(line, b);
    }
    if !(ws_before || ws_after) {
        return false;
    }
    let core = line[..b].trim_end().trim_end_matches(is_closer);
    last_char(core).is_some_and(is_terminator) && keep_break(line, b)
}

/// A break that UAX #29 does not find: `word.Next`, `what?Next`,
/// `well… Next`, `stop. 31 more`.
fn is_glued_break(line: &str, b: usize) -> bool {
    let before = &line[..b];
    let after = &line[b..];
    let (Some(last), Some(next)) = (last_char(before), first_char(after)) else {
        return false;
    };
    match last {
        '.' if next.is_uppercase() => {
            ends_with_plain_lowercase_word(&before[..before.len() - 1])
                && !continues_like_address(after)
        }
        '?' | '!' => next.is_uppercase(),
        '.' | '…' if next.is_whitespace() => ends_with_stop_then(before, after),
        _ if is_closer(last) && (next.is_whitespace() || next.is_uppercase()) => {
            ends_with_stop_then(before, after)
        }
        '…' => next.is_uppercase(),
        _ => false,
    }
}

/// `before` ends with `…` or a single `.` (plus closers), and `after` goes on
/// with an upper-case word (after `…`) or a number (after a spaced `.`).
fn ends_with_stop_then(before: &str, after: &str) -> bool {
    let core = before.trim_end_matches(is_closer);
    let rest = after.trim_start();
    match last_char(core) {
        Some('…') => {
            first_char(rest.trim_start_matches(is_opener)).is_some_and(char::is_uppercase)
        }
        Some('.') => {
            rest.len() < after.len()
                && !core.ends_with("..")
                && rest.starts_with(|c: char| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// The token ending at the end of `s`: after the last whitespace or opening
/// punctuation, and without other leading non-alphanumeric chars.
fn token_before_dot(s: &str) -> &str {
    let start = s
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || is_opener(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    s[start..].trim_start_matches(|c: char| !c.is_alphanumeric())
}

/// `s` ends with a word of two or more lower-case letters (inner apostrophes
/// allowed) that starts after whitespace, opening punctuation or the line start.
fn ends_with_plain_lowercase_word(s: &str) -> bool {
    let mut letters = 0;
    for c in s.chars().rev() {
        if c.is_lowercase() {
            letters += 1;
        } else if c == '’' || (c == '\'' && letters > 0) {
            continue;
        } else if c.is_whitespace() || is_opener(c) {
            break;
        } else {
            return false;
        }
    }
    letters >= 2
}

/// `after` starts with a word that continues with `.`, `/`, `@`, `:` or `_`
/// and more text, like a domain, path or e-mail address.
fn continues_like_address(after: &str) -> bool {
    let rest = after.trim_start_matches(char::is_alphanumeric);
    let mut it = rest.chars();
    matches!(it.next(), Some('.' | '/' | '@' | ':' | '_'))
        && it.next().is_some_and(char::is_alphanumeric)
}

/// Our rules on a candidate boundary at `b` (UAX #29, glued or seam).
fn keep_break(line: &str, b: usize) -> bool {
    let before = line[..b].trim_end();
    let after = line[b..].trim_start();
    if before.is_empty() || after.is_empty() {
        return true;
    }
    let core = before.trim_end_matches(is_closer);
    let closed = core.len() < before.len();
    let next = first_char(after.trim_start_matches(is_opener));
    let next_lower = next.is_some_and(char::is_lowercase);
    match last_char(core) {
        Some('?' | '!') => !next_lower,
        Some('.') => {
            if next_lower {
                false
            } else if closed {
                true
            } else {
                !is_abbreviation(&core[..core.len() - 1], after)
            }
        }
        _ => true,
    }
}

/// Whether the full stop ending `body.` belongs to an abbreviation or initial.
fn is_abbreviation(body: &str, after: &str) -> bool {
    let tok = token_before_dot(body);
    if tok.is_empty() || tok.ends_with('.') {
        // Nothing before the dot, or an ellipsis `...`.
        return false;
    }
    if let Some(abbr) = ABBREVIATIONS.iter().find(|a| a.eq_ignore_ascii_case(tok)) {
        return if matches!(*abbr, "no" | "nos") {
            after.starts_with(|c: char| c.is_ascii_digit() || c == '#')
        } else {
            true
        };
    }
    let mut chars = tok.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        // A single capital initial: `J. R. Ramirez`.
        return c.is_uppercase();
    }
    // Letters joined by inner dots: `J.R`, `U.S`, `a.m`, `Ph.D`.
    tok.contains('.')
        && tok.split('.').all(|part| {
            let n = part.chars().count();
            (1..=2).contains(&n) && part.chars().all(char::is_alphabetic)
        })
}

/// Pushes `line[from..to]` (line starts at `text[base..]`) trimmed, cut to
/// at most `MAX_SENTENCE_BYTES` (counting each cut in `cuts`), unless it is blank.
fn emit(text: &str, base: usize, from: usize, to: usize, out: &mut Vec<Span>, cuts: &mut usize) {
    let raw = &text[base + from..base + to];
    let trimmed = raw.trim_start();
    let mut start = base + from + (raw.len() - trimmed.len());
    let end = start + trimmed.trim_end().len();
    while end - start > MAX_SENTENCE_BYTES {
        let s = &text[start..end];
        let cut = long_cut(text, start, s);
        *cuts += 1;
        let piece_end = start + s[..cut].trim_end().len();
        out.push(Span {
            start,
            end: piece_end,
        });
        let rest = &s[cut..];
        start += cut + (rest.len() - rest.trim_start().len());
    }
    if end > start {
        out.push(Span { start, end });
    }
}

/// Where to cut the over-long trimmed run `s` (at `text[start..]`): the last
/// whitespace at or before the limit, else the last grapheme boundary, else the
/// last char boundary. Always in `1..=MAX_SENTENCE_BYTES`.
fn long_cut(text: &str, start: usize, s: &str) -> usize {
    let lim = floor_char_boundary(s, MAX_SENTENCE_BYTES);
    if s[lim..].starts_with(char::is_whitespace) {
        return lim;
    }
    if let Some((i, _)) = s[..lim]
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace())
    {
        if i > 0 {
            return i;
        }
    }
    let mut cursor = GraphemeCursor::new(start + lim, text.len(), true);
    if cursor.is_boundary(text, 0) == Ok(true) {
        return lim;
    }
    match cursor.prev_boundary(text, 0) {
        Ok(Some(p)) if p > start => p - start,
        _ => lim,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(text: &str) -> Vec<&str> {
        split(text).iter().map(|s| s.text(text)).collect()
    }

    #[test]
    fn empty_and_blank() {
        assert!(split("").is_empty());
        assert!(split("   \t \n\n \r\n \u{a0}\u{2029} ").is_empty());
        let mut v = vec![Span { start: 0, end: 1 }];
        split_into("Hi.", &mut v);
        assert_eq!(
            v,
            vec![Span { start: 0, end: 1 }, Span { start: 0, end: 3 }]
        );
    }

    #[test]
    fn span_helpers() {
        let s = Span { start: 2, end: 5 };
        assert_eq!(s.len(), 3);
        assert!(!s.is_empty());
        assert_eq!(s.text("abcdefg"), "cde");
        assert!(Span { start: 4, end: 4 }.is_empty());
    }

    #[test]
    fn basic_terminators() {
        assert_eq!(
            sents("It works. Does it? Yes! Fine… Done"),
            ["It works.", "Does it?", "Yes!", "Fine…", "Done"]
        );
    }

    #[test]
    fn line_breaks_end_sentences() {
        let t = "A Headline Without A Stop\n\nThe body starts here. It goes on\r\nanother line\rand a third\u{2028}fourth\u{2029}fifth\u{85}sixth";
        assert_eq!(
            sents(t),
            [
                "A Headline Without A Stop",
                "The body starts here.",
                "It goes on",
                "another line",
                "and a third",
                "fourth",
                "fifth",
                "sixth"
            ]
        );
    }

    #[test]
    fn crlf() {
        let t = "First line.\r\nSecond line\r\n\r\nThird. Fourth.\r\n";
        assert_eq!(
            sents(t),
            ["First line.", "Second line", "Third.", "Fourth."]
        );
        for s in split(t) {
            assert!(!s.text(t).contains('\r'));
        }
    }

    #[test]
    fn closing_quotes_belong_to_their_sentence() {
        assert_eq!(
            sents("He said \"Go.\" Then he left."),
            ["He said \"Go.\"", "Then he left."]
        );
        assert_eq!(
            sents("She wrote “It is over.” Nobody believed her. (He agreed.) Fine."),
            [
                "She wrote “It is over.”",
                "Nobody believed her.",
                "(He agreed.)",
                "Fine."
            ]
        );
        assert_eq!(
            sents("He called it ‘great.’ Others did not! 'Really?' Yes."),
            [
                "He called it ‘great.’",
                "Others did not!",
                "'Really?'",
                "Yes."
            ]
        );
        assert_eq!(
            sents("The critic called it \"a slog\". The cast disagreed."),
            ["The critic called it \"a slog\".", "The cast disagreed."]
        );
    }

    #[test]
    fn question_or_exclamation_before_lowercase() {
        assert_eq!(
            sents("“Is she back?” the fans asked. “Yes!” he shouted. Why? Because."),
            [
                "“Is she back?” the fans asked.",
                "“Yes!” he shouted.",
                "Why?",
                "Because."
            ]
        );
    }

    #[test]
    fn initials_and_titles() {
        assert_eq!(
            sents("Actor J.R. Smith joins the cast. So does J. R. Smith. Dr. Novak returns."),
            [
                "Actor J.R. Smith joins the cast.",
                "So does J. R. Smith.",
                "Dr. Novak returns."
            ]
        );
        assert_eq!(
            sents("Mr. and Mrs. Lee met Prof. Hall and Sgt. Pike. Then Gen. Ross spoke with SEN. Ray."),
            ["Mr. and Mrs. Lee met Prof. Hall and Sgt. Pike.", "Then Gen. Ross spoke with SEN. Ray."]
        );
    }

    #[test]
    fn common_abbreviations() {
        assert_eq!(
            sents("Heroes vs. Villains airs soon. It has drama, action, etc. The finale is long."),
            [
                "Heroes vs. Villains airs soon.",
                "It has drama, action, etc. The finale is long."
            ]
        );
        assert_eq!(
            sents("Made by Acme Inc. The studio, i.e. Acme Co. Ltd. It airs on Ep. 3. Fine."),
            [
                "Made by Acme Inc. The studio, i.e. Acme Co. Ltd. It airs on Ep. 3.",
                "Fine."
            ]
        );
        assert_eq!(
            sents("It ranked No. 1 this week. He said no. Then he left."),
            ["It ranked No. 1 this week.", "He said no.", "Then he left."]
        );
        assert_eq!(
            sents("It premieres Sept. 30 on Mt. Hood, e.g. Friday. Approx. Ten hours."),
            [
                "It premieres Sept. 30 on Mt. Hood, e.g. Friday.",
                "Approx. Ten hours."
            ]
        );
    }

    #[test]
    fn inner_dot_abbreviations() {
        assert_eq!(
            sents("It airs in the U.S. and the U.K. at 9 p.m. Eastern. Then it ends."),
            [
                "It airs in the U.S. and the U.K. at 9 p.m. Eastern.",
                "Then it ends."
            ]
        );
        // Ambiguous `U.S.` + capital: not split.
        assert_eq!(
            sents("She moved to the U.S. Nobody knew."),
            ["She moved to the U.S. Nobody knew."]
        );
        // ... unless a line break follows.
        assert_eq!(
            sents("She moved to the U.S.\nNobody knew."),
            ["She moved to the U.S.", "Nobody knew."]
        );
    }

    #[test]
    fn abbreviation_at_line_end() {
        assert_eq!(
            sents("Props, sets, etc.\nNew line here."),
            ["Props, sets, etc.", "New line here."]
        );
        assert_eq!(sents("Ask Dr.\nKoslov"), ["Ask Dr.", "Koslov"]);
    }

    #[test]
    fn decimals_versions_urls() {
        assert_eq!(
            sents("It scored 3.5 stars in v1.2 of the app. Visit Netflix.com or www.example.com today. Watch at netflix.com. Then rest."),
            [
                "It scored 3.5 stars in v1.2 of the app.",
                "Visit Netflix.com or www.example.com today.",
                "Watch at netflix.com.",
                "Then rest."
            ]
        );
        assert_eq!(sents("Version 2.0. Next."), ["Version 2.0.", "Next."]);
    }

    #[test]
    fn ellipses() {
        assert_eq!(
            sents("And then... nothing happened. Well… maybe later. She waited... Then she left. It was slow … so slow … Finally it ended."),
            [
                "And then... nothing happened.",
                "Well… maybe later.",
                "She waited...",
                "Then she left.",
                "It was slow … so slow …",
                "Finally it ended."
            ]
        );
        assert_eq!(
            sents("He paused…” She spoke."),
            ["He paused…”", "She spoke."]
        );
        assert_eq!(
            sents("the plot…well, it moved"),
            ["the plot…well, it moved"]
        );
        assert_eq!(
            sents("We tried...it failed. Fine."),
            ["We tried...it failed.", "Fine."]
        );
        assert_eq!(sents("It waited… 5 days."), ["It waited… 5 days."]);
    }

    #[test]
    fn number_after_full_stop() {
        assert_eq!(
            sents("The season ended. 13 new episodes follow. It ran “long.” 2019 was quiet."),
            [
                "The season ended.",
                "13 new episodes follow.",
                "It ran “long.”",
                "2019 was quiet."
            ]
        );
        assert_eq!(
            sents("It ranked no. 2 on Jan. 5 and e.g. 3 lists. It had 2.5 stars... 4 stars later."),
            [
                "It ranked no. 2 on Jan. 5 and e.g. 3 lists.",
                "It had 2.5 stars... 4 stars later."
            ]
        );
    }

    #[test]
    fn glued_sentences() {
        assert_eq!(
            sents(
                "That was the end of season one.Season two begins now. Who knew?Nobody did!Right."
            ),
            [
                "That was the end of season one.",
                "Season two begins now.",
                "Who knew?",
                "Nobody did!",
                "Right."
            ]
        );
        // Not after capitalised or dotted tokens, nor into an address.
        assert_eq!(
            sents("See Netflix.Com and www.example.Com or jane.Doe@mail.com, e.g.The list."),
            ["See Netflix.Com and www.example.Com or jane.Doe@mail.com, e.g.The list."]
        );
        // Glued after an abbreviation: not a break either.
        assert_eq!(sents("Shoes, bags, etc.More"), ["Shoes, bags, etc.More"]);
        // Words glued without any stop are left alone.
        assert_eq!(
            sents("we heard nothing aboutThe Show so far."),
            ["we heard nothing aboutThe Show so far."]
        );
    }

    #[test]
    fn web_text() {
        let t = "– by Jane Doe\n\nBy Jane Doe | Jan. 5, 2018\n\nThe show is back — and better than ever. Critics said “It’s great,” and fans agreed.\u{a0}\n\nAbout The Author\n";
        assert_eq!(
            sents(t),
            [
                "– by Jane Doe",
                "By Jane Doe | Jan. 5, 2018",
                "The show is back — and better than ever.",
                "Critics said “It’s great,” and fans agreed.",
                "About The Author"
            ]
        );
        assert_eq!(
            sents("(Photo: Studio / Network)\nThey are not lovers—that said, who knows? The room -- once was enough."),
            ["(Photo: Studio / Network)", "They are not lovers—that said, who knows?", "The room -- once was enough."]
        );
        assert_eq!(
            sents("It was the Joneses’ show. The cast’s work was ‘solid,’ she said."),
            [
                "It was the Joneses’ show.",
                "The cast’s work was ‘solid,’ she said."
            ]
        );
        // Non-breaking spaces are whitespace: trimmed, and separate sentences.
        assert_eq!(
            sents("\u{a0}It ended.\u{a0}It began.\u{a0}"),
            ["It ended.", "It began."]
        );
    }

    #[test]
    fn long_line_with_many_sentences_matches_short_lines() {
        // Lines longer than a UAX chunk are split the same way.
        let unit =
            "Dr. Novak met J. R. Smith at 9 p.m. and said \"Go.\" They left… Then it rained. ";
        let line = unit.repeat(80);
        let s = sents(&line);
        let one = sents(unit);
        assert_eq!(one.len(), 3);
        assert_eq!(s.len(), 3 * 80);
        for (i, x) in s.iter().enumerate() {
            assert_eq!(*x, one[i % 3]);
        }
    }

    #[test]
    fn long_run_without_punctuation() {
        let mut t = String::new();
        while t.len() < 20_000 {
            t.push_str("word ");
        }
        let spans = split(&t);
        assert!(spans.len() >= 5);
        check_invariants(&t, &spans);
        // No whitespace at all: cut at char boundaries.
        let t = "x".repeat(20_000);
        let spans = split(&t);
        assert_eq!(spans.len(), 5);
        check_invariants(&t, &spans);
        let t = "é".repeat(10_001); // 20,002 bytes, 2-byte chars
        check_invariants(&t, &split(&t));
    }

    #[test]
    fn multibyte_at_cut_point() {
        for pad in 0..4 {
            // 3-byte and 4-byte chars straddling the limit, with and without spaces.
            let t = format!(
                "{}{}",
                "a".repeat(MAX_SENTENCE_BYTES - 2 + pad),
                "€😀".repeat(600)
            );
            let spans = split(&t);
            check_invariants(&t, &spans);
            assert!(spans.len() >= 2);
            let t = format!(
                "{} {}",
                "a".repeat(MAX_SENTENCE_BYTES - 3 + pad),
                "语".repeat(2000)
            );
            check_invariants(&t, &split(&t));
        }
        // A combining accent is not separated from its base letter when avoidable.
        let t = format!(
            "{}e\u{301}{}",
            "a".repeat(MAX_SENTENCE_BYTES - 1),
            "b".repeat(10)
        );
        let spans = split(&t);
        check_invariants(&t, &spans);
        assert!(spans[1].text(&t).starts_with("e\u{301}"));
        // A whitespace-cut keeps the last word whole.
        let t = format!("{} {}", "a".repeat(100), "b".repeat(MAX_SENTENCE_BYTES));
        assert_eq!(split(&t)[0].len(), 100);
    }

    #[test]
    fn pathological_runs_are_fast_and_valid() {
        let cases = [
            format!("Go. {}x", " ".repeat(20_000)),
            format!("Go.{}Then", "\"".repeat(20_000)),
            format!("Go. {}x", "\u{301}".repeat(10_000)),
            format!("Go. {}x", " \u{5b0}".repeat(5_000)),
            format!("Go. {}x", "1".repeat(20_000)),
            ". 1 ".repeat(5_000),
            ".".repeat(20_000),
            "aa.Bb".repeat(4_000),
        ];
        for t in &cases {
            check_invariants(t, &split(t));
        }
    }

    /// Checks every invariant of `split` on `text`.
    fn check_invariants(text: &str, spans: &[Span]) {
        let mut covered = vec![false; text.len()];
        let mut prev_end = 0;
        for s in spans {
            assert!(s.start < s.end, "empty span {s:?}");
            assert!(s.start >= prev_end, "overlap/order {s:?} in {text:?}");
            assert!(s.end <= text.len());
            assert!(s.len() <= MAX_SENTENCE_BYTES, "too long {s:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            let t = s.text(text);
            assert_eq!(t.trim(), t, "untrimmed span {t:?}");
            covered[s.start..s.end].iter_mut().for_each(|c| *c = true);
            prev_end = s.end;
        }
        for (i, c) in text.char_indices() {
            if !c.is_whitespace() {
                assert!(covered[i], "byte {i} ({c:?}) not covered in {text:?}");
            }
        }
    }

    /// The project's sample articles, when present (they are not part of this
    /// crate): every invariant holds and every article yields sentences.
    #[test]
    fn sample_articles_if_present() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/articles");
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("skipping: sample articles not found at {dir}");
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "txt") {
                let text = std::fs::read_to_string(&path).unwrap();
                let spans = split(&text);
                assert!(!spans.is_empty(), "{}", path.display());
                check_invariants(&text, &spans);
            }
        }
    }

    /// The fast splitter's spans and cuts, checked against the reference's.
    fn same_as_reference(text: &str) -> Vec<Span> {
        let (mut fast, mut full) = (Vec::new(), Vec::new());
        let cuts = split_counting_cuts(text, &mut fast);
        let full_cuts = reference::split_counting_cuts(text, &mut full);
        if fast != full {
            let first = fast.iter().zip(&full).position(|(a, b)| a != b);
            panic!("fast and reference differ (first at sentence {first:?}) on {text:?}");
        }
        assert_eq!(cuts, full_cuts, "cut counts differ on {text:?}");
        fast
    }

    /// The terminator list is exactly the chars after which the crate can break a line.
    #[test]
    fn sa_terms_are_the_crates_terminators() {
        use unicode_segmentation::UnicodeSegmentation;
        let mut probe = String::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            probe.clear();
            probe.push('x');
            probe.push(c);
            probe.push_str(" Y");
            let breaks = probe.split_sentence_bound_indices().count() > 1;
            assert_eq!(breaks, is_sa_term(c), "{c:?} (U+{:04X})", c as u32);
        }
    }

    /// The shortcut for plain windows gives what the crate gives on them.
    #[test]
    fn plain_windows_break_as_the_crate_breaks_them() {
        use unicode_segmentation::UnicodeSegmentation;
        for first in ['a', 'Z'] {
            for stop in ['.', '?', '!'] {
                for spaces in 1..4 {
                    for last in ['b', 'Y'] {
                        let w = format!("{first}{stop}{}{last}", " ".repeat(spaces));
                        let crate_breaks: Vec<usize> = w
                            .split_sentence_bound_indices()
                            .map(|(i, _)| i)
                            .filter(|&i| i > 0)
                            .collect();
                        let ours = plain_window_break(w.as_bytes()).expect(&w);
                        assert_eq!(ours.into_iter().collect::<Vec<_>>(), crate_breaks, "{w:?}");
                    }
                }
            }
        }
        assert_eq!(plain_window_break(b"a.\tB"), None);
        assert_eq!(plain_window_break(b"a.\" B"), None);
    }

    #[test]
    fn fast_splitter_matches_reference_on_rule_examples() {
        for t in [
            "It works. Does it? Yes! Fine… Done",
            "Dr. Novak met J. R. Smith at 9 p.m. and said \"Go.\" They left… Then it rained.",
            "That was the end of season one.Season two begins now. Who knew?Nobody did!Right.",
            "It ranked no. 2 on Jan. 5 and e.g. 3 lists. It had 2.5 stars... 4 stars later.",
            "“Is she back?” the fans asked. “Yes!” he shouted. Why? Because.",
            "a. b\u{301}. C\u{200b}.\u{301} D 。E ！f ؟ g ‼ H .\u{a0}\u{a0}(I) .) j",
            "x.5 X.Y x.y. z. . . . a...b…c…\"D",
        ] {
            same_as_reference(t);
        }
    }

    /// Long lines, so that chunk seams (at 2048 bytes, and before long inert runs) fall
    /// in every kind of place.
    #[test]
    fn fast_splitter_matches_reference_across_chunk_seams() {
        let unit =
            "Dr. Novak met J. R. Smith at 9 p.m. and said \"Go.\" They left… Then it rained. ";
        for shift in 0..40 {
            let line = format!("{}{}", "a".repeat(shift), unit.repeat(60));
            same_as_reference(&line);
            let line = format!("{}{}", "Go.  ".repeat(shift), ". \" ".repeat(300));
            same_as_reference(&line);
        }
    }

    /// The project's sample articles, when present: as they are, as one long line
    /// each, and all in one text.
    #[test]
    fn fast_splitter_matches_reference_on_sample_articles_if_present() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/articles");
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("skipping: sample articles not found at {dir}");
            return;
        };
        let mut all = String::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "txt") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(!same_as_reference(&text).is_empty());
                same_as_reference(&text.replace(['\n', '\r'], " "));
                all.push_str(&text);
            }
        }
        same_as_reference(&all);
    }

    #[test]
    fn invariants_on_generated_text() {
        const PIECES: &[&str] = &[
            "a", "b", "z", "Q", "J", "word", "Dr", "U", "S", "e", "g", "etc", "No", " ", " ", " ",
            "  ", "\n", "\r\n", "\r", "\t", "\u{a0}", "\u{2028}", "\u{2029}", ".", ".", "...", "!",
            "?", "…", "\"", "'", "”", "’", "“", "(", ")", "0", "7", "3.5", "é", "ß", "语", "😀",
            "\u{301}", "—", ",", ":", "@", "/", "\u{200b}", "\u{85}",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut text = String::new();
        for round in 0..3000 {
            text.clear();
            let len = if round % 500 == 0 {
                3000
            } else {
                (next() % 60) as usize
            };
            for _ in 0..len {
                text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            check_invariants(&text, &same_as_reference(&text));
        }
        // A few long lines that exercise chunking and the length cap.
        for _ in 0..4 {
            text.clear();
            while text.len() < 12_000 {
                let p = PIECES[(next() % PIECES.len() as u64) as usize];
                if !p.contains(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}']) {
                    text.push_str(p);
                }
            }
            check_invariants(&text, &same_as_reference(&text));
        }
    }
}
