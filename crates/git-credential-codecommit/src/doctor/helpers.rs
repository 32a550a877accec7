//! What a `credential.helper` value runs, as git's `credential.c` (`credential_do`) decides:
//! `!cmd` through the shell, an absolute path as it is, anything else as
//! `git credential-NAME`; and what kind of helper that program is.

use std::path::{Path, PathBuf};

/// Helpers that keep what git asks them to `store` and hand it back on `get`: ahead of a
/// CodeCommit helper, each answers with a password that CodeCommit refuses 15 minutes later.
pub const STORING: [&str; 8] = [
    "osxkeychain",
    "manager",
    "manager-core",
    "wincred",
    "libsecret",
    "gnome-keyring",
    "store",
    "cache",
];

/// What a helper is, as far as CodeCommit is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `git-credential-codecommit` (`helper = codecommit`).
    Native,
    /// `aws [--profile P] codecommit credential-helper $@`.
    AwsCli,
    /// One of [`STORING`], by its short name.
    Storing(String),
    Other,
}

/// One `helper =` value, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    /// The value as written.
    pub value: String,
    /// The program git starts: a name looked up on PATH (or in git's exec path for
    /// `git credential-NAME`), or a path.
    pub program: String,
    /// Whether git finds `program` through `git credential-NAME` (exec path first).
    pub via_git: bool,
    pub kind: Kind,
    /// `--profile NAME` on the command line.
    pub profile: Option<String>,
}

impl Helper {
    /// `None` for the empty value, which resets the list instead of adding a helper.
    pub fn parse(value: &str) -> Option<Helper> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        let (words, via_git) = if let Some(shell) = trimmed.strip_prefix('!') {
            (shell_words(shell), false)
        } else if is_absolute(trimmed) {
            (shell_words(trimmed), false)
        } else {
            let mut words = shell_words(trimmed);
            if let Some(first) = words.first_mut() {
                *first = format!("git-credential-{first}");
            }
            (words, true)
        };
        let program = words.first().cloned().unwrap_or_default();
        let args = words.get(1..).unwrap_or_default();
        let name = program_name(&program);
        let kind = if name == "git-credential-codecommit" {
            Kind::Native
        } else if name == "aws"
            && args
                .windows(2)
                .any(|w| w[0] == "codecommit" && w[1] == "credential-helper")
        {
            Kind::AwsCli
        } else if let Some(store) = name
            .strip_prefix("git-credential-")
            .filter(|n| STORING.contains(n))
        {
            Kind::Storing(store.to_owned())
        } else {
            Kind::Other
        };
        let profile = args.iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix("--profile=").map(str::to_owned).or_else(|| {
                (a == "--profile")
                    .then(|| args.get(i + 1).cloned())
                    .flatten()
            })
        });
        Some(Helper {
            value: trimmed.to_owned(),
            program,
            via_git,
            kind,
            profile,
        })
    }

    pub fn is_codecommit(&self) -> bool {
        matches!(self.kind, Kind::Native | Kind::AwsCli)
    }

    /// The name the replay's transcripts and the user know it by: `osxkeychain`, `aws`.
    pub fn short_name(&self) -> String {
        let name = program_name(&self.program);
        name.strip_prefix("git-credential-")
            .unwrap_or(&name)
            .to_owned()
    }

    /// Where git would find the program, or `None` when it cannot run.
    pub fn locate(&self, exec_path: Option<&Path>) -> Option<PathBuf> {
        if self.program.contains('/') || self.program.contains('\\') {
            let path = PathBuf::from(&self.program);
            return is_executable(&path).then_some(path);
        }
        if self.via_git
            && let Some(dir) = exec_path
            && let Some(found) = in_dir(dir, &self.program)
        {
            return Some(found);
        }
        which(&self.program)
    }
}

/// The program's file name without a Windows extension, in lower case on Windows.
fn program_name(program: &str) -> String {
    let file = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let lower = file.to_ascii_lowercase();
    for ext in [".exe", ".cmd", ".bat", ".com"] {
        if let Some(stem) = lower.strip_suffix(ext) {
            return stem.to_owned();
        }
    }
    if cfg!(windows) {
        lower
    } else {
        file.to_owned()
    }
}

