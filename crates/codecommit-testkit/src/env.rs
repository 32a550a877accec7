//! The one way this workspace builds a child process's environment: from nothing, one variable
//! at a time, each with the reason it is there (STYLE point 14).
//!
//! Nothing of the parent's environment gets in unless a method copies it on purpose: this machine
//! exports `GIT_SSL_CAINFO`, has `aws` on `PATH` and a credential helper in `/etc/gitconfig`, and
//! a developer may have real AWS keys exported. [`ChildEnv::new`] starts with what every child
//! needs (`C` locale, UTC); the builder methods add the rest:
//!
//! ```
//! # use codecommit_testkit::env::ChildEnv;
//! # use std::path::Path;
//! let home = Path::new("/tmp/sandbox/home");
//! let env = ChildEnv::new()
//!     .home(home)
//!     .git_config(None, &home.join(".gitconfig"))
//!     .no_prompt()
//!     .path([home.join("bin")]);
//! let mut git = std::process::Command::new("git");
//! env.apply(&mut git);
//! ```

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Variables Windows needs to start any process (and to find `cmd.exe`, and programs by
/// extension), copied from the parent by [`ChildEnv::new`] on Windows only.
pub const WINDOWS_SYSTEM_VARS: [&str; 5] =
    ["SYSTEMROOT", "SystemRoot", "COMSPEC", "PATHEXT", "WINDIR"];

/// A child's whole environment, in a stable order (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildEnv {
    vars: BTreeMap<OsString, OsString>,
    /// The child runs on Windows: `PATH` is `;`-separated and temporary files follow `TMP`/`TEMP`.
    windows: bool,
}

impl ChildEnv {
    /// A process on this machine: `C` locale and UTC, plus on Windows the variables it cannot start
    /// a process without ([`WINDOWS_SYSTEM_VARS`], copied from the parent).
    pub fn new() -> ChildEnv {
        let mut env = ChildEnv::for_unix();
        env.windows = cfg!(windows);
        if env.windows {
            for key in WINDOWS_SYSTEM_VARS {
                if let Some(value) = std::env::var_os(key) {
                    env.vars.insert(key.into(), value);
                }
            }
        }
        env
    }

    /// A process on another Unix system (a container), whatever this machine is: `C` locale and
    /// UTC, and nothing at all from this process's environment.
    pub fn for_unix() -> ChildEnv {
        ChildEnv {
            vars: BTreeMap::new(),
            windows: false,
        }
        // Untranslated messages that tests can match, whatever the machine's language.
        .set("LANG", "C")
        .set("LC_ALL", "C")
        // Dates in git's output and the AWS tools' logs read the same on every machine.
        .set("TZ", "UTC")
    }

    /// `HOME` (and Windows' `USERPROFILE`) is `home`, `XDG_CONFIG_HOME` is `home/.config`:
    /// everything that looks for per-user configuration finds the sandbox's.
    pub fn home(self, home: &Path) -> Self {
        self.set("HOME", home)
            .set("USERPROFILE", home)
            .set("XDG_CONFIG_HOME", home.join(".config"))
    }

    /// Git reads exactly these files: `global`, and `system` instead of `/etc/gitconfig`; with
    /// `None` no system file at all (`GIT_CONFIG_NOSYSTEM`, for git older than 2.32, which has no
    /// `GIT_CONFIG_SYSTEM`, and for servers that need none).
    pub fn git_config(self, system: Option<&Path>, global: &Path) -> Self {
        let env = self.set("GIT_CONFIG_GLOBAL", global);
        match system {
            Some(system) => env.set("GIT_CONFIG_SYSTEM", system),
            None => env.set("GIT_CONFIG_NOSYSTEM", "1"),
        }
    }

    /// The AWS SDKs and CLI read these two files only, and never ask the instance metadata
    /// service (no credential lookup may leave loopback).
    pub fn aws_files(self, config: &Path, credentials: &Path) -> Self {
        self.set("AWS_CONFIG_FILE", config)
            .set("AWS_SHARED_CREDENTIALS_FILE", credentials)
            .set("AWS_EC2_METADATA_DISABLED", "true")
    }

