//! The documents of the repository and their fenced code blocks, with the `<!-- doctest: ... -->`
//! markers that say what to do with a block. Shared by the build script (which compiles the Rust
//! blocks into the runner) and the runner, so both read the same blocks the same way.
//!
//! The conventions are documented in `tests/README.md`.

use std::fmt::Write as _;
use std::path::Path;

/// Directories never searched for documents: build output, virtualenvs, caches, hidden ones.
const SKIPPED_DIRS: &[&str] = &["target", "build", "node_modules", "__pycache__"];

/// What the lines right above a fence may say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// `skip: REASON`: not run, not checked (a cron line, a command that needs the network).
    Skip(String),
    /// `no-run: REASON`: compiled (Rust, C, C++) or syntax-checked (Python, shell), not run.
    NoRun(String),
    /// `file NAME`: written into the document's working directory as NAME before any block runs.
    File(String),
    /// `output`: the standard output of the block that ran last, compared line by line.
    Output,
    /// `timeout SECONDS`: how long the block may run (default [`DEFAULT_TIMEOUT_SECONDS`]).
    Timeout(u64),
}

/// How long a block may run unless a `timeout` marker says otherwise.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 600;

/// The languages the runner runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Compiled into the runner, run as a program (it has a `main`).
    Rust,
    /// Run with the project's Python, where `crmcom_netflix` is installed.
    Python,
    /// Compiled against `crmnf.h` and libcrmnf, linked and run.
    C,
    /// Compiled as C++17 against `crmnf.hpp`, linked and run.
    Cpp,
    /// Run by bash, the blocks of one document in one session.
    Shell,
    /// Parsed (data, not code).
    Json,
    /// Parsed; a `[dependencies]` table is checked against the docs crate.
    Toml,
    /// Run on an empty in-memory SQLite database (a schema, a query).
    Sql,
}

impl Lang {
    /// The language of an info string's first word, if the runner knows it.
    pub fn from_name(name: &str) -> Option<Lang> {
        Some(match name {
            "rust" => Lang::Rust,
            "python" | "py" => Lang::Python,
            "c" => Lang::C,
            "cpp" | "c++" => Lang::Cpp,
            "sh" | "bash" | "shell" => Lang::Shell,
            "json" => Lang::Json,
            "toml" => Lang::Toml,
            "sql" => Lang::Sql,
            _ => return None,
        })
    }

    /// Whether blocks of this language are programs (run) rather than data (parsed).
    pub fn is_code(self) -> bool {
        !matches!(self, Lang::Json | Lang::Toml | Lang::Sql)
    }
}

/// A fenced code block of a document.
#[derive(Debug, Clone)]
pub struct Block {
    /// The document, relative to the repository root, `/`-separated.
    pub doc: String,
    /// The 1-based line of the opening fence.
    pub line: usize,
    /// The info string's first word (`rust`); empty when the fence names no language.
    pub lang: String,
    /// Whatever followed the first word in the info string (`,ignore`).
    pub extra: String,
    /// The markers on the lines right above the fence, in order.
    pub markers: Vec<Marker>,
    /// The text between the fences, the fence's indentation removed; ends with a newline.
    pub code: String,
}

/// What the runner does with a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Run it.
    Run(Lang),
    /// Compile or syntax-check it only, for the reason given.
    NoRun(Lang, String),
    /// Parse it.
    Check(Lang),
    /// Write it to a file of the document's working directory.
    File(String),
    /// Compare it with the output of the block that ran before it.
    Output,
    /// Leave it, for the reason given.
    Skip(String),
}

impl Block {
    /// `README.md:52`: how the runner and its messages name the block.
    pub fn id(&self) -> String {
        format!("{}:{}", self.doc, self.line)
    }

