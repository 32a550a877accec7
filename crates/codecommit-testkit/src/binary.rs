//! Binaries of another package of this workspace, built for the test that runs them.
//!
//! `CARGO_BIN_EXE_<name>` exists only for the package's own binaries. A test that runs another
//! package's binary (the mock's tests run the helper) used to take whatever file lay in
//! `target/`, and nothing rebuilt it for that test: after `cargo mutants` or a branch switch a
//! stale binary decided the verdict. Here the test asks the cargo that runs it (`CARGO`) to build
//! the binary from the current sources, in the test's own target directory and profile; that
//! costs one up-to-date check when nothing changed.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

/// The binary `bin` of the workspace package `package`, freshly built by the cargo running this
/// test. Panics with the reason (and the command to run by hand) when it cannot be built.
#[track_caller]
pub fn cargo_bin(package: &str, bin: &str) -> PathBuf {
    match try_cargo_bin(package, bin) {
        Ok(path) => path,
        Err(reason) => panic!("{reason}"),
    }
}

/// [`cargo_bin`] without the panic. Each binary is built once per test process: tests running in
/// parallel wait for the first build instead of starting their own.
pub fn try_cargo_bin(package: &str, bin: &str) -> Result<PathBuf, String> {
    static BUILT: Mutex<Option<HashMap<(String, String), PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let built = built.get_or_insert_with(HashMap::new);
    let key = (package.to_owned(), bin.to_owned());
    if let Some(path) = built.get(&key) {
        return Ok(path.clone());
    }
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find the running test program: {e}"))?;
    let layout = Layout::of_test(&exe)?;
    let cargo = std::env::var_os("CARGO");
    let path = build(cargo, &layout, &layout.profile_args(), package, bin)?;
    built.insert(key, path.clone());
    Ok(path)
}

/// Where the test runs from: `<target-dir>/<profile dir>/deps/<test>`, as cargo lays it out.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    target_dir: PathBuf,
    /// `debug` for the `dev` and `test` profiles, `release` for `release` and `bench`, else the
    /// profile's own name.
    profile_dir: PathBuf,
}

impl Layout {
    fn of_test(exe: &Path) -> Result<Layout, String> {
        let deps = exe
            .parent()
            .filter(|d| d.file_name() == Some("deps".as_ref()));
        let profile_dir = deps.and_then(Path::parent);
        match profile_dir.and_then(|p| Some((p.parent()?, p))) {
            Some((target_dir, profile_dir)) => Ok(Layout {
                target_dir: target_dir.to_path_buf(),
                profile_dir: profile_dir.to_path_buf(),
            }),
            None => Err(format!(
                "{} is not in a cargo target directory (<target>/<profile>/deps/); run it with `cargo test`",
                exe.display()
            )),
        }
    }

    /// The `cargo build` profile arguments that write into this profile directory.
    fn profile_args(&self) -> Vec<OsString> {
        match self.profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => Vec::new(),
            Some("release") => vec!["--release".into()],
            Some(other) => vec!["--profile".into(), other.into()],
        }
    }
}

/// The binary `bin` of `package` as the README installs it: a release build, on Linux with glibc
/// a static-pie (`.cargo/static-linux.toml`, with the target named so the flags reach the
/// binaries only), elsewhere cargo's own release build. Built by the cargo
/// running this test or benchmark into its target directory; panics with the reason when it
/// cannot be built.
#[track_caller]
pub fn installed_bin(package: &str, bin: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the running test program");
    let layout = Layout::of_test(&exe).unwrap_or_else(|e| panic!("{e}"));
    let target = installed_target();
    let mut args: Vec<OsString> = vec!["--release".into(), "--locked".into()];
    let mut profile_dir = layout.target_dir.clone();
    if let Some(target) = &target {
        args.extend(["--target".into(), target.into(), "--config".into()]);
        args.push(static_linux_config().into());
        profile_dir.push(target);
    }
    profile_dir.push("release");
    let installed = Layout {
        profile_dir,
        target_dir: layout.target_dir,
    };
    build(std::env::var_os("CARGO"), &installed, &args, package, bin)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The flags of the installed build on Linux, in the workspace's `.cargo`.
fn static_linux_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cargo/static-linux.toml")
}

