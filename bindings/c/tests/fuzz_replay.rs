//! Replays the committed fuzz corpus and every crash reproducer (`fuzz/corpus/<target>/`,
//! `fuzz/reproducers/<target>/`) through the fuzz targets' own functions, on stable and without
//! cargo-fuzz, so that a fixed bug that comes back fails `make test`; and runs the seeds made from
//! `spec/vectors/` through them too. The targets live in `fuzz/src/lib.rs` (the cargo-fuzz
//! project, outside the workspace); this crate hosts the replay because the C targets need its
//! library.
//!
//! `FUZZ_SEED_DIR=<dir> cargo test -p crmcom-netflix-c --test fuzz_replay seeds` also writes the
//! seeds to `<dir>/<target>/` (`make fuzz-seed`).

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use std::path::{Path, PathBuf};

/// A fuzz target: its name and the function it runs on each input.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 7] = [
    ("decode_json", targets::decode_json),
    ("prepare_json", targets::prepare_json),
    ("project", targets::project),
    ("sync_state", targets::sync_state),
    ("c_decode", targets::c_decode),
    ("c_sync", targets::c_sync),
    ("money", targets::money),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

fn target(name: &str) -> fn(&[u8]) {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no target {name}"))
}

#[test]
fn every_committed_corpus_file_and_reproducer_passes_its_target() {
    let fuzz = root().join("fuzz");
    let mut total = 0;
    for (name, run) in TARGETS {
        let corpus = files(&fuzz.join("corpus").join(name));
        let reproducers = files(&fuzz.join("reproducers").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} is empty");
        for file in corpus.iter().chain(&reproducers) {
            let data = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: {} fails", file.display());
            total += 1;
        }
    }
    println!("replayed {total} inputs");
}

#[test]
fn seeds_from_the_vectors_pass_every_target() {
    let seeds = targets::seeds(&root().join("spec/vectors"));
    let out = std::env::var_os("FUZZ_SEED_DIR").map(PathBuf::from);
    for (name, _) in TARGETS {
        assert!(
            seeds.iter().any(|(t, _, _)| *t == name),
            "no seed for {name}"
        );
    }
    for (name, file, data) in &seeds {
        let outcome = std::panic::catch_unwind(|| target(name)(data));
        assert!(outcome.is_ok(), "{name}: seed {file} fails");
        if let Some(dir) = &out {
            let dir = dir.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(file), data).unwrap();
        }
    }
}

#[test]
fn the_reference_rounding_is_exact() {
    assert_eq!(
        targets::round_half_away("0.12499999999999999", 2, 14).as_deref(),
        Some("0.12")
    );
    assert_eq!(targets::round_half_away("2.5", 0, 14).as_deref(), Some("3"));
}
