//! Test support shared by the crates of this workspace.
//!
//! Two rules live here so that no test has to remember them:
//! - every child process gets an environment built from scratch ([`env::ChildEnv`], used by
//!   [`Sandbox::command`]), never the developer's: this machine exports `GIT_SSL_CAINFO`, has
//!   `aws` on `PATH` and a credential helper in `/etc/gitconfig`, and a developer may have real
//!   AWS keys in their environment;
//! - a test that needs an external tool (the AWS CLI, git-remote-codecommit, curl, libfaketime,
//!   Docker) is ignored with a reason when the tool is missing ([`build::probe_tools`] in the
//!   crate's `build.rs`, `#[cfg_attr(missing_aws, ignore = "...")]` on the test), so cargo's
//!   summary shows it as not run; `CODECOMMIT_TEST_STRICT=1`, which `.ci/run` sets, makes every such
//!   test run and fail loudly if the tool is absent.
//!
//! [`world`] is the standard test world (identities, repository, the mock's configuration).
#![forbid(unsafe_code)]

pub mod bench;
pub mod binary;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod build;
pub mod env;
pub mod faketime;
pub mod world;

use env::ChildEnv;

/// Environment variable that turns a missing external tool from a skip into a failure.
pub const STRICT_ENV: &str = "CODECOMMIT_TEST_STRICT";

/// True when missing external tools must fail tests (CI).
pub fn strict() -> bool {
    strict_var(STRICT_ENV)
}

/// True when the variable is set to something other than empty or `0`.
pub fn strict_var(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Looks up an external program: first the variable `override_env` (a path), then `PATH`.
pub fn find_tool(name: &str, override_env: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(override_env).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| executable_names(name).map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
}

fn executable_names(name: &str) -> impl Iterator<Item = String> + '_ {
    // Windows finds `aws.cmd` or `git.exe` for `aws` and `git`; elsewhere the name is the file.
    let exts: &[&str] = if cfg!(windows) {
        &[".exe", ".cmd", ".bat", ""]
    } else {
        &[""]
    };
    exts.iter().map(move |ext| format!("{name}{ext}"))
}

/// Finds a tool a test needs, or fails the test saying how to provide it.
///
/// A test calling this is ignored when the tool is missing (its crate's `build.rs` probes with
/// [`build::probe_tools`]); it reaches this line without the tool only in strict mode, or when
/// the tool went away after the build, and then it must fail, not pass.
#[track_caller]
pub fn require_tool(name: &str, override_env: &str) -> PathBuf {
    match find_tool(name, override_env) {
        Some(path) => path,
        None => panic!("`{name}` not found: set {override_env} or put it on PATH"),
    }
}

/// A throwaway HOME with its own git and AWS configuration, and the one way to start processes in it.
#[derive(Debug)]
pub struct Sandbox {
    root: tempfile::TempDir,
    path: Vec<PathBuf>,
    /// Where instance metadata answers, if on ([`Sandbox::with_instance_metadata`]).
    instance_metadata: Option<String>,
}

