//! Compiles the Rust blocks of every document into the runner: each block becomes a module of its
//! own (its text as written, plus an entry point), listed in a table the runner looks blocks up in.

#[path = "src/markdown.rs"]
#[allow(dead_code)]
mod markdown;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use markdown::{Fate, Lang};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let blocks_dir = out.join("blocks");
    let _ = std::fs::remove_dir_all(&blocks_dir);
    std::fs::create_dir_all(&blocks_dir).expect("create OUT_DIR/blocks");

    // New documents under docs/ are found on the next build; a document added elsewhere is found
    // by the runner, which compares each Rust block with the one compiled in and asks for a rebuild.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/markdown.rs");
    println!("cargo:rerun-if-changed={}", root.join("docs").display());

    let mut modules = String::new();
    let mut table = String::from("static RUST_BLOCKS: &[RustBlock] = &[\n");
    for doc in markdown::find_docs(&root).expect("list the documents") {
        let path = root.join(&doc);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("read a document");
        for block in markdown::parse(&doc, &text).blocks {
            let compiled = matches!(
                block.fate(),
                Ok(Fate::Run(Lang::Rust) | Fate::NoRun(Lang::Rust, _))
            );
            if !compiled {
                continue;
            }
            let module = block.module_name();
            let file = blocks_dir.join(format!("{module}.rs"));
            write_block(&file, &block.code);
            let _ = writeln!(
                modules,
                "#[path = {:?}]\nmod {module};",
                file.display().to_string()
            );
            let _ = writeln!(
                table,
                "    RustBlock {{ id: {:?}, hash: {:#x}, run: {module}::__doctest_run }},",
                block.id(),
                markdown::code_hash(&block.code)
            );
        }
    }
    table.push_str("];\n");
    std::fs::write(out.join("rust_blocks.rs"), modules + &table).expect("write rust_blocks.rs");
}

/// The block as written, then its entry point; appended after the text so that compiler messages
/// give the block's own line numbers.
fn write_block(file: &Path, code: &str) {
    let text = format!(
        "{code}\n// Added by the docs runner: runs `main` and reports its result as a program would.\n\
         #[allow(clippy::unit_arg)]\n\
         pub(crate) fn __doctest_run() -> std::process::ExitCode {{\n    \
         std::process::Termination::report(main())\n}}\n"
    );
    std::fs::write(file, text).expect("write a block");
}
