//! The command line's arguments: clap's definitions of every command and flag, and
//! the training flags parsed into [`TrainSettings`] (also for the Python bindings).

use super::*;

#[derive(Parser, Debug)]
#[command(
    name = "stance",
    version,
    about = "Score every sentence of articles about a TV show's new season: positive, criticism, anticipation or neutral",
    long_about = "Score every sentence of articles and reviews about a TV show's new season for its stance \
toward that season: positive (praise), criticism, anticipation (premieres, renewals, what is coming) or \
neutral (plot, facts, bylines).\n\nA model is built in, so `stance classify article.txt` works with no \
setup; `stance train` builds your own from any labelled CSV, with any label set.\n\nExit codes: 0 success, \
1 bad input, file or model (a one-line message names it), 2 usage error."
)]
#[allow(missing_docs)] // clap would print a doc comment as the help text
pub struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Split text into sentences and score each one's stance
    Classify(ClassifyArgs),
    /// Train a model from a labelled CSV (columns `text` and `label`)
    Train(TrainArgs),
    /// Measure a model on a labelled CSV: accuracy, macro-F1, per class, confusion
    Evaluate(EvaluateArgs),
    /// Stratified k-fold cross-validation of the training settings on a labelled CSV
    Cv(CvArgs),
    /// Show a model's labels, settings, training counts and top terms per label
    Inspect(InspectArgs),
    /// Print a shell completion script (e.g. `stance completions bash > /etc/bash_completion.d/stance`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `stance man > stance.1`
    Man,
}

#[derive(Args, Debug)]
pub(super) struct ClassifyArgs {
    /// Text files or web pages (.html, .htm) to classify, or directories (every .txt,
    /// .html and .htm file under them, in path order); `-` or none reads stdin
    pub(super) files: Vec<PathBuf>,
    /// Read every input, stdin too, as a web page (files ending .html or .htm always are)
    #[arg(long)]
    pub(super) html: bool,
    /// Model file (default: the model built into the binary)
    #[arg(long, short)]
    pub(super) model: Option<PathBuf>,
    /// Treat each input line as one sentence (no sentence splitting; a blank line gives a record with empty text)
    #[arg(long)]
    pub(super) lines: bool,
    /// Output format
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
    /// Show the terms that pushed most toward each sentence's label (how many: --explain-terms)
    #[arg(long)]
    pub(super) explain: bool,
    /// How many terms --explain shows
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub(super) explain_terms: usize,
    /// Label a sentence `uncertain` when its top probability is below P (0-1), in
    /// every format (its probabilities are still given)
    #[arg(long, value_name = "P")]
    pub(super) min_prob: Option<f32>,
    /// Also give each sentence's K most probable labels with their probabilities
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub(super) top_k: usize,
    /// Wrap sentences in the table to the width (COLUMNS, else 100) instead of cutting
    /// them; the default when stdout is a terminal
    #[arg(long)]
    pub(super) wrap: bool,
    /// Add each document's verdict to its summary (table, JSON): the share of each
    /// label and net = (positive - criticism) / (positive + criticism sentences)
    #[arg(long)]
    pub(super) verdict: bool,
    /// Worker threads for scoring (0: all cores, at most 256); output stays in input order
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=256))]
    pub(super) threads: u16,
}

#[derive(Args, Debug, Clone)]
pub(super) struct ColumnArgs {
    /// Name of the CSV column holding the text
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub(super) text_column: String,
    /// Name of the CSV column holding the label
    #[arg(long, default_value = "label", value_name = "NAME")]
    pub(super) label_column: String,
}

impl ColumnArgs {
    pub(super) fn columns(&self) -> Columns {
        Columns {
            text: self.text_column.clone(),
            label: self.label_column.clone(),
        }
    }
}