/// git's `is_absolute_path`: `/…`, and on Windows also `C:\…`, `C:/…` and `\\server`.
fn is_absolute(value: &str) -> bool {
    let b = value.as_bytes();
    value.starts_with('/')
        || (cfg!(windows)
            && (value.starts_with('\\')
                || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':')))
}

/// Splits a shell command line into words, as `sh` would for the simple lines helpers use:
/// whitespace separates, `'…'` is literal, `"…"` keeps `\"` and `\\`, a backslash outside
/// quotes escapes the next character.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => word.push(n),
                            Some(n) => {
                                word.push('\\');
                                word.push(n);
                            }
                            None => word.push('\\'),
                        },
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The first `name` on PATH that can run (with `PATHEXT`'s extensions on Windows).
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| in_dir(&dir, name))
}

/// `name` in `dir`, if it can run (with `PATHEXT`'s extensions on Windows).
pub fn in_dir(dir: &Path, name: &str) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = if cfg!(windows) {
        let exts = std::env::var("PATHEXT").unwrap_or_else(|_| ".COM;.EXE;.BAT;.CMD".to_owned());
        std::iter::once(dir.join(name))
            .chain(
                exts.split(';')
                    .filter(|e| !e.is_empty())
                    .map(|e| dir.join(format!("{name}{e}"))),
            )
            .collect()
    } else {
        vec![dir.join(name)]
    };
    candidates.into_iter().find(|p| is_executable(p))
}

/// A file that can be run: on Unix, one with an execute bit.
fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_helper_lines() {
        let aws = Helper::parse("!aws codecommit credential-helper $@").expect("valid");
        assert_eq!(
            (aws.kind.clone(), aws.program.as_str()),
            (Kind::AwsCli, "aws")
        );
        assert!(!aws.via_git);
        let profile =
            Helper::parse("!aws --profile CodeCommitProfile codecommit credential-helper $@")
                .expect("valid");
        assert_eq!(profile.profile.as_deref(), Some("CodeCommitProfile"));
        let windows = Helper::parse(
            r#"!"C:\\Program Files\\Amazon\\AWSCLI\\bin\\aws.cmd" codecommit credential-helper $@"#,
        )
        .expect("valid");
        assert_eq!(windows.kind, Kind::AwsCli);
        assert_eq!(
            windows.program,
            r"C:\Program Files\Amazon\AWSCLI\bin\aws.cmd"
        );
        let native = Helper::parse("codecommit --profile=work").expect("valid");
        assert_eq!(native.kind, Kind::Native);
        assert_eq!(native.program, "git-credential-codecommit");
        assert_eq!(native.profile.as_deref(), Some("work"));
        assert!(native.via_git);
        let path = Helper::parse("!'/opt/my tools/git-credential-codecommit'").expect("valid");
        assert_eq!(path.kind, Kind::Native);
        assert_eq!(path.program, "/opt/my tools/git-credential-codecommit");
    }

    #[test]
    fn stores_and_others() {
        for (value, store) in [
            ("osxkeychain", "osxkeychain"),
            ("manager", "manager"),
            ("manager-core", "manager-core"),
            ("store --file ~/.x", "store"),
            ("cache --timeout 900", "cache"),
            ("/usr/lib/git-core/git-credential-libsecret", "libsecret"),
        ] {
            assert_eq!(
                Helper::parse(value).expect("valid").kind,
                Kind::Storing(store.to_owned()),
                "{value}"
            );
        }
        assert_eq!(
            Helper::parse("!f() { echo x; }; f").expect("valid").kind,
            Kind::Other
        );
        assert_eq!(Helper::parse("").map(|h| h.kind), None);
        assert_eq!(
            Helper::parse("osxkeychain").expect("valid").short_name(),
            "osxkeychain"
        );
    }

    #[test]
    fn words_like_sh() {
        assert_eq!(
            shell_words(r#"a 'b c' "d \"e\" \\f" g\ h"#),
            ["a", "b c", r#"d "e" \f"#, "g h"]
        );
    }

    #[test]
    fn a_missing_program_is_not_located() {
        let missing =
            Helper::parse("!/nonexistent/dir/aws codecommit credential-helper $@").expect("valid");
        assert_eq!(missing.locate(None), None);
    }
}
