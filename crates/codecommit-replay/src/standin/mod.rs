//! The programs git starts inside a sandbox, in one multi-call binary (`codecommit-standin`),
//! chosen by the name it is installed under:
//!
//! - `git-credential-osxkeychain`: a stand-in for the macOS keychain helper (`keychain`);
//! - `git-credential-manager` (and `-core`): a stand-in for Git Credential Manager on Windows
//!   (`manager`); both keep their items as `store` does;
//! - `askpass`: records every prompt git shows and answers the ones the scenario scripts
//!   (`askpass`);
//! - any other name (`aws`, `git-credential-codecommit`): a recorder in front of the helper
//!   under test (`recorder`).
//!
//! Everything is written under `$CODECOMMIT_STANDIN_DIR`, the sandbox's `standin` directory:
//! the configuration the harness wrote ([`CONFIG_FILE`]), every helper call as a JSON line
//! ([`TRANSCRIPT_FILE`]), every prompt ([`PROMPTS_FILE`]) and the stores' items.

mod askpass;
mod keychain;
mod manager;
mod recorder;
mod store;

pub use store::{Item, load_items, save_items};

use crate::scenario::{KeychainModel, ManagerModel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const DIR_ENV: &str = "CODECOMMIT_STANDIN_DIR";
pub const CONFIG_FILE: &str = "standin.json";
pub const TRANSCRIPT_FILE: &str = "helpers.jsonl";
pub const PROMPTS_FILE: &str = "prompts.jsonl";
pub const KEYCHAIN_FILE: &str = "osxkeychain.json";
pub const MANAGER_FILE: &str = "manager.json";

/// What the stand-ins of one sandbox need to know, written by the harness.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StandinConfig {
    /// Recorded helpers by installed name.
    pub helpers: BTreeMap<String, HelperTarget>,
    pub keychain: KeychainModel,
    pub manager: ManagerModel,
    pub askpass: BTreeMap<String, String>,
}

/// The real program behind a recorded name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HelperTarget {
    pub program: PathBuf,
    /// Inserted before the operation: `["codecommit", "credential-helper"]` lets the AWS CLI
    /// answer for the name `git-credential-codecommit`.
    #[serde(default)]
    pub before_operation: Vec<String>,
}

/// One helper call, as git made it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HelperCall {
    /// The name in git's configuration (`aws`, `osxkeychain`, `manager`, `codecommit`).
    pub helper: String,
    pub operation: HelperOperation,
    pub args: Vec<String>,
    pub input: Vec<(String, String)>,
    pub output: Vec<(String, String)>,
    pub exit: i32,
    pub stderr: String,
}

/// The operation git asks a helper for: its last argument. Git may pass operations this
/// harness does not know (newer releases add them), so those are kept as they came, and
/// written as the plain string (`"get"`) either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum HelperOperation {
    Get,
    Store,
    Erase,
    Other(String),
}

impl From<&str> for HelperOperation {
    fn from(word: &str) -> HelperOperation {
        match word {
            "get" => HelperOperation::Get,
            "store" => HelperOperation::Store,
            "erase" => HelperOperation::Erase,
            other => HelperOperation::Other(other.to_owned()),
        }
    }
}

impl From<String> for HelperOperation {
    fn from(word: String) -> HelperOperation {
        HelperOperation::from(word.as_str())
    }
}

impl From<HelperOperation> for String {
    fn from(op: HelperOperation) -> String {
        op.to_string()
    }
}

impl fmt::Display for HelperOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HelperOperation::Get => "get",
            HelperOperation::Store => "store",
            HelperOperation::Erase => "erase",
            HelperOperation::Other(word) => word,
        })
    }
}

/// The operation in a helper's arguments: the last one, as git puts it.
fn operation(args: &[String]) -> HelperOperation {
    HelperOperation::from(args.last().map(String::as_str).unwrap_or(""))
}