/// Every training setting, shared by `train` and `cv`.
#[derive(Args, Debug, Clone)]
pub(super) struct SettingsArgs {
    /// Shortest word n-gram
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub(super) ngram_min: u8,
    /// Longest word n-gram (at most 3)
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub(super) ngram_max: u8,
    /// Keep terms found in at least this many training sentences
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub(super) min_df: u32,
    /// Keep terms found in at most this share of training sentences (0-1]
    #[arg(long, default_value_t = 1.0, value_name = "SHARE")]
    pub(super) max_df: f64,
    /// Keep at most this many terms, the most frequent first
    #[arg(long, value_name = "N")]
    pub(super) max_features: Option<u32>,
    /// Use raw term counts instead of 1 + ln(count)
    #[arg(long)]
    pub(super) no_sublinear_tf: bool,
    /// Do not stem words
    #[arg(long)]
    pub(super) no_stem: bool,
    /// Drop punctuation marks other than ! and ? (kept as tokens by default)
    #[arg(long)]
    pub(super) no_punctuation: bool,
    /// Scale terms by their Naive Bayes log-count ratio (NBSVM-style features)
    #[arg(long)]
    pub(super) nb_scale: bool,
    /// Shortest character n-gram inside a word (the word padded with spaces)
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub(super) char_min: u8,
    /// Longest character n-gram inside a word (at most 8)
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub(super) char_max: u8,
    /// No character n-grams: word n-grams only
    #[arg(long)]
    pub(super) no_char_ngrams: bool,
    /// Weight of the naive Bayes term added to the scores (0: logistic regression alone)
    #[arg(long, default_value_t = 0.3, value_name = "W")]
    pub(super) nb_weight: f64,
    /// Additive smoothing of the naive Bayes term's counts
    #[arg(long, default_value_t = 0.5, value_name = "A")]
    pub(super) nb_smoothing: f64,
    /// L2 penalty on the weights (larger: simpler model)
    #[arg(long, default_value_t = 0.1, value_name = "ALPHA")]
    pub(super) alpha: f64,
    /// Weight each row so every label counts equally (balanced), or not (none)
    #[arg(long, value_enum, default_value_t = ClassWeight::None)]
    pub(super) class_weight: ClassWeight,
    /// Optimiser: lbfgs (sparse, any size) or linfa (linfa-logistic's dense fit, small data)
    #[arg(long, value_enum, default_value_t = Solver::Lbfgs)]
    pub(super) solver: Solver,
    /// Most optimiser iterations
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub(super) max_iter: u64,
    /// Stop when the gradient norm falls below this
    #[arg(long, default_value_t = 1e-4, value_name = "TOL")]
    pub(super) tol: f64,
    /// Also stop when the gradient norm falls below this share of its starting value (0: off)
    #[arg(long, default_value_t = 1e-3, value_name = "SHARE")]
    pub(super) rel_tol: f64,
    /// Most memory a fit may take, in MiB (estimated before training; cv shares it among the folds it fits at once)
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    pub(super) memory_budget_mb: u64,
    /// Semantic block: word vectors from an STVEC table FILE (embedded in the model),
    /// `builtin` (the table built into stance), or `none` (TF-IDF alone)
    #[arg(long, default_value = "none", value_name = "FILE|builtin|none")]
    pub(super) embeddings: PathBuf,
    /// Weight of the semantic block (its unit-length vector) against the TF-IDF row
    #[arg(long, default_value_t = 0.25, value_name = "W")]
    pub(super) embedding_weight: f32,
}

impl SettingsArgs {
    pub(super) fn settings(&self) -> Result<TrainSettings> {
        let embedding = match self.embeddings.to_str() {
            Some("none") => None,
            Some("builtin") => Some(
                EmbeddingTable::builtin()
                    .map_err(|e| anyhow::anyhow!("the built-in embedding table: {e}"))?,
            ),
            _ => Some(std::sync::Arc::new(EmbeddingTable::read_file(
                &self.embeddings,
            )?)),
        };
        let embedding = embedding
            .map(|t| Embedding::new(t, self.embedding_weight))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--embedding-weight: {e}"))?;
        let s = TrainSettings {
            tokenizer: TokenizerConfig {
                stem: !self.no_stem,
                punctuation: !self.no_punctuation,
            },
            tfidf: TfidfConfig {
                ngram_min: self.ngram_min,
                ngram_max: self.ngram_max,
                min_df: self.min_df,
                max_df: self.max_df,
                max_features: self.max_features,
                sublinear_tf: !self.no_sublinear_tf,
                nb_scale: self.nb_scale,
                char_min: if self.no_char_ngrams {
                    0
                } else {
                    self.char_min
                },
                char_max: if self.no_char_ngrams {
                    0
                } else {
                    self.char_max
                },
            },
            fit: FitConfig {
                alpha: self.alpha,
                class_weight: self.class_weight,
                solver: self.solver,
                max_iterations: self.max_iter,
                gradient_tolerance: self.tol,
                relative_tolerance: self.rel_tol,
                memory_budget: self.memory_budget_mb.saturating_mul(1 << 20),
                nb_weight: self.nb_weight,
                nb_smoothing: self.nb_smoothing,
            },
            embedding,
        };
        s.check()?;
        Ok(s)
    }
}

