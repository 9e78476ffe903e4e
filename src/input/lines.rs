//! Streaming text input for `classify`: a file or stdin read line by line with the byte
//! offset of every line, so memory stays bounded whatever the input's size.
//!
//! Every line break ends a sentence, so lines can be split independently. A line longer
//! than a cap is cut (at whitespace where possible) and flagged. Bytes that are not
//! UTF-8 become U+FFFD, with an [`OffsetMap`] that maps positions in the decoded text
//! back to byte offsets in the input.

use std::io::{self, BufRead, Read};

/// Longest line handed on at once; a longer one is cut into pieces.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Maps byte positions in a lossily decoded line back to the raw input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OffsetMap {
    /// `(decoded position, raw position)` at each point where the two drift apart.
    points: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// Raw offset of decoded position `pos` (which lies on a char boundary).
    pub fn raw(&self, pos: usize) -> usize {
        match self.points.partition_point(|&(d, _)| d <= pos) {
            0 => pos,
            i => {
                let (d, r) = self.points[i - 1];
                r + (pos - d)
            }
        }
    }
}

/// One line of input, without its line break.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    /// Byte offset of the line's first byte in the input.
    pub offset: u64,
    /// The line's text (invalid UTF-8 replaced).
    pub text: String,
    /// Present when the line had invalid UTF-8 (positions then differ from raw ones).
    pub map: Option<OffsetMap>,
    /// The line was longer than the cap and this is a piece of it.
    pub cut: bool,
}

impl Line {
    /// Raw byte offset in the input of decoded position `pos` of this line.
    pub fn raw_offset(&self, pos: usize) -> u64 {
        self.offset
            + match &self.map {
                Some(m) => m.raw(pos),
                None => pos,
            } as u64
    }
}

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD; returns the text
/// and, if anything was replaced, the offset map.
pub fn decode_lossy(bytes: &[u8]) -> (String, Option<OffsetMap>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len() + 8);
            let mut map = OffsetMap::default();
            let mut raw = 0;
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                raw += chunk.valid().len();
                let bad = chunk.invalid().len();
                if bad > 0 {
                    map.points.push((text.len(), raw));
                    text.push('\u{FFFD}');
                    raw += bad;
                    map.points.push((text.len(), raw));
                }
            }
            (text, Some(map))
        }
    }
}

/// How an input's bytes are text, told by its first bytes (a byte order mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (or anything without a mark, read as UTF-8).
    Utf8,
    /// UTF-8 after a byte order mark, which is not text: offsets still count its 3 bytes.
    Utf8Bom,
    /// UTF-16, little- or big-endian after its mark, decoded to UTF-8: offsets are then
    /// byte offsets in the decoded UTF-8 text.
    Utf16Le,
    /// UTF-16 big-endian after its mark (as [`Encoding::Utf16Le`]).
    Utf16Be,
}

/// Reads the start of `inner` to tell its encoding and returns a reader of its UTF-8
/// text (the mark left out) with the offset its first byte has. UTF-32 is refused (an
/// `InvalidData` error that names it).
pub fn open_text<'a>(
    mut inner: Box<dyn BufRead + 'a>,
) -> io::Result<(Box<dyn BufRead + 'a>, Encoding, u64)> {
    // Up to 4 bytes, however the source hands them out (a pipe may give one at a time).
    let mut head = Vec::with_capacity(4);
    while head.len() < 4 {
        let avail = match inner.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        let n = avail.len().min(4 - head.len());
        head.extend_from_slice(&avail[..n]);
        inner.consume(n);
        // Enough to decide: no mark starts with a byte other than these.
        if !matches!(head[0], 0xEF | 0xFE | 0xFF | 0x00) {
            break;
        }
    }
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) || head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the text is UTF-32, which stance does not read; save it as UTF-8",
        ));
    }
    let (encoding, skip) = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        (Encoding::Utf8Bom, 3)
    } else if head.starts_with(&[0xFF, 0xFE]) {
        (Encoding::Utf16Le, 2)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        (Encoding::Utf16Be, 2)
    } else {
        (Encoding::Utf8, 0)
    };
    let rest = io::Cursor::new(head[skip..].to_vec()).chain(inner);
    let reader: Box<dyn BufRead + 'a> = match encoding {
        // A chain of two buffered readers is buffered: no copy.
        Encoding::Utf8 | Encoding::Utf8Bom => Box::new(rest),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let enc = if encoding == Encoding::Utf16Le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(enc))
                .bom_sniffing(false)
                .build(rest);
            Box::new(io::BufReader::with_capacity(1 << 18, decoded))
        }
    };
    let offset = if encoding == Encoding::Utf8Bom { 3 } else { 0 };
    Ok((reader, encoding, offset))
}

