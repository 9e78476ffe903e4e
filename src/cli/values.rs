//! The command line's names for the library's choices, so that clap stays in `cli/`:
//! each enum here mirrors one of the library's, with the help text `--help` shows.

use crate::model::{ClassWeight, Solver};
use crate::output::Format;
use clap::ValueEnum;

/// [`Format`] on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// A row per sentence (index, label, probability, text) and a summary per file.
    Table,
    /// One JSON document: files, their sentences and summaries.
    Json,
    /// One JSON object per sentence per line.
    Jsonl,
    /// A header, then one row per sentence with a column per label.
    Csv,
    /// One label per line, nothing else.
    Labels,
    /// One self-contained web page: every sentence coloured by its label, with a bar
    /// of each label's share per file.
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
            FormatArg::Labels => Format::Labels,
            FormatArg::Html => Format::Html,
        }
    }
}

/// [`ClassWeight`] on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ClassWeightArg {
    /// Every row counts once.
    None,
    /// Rows weighted by n / (k * rows of their label), so every label counts equally.
    Balanced,
}

impl From<ClassWeightArg> for ClassWeight {
    fn from(c: ClassWeightArg) -> ClassWeight {
        match c {
            ClassWeightArg::None => ClassWeight::None,
            ClassWeightArg::Balanced => ClassWeight::Balanced,
        }
    }
}

impl From<ClassWeight> for ClassWeightArg {
    fn from(c: ClassWeight) -> ClassWeightArg {
        match c {
            ClassWeight::None => ClassWeightArg::None,
            ClassWeight::Balanced => ClassWeightArg::Balanced,
        }
    }
}

/// [`Solver`] on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SolverArg {
    /// L-BFGS over the sparse rows (fast, any size).
    Lbfgs,
    /// linfa-logistic's dense fit (small data only).
    Linfa,
}

impl From<SolverArg> for Solver {
    fn from(s: SolverArg) -> Solver {
        match s {
            SolverArg::Lbfgs => Solver::Lbfgs,
            SolverArg::Linfa => Solver::Linfa,
        }
    }
}

impl From<Solver> for SolverArg {
    fn from(s: Solver) -> SolverArg {
        match s {
            Solver::Lbfgs => SolverArg::Lbfgs,
            Solver::Linfa => SolverArg::Linfa,
        }
    }
}
