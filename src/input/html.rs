//! Web pages in: a page's article text, read with html5ever's HTML5 tokenizer.
//!
//! Scripts, styles, navigation, headers, footers, forms, asides and the like are
//! dropped; every block element (paragraph, heading, list item, table cell, `<br>`…)
//! ends a line, so each block is a paragraph of its own and no sentence runs across
//! two; whitespace runs become one space; entities are decoded by the tokenizer. The
//! page's first `<title>` is kept apart from the text.
//!
//! The page is read as a stream: the tokenizer builds no tree, so memory stays bounded
//! whatever the page's size and nesting (100,000 nested `<div>`s cost nothing), and
//! the elements being dropped are tracked on a stack capped at [`MAX_DEPTH`].
//!
//! The encoding is told by a byte order mark, else by a `charset` in the page's first
//! 1,024 bytes (`<meta charset="...">` or `content="...; charset=..."`), else UTF-8;
//! bytes invalid in it are read as U+FFFD.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::{Cell, RefCell};
use std::io::{self, Read};

/// File name endings read as web pages.
pub const HTML_EXTENSIONS: &[&str] = &["html", "htm"];

/// Deepest nesting of dropped elements tracked by name; deeper ones are only counted.
pub const MAX_DEPTH: usize = 512;

/// Longest title kept, in bytes (a longer one is cut at a char boundary).
pub const MAX_TITLE_BYTES: usize = 1024;

/// A paragraph longer than this is handed on in pieces (the line reader then cuts it).
const MAX_PENDING: usize = 64 << 10;

/// Bytes read from the page at a time.
const CHUNK: usize = 64 << 10;

/// Longest run of markup the tokenizer may hold with nothing coming out (a comment, a
/// tag or an attribute value, which it keeps whole): past it the rest of the page is
/// not read, so memory stays bounded.
pub const MAX_MARKUP_BYTES: usize = 1 << 20;

/// Whether `path`'s name ends in one of [`HTML_EXTENSIONS`].
pub fn is_html_path(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| HTML_EXTENSIONS.iter().any(|t| x.eq_ignore_ascii_case(t)))
}

/// Elements whose content is not article text.
fn is_dropped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "nav"
            | "header"
            | "footer"
            | "form"
            | "aside"
            | "menu"
            | "iframe"
            | "object"
            | "embed"
            | "svg"
            | "math"
            | "canvas"
            | "select"
            | "button"
            | "textarea"
            | "noembed"
            | "noframes"
            | "dialog"
            | "figure"
    )
}

/// Elements that never have an end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "param"
            | "keygen"
    )
}

/// Elements that end the paragraph before them and start a new one.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "title"
            | "tr"
            | "ul"
    )
}

/// The tokenizer state an element's content is read in, when it is not markup.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "title" | "textarea" => Some(RawKind::Rcdata),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "script" => Some(RawKind::ScriptData),
        _ => None,
    }
}

/// Whether an element is hidden by its attributes (`hidden`, `aria-hidden="true"`) or
/// is navigation, a banner or a footer by its role.
fn hidden_by_attributes(tag: &html5ever::tokenizer::Tag) -> bool {
    tag.attrs.iter().any(|a| {
        let v = a.value.trim();
        match &*a.name.local {
            "hidden" => true,
            "aria-hidden" => v.eq_ignore_ascii_case("true"),
            "role" => [
                "navigation",
                "banner",
                "contentinfo",
                "complementary",
                "search",
            ]
            .iter()
            .any(|r| v.eq_ignore_ascii_case(r)),
            _ => false,
        }
    })
}

/// What the tokenizer's tokens become: lines of text, and the title.
#[derive(Default)]
struct Sink {
    /// Text ready to be read: whole paragraphs, each ending in `\n`.
    out: RefCell<String>,
    /// The paragraph being read, whitespace already collapsed.
    para: RefCell<String>,
    /// A space is owed before the next word of `para`.
    space: Cell<bool>,
    /// Part of the paragraph was handed on already (`para` goes on the same line).
    continued: Cell<bool>,
    /// The dropped elements open around the current position: name, and how many
    /// elements of that name are open inside it.
    dropped: RefCell<Vec<(String, usize)>>,
    /// Dropped elements open deeper than [`MAX_DEPTH`], only counted.
    dropped_deeper: Cell<usize>,
    /// Inside the first `<title>`.
    in_title: Cell<bool>,
    title: RefCell<Option<String>>,
    /// Any article text was read (a `<title>` after it is not the page's).
    any_text: Cell<bool>,
    /// Tokens the tokenizer has handed on (to tell when it holds a long run of markup).
    tokens: Cell<u64>,
}

