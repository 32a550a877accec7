//! The user's git, and the configuration it reads, asked of git itself: `git --version`,
//! `git config --show-scope --show-origin --get-regexp`. Nothing here parses a configuration
//! file, so includes, `GIT_CONFIG_*` variables and every file git reads are seen as git sees
//! them; only git's own "bad config line" message is read, to point at the line.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use crate::git::Version;

/// `--show-scope` arrived in git 2.26.
pub const OLDEST: Version = Version(2, 26, 0);

/// What [`Git::entries`] asks git; [`parse_entries`] reads its answer.
pub const ENTRIES_QUERY: [&str; 6] = [
    "config",
    "--null",
    "--show-scope",
    "--show-origin",
    "--get-regexp",
    r"^(credential|http|remote)\.",
];

/// One configuration entry, in the order git reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `system`, `global`, `local`, `worktree`, `command`.
    pub scope: String,
    /// The file (`/etc/gitconfig`), or `command line`.
    pub origin: String,
    /// `credential.https://git-codecommit.*.amazonaws.com.helper`: the section and variable in
    /// lower case, the subsection as written.
    pub key: String,
    /// `None` for a bare `key` line (boolean true).
    pub value: Option<String>,
}

impl Entry {
    /// `(subsection, variable)` of a key in `section`: `credential.helper` is `(None,
    /// "helper")`, `credential.https://h.helper` is `(Some("https://h"), "helper")`.
    pub fn in_section(&self, section: &str) -> Option<(Option<&str>, &str)> {
        let rest = self.key.strip_prefix(section)?.strip_prefix('.')?;
        Some(match rest.rsplit_once('.') {
            Some((sub, name)) => (Some(sub), name),
            None => (None, rest),
        })
    }

    /// Where it comes from, for evidence: `global file /home/me/.gitconfig`.
    pub fn whence(&self) -> String {
        if self.origin == "command line" {
            "the command line (-c)".to_owned()
        } else {
            format!("{} file {}", self.scope, self.origin)
        }
    }

    /// The line as the user would search for it: `credential.helper=osxkeychain`.
    pub fn shown(&self) -> String {
        match &self.value {
            Some(v) => format!("{}={v}", self.key),
            None => self.key.clone(),
        }
    }
}

/// Why git or its configuration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    #[error(
        "git is not on PATH; install git or add its directory to PATH, then run the doctor again"
    )]
    NotFound,
    #[error("cannot run {program}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("'{program} --version' printed '{printed}', which is not a git version")]
    NoVersion { program: String, printed: String },
    #[error(
        "git {0} is too old for the doctor (it needs {OLDEST} or later for --show-scope); upgrade git"
    )]
    TooOld(Version),
    /// git refuses a file: every git command fails until the line is fixed.
    #[error("{message}")]
    BadConfig {
        message: String,
        file: Option<String>,
        line: Option<u32>,
    },
    #[error("git config failed: {0}")]
    Config(String),
}

/// The git on PATH, as the user's git commands run it.
#[derive(Debug, Clone)]
pub struct Git {
    pub program: PathBuf,
    pub version: Version,
    /// `git --exec-path`: where `git credential-NAME` finds `git-credential-NAME` first.
    pub exec_path: Option<PathBuf>,
}

impl Git {
    /// Finds git on PATH and asks its version.
    pub fn find() -> Result<Git, GitError> {
        let program = super::helpers::which("git").ok_or(GitError::NotFound)?;
        let mut out = run(&program, ["--version"], None)?;
        // git reads its configuration before it does anything, even `--version`: a line it
        // cannot read fails every command. The release does not depend on the configuration, so
        // ask it again without any; `entries` then reports the line.
        if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("bad config") {
            out = run_without_config(&program, ["--version"])?;
        }
        let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let version = Version::parse(&printed).ok_or_else(|| GitError::NoVersion {
            program: program.display().to_string(),
            printed: printed.clone(),
        })?;
        if version < OLDEST {
            return Err(GitError::TooOld(version));
        }
        let exec_path = run(&program, ["--exec-path"], None)
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| !p.as_os_str().is_empty());
        Ok(Git {
            program,
            version,
            exec_path,
        })
    }

    /// Every `credential.*`, `http.*` and `remote.*` entry git reads in `dir` (system, global,
    /// the repository's, the command line), in git's order.
    pub fn entries(&self, dir: &Path) -> Result<Vec<Entry>, GitError> {
        let out = run(&self.program, ENTRIES_QUERY, Some(dir))?;
        match out.status.code() {
            Some(0) => Ok(parse_entries(&out.stdout)),
            // Nothing matched.
            Some(1) if out.stdout.is_empty() => Ok(Vec::new()),
            _ => Err(bad_config(&String::from_utf8_lossy(&out.stderr))),
        }
    }
}

