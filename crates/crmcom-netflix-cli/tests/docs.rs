//! What the documents of the command line and the mock show is what they are: the fixtures and
//! the fault rule of `docs/mock.md` load, the report of `docs/cli.md` has its shape, and the
//! README's first screen shows `crmnf sync` and `crmnf mock`. (Every block also runs as written
//! in `make test-docs`, by `tests/docs`.)

use std::path::{Path, PathBuf};

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
}
