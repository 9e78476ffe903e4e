//! Web pages in: `.html`/`.htm` files and `--html` on stdin are read as their article
//! text, and records say so.

mod common;
use common::*;

const PAGE: &str = "tests/data/example-page.html";

fn page_bytes() -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE)).unwrap()
}

#[test]
fn a_page_is_read_as_its_article_text_with_spans_in_that_text() {
    let (text, title) = stance::internals::input::html::extract(&page_bytes());
    assert_eq!(
        title.as_deref(),
        Some("Lighthouse Keepers, season two – review")
    );
    let o = run(&["classify", PAGE, "--format", "jsonl"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let recs = jsonl(&o.stdout);
    assert_eq!(recs.len(), stance::internals::sentences::split(&text).len());
    let all: Vec<&str> = recs.iter().map(|r| r["text"].as_str().unwrap()).collect();
    for r in &recs {
        assert_eq!(r["source"], "html");
        let (a, b) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[a..b], r["text"].as_str().unwrap());
    }
    let joined = all.join(" ");
    for gone in [
        "analytics",
        "Gazette",
        "Subscribe",
        "Related",
        "newsletter",
        "font-family",
    ] {
        assert!(!joined.contains(gone), "{gone} in {joined}");
    }
    assert!(
        joined.contains("muddled & pointless"),
        "entities decoded: {joined}"
    );
    assert!(all.contains(&"I can’t wait to see where the writers take it next."));
}

#[test]
fn html_on_stdin_gives_the_same_records_and_json_has_the_title() {
    let file = run(&["classify", PAGE, "--format", "jsonl"]);
    let piped = run_in(&["classify", "--html", "--format", "jsonl"], &page_bytes());
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let strip = |out: &str| -> Vec<serde_json::Value> {
        jsonl(out)
            .into_iter()
            .map(|mut r| {
                r.as_object_mut().unwrap().remove("file");
                r
            })
            .collect()
    };
    assert_eq!(strip(&file.stdout), strip(&piped.stdout));
    let o = run(&["classify", PAGE, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["source"], "html");
    assert_eq!(
        v["files"][0]["title"],
        "Lighthouse Keepers, season two – review"
    );
    let t = run(&["classify", PAGE]);
    assert!(
        t.stdout.contains("\ntitle: Lighthouse Keepers"),
        "{}",
        t.stdout
    );
}

#[test]
fn text_input_has_no_source_but_csv_with_a_page_in_has_a_source_column() {
    let text = run_in(&["classify", "--format", "jsonl"], b"It was dull.\n");
    assert!(jsonl(&text.stdout)[0].get("source").is_none());
    let plain = run_in(&["classify", "--format", "csv"], b"It was dull.\n");
    assert!(
        plain.stdout.starts_with("file,sentence,"),
        "{}",
        plain.stdout
    );
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.txt", b"It was dull.\n");
    write(
        d.path(),
        "b.htm",
        b"<p>It was <b>great</b>.</p><script>x()</script>",
    );
    let o = run(&["classify", s(d.path()), "--format", "csv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut r = csv::Reader::from_reader(o.stdout.as_bytes());
    assert_eq!(&r.headers().unwrap()[1], "source");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows[0][0].ends_with("a.txt") && &rows[0][1] == "text");
    assert!(rows[1][0].ends_with("b.htm") && &rows[1][1] == "html");
    assert_eq!(&rows[1][rows[1].len() - 1], "It was great.");
}

#[test]
fn a_hostile_page_ends_cleanly() {
    let d = tempfile::tempdir().unwrap();
    let n = 100_000;
    let mut page = "<div>".repeat(n).into_bytes();
    page.extend_from_slice(b"<p>The finale was \xff wonderful.</p><nav>");
    page.extend_from_slice("<aside>".repeat(n).as_bytes());
    let p = write(d.path(), "deep.html", &page);
    let o = run(&["classify", s(&p), "--format", "labels"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("deep.html: not valid UTF-8"),
        "{}",
        o.stderr
    );
}
