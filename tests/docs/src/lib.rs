//! Runs every code block of the repository's Markdown documents, as a reader following them would.
//!
//! `make test-docs` builds and starts it; `crmcom-netflix-docs --list` shows what it does with
//! each block, `crmcom-netflix-docs docs/c.md` runs one document. The conventions (languages,
//! markers, the working directory, the environment) are in `tests/README.md`.
//!
//! The Rust blocks are compiled into the binary (`src/main.rs`); everything else is here.

pub mod markdown;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use markdown::{Block, Doc, Fate, Lang};

/// A Rust block compiled into the runner (the table is written by build.rs).
pub struct RustBlock {
    /// `README.md:52`.
    pub id: &'static str,
    /// [`markdown::code_hash`] of the text compiled.
    pub hash: u64,
    /// Runs the block's `main`.
    pub run: fn() -> ExitCode,
}

/// Variables a reader's terminal does not have: make's and cargo's own, and the library path
/// cargo sets (with it, a program that cannot find its libraries would still run here).
const DROPPED_VARIABLES: &[&str] = &[
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "MAKEOVERRIDES",
    "MAKE_TERMOUT",
    "MAKE_TERMERR",
    "LD_LIBRARY_PATH",
    "CARGO",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_MAKEFLAGS",
];

/// The runner's command line, with the Rust blocks compiled in.
pub fn main(rust_blocks: &'static [RustBlock]) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, id] = args.as_slice() {
        if flag == "--run-rust-block" {
            return run_rust_block(rust_blocks, id);
        }
    }
    let mut list = false;
    let mut only = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--list" => list = true,
            "-h" | "--help" => {
                println!(
                    "usage: crmcom-netflix-docs [--list] [DOC.md ...]\n\
                     Runs the code blocks of every Markdown document (or of the documents named);\n\
                     --list shows what is done with each block. Conventions: tests/README.md."
                );
                return ExitCode::SUCCESS;
            }
            _ if arg.starts_with('-') => {
                eprintln!("unknown option {arg} (try --help)");
                return ExitCode::from(2);
            }
            _ => only.push(arg.trim_start_matches("./").to_owned()),
        }
    }
    match Runner::new(rust_blocks) {
        Ok(runner) => runner.run_all(list, &only),
        Err(e) => {
            eprintln!("docs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_rust_block(rust_blocks: &[RustBlock], id: &str) -> ExitCode {
    match rust_blocks.iter().find(|b| b.id == id) {
        Some(block) => (block.run)(),
        None => {
            eprintln!("no Rust block {id} in this build of the docs runner");
            ExitCode::FAILURE
        }
    }
}

struct Runner {
    rust_blocks: &'static [RustBlock],
    root: PathBuf,
    /// Where each document's working directory is made: `target/docs/`.
    work: PathBuf,
    python: String,
    c_lib: PathBuf,
    cc: String,
    cxx: String,
    env: BTreeMap<String, String>,
}

/// What one block did.
enum Outcome {
    Passed(String),
    Failed(String),
}

impl Runner {
    fn new(rust_blocks: &'static [RustBlock]) -> Result<Runner, String> {
        // DOCS_ROOT points the runner's own tests at documents of their own.
        let root = match std::env::var_os("DOCS_ROOT") {
            Some(root) => PathBuf::from(root),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        };
        let root = root
            .canonicalize()
            .map_err(|e| format!("the repository root {}: {e}", root.display()))?;
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => root.join("target"),
        };
        let work = target.join("docs");
        let python = std::env::var("DOCS_PYTHON").unwrap_or_else(|_| {
            let venv = root.join("bindings/python/.venv/bin/python");
            if venv.exists() {
                venv.display().to_string()
            } else {
                "python3".into()
            }
        });
        let c_lib = std::env::var_os("DOCS_C_LIB")
            .map(PathBuf::from)
            .unwrap_or_else(|| target.join("c/debug/lib"));
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());

        std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
        let shims = work.join(".bin");
        write_shims(&shims, &root)?;
        let mut env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| {
                !DROPPED_VARIABLES.contains(&k.as_str()) && !k.starts_with("CARGO_PKG_")
            })
            .collect();
        let mut path = vec![shims.display().to_string()];
        if let Some(bin) = Path::new(&python)
            .parent()
            .filter(|b| b.join("activate").exists())
        {
            path.push(bin.display().to_string());
        }
        path.push(target.join("debug").display().to_string());
        path.extend(env.get("PATH").cloned());
        env.insert("PATH".into(), path.join(":"));
        Ok(Runner {
            rust_blocks,
            root,
            work,
            python,
            c_lib,
            cc,
            cxx,
            env,
        })
    }

    fn run_all(&self, list: bool, only: &[String]) -> ExitCode {
        let names = match markdown::find_docs(&self.root) {
            Ok(names) => names,
            Err(e) => {
                eprintln!("docs: listing the documents: {e}");
                return ExitCode::FAILURE;
            }
        };
        for wanted in only {
            if !names.contains(wanted) {
                eprintln!(
                    "docs: no document {wanted} (documents: {})",
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        }
        let mut docs = Vec::new();
        let mut errors = Vec::new();
        for name in &names {
            let text = match std::fs::read_to_string(self.root.join(name)) {
                Ok(text) => text,
                Err(e) => {
                    errors.push(format!("{name}: {e}"));
                    continue;
                }
            };
            let doc = markdown::parse(name, &text);
            errors.extend(doc.errors.iter().cloned());
            for block in &doc.blocks {
                match block.fate() {
                    Err(e) => errors.push(format!("{}: {e}", block.id())),
                    Ok(Fate::Run(Lang::Rust) | Fate::NoRun(Lang::Rust, _)) => {
                        let compiled = self.rust_blocks.iter().any(|b| {
                            b.id == block.id() && b.hash == markdown::code_hash(&block.code)
                        });
                        if !compiled {
                            errors.push(format!(
                                "{}: this Rust block is not the one compiled into the runner: \
                                 build it again (`make test-docs` does; for a document outside \
                                 docs/, touch tests/docs/build.rs first)",
                                block.id()
                            ));
                        }
                    }
                    Ok(_) => {}
                }
            }
            docs.push(doc);
        }
        if list {
            for doc in &docs {
                for block in &doc.blocks {
                    println!("{:<28} {}", block.id(), describe(block));
                }
            }
            return ExitCode::SUCCESS;
        }
        if !errors.is_empty() {
            eprintln!("docs: blocks that break the conventions of tests/README.md:");
            for e in &errors {
                eprintln!("  {e}");
            }
            return ExitCode::FAILURE;
        }

        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut failures = Vec::new();
        for doc in &docs {
            if doc.blocks.is_empty() || (!only.is_empty() && !only.contains(&doc.path)) {
                continue;
            }
            println!("docs: {} ({} blocks)", doc.path, doc.blocks.len());
            for (block, outcome) in doc.blocks.iter().zip(self.run_doc(doc)) {
                let kind = match block.fate() {
                    Ok(Fate::Run(_)) => "run",
                    Ok(Fate::NoRun(..)) => "compiled only",
                    Ok(Fate::Check(_)) => "parsed",
                    Ok(Fate::File(_)) => "written to a file",
                    Ok(Fate::Output) => "output compared",
                    Ok(Fate::Skip(_)) | Err(_) => "skipped",
                };
                *counts.entry(kind).or_default() += 1;
                match outcome {
                    Outcome::Passed(note) => println!("  ok    {:<28} {note}", block.id()),
                    Outcome::Failed(why) => {
                        println!("  FAIL  {:<28} {}", block.id(), first_line(&why));
                        failures.push((block.id(), why));
                    }
                }
            }
        }
        let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        if failures.is_empty() {
            println!("docs: every block passed ({})", summary.join(", "));
            ExitCode::SUCCESS
        } else {
            for (id, why) in &failures {
                eprintln!("\n---- {id} ----\n{why}");
            }
            eprintln!(
                "\ndocs: {} of the blocks failed ({}); each block's files are in {}",
                failures.len(),
                summary.join(", "),
                self.work.display()
            );
            ExitCode::FAILURE
        }
    }

    /// Runs the blocks of one document in order, in a fresh working directory of its own.
    fn run_doc(&self, doc: &Doc) -> Vec<Outcome> {
        let dir = self.work.join(doc.path.replace('/', "-"));
        let mut outcomes = Vec::new();
        if let Err(e) = self.prepare_dir(doc, &dir) {
            return doc
                .blocks
                .iter()
                .map(|_| Outcome::Failed(format!("preparing {}: {e}", dir.display())))
                .collect();
        }
        let mut session = Session {
            dir: dir.clone(),
            state: dir.join(".doctest"),
            groups: Vec::new(),
            last_output: None,
        };
        for block in &doc.blocks {
            let outcome = match block.fate() {
                Ok(Fate::Skip(reason)) => Outcome::Passed(format!("skipped: {reason}")),
                Ok(Fate::File(name)) => Outcome::Passed(format!("written to {name}")),
                Ok(Fate::Check(lang)) => self.check_data(lang, block, doc),
                Ok(Fate::Output) => compare_output(block, session.last_output.take()),
                Ok(Fate::Run(lang)) => self.run_code(&mut session, lang, block, true),
                Ok(Fate::NoRun(lang, reason)) => {
                    match self.run_code(&mut session, lang, block, false) {
                        Outcome::Passed(note) => {
                            Outcome::Passed(format!("{note}, not run: {reason}"))
                        }
                        failed => failed,
                    }
                }
                Err(e) => Outcome::Failed(e),
            };
            outcomes.push(outcome);
        }
        session.end();
        outcomes
    }

    /// A fresh directory that looks like the root of a clone: the repository's entries linked in,
    /// the document's `file` blocks written.
    fn prepare_dir(&self, doc: &Doc, dir: &Path) -> std::io::Result<()> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir.join(".doctest"))?;
        let written: Vec<String> = doc
            .blocks
            .iter()
            .filter_map(|b| match b.fate() {
                Ok(Fate::File(name)) => Some(name.split('/').next().unwrap_or("").to_owned()),
                _ => None,
            })
            .collect();
        for entry in std::fs::read_dir(&self.root)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.')
                || name == "target"
                || name == "build"
                || written.contains(&name)
            {
                continue;
            }
            std::os::unix::fs::symlink(entry.path(), dir.join(&name))?;
        }
        for block in &doc.blocks {
            if let Ok(Fate::File(name)) = block.fate() {
                let path = dir.join(&name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(path, &block.code)?;
            }
        }
        Ok(())
    }

    fn check_data(&self, lang: Lang, block: &Block, doc: &Doc) -> Outcome {
        let result = match lang {
            Lang::Json => serde_json::from_str::<serde_json::Value>(&block.code)
                .map(|_| "parsed as JSON".to_owned())
                .map_err(|e| format!("not JSON: {e}")),
            Lang::Toml => self.check_toml(block, doc),
            Lang::Sql => rusqlite::Connection::open_in_memory()
                .and_then(|db| db.execute_batch(&block.code))
                .map(|()| "run on an empty SQLite database".to_owned())
                .map_err(|e| format!("not SQL that SQLite runs: {e}")),
            _ => unreachable!("only data is checked"),
        };
        match result {
            Ok(note) => Outcome::Passed(note),
            Err(e) => Outcome::Failed(e),
        }
    }

    /// A `[dependencies]` table in a document must be one the Rust blocks are built with: every
    /// crate is a dependency of the docs crate, a path points at that crate, and the features it
    /// asks for are enabled here; and it must be enough for the document's Rust blocks, which use
    /// no crate of the docs crate it does not list.
    fn check_toml(&self, block: &Block, doc: &Doc) -> Result<String, String> {
        let table: toml::Table =
            toml::from_str(&block.code).map_err(|e| format!("not TOML: {e}"))?;
        let Some(deps) = table.get("dependencies").and_then(|d| d.as_table()) else {
            return Ok("parsed as TOML".into());
        };
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(manifest_dir.join("Cargo.toml"))
            .map_err(|e| format!("tests/docs/Cargo.toml: {e}"))?;
        let manifest: toml::Table =
            toml::from_str(&manifest).map_err(|e| format!("tests/docs/Cargo.toml: {e}"))?;
        let ours = manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        let mut problems = Vec::new();
        let listed: Vec<String> = deps.keys().map(|k| k.replace('-', "_")).collect();
        let known: Vec<String> = ours.keys().map(|k| k.replace('-', "_")).collect();
        for rust in doc.blocks.iter().filter(|b| {
            matches!(
                b.fate(),
                Ok(Fate::Run(Lang::Rust) | Fate::NoRun(Lang::Rust, _))
            )
        }) {
            for used in crates_used(&rust.code, &known) {
                if !listed.contains(&used) {
                    problems.push(format!(
                        "{} uses `{used}`, which this [dependencies] table does not list",
                        rust.id()
                    ));
                }
            }
        }
        for (name, spec) in deps {
            let Some(our) = ours.get(name) else {
                problems.push(format!(
                    "`{name}` is not a dependency of tests/docs/Cargo.toml, so the Rust blocks \
                     are not built with it: add it there"
                ));
                continue;
            };
            if let Some(path) = spec.get("path").and_then(|p| p.as_str()) {
                let theirs = self.root.join(path).canonicalize();
                let mine = our
                    .get("path")
                    .and_then(|p| p.as_str())
                    .and_then(|p| manifest_dir.join(p).canonicalize().ok());
                match theirs {
                    Err(e) => problems.push(format!(
                        "`{name}`: path {path} (from the repository root): {e}"
                    )),
                    Ok(dir) if Some(&dir) != mine.as_ref() => problems.push(format!(
                        "`{name}`: path {path} is not the crate tests/docs/Cargo.toml uses"
                    )),
                    Ok(_) => {}
                }
            }
            let features = |v: &toml::Value| -> Vec<String> {
                v.get("features")
                    .and_then(|f| f.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let enabled = features(our);
            for feature in features(spec) {
                if !enabled.contains(&feature) {
                    problems.push(format!(
                        "`{name}`: feature `{feature}` is not enabled in tests/docs/Cargo.toml"
                    ));
                }
            }
        }
        if problems.is_empty() {
            let n = deps.len();
            let noun = if n == 1 { "dependency" } else { "dependencies" };
            Ok(format!("{n} {noun}, as the docs crate has them"))
        } else {
            Err(problems.join("\n"))
        }
    }

    fn run_code(&self, session: &mut Session, lang: Lang, block: &Block, run: bool) -> Outcome {
        let base = session.state.join(format!("block-{}", block.line));
        let source = |ext: &str| base.with_extension(ext).display().to_string();
        let bin = base.display().to_string();
        let include = self.root.join("bindings/c/include").display().to_string();
        let lib = self.c_lib.display().to_string();
        let native = |compiler: &str, std: &str, ext: &str| -> String {
            let mut command = format!(
                "{} -std={std} -Wall -Wextra -Werror -Wpedantic -I{} {} -L{} -lcrmnf \
                 -Wl,-rpath,{} -pthread -o {}",
                compiler,
                sh_quote(&include),
                sh_quote(&source(ext)),
                sh_quote(&lib),
                sh_quote(&lib),
                sh_quote(&bin)
            );
            if run {
                let _ = write!(command, "\n{}", sh_quote(&bin));
            }
            command
        };
        let (ext, command) = match lang {
            Lang::Rust => {
                if !run {
                    session.last_output = None;
                    return Outcome::Passed("compiled into the runner".into());
                }
                let exe = std::env::current_exe().map(|p| p.display().to_string());
                let exe = exe.unwrap_or_else(|_| "crmcom-netflix-docs".into());
                (
                    None,
                    format!("{} --run-rust-block {}", sh_quote(&exe), sh_quote(&block.id())),
                )
            }
            Lang::Python if run => (Some("py"), format!("{} {}", sh_quote(&self.python), sh_quote(&source("py")))),
            Lang::Python => (
                Some("py"),
                format!(
                    "{} -c 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], \"exec\")' {}",
                    sh_quote(&self.python),
                    sh_quote(&source("py"))
                ),
            ),
            Lang::C => (Some("c"), native(&self.cc, "c11", "c")),
            Lang::Cpp => (Some("cpp"), native(&self.cxx, "c++17", "cpp")),
            Lang::Shell if run => (Some("sh"), format!(". {}", sh_quote(&source("sh")))),
            Lang::Shell => (Some("sh"), format!("bash -n {}", sh_quote(&source("sh")))),
            Lang::Json | Lang::Toml | Lang::Sql => unreachable!("data is checked, not run"),
        };
        if let Some(ext) = ext {
            let code = if lang == Lang::Shell {
                rewrite_opt(&block.code, &session.dir)
            } else {
                block.code.clone()
            };
            if let Err(e) = std::fs::write(source(ext), code) {
                return Outcome::Failed(format!("writing {}: {e}", source(ext)));
            }
        }
        let started = Instant::now();
        let result = session.run(&self.env, &base, &command, block.timeout_seconds());
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(stdout) => {
                session.last_output = if run {
                    Some((block.id(), Some(stdout)))
                } else {
                    None
                };
                Outcome::Passed(format!("{} ({seconds:.1} s)", lang_name(lang)))
            }
            Err(e) => {
                session.last_output = Some((block.id(), None));
                Outcome::Failed(format!(
                    "{e}\ncommand (in the session of {}):\n{}",
                    session.dir.display(),
                    indent(&command)
                ))
            }
        }
    }
}