/// Reads lines with their offsets.
pub struct LineReader<R> {
    inner: R,
    offset: u64,
    max_line: usize,
    buf: Vec<u8>,
    eof: bool,
}

impl<R: BufRead> LineReader<R> {
    /// Lines of `inner`, cut into pieces at the default cap on a line's bytes.
    pub fn new(inner: R) -> Self {
        Self::with_max_line(inner, MAX_LINE_BYTES)
    }

    /// Lines whose offsets start at `offset` (the bytes before were read already).
    pub fn starting_at(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Lines of `inner`, cut into pieces at `max_line` bytes (at least 8).
    pub fn with_max_line(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            offset: 0,
            max_line: max_line.max(8),
            buf: Vec::new(),
            eof: false,
        }
    }

    /// The next line, or `None` at the end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        let mut line = Line::default();
        Ok(self.read_line(&mut line)?.then_some(line))
    }

    /// Reads the next line into `line`, reusing its memory; `false` at the end of input.
    pub fn read_line(&mut self, line: &mut Line) -> io::Result<bool> {
        loop {
            if self.buf.len() >= self.max_line {
                let cut = cut_point(&self.buf, self.max_line);
                let offset = self.advance(cut as u64);
                fill_line(line, &self.buf[..cut], offset, true);
                self.buf.drain(..cut);
                return Ok(true);
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(false);
                }
                let offset = self.advance(self.buf.len() as u64);
                fill_line(line, &self.buf, offset, false);
                self.buf.clear();
                return Ok(true);
            }
            if fill_len(&mut self.inner)? == 0 {
                self.eof = true;
                continue;
            }
            let avail = self.inner.fill_buf()?;
            let room = self.max_line - self.buf.len();
            let window = &avail[..avail.len().min(room)];
            if let Some(i) = memchr::memchr(b'\n', window) {
                let offset = self.offset;
                self.offset += (self.buf.len() + i + 1) as u64;
                if self.buf.is_empty() {
                    // The whole line is in the reader's buffer: no copy.
                    fill_line(line, &window[..i], offset, false);
                } else {
                    self.buf.extend_from_slice(&window[..i]);
                    fill_line(line, &self.buf, offset, false);
                    self.buf.clear();
                }
                self.inner.consume(i + 1);
                return Ok(true);
            }
            let n = window.len();
            self.buf.extend_from_slice(window);
            self.inner.consume(n);
        }
    }

    /// Moves the offset past `n` bytes, returning where they start.
    fn advance(&mut self, n: u64) -> u64 {
        let at = self.offset;
        self.offset += n;
        at
    }
}

/// Raw input cut into chunks of whole lines, for lines to be read (and split) on other
/// threads: each chunk, read with a [`LineReader`] starting at its offset, gives the
/// very lines a `LineReader` over the whole input gives there. A chunk ends after a
/// line break, or where a line longer than the cap is cut ([`Chunk::ends_in_cut`]).
/// The only work per byte here is looking for line feeds (memchr).
pub struct ChunkReader<R> {
    inner: R,
    max_line: usize,
    target: usize,
    /// Bytes read and not handed out yet; `pending[0]` is at input offset `offset`.
    pending: Vec<u8>,
    offset: u64,
    /// Where the line being looked at starts in `pending`.
    line_start: usize,
    eof: bool,
}

/// A piece of the input made of whole lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chunk {
    /// The lines' bytes, line feeds included.
    pub bytes: Vec<u8>,
    /// Input offset of `bytes[0]`.
    pub offset: u64,
    /// The last line is the piece of a line cut at the cap, not ended by a line feed.
    pub ends_in_cut: bool,
}