    /// The Rust module the block is compiled into (`block_readme_md_52`).
    pub fn module_name(&self) -> String {
        let mut name = String::from("block_");
        for c in self.doc.chars() {
            name.push(if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            });
        }
        let _ = write!(name, "_{}", self.line);
        name
    }

    /// The block's timeout in seconds.
    pub fn timeout_seconds(&self) -> u64 {
        self.markers
            .iter()
            .find_map(|m| match m {
                Marker::Timeout(s) => Some(*s),
                _ => None,
            })
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS)
    }

    /// What to do with the block, or why the block is not acceptable as it stands.
    pub fn fate(&self) -> Result<Fate, String> {
        if self.lang.is_empty() {
            return Err("the fence names no language: write ```text, ```sh, ```rust, ...".into());
        }
        if !self.extra.is_empty() {
            return Err(format!(
                "the info string has `{}` after the language: say what to do with the block with \
                 a marker line above it instead (`<!-- doctest: skip: REASON -->`, `no-run: \
                 REASON`, `file NAME`, `output`)",
                self.extra
            ));
        }
        let lang = Lang::from_name(&self.lang);
        let roles: Vec<&Marker> = self
            .markers
            .iter()
            .filter(|m| !matches!(m, Marker::Timeout(_)))
            .collect();
        if roles.len() > 1 {
            return Err("more than one of skip, no-run, file and output on one block".into());
        }
        let fate = match roles.first() {
            Some(Marker::Skip(reason)) => Fate::Skip(reason.clone()),
            Some(Marker::File(name)) => Fate::File(name.clone()),
            Some(Marker::Output) => Fate::Output,
            Some(Marker::NoRun(reason)) => match lang {
                Some(l) if l.is_code() => Fate::NoRun(l, reason.clone()),
                _ => {
                    return Err(format!(
                        "no-run is for code (rust, python, c, cpp, sh), not `{}`",
                        self.lang
                    ))
                }
            },
            Some(Marker::Timeout(_)) => unreachable!("filtered out above"),
            None => match lang {
                Some(l) if l.is_code() => Fate::Run(l),
                Some(l) => Fate::Check(l),
                None => {
                    return Err(format!(
                        "the runner does not run `{}` blocks: mark it `<!-- doctest: output -->`, \
                         `file NAME` or `skip: REASON`",
                        self.lang
                    ))
                }
            },
        };
        Ok(fate)
    }
}

/// A document and its blocks, with whatever in it breaks the conventions.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// Every fenced code block, in order.
    pub blocks: Vec<Block>,
    /// `doc:line: message` for each marker the runner cannot read or cannot attach to a block.
    pub errors: Vec<String>,
}

/// Every Markdown document of the repository under `root`, sorted by path.
pub fn find_docs(root: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    walk(root, root, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(root, &path, found)?;
            }
        } else if kind.is_file() && name.ends_with(".md") {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push(parts.join("/"));
        }
    }
    Ok(())
}

/// Reads the fenced code blocks of a document (CommonMark fences of ``` or ~~~).
pub fn parse(doc: &str, text: &str) -> Doc {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    // Markers read since the last line that was neither a marker nor part of a fence.
    let mut pending: Vec<(usize, Marker)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let number = i + 1;
        if let Some(fence) = opening_fence(line) {
            let (lang, extra) = split_info(fence.info);
            let mut code = String::new();
            let mut j = i + 1;
            let mut closed = false;
            while j < lines.len() {
                if is_closing_fence(lines[j], fence.ch, fence.len) {
                    closed = true;
                    break;
                }
                code.push_str(strip_indent(lines[j], fence.indent));
                code.push('\n');
                j += 1;
            }
            if !closed {
                errors.push(format!("{doc}:{number}: this fence is never closed"));
            }
            blocks.push(Block {
                doc: doc.to_owned(),
                line: number,
                lang,
                extra,
                markers: pending.drain(..).map(|(_, m)| m).collect(),
                code,
            });
            i = j + 1;
            continue;
        }
        let trimmed = line.trim();
        if let Some(body) = trimmed
            .strip_prefix("<!--")
            .and_then(|rest| rest.trim_start().strip_prefix("doctest"))
        {
            match parse_marker(body) {
                Ok(marker) => pending.push((number, marker)),
                Err(message) => errors.push(format!("{doc}:{number}: {message}")),
            }
        } else {
            for (at, _) in pending.drain(..) {
                errors.push(format!(
                    "{doc}:{at}: a doctest marker must be right above a code fence (no other \
                     line in between)"
                ));
            }
        }
        i += 1;
    }
    for (at, _) in pending {
        errors.push(format!(
            "{doc}:{at}: a doctest marker at the end of the document"
        ));
    }
    Doc {
        path: doc.to_owned(),
        blocks,
        errors,
    }
}

