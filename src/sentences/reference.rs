//! The splitter as it was before the fast path: UAX #29 run over every chunk of every
//! line. Kept as the reference the fast splitter is tested against.

use super::{
    emit, is_closer, is_glued_break, is_seam_break, keep_break, line_break_len, uax_chunk_end, Span,
};
use unicode_segmentation::UnicodeSegmentation;

/// [`super::split_into`], returning how many times a run longer than [`super::MAX_SENTENCE_BYTES`]
/// was cut (0 when every sentence fit), so a caller can warn that a sentence was cut.
pub fn split_counting_cuts(text: &str, out: &mut Vec<Span>) -> usize {
    let mut cuts = 0;
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let brk = line_break_len(bytes, i);
        if brk > 0 {
            split_line(text, line_start, i, out, &mut cuts);
            i += brk;
            line_start = i;
        } else {
            i += 1;
        }
    }
    split_line(text, line_start, bytes.len(), out, &mut cuts);
    cuts
}

/// Splits one line `text[start..end]` (no line breaks inside).
fn split_line(text: &str, start: usize, end: usize, out: &mut Vec<Span>, cuts: &mut usize) {
    let raw = &text[start..end];
    let trimmed = raw.trim_start();
    let base = start + (raw.len() - trimmed.len());
    let line = trimmed.trim_end();
    if line.is_empty() {
        return;
    }

    let mut cur = 0;
    let mut chunk_start = 0;
    while chunk_start < line.len() {
        let chunk_end = uax_chunk_end(line, chunk_start);
        for (off, seg) in line[chunk_start..chunk_end].split_sentence_bound_indices() {
            let seg_start = chunk_start + off;
            let seg_end = seg_start + seg.len();
            // Extra boundaries inside the UAX segment.
            for (p, c) in seg.char_indices() {
                let b = match c {
                    '?' | '!' => seg_start + p + 1,
                    '.' | '…' => {
                        let after = &line[seg_start + p + c.len_utf8()..];
                        seg_start
                            + p
                            + c.len_utf8()
                            + (after.len() - after.trim_start_matches(is_closer).len())
                    }
                    _ => continue,
                };
                if b > cur && b < seg_end && is_glued_break(line, b) && keep_break(line, b) {
                    emit(text, base, cur, b, out, cuts);
                    cur = b;
                }
            }
            // The UAX boundary at the end of the segment (not the chunk's end).
            if seg_end < chunk_end && seg_end > cur && keep_break(line, seg_end) {
                emit(text, base, cur, seg_end, out, cuts);
                cur = seg_end;
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
