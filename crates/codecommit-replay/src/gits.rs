//! Every distinct git on this machine: `PATH`, the usual install places, and those listed in
//! `CODECOMMIT_REPLAY_GITS` (separated like `PATH`).

use crate::version::GitVersion;
use codecommit_testkit::env::ChildEnv;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const GITS_ENV: &str = "CODECOMMIT_REPLAY_GITS";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Git {
    pub path: PathBuf,
    pub version: GitVersion,
    /// `git --version` as printed (`git version 2.39.5`).
    pub describe: String,
    /// `git --exec-path`: where git looks for `git-NAME` programs before `PATH` (Homebrew's and
    /// Apple's git keep `git-credential-osxkeychain` there). `None` when git printed none.
    pub exec_path: Option<PathBuf>,
}

impl Git {
    pub fn probe(path: &Path) -> Result<Git, String> {
        // An environment of nothing but what a process needs to start (on Windows, SYSTEMROOT
        // and its kin): the version must not depend on the user's configuration.
        let mut version = Command::new(path);
        version.arg("--version");
        ChildEnv::new().apply(&mut version);
        let out = version
            .output()
            .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
        let describe = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let version = GitVersion::parse(&describe)
            .ok_or_else(|| format!("{} printed no git version: {describe:?}", path.display()))?;
        // The machine's configuration cannot move the exec path; only GIT_EXEC_PATH can, and
        // ChildEnv starts without it (on Windows with the variables a process needs to start).
        let mut exec = Command::new(path);
        exec.arg("--exec-path");
        ChildEnv::new().apply(&mut exec);
        let exec_path = exec
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        Ok(Git {
            path: path.to_owned(),
            version,
            describe,
            exec_path,
        })
    }
}

/// Finds the gits to replay with; `explicit` (from the command line) replaces discovery.
pub fn discover(explicit: &[PathBuf]) -> Result<Vec<Git>, String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if explicit.is_empty() {
        if let Some(listed) = std::env::var_os(GITS_ENV) {
            candidates.extend(std::env::split_paths(&listed).filter(|p| !p.as_os_str().is_empty()));
        }
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(
                std::env::split_paths(&path)
                    .map(|d| d.join(format!("git{}", std::env::consts::EXE_SUFFIX))),
            );
        }
        // The places Debian, source builds, Homebrew and Git for Windows install to.
        for known in [
            "/usr/bin/git",
            "/usr/local/bin/git",
            "/opt/homebrew/bin/git",
            "C:\\Program Files\\Git\\cmd\\git.exe",
        ] {
            candidates.push(PathBuf::from(known));
        }
    } else {
        candidates.extend(explicit.iter().cloned());
    }
    let mut gits: Vec<Git> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for candidate in candidates {
        if !candidate.is_file() {
            if !explicit.is_empty() {
                return Err(format!(
                    "{} is not a file; pass the path of a git binary",
                    candidate.display()
                ));
            }
            continue;
        }
        let real = std::fs::canonicalize(&candidate).unwrap_or_else(|_| candidate.clone());
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        let git = Git::probe(&candidate)?;
        // Two installs of one release behave alike: replay each release once.
        if !gits.iter().any(|g| g.describe == git.describe) {
            gits.push(git);
        }
    }
    if gits.is_empty() {
        return Err(format!(
            "no git found on PATH or in {GITS_ENV}; install git or pass --git PATH"
        ));
    }
    gits.sort_by_key(|g| g.version);
    Ok(gits)
}