/// Reads what follows `<!-- doctest` up to `-->`.
fn parse_marker(body: &str) -> Result<Marker, String> {
    let body = body
        .trim()
        .strip_prefix(':')
        .ok_or("a marker reads `<!-- doctest: KIND ... -->`")?;
    let body = body
        .trim()
        .strip_suffix("-->")
        .ok_or("a marker is one line ending with `-->`")?
        .trim();
    let (kind, rest) = match body.find(|c: char| c == ':' || c.is_whitespace()) {
        Some(at) => (&body[..at], body[at..].trim_start()),
        None => (body, ""),
    };
    let reason = || -> Result<String, String> {
        let reason = rest.strip_prefix(':').unwrap_or(rest).trim();
        if reason.is_empty() {
            Err(format!(
                "`{kind}` needs a reason: `<!-- doctest: {kind}: WHY -->`"
            ))
        } else {
            Ok(reason.to_owned())
        }
    };
    match kind {
        "skip" => Ok(Marker::Skip(reason()?)),
        "no-run" => Ok(Marker::NoRun(reason()?)),
        "output" if rest.is_empty() => Ok(Marker::Output),
        "file" => {
            let name = rest.trim();
            let safe = !name.is_empty()
                && !name.starts_with('/')
                && !name.split('/').any(|p| p == ".." || p.is_empty())
                && !name.contains(char::is_whitespace);
            if safe {
                Ok(Marker::File(name.to_owned()))
            } else {
                Err("`file` takes a relative path without `..` or spaces: `file charges.c`".into())
            }
        }
        "timeout" => rest
            .trim()
            .parse()
            .ok()
            .filter(|s| *s > 0)
            .map(Marker::Timeout)
            .ok_or_else(|| "`timeout` takes a number of seconds: `timeout 900`".into()),
        _ => Err(format!(
            "unknown marker `{body}`: the markers are `skip: REASON`, `no-run: REASON`, \
             `file NAME`, `output` and `timeout SECONDS`"
        )),
    }
}

struct Fence<'a> {
    ch: char,
    len: usize,
    indent: usize,
    info: &'a str,
}

fn opening_fence(line: &str) -> Option<Fence<'_>> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(ch).len();
    if len < 3 {
        return None;
    }
    let info = rest[len..].trim();
    // A backtick fence's info string cannot contain a backtick (that is inline code).
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some(Fence {
        ch,
        len,
        indent,
        info,
    })
}

fn is_closing_fence(line: &str, ch: char, len: usize) -> bool {
    let rest = line.trim_start_matches(' ');
    let run = rest.len() - rest.trim_start_matches(ch).len();
    run >= len && rest[run..].trim().is_empty()
}

fn strip_indent(line: &str, indent: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(indent)..]
}

fn split_info(info: &str) -> (String, String) {
    let end = info
        .find(|c: char| c == ',' || c == '{' || c.is_whitespace())
        .unwrap_or(info.len());
    (info[..end].to_owned(), info[end..].trim().to_owned())
}

