//! The docs runner with the Rust blocks of the documents compiled in (see src/lib.rs).

use crmcom_netflix_docs::RustBlock;

// One module per Rust block, and `RUST_BLOCKS`, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/rust_blocks.rs"));

fn main() -> std::process::ExitCode {
    crmcom_netflix_docs::main(RUST_BLOCKS)
}
