//! Which files an input path names: a file is itself; a directory is every text file and web
//! page under it, recursively, in a stable order.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// File name endings `classify` reads from a directory.
pub const TEXT_EXTENSIONS: &[&str] = &["txt", "html", "htm"];

/// The files `path` names: itself when it is not a directory, else every file under it
/// (recursively, symbolic links to directories not followed) whose name ends in one of
/// [`TEXT_EXTENSIONS`], sorted by path. A directory with none is an error.
pub fn text_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("{}: cannot read", path.display()), e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let cannot_list = |e| Error::io(format!("{}: cannot list directory", dir.display()), e);
        for e in std::fs::read_dir(&dir).map_err(cannot_list)? {
            let e = e.map_err(cannot_list)?;
            let p = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                dirs.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| TEXT_EXTENSIONS.iter().any(|t| x.eq_ignore_ascii_case(t)))
                && p.is_file()
            {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::NoFiles(format!(
            "{}: directory holds no .{} files",
            path.display(),
            TEXT_EXTENSIONS.join(" or .")
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_its_text_files_recursively_in_path_order() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("b/c")).unwrap();
        for f in [
            "b/c/z.txt",
            "a.TXT",
            "b/y.txt",
            "b/skip.csv",
            "m.txt",
            "b/p.html",
            "q.HTM",
        ] {
            std::fs::write(p.join(f), "x").unwrap();
        }
        let got: Vec<String> = text_files(p)
            .unwrap()
            .iter()
            .map(|f| f.strip_prefix(p).unwrap().display().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "a.TXT",
                "b/c/z.txt",
                "b/p.html",
                "b/y.txt",
                "m.txt",
                "q.HTM"
            ]
        );
        std::fs::create_dir(p.join("empty")).unwrap();
        let e = text_files(&p.join("empty")).unwrap_err().to_string();
        assert!(e.contains("holds no .txt or .html or .htm files"), "{e}");
    }
}
