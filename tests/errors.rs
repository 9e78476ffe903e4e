//! Every kind of bad input reaches a library caller as its own `stance::Error` variant,
//! with the one-line message the command line prints.

use stance::{read_labelled, Classifier, Columns, Error, Labelled, TrainSettings};
use std::path::{Path, PathBuf};

fn rows(pairs: &[(&str, &str)]) -> Labelled {
    Labelled {
        texts: pairs.iter().map(|p| p.0.to_string()).collect(),
        labels: pairs.iter().map(|p| p.1.to_string()).collect(),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn a_missing_file_is_io_with_its_cause() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("gone.csv");
    let e = read_labelled(std::slice::from_ref(&missing), &Columns::default()).unwrap_err();
    assert!(
        matches!(&e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{e:?}"
    );
    assert_eq!(e.to_string(), format!("{}: cannot read", missing.display()));
    assert!(e
        .full_message()
        .starts_with(&format!("{}: cannot read: ", missing.display())));
    let e = Classifier::load(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
}

#[test]
fn a_bad_row_is_csv_with_the_file_and_the_line() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "a.csv", b"text,label\nfine,good\nnone,\n");
    let e = read_labelled(std::slice::from_ref(&f), &Columns::default()).unwrap_err();
    assert!(
        matches!(&e, Error::Csv { path: Some(p), line: Some(3), message } if p == &f && message == "empty label"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("{}: line 3: empty label", f.display())
    );
    let cols = Columns {
        text: "body".into(),
        ..Columns::default()
    };
    let e = read_labelled(std::slice::from_ref(&f), &cols).unwrap_err();
    assert!(matches!(e, Error::Csv { line: Some(1), .. }), "{e:?}");
}

#[test]
fn rows_that_cannot_train_are_data() {
    let one_label = rows(&[("a", "x"), ("b", "x")]);
    let e = TrainSettings::default().fit(&one_label).unwrap_err();
    assert!(matches!(e, Error::Data(_)), "{e:?}");
    assert!(e.to_string().contains("at least 2 different labels"), "{e}");
    let e = Classifier::train(
        &["a", "b"],
        &["x"],
        &TrainSettings::default(),
        "test",
        "2026-01-01",
    )
    .unwrap_err();
    assert!(matches!(e, Error::Data(_)), "{e:?}");
    assert_eq!(e.to_string(), "2 texts but 1 labels");
}

#[test]
fn a_directory_without_csv_files_is_no_files() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "notes.txt", b"hello");
    let e = read_labelled(&[d.path().to_path_buf()], &Columns::default()).unwrap_err();
    assert!(matches!(e, Error::NoFiles(_)), "{e:?}");
    assert!(
        e.to_string().ends_with("directory holds no .csv files"),
        "{e}"
    );
}

#[test]
fn a_setting_out_of_range_is_setting_before_any_work() {
    let data = rows(&[("a fine show", "good"), ("a dull show", "bad")]);
    let mut s = TrainSettings::default();
    s.tfidf.ngram_max = 9;
    let e = s.fit(&data).unwrap_err();
    assert!(matches!(e, Error::Setting(_)), "{e:?}");
    assert!(
        e.to_string().starts_with("n-gram range 1-9 is not valid"),
        "{e}"
    );
    let mut s = TrainSettings::default();
    s.fit.nb_smoothing = 0.0;
    assert!(matches!(s.check(), Err(Error::Setting(_))));
}

#[test]
fn a_fit_over_its_memory_budget_is_fit() {
    let data = rows(&[("a fine show", "good"), ("a dull show", "bad")]);
    let mut s = TrainSettings::default();
    s.fit.memory_budget = 1;
    let e = s.fit(&data).unwrap_err();
    assert!(matches!(e, Error::Fit(_)), "{e:?}");
    assert!(e.to_string().contains("over the memory budget"), "{e}");
}

#[test]
fn a_damaged_model_is_model_and_names_the_file() {
    let data = rows(&[("a fine show", "good"), ("a dull show", "bad")]);
    let bytes = TrainSettings::default()
        .fit(&data)
        .unwrap()
        .to_bytes()
        .unwrap();
    assert!(matches!(
        Classifier::from_bytes(b"not a model"),
        Err(Error::Model { path: None, .. })
    ));
    let d = tempfile::tempdir().unwrap();
    let cut = write(d.path(), "cut.model", &bytes[..bytes.len() - 1]);
    let e = Classifier::load(&cut).unwrap_err();
    assert!(
        matches!(&e, Error::Model { path: Some(p), .. } if p == &cut),
        "{e:?}"
    );
    assert!(e
        .to_string()
        .starts_with(&format!("{}: model file is truncated", cut.display())));
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let e = Classifier::from_bytes(&flipped).unwrap_err();
    assert!(matches!(e, Error::Model { .. }), "{e:?}");
    assert_eq!(e.to_string(), "model file is corrupted (checksum mismatch)");
}

#[test]
fn a_damaged_table_is_embedding() {
    let d = tempfile::tempdir().unwrap();
    let t = write(d.path(), "t.bin", b"STVEC but not really");
    let e = stance::internals::features::embed::EmbeddingTable::read_file(&t).unwrap_err();
    assert!(
        matches!(&e, Error::Embedding { path: Some(p), .. } if p == &t),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&format!("{}: ", t.display())),
        "{e}"
    );
}

#[test]
fn a_model_path_that_cannot_be_written_is_output() {
    let d = tempfile::tempdir().unwrap();
    let e = stance::internals::flows::train::check_target(d.path(), &[]).unwrap_err();
    assert!(matches!(e, Error::Output(_)), "{e:?}");
    let data = rows(&[("a fine show", "good"), ("a dull show", "bad")]);
    let model = TrainSettings::default().fit(&data).unwrap();
    let e = model.save(d.path()).unwrap_err();
    assert!(matches!(e, Error::Output(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{}: is a directory", d.path().display())
    );
}

#[test]
fn a_directory_to_classify_is_io_of_kind_is_a_directory() {
    let d = tempfile::tempdir().unwrap();
    let e = stance::open_input(d.path()).unwrap_err();
    let Error::Io { source, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(source.kind(), std::io::ErrorKind::IsADirectory);
    assert_eq!(
        e.to_string(),
        format!("{}: is a directory", d.path().display())
    );
}
