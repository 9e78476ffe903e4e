//! `--format html` rendered by headless Chromium: every sentence is in the rendered DOM,
//! in order, with its label, and the input's markup stays text. Skips (saying so) when
//! /usr/bin/chromium is absent; `.ci/run` installs it.

mod common;
use common::*;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The DOM Chromium renders from `page`, or None when Chromium is not installed.
fn rendered_dom(page: &Path) -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipping: {CHROMIUM} not found (apt-get install -y chromium)");
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// What the test reads from the DOM: each sentence element's label, index and text,
/// and every element's name.
#[derive(Default)]
struct Dom {
    sentences: RefCell<Vec<(String, u64, String)>>,
    in_sentence: RefCell<bool>,
    tags: RefCell<Vec<String>>,
    attrs: RefCell<Vec<String>>,
}

impl TokenSink for Dom {
    type Handle = ();
    fn process_token(&self, token: Token, _: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(t) if t.kind == TagKind::StartTag => {
                self.tags.borrow_mut().push(t.name.to_string());
                let get = |n: &str| {
                    t.attrs
                        .iter()
                        .find(|a| &*a.name.local == n)
                        .map(|a| a.value.to_string())
                };
                for a in &t.attrs {
                    self.attrs.borrow_mut().push(a.name.local.to_string());
                }
                let is_sentence = get("class").is_some_and(|c| c.split(' ').any(|w| w == "s"));
                if &*t.name == "span" && is_sentence {
                    *self.in_sentence.borrow_mut() = true;
                    self.sentences.borrow_mut().push((
                        get("data-label").unwrap(),
                        get("data-index").unwrap().parse().unwrap(),
                        String::new(),
                    ));
                }
            }
            Token::TagToken(t) if &*t.name == "span" => *self.in_sentence.borrow_mut() = false,
            Token::CharacterTokens(s) if *self.in_sentence.borrow() => self
                .sentences
                .borrow_mut()
                .last_mut()
                .unwrap()
                .2
                .push_str(&s),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn read_dom(html: &str) -> Dom {
    let tok = Tokenizer::new(Dom::default(), TokenizerOpts::default());
    let q = BufferQueue::default();
    q.push_back(StrTendril::from_slice(html));
    let _ = tok.feed(&q);
    tok.end();
    tok.sink
}

fn one_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_sentence_is_rendered_with_its_label_and_input_stays_text() {
    let d = tempfile::tempdir().unwrap();
    let hostile = write(
        d.path(),
        "hostile.txt",
        b"<script>alert(\"x\")</script> The new season is <b>great</b> & bold.\n\
          Don't miss it on Friday.\n\"><img src=x onerror=alert(1)> It was dull.\n",
    );
    let page = "tests/data/example-page.html";
    let args = [page, EXAMPLE, s(&hostile)];
    let o = run(&[&["classify", "--format", "html", "--explain"], &args[..]].concat());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let report = write(d.path(), "report.html", o.stdout.as_bytes());
    let expected = jsonl(&run(&[&["classify", "--format", "jsonl"], &args[..]].concat()).stdout);
    let Some(dom) = rendered_dom(&report) else {
        return;
    };
    let dom = read_dom(&dom);
    let got = dom.sentences.borrow();
    assert_eq!(got.len(), expected.len(), "every sentence is an element");
    for ((label, index, text), want) in got.iter().zip(&expected) {
        assert_eq!(label, want["label"].as_str().unwrap());
        assert_eq!(*index, want["sentence"].as_u64().unwrap());
        assert_eq!(one_space(text), one_space(want["text"].as_str().unwrap()));
    }
    assert!(got
        .iter()
        .any(|s| s.2.contains("<script>alert(\"x\")</script>")));
    let tags = dom.tags.borrow();
    for t in ["script", "img", "link", "iframe", "b"] {
        assert!(!tags.iter().any(|x| x == t), "a <{t}> in the rendered page");
    }
    assert!(!dom
        .attrs
        .borrow()
        .iter()
        .any(|a| a == "src" || a == "onerror"));
    let sections = tags.iter().filter(|t| *t == "section").count();
    assert_eq!(sections, 3, "a section per input");
}

#[test]
fn the_report_keeps_paragraphs_and_has_a_bar_and_a_legend() {
    let o = run(&[
        "classify",
        "--format",
        "html",
        "tests/data/example-page.html",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let html = &o.stdout;
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<title>Stance report</title>"));
    assert!(html.contains("<p class=\"page-title\">Lighthouse Keepers, season two – review</p>"));
    let doc = &html
        [html.find("<div class=\"doc\">").unwrap()..html.find("<div class=\"summary\">").unwrap()];
    assert_eq!(
        doc.matches("<p>").count(),
        5,
        "one paragraph per block of the page"
    );
    for l in ["anticipation", "criticism", "neutral", "positive"] {
        assert!(
            html.contains(&format!("</span>{l}</li>")),
            "{l} in the legend"
        );
    }
    assert!(html.matches("<div class=\"bar\">").count() == 1);
    for banned in ["<script", "http://", "https://", "url(", "@import"] {
        assert!(!html.contains(banned), "{banned} in the report");
    }
    let empty = run_in(&["classify", "--format", "html"], b"");
    assert!(empty.stdout.contains("No sentences."), "{}", empty.stdout);
    assert!(empty.stdout.trim_end().ends_with("</html>"));
}