/// The crates among `known` that Rust code names in a path (`crmcom_netflix_sim::Sim`, `use
/// serde_json::json`), ignoring comments and strings.
fn crates_used(code: &str, known: &[String]) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut in_string = false;
        let mut word = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                in_string = !in_string;
                word.clear();
                continue;
            }
            if in_string {
                continue;
            }
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
                continue;
            }
            let path_start = c == ':' && chars.peek() == Some(&':');
            let after_path = word.is_empty();
            if path_start && !after_path && known.contains(&word) && !used.contains(&word) {
                used.push(word.clone());
            }
            // `a::b`: `b` is not a crate, so skip past the `::` and the segment after it.
            if path_start {
                chars.next();
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
            }
            word.clear();
        }
    }
    used
}

/// The blocks of one document run as if typed into one terminal: exported variables and the
/// working directory carry from one block to the next.
struct Session {
    dir: PathBuf,
    state: PathBuf,
    /// Process groups started, ended with the document (a server a block left running).
    groups: Vec<u32>,
    /// The block that ran last and its standard output (none if it failed), for an `output`
    /// block.
    last_output: Option<(String, Option<String>)>,
}

impl Session {
    fn run(
        &mut self,
        env: &BTreeMap<String, String>,
        base: &Path,
        command: &str,
        timeout: u64,
    ) -> Result<String, String> {
        let script = format!(
            "if [ -f \"$DOCTEST_STATE/env.sh\" ]; then . \"$DOCTEST_STATE/env.sh\"; fi\n\
             if [ -f \"$DOCTEST_STATE/cwd\" ]; then cd \"$(cat \"$DOCTEST_STATE/cwd\")\"; fi\n\
             trap 'export -p > \"$DOCTEST_STATE/env.sh\"; printf %s \"$PWD\" > \"$DOCTEST_STATE/cwd\"' EXIT\n\
             {command}\n"
        );
        let script_path = base.with_extension("session");
        let out_path = base.with_extension("stdout");
        let err_path = base.with_extension("stderr");
        std::fs::write(&script_path, script).map_err(|e| e.to_string())?;
        let stdout = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let stderr = std::fs::File::create(&err_path).map_err(|e| e.to_string())?;
        let mut child = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(&self.dir)
            .env_clear()
            .envs(env)
            .env("DOCTEST_STATE", &self.state)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("starting bash: {e}"))?;
        self.groups.push(child.id());
        let deadline = Instant::now() + Duration::from_secs(timeout);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => {
                    kill_group(child.id(), "KILL");
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(format!("waiting for the block: {e}")),
            }
        };
        let out = std::fs::read_to_string(&out_path).unwrap_or_default();
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        let failure = match status {
            None => format!(
                "did not finish within {timeout} s (`<!-- doctest: timeout N -->` gives it longer)"
            ),
            Some(s) if s.success() => return Ok(out),
            Some(s) => format!("failed ({s})"),
        };
        Err(format!(
            "{failure}\nstderr:\n{}\nstdout:\n{}",
            indent(&tail(&err, 60)),
            indent(&tail(&out, 40))
        ))
    }

    /// Ends whatever the document's blocks left running.
    fn end(&mut self) {
        for group in self.groups.drain(..) {
            kill_group(group, "TERM");
        }
    }
}

