//! The words scenario files are written in, as types: a misspelt file, store, program or variant
//! fails when the scenario is loaded, naming what is allowed, instead of when a step runs.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A file of the user's machine that a scenario sets up and a step may rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigFile {
    /// `$GIT_CONFIG_SYSTEM`: where Git for macOS and Git for Windows put their store.
    SystemGitconfig,
    /// `~/.gitconfig`.
    GlobalGitconfig,
    /// `~/.aws/config`.
    AwsConfig,
    /// `~/.aws/credentials`.
    AwsCredentials,
}

/// A credential store the user can empty by hand (Keychain Access, Control Panel's Credential
/// Manager), modelled by a stand-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    Osxkeychain,
    Manager,
}

/// A program a scenario installs, and the role it plays in the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Program {
    /// The helper under test, called with the AWS CLI's arguments (`aws codecommit
    /// credential-helper get`).
    #[serde(rename = "aws")]
    Aws,
    /// The same, under the name the AWS CLI's Windows installer gives it.
    #[serde(rename = "aws.cmd")]
    AwsCmd,
    /// The helper under test, for `helper = codecommit` (`git-credential-codecommit get`).
    #[serde(rename = "git-credential-codecommit")]
    Codecommit,
    /// The macOS keychain stand-in.
    #[serde(rename = "git-credential-osxkeychain")]
    Osxkeychain,
    /// The Git Credential Manager stand-in.
    #[serde(rename = "git-credential-manager")]
    Manager,
    /// The same, under the name GCM Core used before 2.1.
    #[serde(rename = "git-credential-manager-core")]
    ManagerCore,
    /// The remote helper under test, which git runs for `codecommit://` URLs (`remote`).
    #[serde(rename = "git-remote-codecommit")]
    Remote,
}

impl Program {
    pub const ALL: [Program; 7] = [
        Program::Aws,
        Program::AwsCmd,
        Program::Codecommit,
        Program::Osxkeychain,
        Program::Manager,
        Program::ManagerCore,
        Program::Remote,
    ];

    /// The file name it is installed under.
    pub fn file_name(self) -> &'static str {
        match self {
            Program::Aws => "aws",
            Program::AwsCmd => "aws.cmd",
            Program::Codecommit => "git-credential-codecommit",
            Program::Osxkeychain => "git-credential-osxkeychain",
            Program::Manager => "git-credential-manager",
            Program::ManagerCore => "git-credential-manager-core",
            Program::Remote => crate::remote::PROGRAM,
        }
    }

    /// The store this program is a stand-in for (`None`: the helper under test's names).
    pub fn store(self) -> Option<Store> {
        match self {
            Program::Osxkeychain => Some(Store::Osxkeychain),
            Program::Manager | Program::ManagerCore => Some(Store::Manager),
            Program::Aws | Program::AwsCmd | Program::Codecommit | Program::Remote => None,
        }
    }

    /// Whether the helper under test answers behind this name (the others are stand-ins).
    pub fn is_helper_under_test(self) -> bool {
        matches!(self, Program::Aws | Program::AwsCmd | Program::Codecommit)
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// An entry of `install`: a program, on PATH (`aws`) or under the sandbox root and off PATH
/// (`Program Files/Amazon/AWSCLI/bin/aws.cmd`), for configurations that name a full path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Install {
    /// The directory under the sandbox root; `None`: the sandbox's `bin`, on PATH.
    pub dir: Option<String>,
    pub program: Program,
}