/// A hash of a block's text (FNV-1a), so the runner can tell a Rust block compiled into it from
/// the same block edited since.
pub fn code_hash(code: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in code.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_right_above_a_fence_belongs_to_it() {
        let doc = parse(
            "d.md",
            "text\n<!-- doctest: skip: a cron line -->\n```sh\n0 2 * * * job\n```\n",
        );
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(doc.blocks.len(), 1);
        let block = &doc.blocks[0];
        assert_eq!((block.line, block.lang.as_str()), (3, "sh"));
        assert_eq!(block.code, "0 2 * * * job\n");
        assert_eq!(block.fate(), Ok(Fate::Skip("a cron line".into())));
    }

    #[test]
    fn a_marker_separated_from_its_fence_is_an_error() {
        let doc = parse("d.md", "<!-- doctest: output -->\n\n```text\nx\n```\n");
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        assert!(doc.errors[0].starts_with("d.md:1: "));
        assert!(doc.blocks[0].markers.is_empty());
    }

    #[test]
    fn skip_and_no_run_need_a_reason() {
        for marker in ["skip", "skip:", "no-run:  "] {
            let doc = parse(
                "d.md",
                &format!("<!-- doctest: {marker} -->\n```sh\nx\n```\n"),
            );
            assert_eq!(doc.errors.len(), 1, "{marker}: {:?}", doc.errors);
            assert!(
                doc.errors[0].contains("needs a reason"),
                "{}",
                doc.errors[0]
            );
        }
    }

    #[test]
    fn unknown_markers_and_unsafe_file_names_are_errors() {
        for marker in [
            "ignore",
            "file ../x.c",
            "file /etc/x",
            "timeout soon",
            "output now",
        ] {
            let doc = parse(
                "d.md",
                &format!("<!-- doctest: {marker} -->\n```c\nx\n```\n"),
            );
            assert_eq!(doc.errors.len(), 1, "{marker}: {:?}", doc.errors);
        }
    }

    #[test]
    fn every_block_gets_a_fate_or_a_reason_why_not() {
        let text = "```rust\nfn main() {}\n```\n\
                    ```text\nout\n```\n\
                    ```\nno language\n```\n\
                    ```rust,ignore\nx\n```\n\
                    ```json\n{}\n```\n\
                    <!-- doctest: timeout 30 -->\n<!-- doctest: file a/b.c -->\n```c\nx\n```\n\
                    <!-- doctest: no-run: needs a server -->\n```python\nx\n```\n\
                    <!-- doctest: no-run: data -->\n```json\n{}\n```\n";
        let doc = parse("d.md", text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let fates: Vec<Result<Fate, String>> = doc.blocks.iter().map(Block::fate).collect();
        assert_eq!(fates[0], Ok(Fate::Run(Lang::Rust)));
        assert!(fates[1]
            .as_ref()
            .unwrap_err()
            .contains("does not run `text`"));
        assert!(fates[2].as_ref().unwrap_err().contains("names no language"));
        assert!(fates[3].as_ref().unwrap_err().contains("`,ignore`"));
        assert_eq!(fates[4], Ok(Fate::Check(Lang::Json)));
        assert_eq!(fates[5], Ok(Fate::File("a/b.c".into())));
        assert_eq!(doc.blocks[5].timeout_seconds(), 30);
        assert_eq!(
            fates[6],
            Ok(Fate::NoRun(Lang::Python, "needs a server".into()))
        );
        assert!(fates[7]
            .as_ref()
            .unwrap_err()
            .contains("no-run is for code"));
    }

    #[test]
    fn fences_keep_their_content_verbatim_and_nest_by_length() {
        let text =
            "- item\n\n  ````markdown\n  ```sh\n  inner\n  ```\n  ````\n~~~ python\n`x`\n~~~\n";
        let doc = parse("d.md", text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(doc.blocks.len(), 2);
        assert_eq!(doc.blocks[0].code, "```sh\ninner\n```\n");
        assert_eq!(doc.blocks[0].lang, "markdown");
        assert_eq!(doc.blocks[1].lang, "python");
        assert_eq!(doc.blocks[1].line, 8);
    }

    #[test]
    fn an_unclosed_fence_is_an_error() {
        let doc = parse("d.md", "```sh\nmake\n");
        assert_eq!(doc.errors, ["d.md:1: this fence is never closed"]);
    }

    #[test]
    fn module_names_are_identifiers() {
        let doc = parse("docs/c-api.md", "\n```rust\nfn main() {}\n```\n");
        assert_eq!(doc.blocks[0].module_name(), "block_docs_c_api_md_2");
        assert_eq!(doc.blocks[0].id(), "docs/c-api.md:2");
    }
}
