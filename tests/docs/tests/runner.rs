//! The runner against documents of its own: what passes, what fails and how it says so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A repository root holding one document, `doc.md`.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    fn new(doc: &str) -> Fixture {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "crmnf-docs-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/page.txt"), "from the repository\n").unwrap();
        std::fs::write(root.join("doc.md"), doc).unwrap();
        Fixture { root }
    }

    /// Runs the runner over the fixture; its exit status and what it printed.
    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_crmcom-netflix-docs"))
            .args(args)
            .env("DOCS_ROOT", &self.root)
            .env("DOCS_PYTHON", "python3")
            .env_remove("CARGO_TARGET_DIR")
            .env("LD_LIBRARY_PATH", "/somewhere")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    fn work(&self) -> PathBuf {
        self.root.join("target/docs/doc.md")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn passes(doc: &str) -> String {
    let fixture = Fixture::new(doc);
    let (ok, text) = fixture.run(&[]);
    assert!(ok, "expected the document to pass:\n{text}");
    text
}

fn fails(doc: &str) -> String {
    let fixture = Fixture::new(doc);
    let (ok, text) = fixture.run(&[]);
    assert!(!ok, "expected the document to fail:\n{text}");
    text
}

#[test]
fn output_blocks_are_compared_with_what_the_block_before_printed() {
    let doc = "```sh\necho building\necho 'bill I1 5.99 USD'\n```\n\n\
               <!-- doctest: output -->\n```text\n...\nbill I1 5.99 USD\n```\n";
    let text = passes(doc);
    assert!(text.contains("output of doc.md:1"), "{text}");

    let text = fails(&doc.replace("5.99 USD\n```\n", "5.98 USD\n```\n"));
    assert!(text.contains("doc.md:1 printed something else"), "{text}");
    assert!(
        text.contains("bill I1 5.98 USD") && text.contains("bill I1 5.99 USD"),
        "{text}"
    );
}

#[test]
fn a_failing_block_fails_the_run_with_its_stderr() {
    let text = fails(
        "```sh\necho 'the reason' >&2\nexit 3\n```\n<!-- doctest: output -->\n```text\nx\n```\n",
    );
    assert!(text.contains("FAIL  doc.md:1"), "{text}");
    assert!(text.contains("exit status: 3"), "{text}");
    assert!(text.contains("the reason"), "{text}");
    assert!(text.contains("not compared: doc.md:1 failed"), "{text}");
}

#[test]
fn a_command_that_fails_midway_fails_the_block() {
    let text = fails("```sh\nfalse\necho not reached\n```\n");
    assert!(text.contains("FAIL  doc.md:1"), "{text}");
    assert!(!text.contains("\n    not reached"), "{text}");
}

#[test]
fn blocks_without_a_fate_stop_the_run_before_anything_runs() {
    let fixture = Fixture::new(
        "```sh\ntouch ran\n```\n```text\nsome listing\n```\n```\nno language\n```\n\
         ```rust,ignore\nfn main() {}\n```\n<!-- doctest: skip -->\n```sh\nx\n```\n",
    );
    let (ok, text) = fixture.run(&[]);
    assert!(!ok);
    for expected in [
        "doc.md:4: the runner does not run `text` blocks",
        "doc.md:7: the fence names no language",
        "doc.md:10: the info string has `,ignore`",
        "doc.md:13: `skip` needs a reason",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!fixture.work().join("ran").exists(), "a block ran anyway");
}

#[test]
fn skipped_blocks_are_listed_with_their_reason() {
    let doc = "<!-- doctest: skip: a cron line -->\n```sh\n0 2 * * * exit 1\n```\n";
    assert!(passes(doc).contains("skipped: a cron line"));
    let fixture = Fixture::new(doc);
    let (ok, text) = fixture.run(&["--list"]);
    assert!(
        ok && text.contains("doc.md:2") && text.contains("skipped: a cron line"),
        "{text}"
    );
}

#[test]
fn shell_blocks_share_one_session_in_a_directory_like_the_root() {
    let text = passes(
        "```sh\nexport BILLING=nightly\nmkdir -p out && cd out\n```\n\n\
         ```sh\necho \"$BILLING $(basename \"$PWD\")\"\ncat ../data/page.txt\n```\n\n\
         <!-- doctest: output -->\n```text\nnightly out\nfrom the repository\n```\n",
    );
    assert!(text.contains("every block passed"), "{text}");
}

#[test]
fn file_blocks_are_written_before_anything_runs() {
    passes(
        "```sh\npython3 app/main.py\n```\n\n<!-- doctest: output -->\n```text\nhello\n```\n\n\
         <!-- doctest: file app/main.py -->\n```python\nprint('hello')\n```\n",
    );
}

#[test]
fn python_blocks_run_and_no_run_ones_are_only_compiled() {
    passes("```python\nimport sys\nprint(sys.version_info >= (3, 9))\n```\n\n<!-- doctest: output -->\n```text\nTrue\n```\n");
    passes("<!-- doctest: no-run: talks to a server -->\n```python\nraise SystemExit(1)\n```\n");
    let text = fails("<!-- doctest: no-run: talks to a server -->\n```python\ndef (:\n```\n");
    assert!(text.contains("SyntaxError"), "{text}");
}

#[test]
fn data_blocks_are_parsed() {
    passes("```json\n{\"a\": [1, 2]}\n```\n```toml\n[package]\nname = \"x\"\n```\n");
    assert!(fails("```json\n{\"a\": }\n```\n").contains("not JSON"));
    assert!(fails("```toml\n[package\n```\n").contains("not TOML"));
}

#[test]
fn a_dependency_line_must_be_one_the_rust_blocks_are_built_with() {
    let text = fails("```toml\n[dependencies]\nleft-pad = \"1\"\n```\n");
    assert!(
        text.contains("`left-pad` is not a dependency of tests/docs/Cargo.toml"),
        "{text}"
    );
}

#[test]
fn the_environment_is_a_readers_terminal_and_opt_stays_in_the_build_tree() {
    let text = passes(
        "```sh\necho \"[${LD_LIBRARY_PATH:-}] [${MAKEFLAGS:-}]\"\n\
         test \"$(dirname /opt/crmnf)\" = \"$PWD/opt\"\n```\n\n\
         <!-- doctest: output -->\n```text\n[] []\n```\n",
    );
    assert!(text.contains("every block passed"), "{text}");
}

#[test]
fn a_block_past_its_timeout_is_killed_and_what_it_started_is_stopped() {
    let fixture = Fixture::new(
        "```sh\nsleep 300 &\necho $! > server.pid\n```\n\n\
         <!-- doctest: timeout 1 -->\n```sh\nsleep 30\n```\n",
    );
    let started = std::time::Instant::now();
    let (ok, text) = fixture.run(&[]);
    assert!(!ok && text.contains("did not finish within 1 s"), "{text}");
    assert!(
        started.elapsed().as_secs() < 20,
        "the runner waited for the block"
    );
    let pid = std::fs::read_to_string(fixture.work().join("server.pid")).unwrap();
    let status = Path::new("/proc").join(pid.trim()).join("status");
    // Once killed it is gone, or a zombie until its new parent reaps it.
    let running = || {
        std::fs::read_to_string(&status).is_ok_and(|s| {
            !s.lines()
                .any(|l| l.starts_with("State:") && l.contains('Z'))
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while running() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !running(),
        "the background process of the first block is still running"
    );
}

#[test]
fn one_document_can_be_run_alone() {
    let fixture = Fixture::new("```sh\ntrue\n```\n");
    std::fs::write(fixture.root.join("other.md"), "```sh\nexit 1\n```\n").unwrap();
    let (ok, text) = fixture.run(&["doc.md"]);
    assert!(ok, "{text}");
    let (ok, text) = fixture.run(&["missing.md"]);
    assert!(!ok && text.contains("no document missing.md"), "{text}");
}