impl Sink {
    fn end_paragraph(&self) {
        let mut para = self.para.borrow_mut();
        self.space.set(false);
        if !para.is_empty() || self.continued.replace(false) {
            let mut out = self.out.borrow_mut();
            out.push_str(&para);
            out.push('\n');
            para.clear();
        }
    }

    fn text(&self, s: &str) {
        if self.in_title.get() {
            let mut t = self.title.borrow_mut();
            let t = t.get_or_insert_with(String::new);
            for c in s.chars() {
                if t.len() + c.len_utf8() > MAX_TITLE_BYTES {
                    break;
                }
                t.push(c);
            }
            return;
        }
        if !self.dropped.borrow().is_empty() || self.dropped_deeper.get() > 0 {
            return;
        }
        let mut para = self.para.borrow_mut();
        for c in s.chars() {
            if c.is_whitespace() {
                self.space.set(true);
                continue;
            }
            if self.space.get() && (!para.is_empty() || self.continued.get()) {
                para.push(' ');
            }
            self.space.set(false);
            para.push(c);
        }
        if !para.is_empty() {
            self.any_text.set(true);
        }
        if para.len() > MAX_PENDING {
            // A paragraph with no end in sight goes on in pieces, so memory stays bounded.
            self.out.borrow_mut().push_str(&para);
            para.clear();
            self.continued.set(true);
        }
    }