/// One prompt git showed through askpass.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Prompt {
    pub prompt: String,
    pub answered: bool,
}

/// Runs the stand-in chosen by `argv[0]`; returns the exit code.
pub fn main(args: Vec<OsString>) -> i32 {
    // The file name picks the role; only `.exe` is dropped, so `aws.cmd` stays `aws.cmd`.
    let name = args
        .first()
        .and_then(|a| {
            Path::new(a)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .map(|n| n.strip_suffix(".exe").map(str::to_owned).unwrap_or(n))
        .unwrap_or_default();
    let rest: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let Some(dir) = std::env::var_os(DIR_ENV).map(PathBuf::from) else {
        eprintln!(
            "{name}: {DIR_ENV} is not set; this program only runs inside a codecommit-replay sandbox"
        );
        return 2;
    };
    let config: StandinConfig = match std::fs::read(dir.join(CONFIG_FILE))
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "{name}: cannot read {}: {e}",
                dir.join(CONFIG_FILE).display()
            );
            return 2;
        }
    };
    // A `--real-store` run puts the recorder in front of the real keychain or GCM: a name the
    // harness configured as recorded is recorded, whichever role it would otherwise have.
    if config.helpers.contains_key(&name) {
        return recorder::main(&dir, &config, &name, &rest);
    }
    match name.as_str() {
        "git-credential-osxkeychain" => store::serve(&dir, "osxkeychain", &rest, |op, input| {
            keychain::answer(&dir, &config.keychain, op, input)
        }),
        "git-credential-manager" | "git-credential-manager-core" => {
            store::serve(&dir, "manager", &rest, |op, input| {
                manager::answer(&dir, &config.manager, op, input)
            })
        }
        "askpass" => askpass::main(
            &dir,
            &config,
            rest.first().map(String::as_str).unwrap_or(""),
        ),
        other => recorder::main(&dir, &config, other, &rest),
    }
}

fn read_stdin() -> Vec<u8> {
    let mut input = Vec::new();
    let _ = std::io::stdin().take(1 << 20).read_to_end(&mut input);
    input
}

/// Parses `key=value` lines up to a blank line (git's credential format).
pub fn parse_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// The last value git sent for `key` (git's own rule when a key repeats).
fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn append_json_line(file: &Path, value: &impl Serialize) {
    let line = serde_json::to_string(value).unwrap_or_default();
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(f, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_written_as_plain_strings_and_unknown_ones_kept() {
        let call = HelperCall {
            helper: "aws".into(),
            operation: HelperOperation::from("capability"),
            args: vec!["capability".into()],
            input: Vec::new(),
            output: Vec::new(),
            exit: 0,
            stderr: String::new(),
        };
        let line = serde_json::to_string(&call).expect("serializes");
        assert!(line.contains(r#""operation":"capability""#), "{line}");
        let back: HelperCall = serde_json::from_str(&line).expect("reads back");
        assert_eq!(back, call);
        let get: HelperOperation = serde_json::from_str(r#""get""#).expect("get");
        assert_eq!(
            (get.clone(), get.to_string()),
            (HelperOperation::Get, "get".into())
        );
        assert_eq!(
            ["store", "erase", ""].map(HelperOperation::from),
            [
                HelperOperation::Store,
                HelperOperation::Erase,
                HelperOperation::Other(String::new())
            ]
        );
    }

    #[test]
    fn pairs_stop_at_the_blank_line_and_drop_carriage_returns() {
        let pairs = parse_pairs(b"protocol=https\r\nnot a pair\nhost=h=x\n\npath=after\n");
        assert_eq!(
            pairs,
            [
                ("protocol".to_owned(), "https".to_owned()),
                ("host".to_owned(), "h=x".to_owned())
            ]
        );
        assert_eq!(
            get(&[("k".into(), "1".into()), ("k".into(), "2".into())], "k"),
            Some("2")
        );
    }
}