impl<'de> Deserialize<'de> for Install {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Install, D::Error> {
        let text = String::deserialize(d)?;
        Install::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Install {
    pub fn parse(text: &str) -> Result<Install, String> {
        let (dir, name) = match text.rsplit_once('/') {
            Some((dir, name)) => (Some(dir), name),
            None => (None, text),
        };
        if dir.is_some_and(|d| d.is_empty() || d.split('/').any(|c| c == ".." || c.is_empty())) {
            return Err(format!(
                "cannot install '{text}': the directory must stay under the sandbox root"
            ));
        }
        let program = Program::ALL
            .into_iter()
            .find(|p| p.file_name() == name)
            .ok_or_else(|| {
                format!(
                    "cannot install '{name}': known are {}",
                    Program::ALL.map(Program::file_name).join(", ")
                )
            })?;
        Ok(Install {
            dir: dir.map(str::to_owned),
            program,
        })
    }
}

/// Which part of a scenario a run replays.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VariantKind {
    /// The setup as the user had it, and what went wrong.
    Symptom,
    /// One of the guide's fixes, by its name.
    Fix(String),
}

impl VariantKind {
    /// Reads back what [`fmt::Display`] writes (`symptom`, `fix: NAME`), for merged reports.
    pub fn parse(text: &str) -> Option<VariantKind> {
        match text {
            "symptom" => Some(VariantKind::Symptom),
            _ => text
                .strip_prefix("fix: ")
                .map(|name| VariantKind::Fix(name.to_owned())),
        }
    }
}

impl fmt::Display for VariantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VariantKind::Symptom => f.write_str("symptom"),
            VariantKind::Fix(name) => write!(f, "fix: {name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_entries_are_checked_when_read() {
        assert_eq!(
            Install::parse("aws").expect("known"),
            Install {
                dir: None,
                program: Program::Aws
            }
        );
        let full = Install::parse("Program Files/Amazon/AWSCLI/bin/aws.cmd").expect("known");
        assert_eq!(full.dir.as_deref(), Some("Program Files/Amazon/AWSCLI/bin"));
        assert_eq!(full.program, Program::AwsCmd);
        let e = Install::parse("git-credential-osxkeychian").expect_err("a typo");
        assert!(e.contains("known are aws, aws.cmd"), "{e}");
        assert!(Install::parse("../bin/aws").is_err());
        assert!(Install::parse("/aws").is_err());
    }

    #[test]
    fn files_and_stores_are_closed_sets() {
        let file: Result<ConfigFile, _> = toml::from_str::<toml::Value>("f = \"global_gitconfg\"")
            .expect("toml")
            .get("f")
            .cloned()
            .expect("f")
            .try_into();
        let e = file.expect_err("a typo");
        assert!(e.to_string().contains("global_gitconfig"), "{e}");
        assert_eq!(
            toml::Value::String("manager".into())
                .try_into::<Store>()
                .expect("known"),
            Store::Manager
        );
    }

    #[test]
    fn variant_names_read_back() {
        for kind in [VariantKind::Symptom, VariantKind::Fix("scope it".into())] {
            assert_eq!(VariantKind::parse(&kind.to_string()), Some(kind));
        }
        assert_eq!(VariantKind::parse("fixed"), None);
    }
}

/// A finding of `git-credential-codecommit doctor`, by its stable id: a scenario step names the
/// ones it expects (`doctor = ["storing-helper-first"]`), and an id the doctor reports that this
/// list lacks fails the step, so the two cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoctorFinding {
    ConfigUnreadable,
    CodecommitHelperMissing,
    HelperNotFound,
    StoringHelperFirst,
    StoredPasswordExpired,
    StoredPassword,
    StoreNotChecked,
    UseHttpPathMissing,
    AwsCredentialsMissing,
    AwsCredentialsExpired,
    AwsSessionExpiryUnknown,
    AwsCliUnscoped,
    SectionDoesNotMatch,
    UsernameWithAt,
    RegionDiffers,
    OtherRemotes,
    RemoteHelperMissing,
    RemoteUrlMalformed,
    RemoteProfileMissing,
    RemoteProfileAt,
    RemoteNoRegion,
    RemotePasswordStored,
    AuthtypeLostOnProbe,
    PostBufferRaised,
    HttpMaxRetries,
}

impl DoctorFinding {
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}
