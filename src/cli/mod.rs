//! The command line: `classify`, `train`, `evaluate`, `cv`, `inspect`.
//!
//! Exit codes: 0 success (also when stdout is closed early, as by `| head`), 1 an error
//! in the input, a file or a model (a one-line message on stderr names the file), 2 a
//! usage error.

use crate::classifier::{Classifier, TrainSettings};
use crate::error::warn;
use crate::features::embed::{Embedding, EmbeddingTable};
use crate::features::TfidfConfig;
use crate::flows::classify::{classify_one, open_input, Scorer};
use crate::flows::evaluate::{self, Report};
use crate::input::{self as data, Columns, Labelled};
use crate::model::{ClassWeight, FitConfig, Solver};
use crate::modelfile;
use crate::output::{Decisions, Format, Writer};
use crate::tokens::TokenizerConfig;
mod args;
mod values;
use anyhow::{bail, Context, Result};
use args::*;
pub use args::{train_settings, Cli};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The `train` flags that reproduce a model's settings.
fn train_flags(m: &modelfile::Metadata) -> String {
    let (t, f) = (&m.tfidf, &m.fit);
    let mut v = vec![
        format!("--ngram-min {} --ngram-max {}", t.ngram_min, t.ngram_max),
        format!("--min-df {} --max-df {}", t.min_df, t.max_df),
    ];
    if let Some(n) = t.max_features {
        v.push(format!("--max-features {n}"));
    }
    let switches = [
        (!t.sublinear_tf, "--no-sublinear-tf"),
        (!m.tokenizer.stem, "--no-stem"),
        (!m.tokenizer.punctuation, "--no-punctuation"),
        (t.nb_scale, "--nb-scale"),
        (!t.has_chars(), "--no-char-ngrams"),
    ];
    v.extend(switches.iter().filter(|s| s.0).map(|s| s.1.to_string()));
    if t.has_chars() {
        v.push(format!(
            "--char-min {} --char-max {}",
            t.char_min, t.char_max
        ));
    }
    let value = |x: &dyn ValueEnumName| x.flag_value();
    v.push(format!(
        "--nb-weight {} --nb-smoothing {} --alpha {} --class-weight {} --solver {}",
        f.nb_weight,
        f.nb_smoothing,
        f.alpha,
        value(&f.class_weight),
        value(&f.solver)
    ));
    v.push(format!(
        "--max-iter {} --tol {} --rel-tol {} --memory-budget-mb {}",
        f.max_iterations,
        f.gradient_tolerance,
        f.relative_tolerance,
        f.memory_budget >> 20
    ));
    v.join(" ")
}

/// [`train_flags`], with the semantic block's flags when the model has one (a table
/// embedded from a file is named `FILE`: the model does not record its path).
fn model_train_flags(model: &Classifier) -> String {
    let flags = train_flags(model.meta());
    match model.embedding() {
        Some(e) => format!(
            "{flags} --embeddings {} --embedding-weight {}",
            if e.table.is_builtin() {
                "builtin"
            } else {
                "FILE"
            },
            e.weight
        ),
        None => flags,
    }
}

/// A clap value's name as typed on the command line.
trait ValueEnumName {
    fn flag_value(&self) -> String;
}