/// The target named for the installed build: this host's, where `.cargo/static-linux.toml`
/// applies (Linux with glibc); `None` elsewhere, where the installed build is cargo's own.
fn installed_target() -> Option<String> {
    cfg!(all(target_os = "linux", target_env = "gnu"))
        .then(|| format!("{}-unknown-linux-gnu", std::env::consts::ARCH))
}

fn build(
    cargo: Option<OsString>,
    layout: &Layout,
    profile_args: &[OsString],
    package: &str,
    bin: &str,
) -> Result<PathBuf, String> {
    let file = format!("{bin}{}", std::env::consts::EXE_SUFFIX);
    let by_hand = format!(
        "cargo build -p {package} --bin {bin} {}",
        profile_args
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let by_hand = by_hand.trim_end();
    let Some(cargo) = cargo.filter(|c| !c.is_empty()) else {
        return Err(format!(
            "CARGO is not set, so this test cannot build {file} from the current sources: run it \
             with `cargo test`, or run `{by_hand}` and the test through cargo"
        ));
    };
    let mut command = Command::new(&cargo);
    command
        .args(["build", "--quiet", "-p", package, "--bin", bin])
        .args(profile_args)
        .arg("--target-dir")
        .arg(&layout.target_dir);
    let status = command.status().map_err(|e| {
        format!(
            "cannot run {} to build {file}: {e}",
            cargo.to_string_lossy()
        )
    })?;
    if !status.success() {
        return Err(format!(
            "`{by_hand}` failed ({status}); its errors are above"
        ));
    }
    let path = layout.profile_dir.join(&file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "`{by_hand}` succeeded but {} does not exist",
            path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_directory_decides_the_build_profile() {
        let layout = |exe: &str| Layout::of_test(Path::new(exe)).expect("a cargo layout");
        let debug = layout("/w/target/debug/deps/mock-0123abcd");
        assert_eq!(debug.target_dir, Path::new("/w/target"));
        assert_eq!(debug.profile_dir, Path::new("/w/target/debug"));
        assert!(debug.profile_args().is_empty());
        assert_eq!(
            layout("/w/target/release/deps/mock-0123abcd").profile_args(),
            ["--release"]
        );
        assert_eq!(
            layout("/w/t/ci-fast/deps/mock-0123abcd").profile_args(),
            ["--profile", "ci-fast"]
        );
    }

    #[test]
    fn a_program_outside_a_target_directory_is_refused_with_the_fix() {
        let err = Layout::of_test(Path::new("/usr/local/bin/mock")).expect_err("not a test");
        assert!(err.contains("run it with `cargo test`"), "{err}");
    }

    #[test]
    fn without_cargo_it_says_how_to_run_the_test() {
        let layout =
            Layout::of_test(Path::new("/w/target/debug/deps/mock-0123abcd")).expect("a layout");
        let err = build(
            None,
            &layout,
            &layout.profile_args(),
            "git-credential-codecommit",
            "git-credential-codecommit",
        )
        .expect_err("no cargo");
        assert!(err.starts_with("CARGO is not set"), "{err}");
        assert!(
            err.contains(
                "cargo build -p git-credential-codecommit --bin git-credential-codecommit"
            ),
            "{err}"
        );
    }

    /// The file the README's install command and docker/build.sh pass with `--config`: there, and
    /// linking glibc in for Linux targets only (the full build is the benchmark's to run).
    #[test]
    fn the_installed_builds_flags_are_where_the_install_command_looks() {
        let path = static_linux_config();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let config: toml::Table = text.parse().expect("valid TOML");
        let targets = config["target"].as_table().expect("a [target] table");
        assert_eq!(targets.len(), 1, "{targets:?}");
        let (cfg, table) = targets.iter().next().expect("one target");
        assert_eq!(cfg, r#"cfg(all(target_os = "linux", target_env = "gnu"))"#);
        let flags: Vec<&str> = table["rustflags"]
            .as_array()
            .expect("rustflags")
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        assert!(
            flags
                .windows(2)
                .any(|w| w == ["-C", "target-feature=+crt-static"]),
            "{flags:?}"
        );
    }

    /// The real thing, on the smallest binary of the workspace that is not this package's.
    #[test]
    fn builds_another_packages_binary_beside_the_test() {
        let path = cargo_bin("codecommit-replay", "codecommit-standin");
        assert!(path.is_file(), "{}", path.display());
        let exe = std::env::current_exe().expect("this test");
        assert_eq!(
            path.parent(),
            exe.parent().and_then(Path::parent),
            "built into this test's profile directory"
        );
    }
}
