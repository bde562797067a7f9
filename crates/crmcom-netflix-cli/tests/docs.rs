//! The code blocks of `docs/cli.md`, `docs/mock.md` and the README's command-line part run as
//! written: each document's `sh` blocks in order as one bash script (with `crmnf` on the PATH,
//! in a scratch folder), and every `json` block is read as what it shows.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fenced blocks of a Markdown text with the given language, in order.
fn blocks(text: &str, language: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.starts_with("```") && trimmed[3..].trim() == language => {
                current = Some(String::new())
            }
            Some(block) if trimmed.starts_with("```") => {
                out.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

fn run_sh_blocks(doc: &str) {
    let text = std::fs::read_to_string(root().join(doc)).unwrap();
    let script = blocks(&text, "sh").join("\n");
    assert!(!script.is_empty(), "{doc} has no sh block");
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_crmnf")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // A block that starts a server in the background stops it; if the script fails midway,
    // the trap does, so that no server outlives the test.
    let wrapped =
        format!("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{script}");
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(&wrapped)
        .current_dir(dir.path())
        .env("PATH", path);
    for (k, _) in std::env::vars() {
        if k.starts_with("CRMNF_") || k.ends_with("_proxy") || k.ends_with("_PROXY") {
            command.env_remove(k);
        }
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{doc}: the sh blocks failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_sh_blocks_of_docs_cli_md_run() {
    run_sh_blocks("docs/cli.md");
}

#[test]
fn the_sh_blocks_of_docs_mock_md_run() {
    run_sh_blocks("docs/mock.md");
}

#[test]
fn the_json_blocks_are_what_they_show() {
    let mock = std::fs::read_to_string(root().join("docs/mock.md")).unwrap();
    let json = blocks(&mock, "json");
    assert_eq!(
        json.len(),
        2,
        "docs/mock.md: a fixtures file and a fault rule"
    );
    let fixtures = crmcom_netflix_mock::Fixtures::from_json(json[0].as_bytes()).unwrap();
    let mut sim = crmcom_netflix_sim::Sim::new(crmcom_netflix::Release::LATEST);
    let numbers = sim.load_fixtures(&fixtures, 1_709_258_400).unwrap();
    assert_eq!(numbers.len(), 4);
    let rule: Value = serde_json::from_str(&json[1]).unwrap();
    crmcom_netflix_mock::FaultRule::from_json(&rule, "rule").unwrap();
    let cli = std::fs::read_to_string(root().join("docs/cli.md")).unwrap();
    for block in blocks(&cli, "json") {
        let report: Value = serde_json::from_str(&block).unwrap();
        assert!(report["billed"]["totals"].is_object());
    }
}

#[test]
fn the_readme_shows_sync_and_mock_on_its_first_screen() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let first_screen: String = readme.lines().take(40).collect::<Vec<_>>().join("\n");
    assert!(
        first_screen.contains("crmnf sync"),
        "README's first screen: crmnf sync"
    );
    assert!(
        first_screen.contains("crmnf mock"),
        "README's first screen: crmnf mock"
    );
    run_sh_blocks_of_text(&readme);
}

/// The README's `sh` blocks that call `crmnf` (the others are `make` commands, run by make).
fn run_sh_blocks_of_text(readme: &str) {
    let crmnf: Vec<String> = blocks(readme, "sh")
        .into_iter()
        .filter(|b| b.contains("crmnf ") && !b.contains("make "))
        .collect();
    assert!(!crmnf.is_empty(), "the README has a crmnf block");
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("readme.md");
    let text: String = crmnf.iter().map(|b| format!("```sh\n{b}```\n")).collect();
    std::fs::write(&doc, text).unwrap();
    run_sh_blocks(doc.to_str().unwrap());
}
