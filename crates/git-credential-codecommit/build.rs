//! Marks the tests that need a missing external tool as ignored, with the reason in cargo's
//! summary (`codecommit_testkit::build`), and links the helper as a position-dependent
//! executable on glibc Linux.
fn main() {
    use codecommit_testkit::build::{Tool, probe_tools};
    probe_tools(&[Tool::Aws, Tool::Faketime]);
    link_position_dependent();
}

/// Git starts the helper on every fetch and push. Linked as a position-independent executable,
/// the 8 MB binary carries 20,000 relative relocations (vtables, string tables) that the dynamic
/// loader applies on every start, copying each page of `.data.rel.ro` it writes: 40 % of the
/// instructions of a `get` (callgrind: 1,054,343 with packed RELR relocations, 818,853 without
/// PIE). A fixed load address costs the helper's own code its address randomisation (the
/// libraries, stack and heap keep theirs); the process lives for a millisecond and reads only
/// git's request and the user's own AWS files. Only the dynamically linked glibc build: a
/// `crt-static` build (docker/build.sh) stays `static-pie`, and other platforms link as before.
fn link_position_dependent() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let crt_static = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && !crt_static
    {
        println!("cargo:rustc-link-arg-bin=git-credential-codecommit=-no-pie");
    }
}