impl<T: ValueEnum> ValueEnumName for T {
    fn flag_value(&self) -> String {
        self.to_possible_value()
            .map_or_else(String::new, |p| p.get_name().to_string())
    }
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Classify(a) => classify(a),
        Command::Train(a) => train(a),
        Command::Evaluate(a) => evaluate_cmd(a),
        Command::Cv(a) => cv(a),
        Command::Inspect(a) => inspect(a),
        Command::Completions { shell } => completions(shell),
        Command::Man => man_page(),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("{e:#}").replace(['\n', '\r'], " ");
            if e.chain().count() == 1 && e.downcast_ref::<io::Error>().is_some() {
                // Reads carry the file's name; a bare I/O error is a failed write of output.
                msg = format!("cannot write the output: {msg}");
            }
            let _ = writeln!(io::stderr(), "stance: error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Prints an error of one input on stderr, on one line, and goes on.
fn report_error(e: &anyhow::Error) {
    let _ = writeln!(
        io::stderr(),
        "stance: error: {}",
        format!("{e:#}").replace(['\n', '\r'], " ")
    );
}

/// Whether `e` is a write to a closed pipe, also when a serializer (serde_json, csv)
/// wraps the I/O error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = if let Some(io) = c.downcast_ref::<io::Error>() {
            Some(io.kind())
        } else if let Some(j) = c.downcast_ref::<serde_json::Error>() {
            j.io_error_kind()
        } else if let Some(csv) = c.downcast_ref::<csv::Error>() {
            match csv.kind() {
                csv::ErrorKind::Io(io) => Some(io.kind()),
                _ => None,
            }
        } else {
            None
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

/// Whether `path` is the file stdout writes to (`-o /dev/stdout`, or the file stdout is
/// redirected to), so that nothing else is printed into the model.
fn is_stdout(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::MetadataExt;
        let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() else {
            return false;
        };
        let (Ok(out), Ok(file)) = (std::fs::File::from(fd).metadata(), std::fs::metadata(path))
        else {
            return false;
        };
        out.dev() == file.dev() && out.ino() == file.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Labels for a message: at most 10, escaped.
fn show_labels<S: AsRef<str>>(labels: &[S]) -> String {
    let mut v: Vec<String> = labels
        .iter()
        .take(10)
        .map(|l| format!("{:?}", l.as_ref()))
        .collect();
    if labels.len() > 10 {
        v.push(format!("… {} more", labels.len() - 10));
    }
    v.join(", ")
}

/// The model to use, never freed: each command uses one model until the process ends,
/// and freeing a large vocabulary costs more than a short command's whole start-up.
fn load_model(path: &Option<PathBuf>) -> Result<&'static Classifier> {
    let model = match path {
        Some(p) => Classifier::load(p),
        None => Classifier::builtin(),
    }?;
    Ok(Box::leak(Box::new(model)))
}

fn terminal_width() -> usize {
    if io::stdout().is_terminal() {
        if let Some((_, w)) = console::Term::stdout().size_checked() {
            return w as usize;
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// Whether the table colours labels: on a terminal (not `TERM=dumb`), or with
/// `CLICOLOR_FORCE` set (not to 0); never with `NO_COLOR` set (not empty).
fn colour() -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0");
    if std::env::var_os("NO_COLOR").is_some_and(|x| !x.is_empty()) {
        return false;
    }
    set("CLICOLOR_FORCE")
        || (io::stdout().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb"))
}

fn classify(a: ClassifyArgs) -> Result<ExitCode> {
    if let Some(p) = a.min_prob {
        if !(0.0..=1.0).contains(&p) {
            bail!("--min-prob {p} is not a probability between 0 and 1");
        }
    }
    let model = load_model(&a.model)?;
    let threads = if a.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        usize::from(a.threads)
    };
    let scorer = Scorer::new(model, a.explain.then_some(a.explain_terms), threads)?;
    let mut failed = false;
    // A directory stands for the text files under it; one that cannot be read is an
    // error of its own, and the other inputs are still classified.
    let mut files = Vec::new();
    for f in &a.files {
        if f.as_os_str() == "-" {
            files.push(f.clone());
            continue;
        }
        match crate::input::text_files(f) {
            Ok(found) => files.extend(found),
            Err(e) => {
                report_error(&e.into());
                failed = true;
            }
        }
    }
    if a.files.is_empty() {
        files.push(PathBuf::from("-"));
    }
    let is_page = |f: &Path| a.html || crate::input::html::is_html_path(f);
    let stdout = io::stdout();
    let mut writer = Writer::new(
        BufWriter::with_capacity(1 << 16, stdout.lock()),
        a.format,
        model.labels().to_vec(),
        terminal_width(),
    )
    .with_explain(a.explain)
    .with_source_column(files.iter().any(|f| is_page(f)))
    .with_terminal(a.wrap || io::stdout().is_terminal(), colour())
    .with_decisions(Decisions {
        min_prob: a.min_prob,
        top_k: a.top_k.min(model.labels().len()),
        verdict: a.verdict,
    });
    for f in &files {
        let name = f.display().to_string();
        let reader: Box<dyn BufRead> = if name == "-" {
            Box::new(BufReader::with_capacity(1 << 18, io::stdin().lock()))
        } else {
            match open_input(f) {
                Ok(r) => Box::new(r),
                Err(e) => {
                    report_error(&e.into());
                    failed = true;
                    continue;
                }
            }
        };
        let reader: Box<dyn BufRead> = if is_page(f) {
            match crate::input::html::HtmlText::named(reader, &name) {
                Ok(page) => {
                    writer.begin_page(&name, page.title().as_deref());
                    Box::new(BufReader::with_capacity(1 << 16, page))
                }
                Err(e) => {
                    report_error(&anyhow::Error::new(e).context(format!("{name}: cannot read")));
                    failed = true;
                    continue;
                }
            }
        } else {
            writer.begin_file(&name);
            reader
        };
        let res = classify_one(reader, &name, a.lines, &scorer, &mut writer);
        match res {
            Ok(()) => {}
            Err(crate::Error::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                return Ok(ExitCode::SUCCESS)
            }
            // A failed write of the output (a full disk): no use going on to other files.
            Err(crate::Error::Write(e)) => return Err(e.into()),
            Err(e) => {
                report_error(&e.into());
                failed = true;
            }
        }
    }
    writer.finish()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    if !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

fn spinner(what: &str) -> indicatif::ProgressBar {
    if !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

fn read_training(paths: &[PathBuf], columns: &ColumnArgs) -> Result<Labelled> {
    let d = data::read_labelled(paths, &columns.columns())?;
    data::check_trainable(&d, &file_names(paths).join(", "))?;
    Ok(d)
}

/// How `paths` read in messages and metadata.
fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// The training date to record: `date` checked to be YYYY-MM-DD, or by default
/// SOURCE_DATE_EPOCH's day or today.
fn train_date(date: Option<String>) -> Result<String> {
    Ok(match date {
        Some(d) => {
            if d.len() != 10
                || !d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
            {
                bail!("--date {d:?} is not of the form YYYY-MM-DD");
            }
            d
        }
        None => modelfile::today(),
    })
}

fn train(a: TrainArgs) -> Result<ExitCode> {
    let settings = a.settings.settings()?;
    let date = train_date(a.date)?;
    let to_stdout = a.output.as_os_str() == "-";
    if to_stdout && io::stdout().is_terminal() {
        bail!("-o -: stdout is a terminal; refusing to write a binary model to it (redirect stdout, or name a file)");
    }
    // Fail before training, not after, when the model could not be written.
    if !to_stdout {
        crate::flows::train::check_target(&a.output, &a.data)?;
    }
    let data = read_training(&a.data, &a.columns)?;
    let source = file_names(&a.data);
    let t0 = Instant::now();
    let pb = spinner("training");
    let (model, report, acc) = Classifier::train_with_accuracy(
        &data.texts,
        &data.labels,
        &settings,
        &source.join(" "),
        &date,
    )
    .with_context(|| format!("training on {}", source.join(", ")))?;
    pb.finish_and_clear();
    let secs = t0.elapsed().as_secs_f64();
    // With the model on stdout, the summary goes to stderr.
    let mut out: Box<dyn Write> = if to_stdout {
        let bytes = model.to_bytes()?;
        let mut stdout = io::stdout().lock();
        stdout.write_all(&bytes)?;
        stdout.flush()?;
        Box::new(io::stderr().lock())
    } else {
        model.save(&a.output)?;
        if is_stdout(&a.output) {
            Box::new(io::stderr().lock())
        } else {
            Box::new(io::stdout().lock())
        }
    };
    writeln!(
        out,
        "trained on {} rows in {secs:.2} s ({} iterations), {} features",
        data.len(),
        report.iterations,
        model.model().n_features()
    )?;
    for (l, n) in &model.meta().rows_per_label {
        writeln!(out, "  {l:<16} {n:>8} rows")?;
    }
    writeln!(out, "training accuracy {:.4}", acc)?;
    if to_stdout {
        writeln!(out, "model written to stdout")?;
    } else {
        writeln!(out, "model written to {}", a.output.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &Report, n: usize, format: ReportFormat) -> Result<()> {
    let mut out = io::stdout().lock();
    if format == ReportFormat::Json {
        serde_json::to_writer_pretty(&mut out, r)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "rows      {n}")?;
    writeln!(out, "accuracy  {:.4}", r.accuracy)?;
    writeln!(out, "macro-F1  {:.4}", r.macro_f1)?;
    writeln!(out)?;
    print_classes(&mut out, r)
}

/// A report's per-class figures and confusion matrix, as text.
fn print_classes(out: &mut impl Write, r: &Report) -> Result<()> {
    let w = r
        .confusion
        .labels
        .iter()
        .map(|l| l.len())
        .max()
        .unwrap_or(5)
        .max(9);
    writeln!(out, "{:<w$}  precision  recall      f1  support", "label")?;
    for l in &r.confusion.labels {
        let c = &r.per_class[l];
        writeln!(
            out,
            "{l:<w$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
            c.precision, c.recall, c.f1, c.support
        )?;
    }
    writeln!(out)?;
    writeln!(out, "confusion (rows: true label, columns: predicted)")?;
    write!(out, "{:<w$}", "")?;
    for l in &r.confusion.labels {
        write!(out, "  {l:>w$}")?;
    }
    writeln!(out)?;
    for (l, row) in r.confusion.labels.iter().zip(&r.confusion.matrix) {
        write!(out, "{l:<w$}")?;
        for v in row {
            write!(out, "  {v:>w$}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn evaluate_cmd(a: EvaluateArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    let data = data::read_labelled(&a.data, &a.columns.columns())?;
    if data.is_empty() {
        bail!("{}: no rows", a.data[0].display());
    }
    let data_labels = data.label_set();
    let unknown: Vec<&str> = data_labels
        .iter()
        .filter(|l| !model.labels().contains(l))
        .map(String::as_str)
        .collect();
    let names = file_names(&a.data).join(", ");
    if unknown.len() == data_labels.len() {
        bail!(
            "{names}: no label of the data ({}) is one of the model's ({}); is it the right model, or the right --label-column?",
            show_labels(&data_labels),
            show_labels(model.labels())
        );
    }
    if !unknown.is_empty() {
        let rows = data
            .labels
            .iter()
            .filter(|l| unknown.contains(&l.as_str()))
            .count();
        warn(&format!(
            "{names}: {} of the data's labels ({}, {rows} rows) are not the model's ({}); those rows count as errors",
            unknown.len(),
            show_labels(&unknown),
            show_labels(model.labels())
        ));
    }
    let r = evaluate::evaluate(model, &data);
    let to_stdout = match &a.predictions {
        Some(p) => p.as_os_str() == "-",
        None => a.errors,
    };
    if a.predictions.is_some() || a.errors {
        let probs = model.predict_proba_batch(&data.texts, 0);
        let target = a.predictions.as_deref().filter(|_| !to_stdout);
        write_predictions(model.labels(), &data, &probs, a.errors, target)?;
    }
    if !to_stdout {
        print_report(&r, data.len(), a.format)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every row (or only the misclassified) as CSV: row, gold, predicted, correct, a
/// probability per label, text; to `path`, or stdout when None.
fn write_predictions(
    labels: &[String],
    data: &Labelled,
    probs: &[f32],
    errors_only: bool,
    path: Option<&Path>,
) -> Result<()> {
    let out: Box<dyn Write> = match path {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut w = csv::Writer::from_writer(out);
    let mut head = vec!["row", "gold", "predicted", "correct"];
    head.extend(labels.iter().map(String::as_str));
    head.push("text");
    w.write_record(&head)?;
    let k = labels.len();
    for (i, (text, gold)) in data.texts.iter().zip(&data.labels).enumerate() {
        let p = &probs[i * k..i * k + k];
        let pred = &labels[crate::classifier::argmax(p)];
        if errors_only && pred == gold {
            continue;
        }
        let mut row = vec![
            (i + 1).to_string(),
            gold.clone(),
            pred.clone(),
            (pred == gold).to_string(),
        ];
        row.extend(p.iter().map(|x| format!("{x:.6}")));
        row.push(text.clone());
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn cv(a: CvArgs) -> Result<ExitCode> {
    let settings = a.settings.settings()?;
    let data = read_training(&a.data, &a.columns)?;
    let t0 = Instant::now();
    let pb = progress(a.folds as u64, "folds");
    let (summary, _) =
        evaluate::cross_validate(&data, &settings, a.folds, a.seed, &|| pb.inc(1))
            .with_context(|| format!("cross-validating on {}", file_names(&a.data).join(", ")))?;
    pb.finish_and_clear();
    let mut out = io::stdout().lock();
    match a.format {
        ReportFormat::Json => {
            serde_json::to_writer(&mut out, &summary)?;
            writeln!(out)?;
        }
        ReportFormat::Text => {
            writeln!(
                out,
                "{}-fold cross-validation on {} rows ({:.1} s)",
                summary.folds,
                data.len(),
                t0.elapsed().as_secs_f64()
            )?;
            writeln!(
                out,
                "accuracy  {:.4} ± {:.4}",
                summary.accuracy_mean, summary.accuracy_std
            )?;
            writeln!(
                out,
                "macro-F1  {:.4} ± {:.4}",
                summary.macro_f1_mean, summary.macro_f1_std
            )?;
            writeln!(out)?;
            writeln!(out, "fold      rows  accuracy  macro-F1")?;
            for f in &summary.per_fold {
                writeln!(
                    out,
                    "{:>4}  {:>8}  {:>8.4}  {:>8.4}",
                    f.fold, f.rows, f.accuracy, f.macro_f1
                )?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "every held-out row pooled: accuracy {:.4}, macro-F1 {:.4}",
                summary.pooled.accuracy, summary.pooled.macro_f1
            )?;
            print_classes(&mut out, &summary.pooled)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "stance", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn man_page() -> Result<ExitCode> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Each label's `n` terms that push most toward it (weight minus the mean over labels).
fn top_terms(model: &Classifier, n: usize) -> Vec<(String, Vec<(String, f32)>)> {
    let k = model.labels().len();
    model
        .labels()
        .iter()
        .enumerate()
        .map(|(c, l)| {
            let mut terms: Vec<(usize, f32)> = (0..model.tfidf().n_features())
                .map(|fi| {
                    let mean: f32 =
                        (0..k).map(|j| model.model().weight(fi, j)).sum::<f32>() / k as f32;
                    (fi, model.model().weight(fi, c) - mean)
                })
                .collect();
            terms.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let top = terms
                .iter()
                .take(n)
                .map(|(fi, w)| (model.tfidf().feature_name(*fi), *w))
                .collect();
            (l.clone(), top)
        })
        .collect()
}

fn inspect(a: InspectArgs) -> Result<ExitCode> {
    let model = load_model(&a.model)?;
    let m = model.meta();
    let mut out = io::stdout().lock();
    let name = a
        .model
        .as_ref()
        .map_or("built-in".to_string(), |p| p.display().to_string());
    if a.format == ReportFormat::Json {
        let top: serde_json::Map<String, serde_json::Value> = top_terms(model, a.top)
            .into_iter()
            .map(|(l, t)| {
                let t: Vec<serde_json::Value> = t
                    .into_iter()
                    .map(|(term, weight)| serde_json::json!({"term": term, "weight": weight}))
                    .collect();
                (l, serde_json::Value::Array(t))
            })
            .collect();
        let v = serde_json::json!({
            "model": name,
            "labels": model.labels(),
            "features": model.model().n_features(),
            "char_terms": model.tfidf().char_terms().len(),
            "semantic": model.embedding().map(|e| serde_json::json!({
                "table": if e.table.is_builtin() { "built-in" } else { "embedded" },
                "words": e.table.len(),
                "dims": e.dim(),
                "crc": format!("{:08x}", e.table.crc()),
                "weight": e.weight,
            })),
            "metadata": m,
            "train_flags": model_train_flags(model),
            "top_terms": top,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "model     {name}")?;
    writeln!(out, "labels    {}", model.labels().join(", "))?;
    writeln!(out, "features  {}", model.model().n_features())?;
    writeln!(
        out,
        "trained   {} on {} ({} iterations)",
        m.date, m.source, m.iterations
    )?;
    let t = &m.tfidf;
    writeln!(
        out,
        "settings  ngrams {}-{}, char ngrams {}, min_df {}, max_df {}, max_features {}, sublinear_tf {}, stem {}, punctuation {}, nb_scale {}",
        t.ngram_min,
        t.ngram_max,
        if t.has_chars() {
            format!("{}-{} ({})", t.char_min, t.char_max, model.tfidf().char_terms().len())
        } else {
            "none".into()
        },
        t.min_df,
        t.max_df,
        t.max_features.map_or("none".into(), |v| v.to_string()),
        t.sublinear_tf,
        m.tokenizer.stem,
        m.tokenizer.punctuation,
        t.nb_scale
    )?;
    let f = &m.fit;
    writeln!(
        out,
        "          alpha {}, class_weight {:?}, solver {:?}, max_iter {}, tol {}, nb_weight {}, nb_smoothing {}",
        f.alpha,
        f.class_weight,
        f.solver,
        f.max_iterations,
        f.gradient_tolerance,
        f.nb_weight,
        f.nb_smoothing
    )?;
    writeln!(out, "train     {}", model_train_flags(model))?;
    match model.embedding() {
        Some(e) => writeln!(
            out,
            "semantic  {} table, {} words x {} dims, CRC {:08x}, weight {} ({})",
            if e.table.is_builtin() {
                "built-in"
            } else {
                "embedded"
            },
            e.table.len(),
            e.dim(),
            e.table.crc(),
            e.weight,
            e.table
                .name()
                .chars()
                .filter(|c| !c.is_control())
                .take(80)
                .collect::<String>()
        )?,
        None => writeln!(out, "semantic  none")?,
    }
    writeln!(out, "rows per label")?;
    for (l, n) in &m.rows_per_label {
        writeln!(out, "  {l:<16} {n:>8}")?;
    }
    for (l, terms) in top_terms(model, a.top) {
        let top: Vec<String> = terms
            .iter()
            .map(|(t, w)| format!("{t} ({w:+.2})"))
            .collect();
        writeln!(out, "top terms for {l}: {}", top.join(", "))?;
    }
    Ok(ExitCode::SUCCESS)
}
