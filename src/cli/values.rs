//! The command line's names and help for the library's choices, so that clap stays in
//! `cli/`: `ValueEnum` for [`Format`], [`ClassWeight`] and [`Solver`], written here
//! rather than derived where the types live.

use crate::model::{ClassWeight, Solver};
use crate::output::Format;
use clap::builder::PossibleValue;
use clap::ValueEnum;

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Format::Table,
            Format::Json,
            Format::Jsonl,
            Format::Csv,
            Format::Labels,
            Format::Html,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Format::Table => PossibleValue::new("table").help(
                "A row per sentence (index, label, probability, text) and a summary per file",
            ),
            Format::Json => PossibleValue::new("json")
                .help("One JSON document: files, their sentences and summaries"),
            Format::Jsonl => {
                PossibleValue::new("jsonl").help("One JSON object per sentence per line")
            }
            Format::Csv => PossibleValue::new("csv")
                .help("A header, then one row per sentence with a column per label"),
            Format::Labels => PossibleValue::new("labels").help("One label per line, nothing else"),
            Format::Html => PossibleValue::new("html").help(
                "One self-contained web page: every sentence coloured by its label, with a bar \
                 of each label's share per file",
            ),
        })
    }
}

impl ValueEnum for ClassWeight {
    fn value_variants<'a>() -> &'a [Self] {
        &[ClassWeight::None, ClassWeight::Balanced]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ClassWeight::None => PossibleValue::new("none").help("Every row counts once"),
            ClassWeight::Balanced => PossibleValue::new("balanced").help(
                "Rows weighted by n / (k * rows of their label), so every label counts equally",
            ),
        })
    }
}

impl ValueEnum for Solver {
    fn value_variants<'a>() -> &'a [Self] {
        &[Solver::Lbfgs, Solver::Linfa]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Solver::Lbfgs => {
                PossibleValue::new("lbfgs").help("L-BFGS over the sparse rows (fast, any size)")
            }
            Solver::Linfa => {
                PossibleValue::new("linfa").help("linfa-logistic's dense fit (small data only)")
            }
        })
    }
}