impl Chunk {
    /// Reads the chunk's next line into `line`, as the [`LineReader`] over the whole input
    /// would (`reader` reads `self.bytes`: see [`Chunk::lines`]).
    pub fn read_line(&self, reader: &mut LineReader<&[u8]>, line: &mut Line) -> bool {
        // Reading from memory cannot fail.
        if !reader.read_line(line).unwrap_or(false) {
            return false;
        }
        if self.ends_in_cut
            && line.raw_offset(line.text.len()) == self.offset + self.bytes.len() as u64
        {
            line.cut = true;
        }
        true
    }

    /// A line reader over the chunk (lines are read with [`Chunk::read_line`]).
    pub fn lines(&self) -> LineReader<&[u8]> {
        LineReader::new(&self.bytes[..]).starting_at(self.offset)
    }
}

impl<R: BufRead> ChunkReader<R> {
    /// Chunks of about `target` bytes (more when a line is longer) of `inner`, whose
    /// first byte is at input offset `offset`.
    pub fn new(inner: R, offset: u64, target: usize) -> Self {
        ChunkReader {
            inner,
            max_line: MAX_LINE_BYTES,
            target: target.max(1),
            pending: Vec::new(),
            offset,
            line_start: 0,
            eof: false,
        }
    }

    /// The next chunk (`None` at the end of input), in `buf`'s memory if given.
    pub fn next_chunk(&mut self, buf: Vec<u8>) -> io::Result<Option<Chunk>> {
        loop {
            // Skip whole lines, as LineReader would find them.
            while self.line_start < self.target {
                let from = self.line_start;
                let window = &self.pending[from..self.pending.len().min(from + self.max_line)];
                match memchr::memchr(b'\n', window) {
                    Some(i) => self.line_start = from + i + 1,
                    None => break,
                }
            }
            if self.line_start >= self.target {
                return Ok(Some(self.hand_out(self.line_start, false, buf)));
            }
            let rest = self.pending.len() - self.line_start;
            if rest >= self.max_line {
                let from = self.line_start;
                let cut =
                    from + cut_point(&self.pending[from..from + self.max_line], self.max_line);
                return Ok(Some(self.hand_out(cut, true, buf)));
            }
            if self.eof {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.hand_out(self.pending.len(), false, buf)));
            }
            if fill_len(&mut self.inner)? == 0 {
                self.eof = true;
                continue;
            }
            let avail = self.inner.fill_buf()?;
            let n = avail.len();
            self.pending.extend_from_slice(avail);
            self.inner.consume(n);
        }
    }

    /// Hands out `pending[..n]`, keeping the rest in `buf`'s memory.
    fn hand_out(&mut self, n: usize, ends_in_cut: bool, mut buf: Vec<u8>) -> Chunk {
        buf.clear();
        buf.extend_from_slice(&self.pending[n..]);
        let mut bytes = std::mem::replace(&mut self.pending, buf);
        bytes.truncate(n);
        let chunk = Chunk {
            bytes,
            offset: self.offset,
            ends_in_cut,
        };
        self.offset += n as u64;
        self.line_start = 0;
        chunk
    }
}