    /// Turns instance metadata back on, at `endpoint` (a loopback stand-in), for the tests and
    /// benchmarks of what a helper asks it: on a user's machine it is on.
    pub fn instance_metadata(self, endpoint: &str) -> Self {
        self.set("AWS_EC2_METADATA_DISABLED", "false")
            .set("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
    }

    /// `PATH` is exactly these directories, in order: "command not found" is real, and nothing
    /// from the machine's `PATH` gets in unless it is listed.
    ///
    /// Panics if a directory contains the `PATH` separator (`:` or `;`), which no `PATH` can hold.
    pub fn path(self, dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        let separator = if self.windows { ";" } else { ":" };
        let mut path = OsString::new();
        for (i, dir) in dirs.into_iter().enumerate() {
            let text = dir.as_os_str();
            assert!(
                !text.to_string_lossy().contains(separator),
                "{} cannot be on PATH: it contains `{separator}`",
                dir.display()
            );
            if i > 0 {
                path.push(separator);
            }
            path.push(text);
        }
        self.set("PATH", path)
    }

    /// Commits made in the child have a fixed author and committer (`name <email>`) and date, so
    /// object ids are the same on every run.
    pub fn git_identity(self, name: &str, email: &str, date: &str) -> Self {
        self.set("GIT_AUTHOR_NAME", name)
            .set("GIT_AUTHOR_EMAIL", email)
            .set("GIT_AUTHOR_DATE", date)
            .set("GIT_COMMITTER_NAME", name)
            .set("GIT_COMMITTER_EMAIL", email)
            .set("GIT_COMMITTER_DATE", date)
    }

    /// A prompt for a password would hang the test: git fails instead, with a message to match.
    pub fn no_prompt(self) -> Self {
        self.set("GIT_TERMINAL_PROMPT", "0")
    }

    /// Temporary files go to `dir`, inside the sandbox (`TMPDIR`; `TMP` and `TEMP` on Windows).
    pub fn tmp(self, dir: &Path) -> Self {
        if self.windows {
            self.set("TMP", dir).set("TEMP", dir)
        } else {
            self.set("TMPDIR", dir)
        }
    }

    /// Git's HTTPS goes through the mock's CONNECT proxy and trusts its CA, and only its CA:
    /// harness plumbing, never `GIT_SSL_NO_VERIFY`.
    pub fn https_proxy(self, proxy_url: &str, ca_file: &Path) -> Self {
        self.set("HTTPS_PROXY", proxy_url)
            .set("GIT_SSL_CAINFO", ca_file)
    }

    /// Sets (or replaces) one variable; the caller says why in a comment beside the call.
    pub fn set(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.vars.insert(key.into(), value.into());
        self
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: impl AsRef<OsStr>) -> Option<&OsStr> {
        self.vars.get(key.as_ref()).map(OsString::as_os_str)
    }

    /// Every variable, by name.
    pub fn vars(&self) -> impl Iterator<Item = (&OsStr, &OsStr)> {
        self.vars
            .iter()
            .map(|(k, v)| (k.as_os_str(), v.as_os_str()))
    }

    /// Gives `command` exactly this environment: the parent's is cleared first.
    pub fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.env_clear().envs(self.vars())
    }
}

impl Default for ChildEnv {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(env: &ChildEnv, key: &str) -> Option<String> {
        env.get(key).map(|v| v.to_string_lossy().into_owned())
    }

