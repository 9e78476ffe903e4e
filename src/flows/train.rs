//! Training's checks that need the file system.

use crate::error::{Error, Result};
use std::path::Path;

/// Checks, before a long training run, that a model can be written to `path`: it is
/// not a directory, its directory exists, and it is not one of the training files
/// `inputs` (files, or directories of `*.csv` files), which it would overwrite.
pub fn check_target(path: &Path, inputs: &[std::path::PathBuf]) -> Result<()> {
    let name = path.display();
    if path.is_dir() {
        return Err(Error::Output(format!("{name}: is a directory")));
    }
    let (target, _) = crate::modelfile::resolve_links(path);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        let why = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(Error::Output(format!(
            "{name}: cannot write the model: {} {why}",
            dir.display()
        )));
    }
    if let Ok(target) = std::fs::canonicalize(path) {
        for input in inputs {
            let files = crate::input::csv_files(input).unwrap_or_default();
            for f in files.iter().chain(std::iter::once(input)) {
                if std::fs::canonicalize(f).is_ok_and(|c| c == target) {
                    return Err(Error::Output(format!(
                        "{name}: is the training file {}; refusing to overwrite it with a model",
                        f.display()
                    )));
                }
            }
        }
    }
    Ok(())
}
