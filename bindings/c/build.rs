//! Gives the shared library a versioned soname (`libcrmnf.so.0`), so that programs linked against
//! one release keep working when a compatible one replaces it.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcrmnf.so.{major}");
    }
}