impl Sandbox {
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("codecommit-test-")
            .tempdir()
            .expect("a temporary directory for the sandbox");
        for dir in ["home/.aws", "home/.config", "bin", "tmp"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("sandbox directories");
        }
        let sandbox = Sandbox {
            root,
            path: Vec::new(),
            instance_metadata: None,
        };
        std::fs::write(sandbox.gitconfig_global(), "").expect("empty global gitconfig");
        std::fs::write(sandbox.gitconfig_system(), "").expect("empty system gitconfig");
        sandbox
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }
    /// A directory on the sandbox's PATH, first, for programs a test installs.
    pub fn bin(&self) -> PathBuf {
        self.root().join("bin")
    }
    pub fn aws_config(&self) -> PathBuf {
        self.home().join(".aws/config")
    }
    pub fn aws_credentials(&self) -> PathBuf {
        self.home().join(".aws/credentials")
    }
    pub fn gitconfig_global(&self) -> PathBuf {
        self.home().join(".gitconfig")
    }
    pub fn gitconfig_system(&self) -> PathBuf {
        self.root().join("gitconfig-system")
    }

    /// Adds directories to the child's PATH, after the sandbox's own `bin`.
    pub fn with_path(mut self, dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        self.path.extend(dirs);
        self
    }

    /// Adds the system's own program directories (`/usr/bin`, `/bin`) to the child's PATH, for
    /// peers that are scripts needing an interpreter (the AWS CLI's entry point, `sh` for
    /// `credential_process`). Tests about "command not found" must not call this.
    pub fn with_system_path(self) -> Self {
        let system: &[&str] = if cfg!(windows) {
            &[]
        } else {
            &["/usr/bin", "/bin"]
        };
        let mut sandbox = self;
        sandbox.path.extend(system.iter().map(PathBuf::from));
        if cfg!(windows)
            && let Some(root) = std::env::var_os("SystemRoot")
        {
            sandbox.path.push(PathBuf::from(root).join("System32"));
        }
        sandbox
    }

    /// Instance metadata on, at `endpoint` (a loopback stand-in), instead of off.
    pub fn with_instance_metadata(mut self, endpoint: String) -> Self {
        self.instance_metadata = Some(endpoint);
        self
    }

    /// Writes `~/.aws/config` (shared config file syntax: `[default]`, `[profile NAME]`).
    pub fn write_aws_config(&self, text: &str) -> &Self {
        std::fs::write(self.aws_config(), text).expect("write sandbox ~/.aws/config");
        self
    }

    /// Writes `~/.aws/credentials`.
    pub fn write_aws_credentials(&self, text: &str) -> &Self {
        std::fs::write(self.aws_credentials(), text).expect("write sandbox ~/.aws/credentials");
        self
    }

    /// The child's whole environment ([`ChildEnv`] says why each variable is there).
    pub fn env(&self) -> ChildEnv {
        let mut path = vec![self.bin()];
        path.extend(self.path.iter().cloned());
        let env = ChildEnv::new()
            .home(&self.home())
            .git_config(Some(&self.gitconfig_system()), &self.gitconfig_global())
            .no_prompt()
            .tmp(&self.root().join("tmp"))
            .aws_files(&self.aws_config(), &self.aws_credentials())
            .path(path);
        match &self.instance_metadata {
            Some(endpoint) => env.instance_metadata(endpoint),
            None => env,
        }
    }

    /// A command that runs in the sandbox with [`Sandbox::env`] and nothing else.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        self.env().apply(&mut cmd).current_dir(self.root());
        cmd
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(all(test, unix))] // `env` is a Unix program; the rule itself is platform-independent.
mod tests {
    use super::*;

    #[test]
    fn child_environment_is_rebuilt_from_scratch() {
        let sandbox = Sandbox::new();
        let out = sandbox.command("/usr/bin/env").output().expect("run env");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("HOME={}", sandbox.home().display())),
            "{text}"
        );
        // This machine exports GIT_SSL_CAINFO; the sandbox must not pass it on.
        for leaked in ["GIT_SSL_CAINFO=", "AWS_ACCESS_KEY_ID=", "RUST_BACKTRACE="] {
            assert!(
                !text.contains(leaked),
                "{leaked} leaked into the sandbox:\n{text}"
            );
        }
    }
}

#[cfg(test)]
mod workspace {
    /// The workspace's `rust-version` is the oldest Rust its documented commands work with: the
    /// README installs with `cargo install --target host-tuple`, which cargo accepts from 1.91.
    #[test]
    fn rust_version_covers_the_readme_commands() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
            .expect("the workspace manifest")
            .parse()
            .expect("TOML");
        let declared = manifest["workspace"]["package"]["rust-version"]
            .as_str()
            .expect("workspace.package.rust-version");
        let minor = |v: &str| -> u32 {
            v.split('.')
                .nth(1)
                .and_then(|m| m.parse().ok())
                .expect("1.MINOR")
        };
        let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
        // (what the README uses, the Rust release that first accepts it)
        for (feature, since) in [("--target host-tuple", "1.91")] {
            if readme.contains(feature) {
                assert!(
                    minor(declared) >= minor(since),
                    "the README uses `{feature}` (Rust {since}), the workspace declares rust-version = {declared}"
                );
            }
        }
    }
}

#[cfg(test)]
mod peers {
    /// ci/peers.txt pins each peer to the release its contract says it was measured on.
    #[test]
    fn ci_pins_the_releases_the_contracts_were_measured_on() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let read = |path: &str| std::fs::read_to_string(root.join(path)).expect(path);
        let pins = read("ci/peers.txt");
        for (package, contract, measured) in [
            (
                "awscli",
                "scenarios/helpers/aws-cli-v1.toml",
                "measured with aws-cli ",
            ),
            (
                "git-remote-codecommit",
                "scenarios/remotes/python-git-remote-codecommit.toml",
                "measured with ",
            ),
        ] {
            let text = read(contract);
            let version = text
                .split(measured)
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("{contract} says what it was {measured:?}"));
            let pin = format!("{package}=={version}");
            assert!(
                pins.lines().any(|line| line.trim() == pin),
                "{contract} was measured on {package} {version}; ci/peers.txt must pin {pin}:\n{pins}"
            );
        }
    }
}