/// How many bytes `inner.fill_buf()` has (0 at the end of input), tried again when
/// interrupted. After a non-zero answer, `fill_buf` hands out those bytes without reading.
fn fill_len<R: BufRead>(inner: &mut R) -> io::Result<usize> {
    loop {
        match inner.fill_buf() {
            Ok(a) => return Ok(a.len()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Sets `line` to the decoded `bytes` (lossily, with an offset map, if not UTF-8).
fn fill_line(line: &mut Line, bytes: &[u8], offset: u64, cut: bool) {
    line.offset = offset;
    line.cut = cut;
    line.text.clear();
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            line.text.push_str(s);
            line.map = None;
        }
        Err(_) => {
            let (text, map) = decode_lossy(bytes);
            line.text = text;
            line.map = map;
        }
    }
}

/// Where to cut an overlong line within its first `max` bytes: after the last
/// whitespace in the second half, else at the last char boundary.
fn cut_point(b: &[u8], max: usize) -> usize {
    let half = max / 2;
    if let Some(i) = b[half..max].iter().rposition(|c| c.is_ascii_whitespace()) {
        return half + i + 1;
    }
    // The byte after the buffer is not read yet, so cut before the last byte that
    // starts a character (never in the middle of one).
    (1..max)
        .rev()
        .find(|&i| (b[i] & 0xC0) != 0x80)
        .unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Line> {
        let mut r = LineReader::with_max_line(input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(l);
        }
        out
    }

    #[test]
    fn offsets_follow_the_input() {
        let input = b"first line\r\n\nthird";
        let ls = lines(input, 1 << 20);
        assert_eq!(ls.len(), 3);
        assert_eq!((ls[0].offset, ls[0].text.as_str()), (0, "first line\r"));
        assert_eq!((ls[1].offset, ls[1].text.as_str()), (12, ""));
        assert_eq!((ls[2].offset, ls[2].text.as_str()), (13, "third"));
    }

    #[test]
    fn invalid_utf8_maps_back_to_raw_offsets() {
        let input = b"ab\xff\xfecd\n";
        let ls = lines(input, 1 << 20);
        let l = &ls[0];
        assert_eq!(l.text, "ab\u{FFFD}\u{FFFD}cd");
        let c = l.text.find('c').unwrap();
        assert_eq!(l.raw_offset(c), 4);
        assert_eq!(l.raw_offset(l.text.len()), 6);
        assert_eq!(l.raw_offset(0), 0);
    }

    #[test]
    fn long_lines_are_cut_without_losing_bytes() {
        let mut input = Vec::new();
        for i in 0..300 {
            input.extend_from_slice(format!("wörd{i} ").as_bytes());
        }
        let ls = lines(&input, 64);
        assert!(ls.len() > 10);
        assert!(ls.iter().all(|l| l.text.len() <= 64 && l.map.is_none()));
        let joined: String = ls.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined.as_bytes(), &input[..]);
        for l in &ls {
            assert_eq!(
                &input[l.offset as usize..l.offset as usize + l.text.len()],
                l.text.as_bytes()
            );
        }
    }

    /// Every line of the chunks, read as `classify` reads them.
    fn chunk_lines(input: &[u8], max: usize, target: usize) -> Vec<Line> {
        let mut r = ChunkReader::new(input, 0, target);
        r.max_line = max;
        let mut out = Vec::new();
        while let Some(c) = r.next_chunk(Vec::new()).unwrap() {
            assert!(!c.bytes.is_empty());
            let mut lines = LineReader::with_max_line(&c.bytes[..], max).starting_at(c.offset);
            let mut line = Line::default();
            while c.read_line(&mut lines, &mut line) {
                out.push(line.clone());
            }
        }
        out
    }

    #[test]
    fn chunks_give_the_lines_of_the_whole_input() {
        let mut input = Vec::new();
        let mut state = 7u32;
        for _ in 0..3000 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let piece: &[u8] = match state >> 28 {
                0..=5 => b"word ",
                6 => b"w\xc3\xa9rd",
                7 => b"\n",
                8 => b"\r\n",
                9 => b"\xff",
                10 => b"\n\n",
                11 => b"\xe2\x80\x9c",
                _ => b"longwordwithoutspace",
            };
            input.extend_from_slice(piece);
        }
        input.extend_from_slice(&[b'x'; 700]);
        for max in [8, 33, 64, 1000, 1 << 20] {
            for target in [1, 10, 100, 4096, 1 << 20] {
                assert_eq!(
                    chunk_lines(&input, max, target),
                    lines(&input, max),
                    "max {max}, target {target}"
                );
            }
        }
        assert!(chunk_lines(b"", 64, 10).is_empty());
    }

    #[test]
    fn cut_never_splits_a_character() {
        let input = "é".repeat(100);
        let ls = lines(input.as_bytes(), 33);
        assert!(ls.iter().all(|l| l.map.is_none()));
        let joined: String = ls.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, input);
    }
}
