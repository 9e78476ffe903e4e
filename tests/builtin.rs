//! The built-in model: it loads, has the four stance labels, scores unmistakable
//! sentences correctly, and is what `models/build.sh` rebuilds from `models/corpus/` and
//! the real corpus of `models/real/`.

use stance::Classifier;

const LABELS: [&str; 4] = ["anticipation", "criticism", "neutral", "positive"];

/// The settings models/build.sh passes to `train models/corpus`, one per line.
const BUILD_ARGS: &str = include_str!("../models/build.args");

fn label_of(c: &Classifier, text: &str) -> String {
    let (i, p) = c.predict(text);
    assert_eq!(p.len(), 4, "{text}: one probability per label");
    let sum: f32 = p.iter().sum();
    assert!(
        (sum - 1.0).abs() < 1e-4,
        "{text}: probabilities sum to {sum}"
    );
    c.labels()[i].clone()
}

#[test]
fn builtin_model_loads_with_the_four_labels() {
    let c = Classifier::builtin().expect("the built-in model loads");
    let labels: Vec<&str> = c.labels().iter().map(String::as_str).collect();
    assert_eq!(labels, LABELS);
}

#[test]
fn builtin_model_scores_unmistakable_sentences() {
    let c = Classifier::builtin().expect("the built-in model loads");
    let cases = [
        (
            "The new season is a triumph, funny and moving from start to finish.",
            "positive",
        ),
        (
            "Her performance is superb and the writing is brilliant.",
            "positive",
        ),
        ("The second season is a boring, lazy mess.", "criticism"),
        (
            "The finale was a huge disappointment and the ending made no sense.",
            "criticism",
        ),
        (
            "The show has been renewed for a third season, which premieres next spring.",
            "anticipation",
        ),
        (
            "I can't wait to see what the new episodes will bring.",
            "anticipation",
        ),
        (
            "The series was filmed in Vancouver over four months.",
            "neutral",
        ),
        (
            "In the third episode, the brothers drive to Chicago to find their father.",
            "neutral",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = label_of(&c, text);
            (got != *want).then(|| format!("{text:?}: want {want}, got {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "misjudged:\n{}", wrong.join("\n"));
}

/// Where models/build.sh leaves the regenerated real corpus: `$STANCE_REAL_CSV`, else
/// `${XDG_CACHE_HOME:-$HOME/.cache}/stance/real.csv`.
fn real_csv() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("STANCE_REAL_CSV") {
        return Some(p.into());
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cache")))?;
    Some(cache.join("stance").join("real.csv"))
}

/// Rebuilding with build.sh's inputs and settings gives models/stance.model byte for byte.
/// Our own sentences are in the repository; the real corpus is third-party text, so the
/// test skips (with a message) when its regenerated CSV is absent: `bash models/build.sh`
/// (or `models/real/regenerate --csv`) writes it. Training takes a while in a debug build,
/// so it is ignored by default: `cargo test --release --test builtin -- --include-ignored`.
#[test]
#[ignore = "trains on the whole corpus; run with --include-ignored (best with --release)"]
fn rebuild_from_corpus_is_byte_for_byte() {
    let root = env!("CARGO_MANIFEST_DIR");
    let Some(real) = real_csv().filter(|p| p.is_file()) else {
        eprintln!(
            "skipped: the regenerated real corpus is absent (run `bash models/build.sh` or \
             `models/real/regenerate --csv ~/.cache/stance/real.csv`)"
        );
        return;
    };
    let out = std::env::temp_dir().join(format!("stance-builtin-{}.model", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_stance"))
        .current_dir(root)
        .arg("train")
        .arg("models/corpus")
        .arg(&real)
        .args(BUILD_ARGS.lines().filter(|l| !l.is_empty()))
        .arg("-o")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run stance train");
    assert!(status.success(), "stance train failed");
    let rebuilt = std::fs::read(&out).expect("read the rebuilt model");
    let _ = std::fs::remove_file(&out);
    let shipped =
        std::fs::read(format!("{root}/models/stance.model")).expect("read models/stance.model");
    assert!(
        rebuilt == shipped,
        "models/stance.model is not what `bash models/build.sh` builds from models/corpus and \
         the real corpus: rebuild it"
    );
}