/// Parses `--null --show-scope --show-origin` output: `scope NUL origin NUL key [LF value] NUL`.
pub fn parse_entries(bytes: &[u8]) -> Vec<Entry> {
    let text = String::from_utf8_lossy(bytes);
    let fields: Vec<&str> = text.split('\0').collect();
    fields
        .chunks_exact(3)
        .map(|chunk| {
            let (key, value) = match chunk[2].split_once('\n') {
                Some((k, v)) => (k, Some(v.to_owned())),
                None => (chunk[2], None),
            };
            let origin = chunk[1];
            Entry {
                scope: chunk[0].to_owned(),
                origin: origin
                    .strip_prefix("file:")
                    .unwrap_or(origin.trim_end_matches(':'))
                    .to_owned(),
                key: key.to_owned(),
                value,
            }
        })
        .collect()
}

/// git's `fatal: bad config line 2 in file /home/me/.gitconfig`, with the file and line.
fn bad_config(stderr: &str) -> GitError {
    let line = stderr
        .lines()
        .find(|l| l.contains("bad config"))
        .or_else(|| {
            stderr
                .lines()
                .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        })
        .unwrap_or("git config failed with no message")
        .trim();
    let Some(rest) = line.split("bad config line ").nth(1) else {
        return GitError::Config(line.to_owned());
    };
    let number = rest.split_whitespace().next().and_then(|n| n.parse().ok());
    let file = rest
        .split_once(" in file ")
        .map(|(_, f)| f.trim().to_owned())
        .or_else(|| rest.split_once(" in ").map(|(_, f)| f.trim().to_owned()));
    GitError::BadConfig {
        message: line.to_owned(),
        file,
        line: number,
    }
}

/// Runs git reading no configuration file at all: no system file, no global file (an empty
/// HOME for git older than 2.32), no repository (run in the temporary directory), nothing from
/// the command line's `-c`.
fn run_without_config<I, S>(program: &Path, args: I) -> Result<std::process::Output, GitError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let nowhere = std::env::temp_dir().join("git-credential-codecommit-doctor-no-home");
    Command::new(program)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CONFIG_GLOBAL",
            if cfg!(windows) { "NUL" } else { "/dev/null" },
        )
        .env("HOME", &nowhere)
        .env("XDG_CONFIG_HOME", &nowhere)
        .env_remove("GIT_DIR")
        .env_remove("GIT_CONFIG_PARAMETERS")
        .env_remove("GIT_CONFIG_COUNT")
        .env("GIT_TERMINAL_PROMPT", "0")
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| GitError::Spawn {
            program: program.display().to_string(),
            reason: e.to_string(),
        })
}

/// Runs git with the user's own environment (that is what the doctor examines), never asking
/// on the terminal.
fn run<I, S>(program: &Path, args: I, dir: Option<&Path>) -> Result<std::process::Output, GitError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(program);
    command
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.output().map_err(|e| GitError::Spawn {
        program: program.display().to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_order_origin_and_bare_keys() {
        let raw = b"system\0file:/etc/gitconfig\0credential.helper\nosxkeychain\0\
global\0file:/h/.gitconfig\0credential.https://git-codecommit.*.amazonaws.com.helper\n\0\
global\0file:/h/.gitconfig\0http.emptyauth\0\
command\0command line:\0credential.helper\n\0";
        let entries = parse_entries(raw);
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].origin, "/etc/gitconfig");
        assert_eq!(entries[0].value.as_deref(), Some("osxkeychain"));
        assert_eq!(
            entries[1].in_section("credential"),
            Some((Some("https://git-codecommit.*.amazonaws.com"), "helper"))
        );
        assert_eq!(entries[1].value.as_deref(), Some(""));
        assert_eq!(entries[2].value, None);
        assert_eq!(entries[3].origin, "command line");
        assert_eq!(entries[3].whence(), "the command line (-c)");
    }

    #[test]
    fn a_bad_line_names_file_and_line() {
        let error = bad_config("fatal: bad config line 2 in file /h/.gitconfig\n");
        assert_eq!(
            error,
            GitError::BadConfig {
                message: "fatal: bad config line 2 in file /h/.gitconfig".to_owned(),
                file: Some("/h/.gitconfig".to_owned()),
                line: Some(2),
            }
        );
    }
}