    fn tag(&self, tag: &html5ever::tokenizer::Tag) -> TokenSinkResult<()> {
        let name = &*tag.name;
        let mut dropped = self.dropped.borrow_mut();
        let inside = !dropped.is_empty() || self.dropped_deeper.get() > 0;
        match tag.kind {
            TagKind::StartTag => {
                if inside {
                    let same = dropped.last().is_some_and(|top| top.0 == name);
                    let deeper = self.dropped_deeper.get();
                    if is_void(name) {
                        // Never closed, so never counted.
                    } else if same && deeper == 0 {
                        if let Some(top) = dropped.last_mut() {
                            top.1 += 1;
                        }
                    } else if is_dropped(name) {
                        if dropped.len() < MAX_DEPTH {
                            dropped.push((name.to_string(), 0));
                        } else {
                            self.dropped_deeper.set(deeper + 1);
                        }
                    }
                    // Inside a dropped element, raw text is still raw (a `<script>`
                    // in a `<nav>` may hold `</nav>`).
                    return match raw_kind(name) {
                        Some(k) if name != "title" => TokenSinkResult::RawData(k),
                        _ => TokenSinkResult::Continue,
                    };
                }
                if name == "title" {
                    drop(dropped);
                    self.end_paragraph();
                    if self.title.borrow().is_none() && !self.any_text.get() {
                        self.in_title.set(true);
                        *self.title.borrow_mut() = Some(String::new());
                    } else {
                        // A later title is not text either.
                        self.dropped.borrow_mut().push(("title".into(), 0));
                    }
                    return TokenSinkResult::RawData(RawKind::Rcdata);
                }
                if (is_dropped(name) || hidden_by_attributes(tag)) && !is_void(name) {
                    dropped.push((name.to_string(), 0));
                    drop(dropped);
                    self.end_paragraph();
                } else {
                    drop(dropped);
                    if is_block(name) {
                        self.end_paragraph();
                    } else if matches!(name, "img" | "input") {
                        self.space.set(true);
                    }
                }
                match raw_kind(name) {
                    Some(k) => TokenSinkResult::RawData(k),
                    None if name == "plaintext" => TokenSinkResult::Plaintext,
                    None => TokenSinkResult::Continue,
                }
            }
            TagKind::EndTag => {
                if name == "title" && self.in_title.get() {
                    self.in_title.set(false);
                    if let Some(t) = self.title.borrow_mut().as_mut() {
                        *t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                    }
                    return TokenSinkResult::Continue;
                }
                if inside {
                    if self.dropped_deeper.get() > 0 {
                        if is_dropped(name) {
                            self.dropped_deeper.set(self.dropped_deeper.get() - 1);
                        }
                        return TokenSinkResult::Continue;
                    }
                    // The innermost open element of this name closes; dropped elements
                    // inside it that were never closed close with it.
                    if let Some(i) = dropped.iter().rposition(|(n, _)| n == name) {
                        if dropped[i].1 > 0 {
                            dropped[i].1 -= 1;
                        } else {
                            dropped.truncate(i);
                        }
                    }
                    if dropped.is_empty() {
                        drop(dropped);
                        self.end_paragraph();
                    }
                    return TokenSinkResult::Continue;
                }
                drop(dropped);
                if is_block(name) || name == "p" {
                    self.end_paragraph();
                }
                TokenSinkResult::Continue
            }
        }
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        self.tokens.set(self.tokens.get() + 1);
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CharacterTokens(s) => {
                self.text(&s);
                TokenSinkResult::Continue
            }
            Token::EOFToken => {
                self.in_title.set(false);
                self.end_paragraph();
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

/// The encoding a `charset` in the page's first 1,024 bytes names, if any (UTF-16
/// labels mean UTF-8 there, as browsers read them).
fn sniff_charset(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &head[..head.len().min(1024)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&lower[from..], b"charset") {
        let mut j = from + i + 7;
        from = j;
        while j < lower.len() && lower[j].is_ascii_whitespace() {
            j += 1;
        }
        if lower.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < lower.len()
            && (lower[j].is_ascii_whitespace() || lower[j] == b'"' || lower[j] == b'\'')
        {
            j += 1;
        }
        let end = lower[j..]
            .iter()
            .position(|&b| {
                b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b';' | b'>' | b'/')
            })
            .map_or(lower.len(), |p| j + p);
        if let Some(e) = encoding_rs::Encoding::for_label(&lower[j..end]) {
            return Some(match e.name() {
                "UTF-16LE" | "UTF-16BE" => encoding_rs::UTF_8,
                _ => e,
            });
        }
    }
    None
}

/// A web page read as its article text: one paragraph per line, UTF-8.
pub struct HtmlText<R: Read> {
    inner: R,
    tokenizer: Tokenizer<Sink>,
    queue: BufferQueue,
    decoder: Option<encoding_rs::Decoder>,
    encoding: &'static encoding_rs::Encoding,
    /// Raw bytes read but not yet decoded (only before the encoding is known).
    raw: Vec<u8>,
    decoded: String,
    /// Text handed out so far from the sink's buffer.
    pos: usize,
    replaced: bool,
    eof: bool,
    /// The input's name for warnings on stderr (none: no warnings).
    name: Option<String>,
    warned_replaced: bool,
    /// Decoded bytes fed since the tokenizer last handed on a token.
    silent: usize,
    /// The page was cut short after a run of markup over [`MAX_MARKUP_BYTES`].
    cut: bool,
}

impl<R: Read> HtmlText<R> {
    /// Reads the page up to its first text (so that [`HtmlText::title`] knows the
    /// title of a page that has one in its head).
    pub fn new(inner: R) -> io::Result<Self> {
        let mut h = HtmlText {
            inner,
            tokenizer: Tokenizer::new(Sink::default(), TokenizerOpts::default()),
            queue: BufferQueue::default(),
            decoder: None,
            encoding: encoding_rs::UTF_8,
            raw: Vec::new(),
            decoded: String::new(),
            pos: 0,
            replaced: false,
            eof: false,
            name: None,
            warned_replaced: false,
            silent: 0,
            cut: false,
        };
        while !h.eof && h.tokenizer.sink.out.borrow().is_empty() {
            h.pump()?;
        }
        Ok(h)
    }

    /// Reads the page as [`HtmlText::new`] does, warning on stderr (once, naming it)
    /// when bytes invalid in its encoding are read as U+FFFD.
    pub fn named(inner: R, name: &str) -> io::Result<Self> {
        let mut h = HtmlText::new(inner)?;
        h.name = Some(name.to_string());
        h.warn_cut();
        h.warn_replaced();
        Ok(h)
    }

    fn warn_replaced(&mut self) {
        if let (true, false, Some(name)) = (self.replaced, self.warned_replaced, &self.name) {
            self.warned_replaced = true;
            crate::error::warn(&format!(
                "{name}: not valid {}; invalid bytes read as U+FFFD",
                self.encoding.name()
            ));
        }
    }

    fn warn_cut(&self) {
        if let (true, Some(name)) = (self.cut, &self.name) {
            crate::error::warn(&format!(
                "{name}: a comment or tag longer than {MAX_MARKUP_BYTES} bytes; the rest of the page was not read"
            ));
        }
    }

    /// Whether the page was cut short after a run of markup over [`MAX_MARKUP_BYTES`].
    pub fn was_cut(&self) -> bool {
        self.cut
    }

    /// The page's title (its first `<title>`, whitespace collapsed), once read.
    pub fn title(&self) -> Option<String> {
        self.tokenizer
            .sink
            .title
            .borrow()
            .clone()
            .filter(|t| !t.is_empty())
    }

    /// The encoding the page is read in.
    pub fn encoding(&self) -> &'static encoding_rs::Encoding {
        self.encoding
    }

    /// Whether bytes invalid in the encoding were read as U+FFFD so far.
    pub fn replaced(&self) -> bool {
        self.replaced
    }

    /// Reads and tokenizes the next chunk of the page.
    fn pump(&mut self) -> io::Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let n = loop {
            match self.inner.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let last = n == 0;
        if self.decoder.is_none() {
            self.raw.extend_from_slice(&buf[..n]);
            if self.raw.len() < 1024 && !last {
                return Ok(());
            }
            let (enc, bom) = match encoding_rs::Encoding::for_bom(&self.raw) {
                Some((e, len)) => (e, len),
                None => (sniff_charset(&self.raw).unwrap_or(encoding_rs::UTF_8), 0),
            };
            self.encoding = enc;
            self.decoder = Some(enc.new_decoder_without_bom_handling());
            let raw = std::mem::take(&mut self.raw);
            self.decode(&raw[bom..], last);
        } else {
            self.decode(&buf[..n], last);
        }
        if last && !self.eof {
            self.tokenizer.end();
            self.eof = true;
        }
        Ok(())
    }

    fn decode(&mut self, bytes: &[u8], last: bool) {
        let Some(dec) = self.decoder.as_mut() else {
            return;
        };
        self.decoded.clear();
        let need = dec
            .max_utf8_buffer_length(bytes.len())
            .unwrap_or(bytes.len() * 3 + 16);
        self.decoded.reserve(need);
        let (_, _, replaced) = dec.decode_to_string(bytes, &mut self.decoded, last);
        self.replaced |= replaced;
        self.warn_replaced();
        if !self.decoded.is_empty() {
            self.queue.push_back(StrTendril::from_slice(&self.decoded));
            let before = self.tokenizer.sink.tokens.get();
            let _ = self.tokenizer.feed(&self.queue);
            if self.tokenizer.sink.tokens.get() == before {
                self.silent += self.decoded.len();
            } else {
                self.silent = 0;
            }
            if self.silent > MAX_MARKUP_BYTES && !self.eof {
                self.tokenizer.end();
                self.eof = true;
                self.cut = true;
                self.warn_cut();
            }
        }
    }
}

impl<R: Read> Read for HtmlText<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            {
                let mut out = self.tokenizer.sink.out.borrow_mut();
                if self.pos < out.len() {
                    let n = (out.len() - self.pos).min(buf.len());
                    buf[..n].copy_from_slice(&out.as_bytes()[self.pos..self.pos + n]);
                    self.pos += n;
                    return Ok(n);
                }
                out.clear();
                self.pos = 0;
            }
            if self.eof {
                return Ok(0);
            }
            self.pump()?;
        }
    }
}