fn kill_group(group: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{group}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// `make` and `cargo` run in the repository itself, so that they use its build, while the blocks
/// run in a directory of their own that looks like it.
fn write_shims(dir: &Path, root: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (tool, line) in [
        ("make", "exec {real} --no-print-directory -C {root} \"$@\""),
        ("cargo", "cd {root} && exec {real} \"$@\""),
    ] {
        let real = find_in_path(tool, dir).ok_or_else(|| format!("`{tool}` is not on PATH"))?;
        let body = line
            .replace("{real}", &sh_quote(&real.display().to_string()))
            .replace("{root}", &sh_quote(&root.display().to_string()));
        let path = dir.join(tool);
        std::fs::write(
            &path,
            format!("#!/bin/sh\n# {tool} in the repository (written by the docs runner)\n{body}\n"),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn find_in_path(tool: &str, except: &Path) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter(|dir| dir != except)
            .map(|dir| dir.join(tool))
            .find(|candidate| candidate.is_file())
    })
}

/// `/opt/...` in a shell block means a directory of the document's own (`target/docs/<doc>/opt`),
/// so that `make install PREFIX=/opt/crmnf` as written installs into the build tree.
fn rewrite_opt(code: &str, dir: &Path) -> String {
    let replacement = format!("{}/opt/", dir.display());
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("/opt/") {
        let before = rest[..at].chars().next_back();
        let starts_path = match before {
            None => out.is_empty() || out.ends_with(|c: char| " \t\n=:\"'(,".contains(c)),
            Some(c) => " \t\n=:\"'(,".contains(c),
        };
        out.push_str(&rest[..at]);
        out.push_str(if starts_path { &replacement } else { "/opt/" });
        rest = &rest[at + "/opt/".len()..];
    }
    out.push_str(rest);
    out
}

/// An `output` block against what the block before it printed; `...` on a line of its own stands
/// for any number of lines.
fn compare_output(block: &Block, last: Option<(String, Option<String>)>) -> Outcome {
    let actual = match last {
        None => {
            return Outcome::Failed(
                "an output block must follow a block that ran (and not another output block)"
                    .into(),
            )
        }
        Some((id, None)) => return Outcome::Failed(format!("not compared: {id} failed")),
        Some((id, Some(actual))) => (id, actual),
    };
    let (id, actual) = actual;
    let expected = normalize(&block.code);
    let got = normalize(&actual);
    if matches(&expected, &got) {
        Outcome::Passed(format!("output of {id}"))
    } else {
        Outcome::Failed(format!(
            "{id} printed something else\nexpected (a line `...` stands for any lines):\n{}\ngot:\n{}",
            indent(&expected.join("\n")),
            indent(&got.join("\n"))
        ))
    }
}

fn normalize(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn matches(expected: &[String], got: &[String]) -> bool {
    match expected.split_first() {
        None => got.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=got.len()).any(|skip| matches(rest, &got[skip..]))
        }
        Some((first, rest)) => got.first() == Some(first) && matches(rest, &got[1..]),
    }
}

