//! The git that is running this helper, found the way git itself tells its children: every
//! helper git starts (`git credential-NAME`, a `!shell` helper, an absolute path) inherits
//! `GIT_EXEC_PATH`, the directory of git's own programs, which holds the `git` that started it.
//! `git --exec-path` documents the variable; `git.c` exports it before running anything.
//!
//! Asked only when the answer depends on it (git offered `capability[]=authtype`), so a `get`
//! from a git older than 2.46 starts no second process.

use super::Version;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// The variable git exports to the helpers it runs.
pub const EXEC_PATH_ENV: &str = "GIT_EXEC_PATH";

/// `git version` prints and exits at once; a git that takes longer is not the one that called
/// (a wrapper waiting on something), and the helper must not hang git's fetch or push on it.
const DEADLINE: Duration = Duration::from_secs(2);

/// The release of the git that started this process, from `exec_path` (the value of
/// [`EXEC_PATH_ENV`]); `None` when there is none or it cannot be asked: the caller must then
/// answer in the form every release understands.
pub fn version(exec_path: Option<&OsStr>) -> Option<Version> {
    let dir = Path::new(exec_path.filter(|p| !p.is_empty())?);
    let program = git_in(dir);
    let mut child = Command::new(&program)
        .arg("version")
        // Nothing of the user's configuration changes what `git version` prints, and a line
        // git cannot read would fail it: read none.
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", null_device())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let status = match child.wait_timeout(DEADLINE) {
        Ok(Some(status)) => status,
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
    };
    let mut printed = String::new();
    child.stdout.take()?.read_to_string(&mut printed).ok()?;
    status.success().then(|| Version::parse(&printed)).flatten()
}

fn git_in(dir: &Path) -> PathBuf {
    dir.join(if cfg!(windows) { "git.exe" } else { "git" })
}

fn null_device() -> &'static str {
    if cfg!(windows) { "NUL" } else { "/dev/null" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_exec_path_means_no_version() {
        assert_eq!(version(None), None);
        assert_eq!(version(Some(OsStr::new(""))), None);
        let empty = std::env::temp_dir().join("git-credential-codecommit-no-git-here");
        assert_eq!(version(Some(empty.as_os_str())), None);
    }
}
