//! The remote helper under test: the program git runs for `codecommit://` URLs, installed in a
//! sandbox as `git-remote-codecommit`. By default this workspace's (beside the tool: one build,
//! two binaries); `--remote` names another, such as the Python package, held to its own contract
//! (`scenarios/remotes/`).
//!
//! Git talks to a remote helper for the whole transfer, on its standard streams, so it is
//! installed as it is (linked, not behind the recorder, which reads all input first); what it did
//! shows in git's exit status and stderr and in what the mock answered.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The contract of this workspace's `git-remote-codecommit`.
pub const DEFAULT: &str = "git-remote-codecommit";
/// The file name git looks for on PATH for `codecommit://` URLs.
pub const PROGRAM: &str = "git-remote-codecommit";

/// What a remote helper promises; scenario expectations are keyed on it
/// (`when = { remote = { profile_at = "last" } }`), never on what it happened to do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteContract {
    pub name: String,
    pub about: String,
    /// Where `codecommit://PROFILE@REPOSITORY` is split when the profile's name has an `@`.
    pub profile_at: ProfileAt,
}

/// The `@` that ends the profile in `PROFILE@REPOSITORY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileAt {
    /// The first: `jane@example.com@Repo` names the profile `jane` (the Python package).
    First,
    /// The last: a repository name has no `@`, so the profile is `jane@example.com`.
    Last,
}

impl std::fmt::Display for ProfileAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProfileAt::First => "first",
            ProfileAt::Last => "last",
        })
    }
}

impl RemoteContract {
    /// A contract by name (`scenarios/remotes/NAME.toml`) or file.
    pub fn load(name_or_file: &str, scenarios: &Path) -> Result<RemoteContract, String> {
        crate::pinned::load("remote contract", &scenarios.join("remotes"), name_or_file)
    }
}

/// The program installed as `git-remote-codecommit`, and what it is held to.
#[derive(Debug, Clone)]
pub struct RemoteUnderTest {
    pub program: PathBuf,
    pub contract: RemoteContract,
}

impl RemoteUnderTest {
    pub fn new(program: &Path, contract: RemoteContract) -> Result<RemoteUnderTest, String> {
        let program = std::fs::canonicalize(program).map_err(|e| {
            format!(
                "the remote helper under test {}: {e} (pass --remote PROGRAM)",
                program.display()
            )
        })?;
        Ok(RemoteUnderTest { program, contract })
    }

    /// The `git-remote-codecommit` beside `tool` (this workspace's `git-credential-codecommit`):
    /// one build, two binaries.
    pub fn beside(tool: &Path, contract: RemoteContract) -> Result<RemoteUnderTest, String> {
        let file = format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX);
        RemoteUnderTest::new(&tool.with_file_name(file), contract)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_contracts_load_and_a_typo_names_the_field() {
        let dir = crate::default_scenarios_dir();
        let ours = RemoteContract::load(DEFAULT, &dir).expect("ours");
        assert_eq!(
            (ours.name.as_str(), ours.profile_at),
            (DEFAULT, ProfileAt::Last)
        );
        let python = RemoteContract::load("python-git-remote-codecommit", &dir).expect("python");
        assert_eq!(python.profile_at, ProfileAt::First);
        let e = RemoteContract::load("nope", &dir).expect_err("unknown");
        assert!(
            e.contains("git-remote-codecommit, python-git-remote-codecommit"),
            "{e}"
        );
        let e = toml::from_str::<RemoteContract>(
            "name = \"x\"\nabout = \"y\"\nprofile_at = \"middle\"\n",
        )
        .expect_err("a typo")
        .to_string();
        assert!(e.contains("middle"), "{e}");
    }
}
