//! Writes `include/crmnf.h` from this crate's source with cbindgen, or to the path given (the
//! header drift check writes to a temporary file and compares).
//!
//! `cargo run -p crmcom-netflix-c --example generate_header [-- OUT]`

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("include/crmnf.h"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cbindgen.toml: {e}"));
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen: {e}"));
    bindings.write_to_file(&out);
}