fn describe(block: &Block) -> String {
    match block.fate() {
        Ok(Fate::Run(lang)) => format!("run ({})", lang_name(lang)),
        Ok(Fate::NoRun(lang, reason)) => format!("compiled only ({}): {reason}", lang_name(lang)),
        Ok(Fate::Check(lang)) => format!("parsed ({})", lang_name(lang)),
        Ok(Fate::File(name)) => format!("written to {name}"),
        Ok(Fate::Output) => "compared with the output of the block before".into(),
        Ok(Fate::Skip(reason)) => format!("skipped: {reason}"),
        Err(e) => format!("ERROR: {e}"),
    }
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "Rust",
        Lang::Python => "Python",
        Lang::C => "C",
        Lang::Cpp => "C++",
        Lang::Shell => "shell",
        Lang::Json => "JSON",
        Lang::Toml => "TOML",
        Lang::Sql => "SQL",
    }
}

fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:+=,".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    let mut out = String::new();
    if start > 0 {
        let _ = writeln!(out, "[{start} lines before]");
    }
    out.push_str(&lines[start..].join("\n"));
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn an_ellipsis_line_stands_for_any_lines() {
        let got = lines(&["make: building", "ok", "bill I1 5.99 USD", "done"]);
        assert!(matches(&lines(&["...", "bill I1 5.99 USD", "..."]), &got));
        assert!(matches(&lines(&["...", "done"]), &got));
        assert!(!matches(&lines(&["...", "bill I1 5.99 EUR", "..."]), &got));
        assert!(!matches(&lines(&["ok", "..."]), &got));
        assert!(matches(&lines(&["..."]), &[]));
    }

    #[test]
    fn output_ignores_trailing_spaces_and_blank_lines_only() {
        assert_eq!(normalize("a  \n b\n\n\n"), lines(&["a", " b"]));
    }

    #[test]
    fn opt_paths_move_into_the_documents_directory() {
        let dir = Path::new("/w/target/docs/README.md");
        assert_eq!(
            rewrite_opt("make install PREFIX=/opt/crmnf\ncc $(X=/opt/crmnf/lib y) /opt/a /x/opt/b", dir),
            "make install PREFIX=/w/target/docs/README.md/opt/crmnf\n\
             cc $(X=/w/target/docs/README.md/opt/crmnf/lib y) /w/target/docs/README.md/opt/a /x/opt/b"
        );
        assert_eq!(rewrite_opt("/opt/x", dir), "/w/target/docs/README.md/opt/x");
    }

    #[test]
    fn the_crates_a_block_uses_are_the_known_ones_it_names_in_paths() {
        let known = lines(&[
            "crmcom_netflix",
            "crmcom_netflix_sim",
            "serde_json",
            "tokio",
        ]);
        let code = "use crmcom_netflix::{decode, Token};\n\
                    use crmcom_netflix_sim::Sim; // crmcom_netflix_client::x in a comment\n\
                    let v = serde_json::json!({\"tokio::x\": 1});\n\
                    let a = std::fs::read(\"x\")?; let b = crmcom_netflix_sim::Sim::new();\n\
                    #[tokio::main]\nasync fn main() { other::serde_json::x(); }\n";
        assert_eq!(
            crates_used(code, &known),
            lines(&[
                "crmcom_netflix",
                "crmcom_netflix_sim",
                "serde_json",
                "tokio"
            ])
        );
        assert!(crates_used("let x = a::crmcom_netflix::b;", &known).is_empty());
    }

    #[test]
    fn shell_quoting_keeps_plain_words_and_quotes_the_rest() {
        assert_eq!(sh_quote("/a/b-c.d"), "/a/b-c.d");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("README.md:12"), "README.md:12");
    }
}