/// A page's text and title, read whole (for tests and the library).
pub fn extract(bytes: &[u8]) -> (String, Option<String>) {
    let mut h = HtmlText::new(bytes).expect("reading from memory does not fail");
    let mut text = String::new();
    h.read_to_string(&mut text)
        .expect("the text is UTF-8 and reading from memory does not fail");
    (text, h.title())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(page: &str) -> String {
        extract(page.as_bytes()).0
    }

    #[test]
    fn scripts_styles_and_menus_are_dropped_and_blocks_end_lines() {
        let page = r#"<!doctype html><html><head><title> The  Review </title>
<style>p { color: red }</style><script>var x = "</p>nope";</script></head>
<body><header><h1>Site name</h1></header>
<nav><ul><li>Home</li><li>News</li></ul></nav>
<article><h2>Season two</h2><p>The new season is <b>much</b> better.
It was worth the wait.</p><p>Cast list<br>follows</p>
<aside>Related links</aside><form><button>Subscribe</button></form></article>
<footer>Copyright</footer><noscript>Enable scripts</noscript></body></html>"#;
        let (t, title) = extract(page.as_bytes());
        assert_eq!(title.as_deref(), Some("The Review"));
        assert_eq!(
            t,
            "Season two\nThe new season is much better. It was worth the wait.\nCast list\nfollows\n"
        );
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            text("<p>Tom &amp; Jerry&#39;s &quot;caf&eacute;&quot;&nbsp;scene &#x2014; &lt;3</p>"),
            "Tom & Jerry's \"café\" scene — <3\n"
        );
    }

    #[test]
    fn nested_markup_and_malformed_html() {
        assert_eq!(
            text("<div><div><p>One <i>two <b>three</i> four</b><p>Five<li>Six</div><td>Seven"),
            "One two three four\nFive\nSix\nSeven\n"
        );
        // Unclosed dropped elements drop what follows; a stray end tag does nothing.
        assert_eq!(text("<p>Kept</p></nav><nav><p>gone"), "Kept\n");
        // Dropped elements nested in one another close by name.
        assert_eq!(
            text("<aside><div><div>x</div></div><nav>y</nav></aside><p>after</p>"),
            "after\n"
        );
        assert_eq!(
            text("<div hidden><div>a</div>b</div><div role=navigation>c</div><p>d</p>"),
            "d\n"
        );
        assert_eq!(text("<p>a < b and c <d</p>"), "a < b and c\n");
        assert_eq!(text(""), "");
        assert_eq!(text("plain words, no tags"), "plain words, no tags\n");
    }

    #[test]
    fn deep_nesting_costs_no_stack() {
        let n = 100_000;
        let page = format!("{}<p>deep</p>{}", "<div>".repeat(n), "</div>".repeat(n));
        assert_eq!(text(&page), "deep\n");
        let page = format!("{}x{}<p>after</p>", "<nav>".repeat(n), "</nav>".repeat(n));
        assert_eq!(text(&page), "after\n");
        let page = format!(
            "{}x{}<p>after</p>",
            "<nav><aside>".repeat(n),
            "</aside></nav>".repeat(n)
        );
        assert_eq!(text(&page), "after\n");
        let page = format!("{}<p>in</p>", "<b><i>".repeat(n));
        assert_eq!(text(&page), "in\n");
    }

    #[test]
    fn a_long_paragraph_is_handed_on_in_pieces() {
        let page = format!("<p>{}</p>", "word ".repeat(100_000));
        let t = text(&page);
        assert_eq!(t.split_whitespace().count(), 100_000);
        assert!(t.ends_with("word\n"));
    }

    #[test]
    fn a_meta_charset_is_honoured() {
        let mut page = b"<html><head><meta charset=\"windows-1252\"><title>Caf\xe9</title></head><body><p>Na\xefve \x93quotes\x94</p>".to_vec();
        page.extend_from_slice(b"</body></html>");
        let mut h = HtmlText::new(&page[..]).unwrap();
        assert_eq!(h.encoding(), encoding_rs::WINDOWS_1252);
        let mut t = String::new();
        h.read_to_string(&mut t).unwrap();
        assert_eq!(t, "Naïve “quotes”\n");
        assert_eq!(h.title().as_deref(), Some("Café"));
        assert!(!h.replaced());
        let mut h = HtmlText::new(&b"<p>bad \xff byte</p>"[..]).unwrap();
        t.clear();
        h.read_to_string(&mut t).unwrap();
        assert_eq!(t, "bad \u{FFFD} byte\n");
        assert!(h.replaced());
        // A UTF-16 page with its byte order mark.
        let utf16: Vec<u8> = [0xFFFE_u16.swap_bytes()]
            .into_iter()
            .chain("<p>wide</p>".encode_utf16())
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(extract(&utf16).0, "wide\n");
    }

    #[test]
    fn a_run_of_markup_past_the_cap_ends_the_page() {
        for (open, close) in [("<!-- ", " -->"), ("<div title=\"", "\">"), ("<p", ">")] {
            let page = format!(
                "<p>Before.</p>{open}{}{close}<p>After.</p>",
                "x".repeat(MAX_MARKUP_BYTES + 2 * CHUNK)
            );
            let mut h = HtmlText::new(page.as_bytes()).unwrap();
            let mut t = String::new();
            h.read_to_string(&mut t).unwrap();
            assert_eq!(t, "Before.\n", "{open}");
            assert!(h.was_cut());
        }
        // A long comment under the cap is only dropped.
        let page = format!(
            "<p>a</p><!--{}--><p>b</p>",
            "x".repeat(MAX_MARKUP_BYTES / 2)
        );
        let mut h = HtmlText::new(page.as_bytes()).unwrap();
        let mut t = String::new();
        h.read_to_string(&mut t).unwrap();
        assert_eq!((t.as_str(), h.was_cut()), ("a\nb\n", false));
    }

    #[test]
    fn only_the_first_title_before_the_text_is_the_title() {
        let (t, title) = extract(b"<p>text</p><title>late</title><p>more</p>");
        assert_eq!(title, None);
        assert_eq!(t, "text\nmore\n");
        let (_, title) = extract(b"<svg><title>icon</title></svg><title>Page</title>");
        assert_eq!(title.as_deref(), Some("Page"));
    }
}
