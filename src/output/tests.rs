use super::*;

fn labels() -> Vec<String> {
    vec!["neg".into(), "pos".into()]
}

/// The JSON-lines fast path writes what serde_json writes for the same record, for
/// texts, file names and labels that need escaping, extreme numbers and `uncertain`.
#[test]
fn plain_json_lines_are_serde_json_byte_for_byte() {
    let names = ["a.txt", "we\"ird\\name\t.txt", "ünï\u{1}", ""];
    let label_sets: [Vec<String>; 3] = [
        labels(),
        vec!["q\"uote".into(), "back\\slash".into(), "\u{7f}del".into()],
        vec!["only".into()],
    ];
    let texts = ["plain", "\"q\" \\ \u{0}\u{1f}\n\r\t", "é 😀 \u{2028}", ""];
    let scores = [0.0f32, 1.0, 1e-38, 0.333_333_34, f32::MIN_POSITIVE, 3.5e-7];
    for name in names {
        for ls in &label_sets {
            let mut w = Writer::new(Vec::new(), Format::Jsonl, ls.clone(), 60);
            w.begin_file(name);
            let f = w.formatter().clone();
            for (t, text) in texts.iter().enumerate() {
                let sc: Vec<f32> = (0..ls.len())
                    .map(|i| scores[(i + t) % scores.len()])
                    .collect();
                for shown in [0, ls.len()] {
                    let r = Record {
                        index: 7,
                        start: 3,
                        end: u64::MAX,
                        text,
                        label: 0,
                        scores: &sc,
                        explain: None,
                        paragraph: false,
                    };
                    let mut fast = Vec::new();
                    f.write_jsonl_plain(&mut fast, &r, shown).unwrap();
                    let mut slow = serde_json::to_vec(&JsonRecord {
                        file: Some(name),
                        source: None,
                        rec: &r,
                        labels: ls,
                        label: label_name(ls, shown),
                        top: Vec::new(),
                    })
                    .unwrap();
                    slow.push(b'\n');
                    assert_eq!(
                        String::from_utf8(fast).unwrap(),
                        String::from_utf8(slow).unwrap()
                    );
                }
            }
        }
    }
}

fn write(format: Format, files: &[(&str, &[&str])]) -> String {
    let mut buf = Vec::new();
    {
        let mut w = Writer::new(&mut buf, format, labels(), 60);
        for (name, sents) in files {
            w.begin_file(name);
            let mut s = Summary::new(2);
            for (i, t) in sents.iter().enumerate() {
                let scores = [0.25, 0.75];
                let r = Record {
                    index: i as u64,
                    start: 10 * i as u64,
                    end: 10 * i as u64 + t.len() as u64,
                    text: t,
                    label: 1,
                    scores: &scores,
                    explain: None,
                    paragraph: i == 0,
                };
                w.record(&r).unwrap();
                s.add(1, &scores);
            }
            w.end_file(&s).unwrap();
        }
        w.finish().unwrap();
    }
    String::from_utf8(buf).unwrap()
}

#[test]
fn json_is_valid_and_has_summaries() {
    let out = write(
        Format::Json,
        &[("a.txt", &["one", "two"]), ("empty", &[]), ("b", &["x"])],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "the empty input is left out");
    assert_eq!(files[0]["file"], "a.txt");
    assert_eq!(files[0]["sentences"][1]["text"], "two");
    assert_eq!(files[0]["summary"]["counts"]["pos"], 2);
    assert_eq!(files[0]["summary"]["mean_scores"]["pos"], 0.75);
    assert!(files[0]["sentences"][0].get("file").is_none());
}

#[test]
fn json_with_no_input_is_still_a_document() {
    let v: serde_json::Value = serde_json::from_str(&write(Format::Json, &[("e", &[])])).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 0);
}

#[test]
fn jsonl_has_one_object_per_sentence() {
    let out = write(Format::Jsonl, &[("-", &["a, \"b\"", "c"])]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], "-");
    assert_eq!(lines[0]["text"], "a, \"b\"");
    assert_eq!(lines[1]["start"], 10);
    assert_eq!(lines[1]["scores"]["neg"], 0.25);
}

#[test]
fn csv_quotes_fields_and_has_a_column_per_label() {
    let out = write(Format::Csv, &[("f", &["a, \"b\""])]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["file", "sentence", "start", "end", "label", "neg", "pos", "text"]
    );
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[7], "a, \"b\"");
    assert_eq!(&row[4], "pos");
}

#[test]
fn table_cuts_long_sentences_to_width() {
    let long = "word ".repeat(40);
    let out = write(Format::Table, &[("f", &[long.as_str()])]);
    let row = out.lines().nth(2).unwrap();
    assert!(row.chars().count() <= 60, "{row}");
    assert!(row.ends_with('…'));
    assert!(out.contains("summary: 1 sentences: neg 0 (0%), pos 1 (100%)"));
}

#[test]
fn labels_format_is_bare() {
    assert_eq!(write(Format::Labels, &[("f", &["a", "b"])]), "pos\npos\n");
}