    fn names(env: &ChildEnv) -> Vec<String> {
        env.vars()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn new_has_only_locale_and_time_zone() {
        let env = ChildEnv::new();
        let mut expected = vec!["LANG", "LC_ALL", "TZ"];
        if cfg!(windows) {
            expected.extend(
                WINDOWS_SYSTEM_VARS
                    .iter()
                    .filter(|k| std::env::var_os(k).is_some()),
            );
        }
        expected.sort_unstable();
        assert_eq!(names(&env), expected);
        assert_eq!(get(&env, "LANG").as_deref(), Some("C"));
        assert_eq!(get(&env, "LC_ALL").as_deref(), Some("C"));
        assert_eq!(get(&env, "TZ").as_deref(), Some("UTC"));
        assert_eq!(names(&ChildEnv::for_unix()), ["LANG", "LC_ALL", "TZ"]);
    }

    #[test]
    fn each_method_sets_what_it_says() {
        let home = Path::new("/s/home");
        let env = ChildEnv::for_unix().home(home);
        assert_eq!(get(&env, "HOME").as_deref(), Some("/s/home"));
        assert_eq!(get(&env, "USERPROFILE").as_deref(), Some("/s/home"));
        // Joined with the platform's separator: `/s/home\.config` on Windows.
        let config = home.join(".config");
        assert_eq!(get(&env, "XDG_CONFIG_HOME").as_deref(), config.to_str());

        let env = ChildEnv::for_unix().git_config(Some(Path::new("/s/sys")), Path::new("/s/g"));
        assert_eq!(get(&env, "GIT_CONFIG_SYSTEM").as_deref(), Some("/s/sys"));
        assert_eq!(get(&env, "GIT_CONFIG_GLOBAL").as_deref(), Some("/s/g"));
        assert_eq!(get(&env, "GIT_CONFIG_NOSYSTEM"), None);
        let env = ChildEnv::for_unix().git_config(None, Path::new("/s/g"));
        assert_eq!(get(&env, "GIT_CONFIG_NOSYSTEM").as_deref(), Some("1"));
        assert_eq!(get(&env, "GIT_CONFIG_SYSTEM"), None);

        let env = ChildEnv::for_unix().aws_files(Path::new("/s/c"), Path::new("/s/k"));
        assert_eq!(get(&env, "AWS_CONFIG_FILE").as_deref(), Some("/s/c"));
        assert_eq!(
            get(&env, "AWS_SHARED_CREDENTIALS_FILE").as_deref(),
            Some("/s/k")
        );
        assert_eq!(
            get(&env, "AWS_EC2_METADATA_DISABLED").as_deref(),
            Some("true")
        );
        let env = env.instance_metadata("http://127.0.0.1:9");
        assert_eq!(
            get(&env, "AWS_EC2_METADATA_DISABLED").as_deref(),
            Some("false")
        );
        assert_eq!(
            get(&env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").as_deref(),
            Some("http://127.0.0.1:9")
        );

        let env = ChildEnv::for_unix().path([PathBuf::from("/a"), PathBuf::from("/b c")]);
        assert_eq!(get(&env, "PATH").as_deref(), Some("/a:/b c"));
        let env = ChildEnv::for_unix().path([]);
        assert_eq!(get(&env, "PATH").as_deref(), Some(""));

        let env = ChildEnv::for_unix().git_identity("R", "r@example.com", "2026-01-02T03:04:05Z");
        for (key, value) in [
            ("GIT_AUTHOR_NAME", "R"),
            ("GIT_COMMITTER_NAME", "R"),
            ("GIT_AUTHOR_EMAIL", "r@example.com"),
            ("GIT_COMMITTER_EMAIL", "r@example.com"),
            ("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z"),
            ("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z"),
        ] {
            assert_eq!(get(&env, key).as_deref(), Some(value), "{key}");
        }

        let env = ChildEnv::for_unix().no_prompt();
        assert_eq!(get(&env, "GIT_TERMINAL_PROMPT").as_deref(), Some("0"));

        let env = ChildEnv::for_unix().tmp(Path::new("/s/tmp"));
        assert_eq!(get(&env, "TMPDIR").as_deref(), Some("/s/tmp"));
        assert_eq!(get(&env, "TMP"), None);

        let env = ChildEnv::for_unix().https_proxy("http://127.0.0.1:9", Path::new("/s/ca.pem"));
        assert_eq!(
            get(&env, "HTTPS_PROXY").as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(get(&env, "GIT_SSL_CAINFO").as_deref(), Some("/s/ca.pem"));

        let env = ChildEnv::for_unix().set("X", "1").set("X", "2");
        assert_eq!(get(&env, "X").as_deref(), Some("2"));
        // Every method adds only its own variables to the three of `for_unix`.
        assert_eq!(names(&env), ["LANG", "LC_ALL", "TZ", "X"]);
    }

    #[test]
    #[should_panic(expected = "cannot be on PATH")]
    fn a_path_entry_with_the_separator_is_refused() {
        let _ = ChildEnv::for_unix().path([PathBuf::from("/a:/b")]);
    }

    /// The parent's environment does not leak: `apply` clears it. The test process cannot set a
    /// variable on itself (that would race other tests), so a child `env` is started with a
    /// marker variable, and it starts a grandchild through `apply`... which is this very test
    /// binary again, run in a mode that prints its own environment.
    #[cfg(unix)]
    #[test]
    fn nothing_from_the_parent_leaks() {
        const MARKER: &str = "CODECOMMIT_TESTKIT_LEAK_MARKER";
        const MODE: &str = "CODECOMMIT_TESTKIT_PRINT_ENV";
        if std::env::var_os(MODE).is_some() {
            // The middle process: the marker is in our environment; start `env` through `apply`.
            assert!(
                std::env::var_os(MARKER).is_some(),
                "the marker reached the middle process"
            );
            let mut env = Command::new("/usr/bin/env");
            ChildEnv::new().set("ONLY", "this").apply(&mut env);
            let out = env.output().expect("run /usr/bin/env");
            print!("{}", String::from_utf8_lossy(&out.stdout));
            return;
        }
        let exe = std::env::current_exe().expect("this test binary");
        let out = Command::new(exe)
            .args([
                "--exact",
                "env::tests::nothing_from_the_parent_leaks",
                "--nocapture",
            ])
            .env(MODE, "1")
            .env(MARKER, "leaked")
            .output()
            .expect("rerun this test as the middle process");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("ONLY=this\n"), "{text}");
        assert!(text.contains("LANG=C\n"), "{text}");
        for leaked in [MARKER, MODE, "PATH=", "HOME="] {
            assert!(
                !text.contains(leaked),
                "{leaked} leaked into the child:\n{text}"
            );
        }
    }
}