/// `stance train`'s settings flags and `--date`, alone (for [`train_settings`]).
#[derive(Parser, Debug)]
#[command(
    name = "stance train",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub(super) struct TrainFlags {
    #[command(flatten)]
    pub(super) settings: SettingsArgs,
    #[arg(long)]
    pub(super) date: Option<String>,
}

/// The training settings and date `stance train` would use given these of its flags
/// (every settings flag and `--date`, not the files or `--output`): its defaults for
/// the flags not given, and its checks, whose one-line messages are the errors.
///
/// For callers that train from rows in memory (the Python bindings).
///
/// ```
/// let (s, date) = stance::cli::train_settings(["--alpha=0.5", "--no-stem", "--date=2025-01-31"]).unwrap();
/// assert_eq!(s.fit.alpha, 0.5);
/// assert!(!s.tokenizer.stem);
/// assert_eq!(date, "2025-01-31");
/// // Every other setting is `stance train`'s default.
/// assert_eq!(s.tfidf.ngram_max, 2);
/// let e = stance::cli::train_settings(["--alpha=-1"]).unwrap_err();
/// assert_eq!(e.to_string(), "--alpha must be a number >= 0");
/// let e = stance::cli::train_settings(["--class-weight=x"]).unwrap_err();
/// assert!(e.to_string().contains("[possible values: none, balanced]"), "{e}");
/// ```
pub fn train_settings<I, T>(flags: I) -> Result<(TrainSettings, String)>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let f = TrainFlags::try_parse_from(flags).map_err(|e| {
        // clap's first paragraph (the error, and the values it takes), on one line.
        let text = e.to_string();
        let first: Vec<&str> = text
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        let first = first.join(" ");
        anyhow::anyhow!("{}", first.strip_prefix("error: ").unwrap_or(&first))
    })?;
    Ok((f.settings.settings()?, train_date(f.date)?))
}

#[derive(Args, Debug)]
pub(super) struct TrainArgs {
    /// Labelled CSV files, or directories of them (read in name order)
    #[arg(required = true)]
    pub(super) data: Vec<PathBuf>,
    /// Where to write the model (written whole or not at all; through a symbolic link,
    /// onto the file it names); `-` writes it to stdout (not a terminal), and the
    /// training summary then goes to stderr
    #[arg(long, short)]
    pub(super) output: PathBuf,
    #[command(flatten)]
    pub(super) columns: ColumnArgs,
    #[command(flatten)]
    pub(super) settings: SettingsArgs,
    /// Training date recorded in the model, YYYY-MM-DD (default: SOURCE_DATE_EPOCH or today)
    #[arg(long)]
    pub(super) date: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum ReportFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub(super) struct EvaluateArgs {
    /// Labelled CSV files, or directories of them
    #[arg(required = true)]
    pub(super) data: Vec<PathBuf>,
    /// Model file (default: the built-in model)
    #[arg(long, short)]
    pub(super) model: Option<PathBuf>,
    #[command(flatten)]
    pub(super) columns: ColumnArgs,
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    pub(super) format: ReportFormat,
    /// Also write every row's gold label, predicted label and probabilities to FILE as
    /// CSV (`-`: stdout, instead of the report)
    #[arg(long, value_name = "FILE")]
    pub(super) predictions: Option<PathBuf>,
    /// Only the misclassified rows in --predictions; without it, print them on stdout
    /// (CSV) instead of the report
    #[arg(long)]
    pub(super) errors: bool,
}

#[derive(Args, Debug)]
pub(super) struct CvArgs {
    /// Labelled CSV files, or directories of them
    #[arg(required = true)]
    pub(super) data: Vec<PathBuf>,
    /// Number of folds
    #[arg(long, default_value_t = 10)]
    pub(super) folds: usize,
    /// Seed of the shuffle that deals rows into folds
    #[arg(long, default_value_t = 42)]
    pub(super) seed: u64,
    #[command(flatten)]
    pub(super) columns: ColumnArgs,
    #[command(flatten)]
    pub(super) settings: SettingsArgs,
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    pub(super) format: ReportFormat,
}

#[derive(Args, Debug)]
pub(super) struct InspectArgs {
    /// Model file (default: the built-in model)
    pub(super) model: Option<PathBuf>,
    /// How many top terms to show per label
    #[arg(long, default_value_t = 15)]
    pub(super) top: usize,
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    pub(super) format: ReportFormat,
}
