//! The programs git starts inside a sandbox, in one multi-call binary (`codecommit-standin`),
//! chosen by the name it is installed under:
//!
//! - `git-credential-osxkeychain`: a stand-in for the macOS keychain helper, which this
//!   machine cannot run. It keeps items in a JSON file, keyed as the real helper keys them
//!   (protocol, host, path, account), and models what differs between releases: whether
//!   `password_expiry_utc` is kept (2.45+), whether `store` replaces an existing item (2.45+;
//!   before, the duplicate-item error was ignored, so a stale password stayed), and a user who
//!   denies access at every dialog.
//! - `git-credential-manager` (and `-core`): a stand-in for Git Credential Manager on Windows.
//!   It stores whatever git approves (user name and password, never an expiry: GCM 2.x does
//!   not keep `password_expiry_utc`), answers with it, and refuses items the Windows Credential
//!   Manager cannot hold (CredWriteW: user names over 513 characters, secrets over 2,560
//!   bytes), with the error GCM prints. With nothing stored it answers nothing, modelling the
//!   user dismissing GCM's sign-in dialog.
//! - `askpass`: records every prompt git shows (`GIT_ASKPASS`) and answers the ones the
//!   scenario scripts; otherwise it fails, as a closed dialog does.
//! - any other name (`aws`, `git-credential-codecommit`): a recorder in front of the helper
//!   under test. It passes arguments, input, output and exit status through unchanged and
//!   writes down what git sent and got.
//!
//! Everything is written under `$CODECOMMIT_STANDIN_DIR`, the sandbox's `standin` directory.

use crate::scenario::{KeychainModel, ManagerModel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    pub operation: String,
    pub args: Vec<String>,
    pub input: Vec<(String, String)>,
    pub output: Vec<(String, String)>,
    pub exit: i32,
    pub stderr: String,
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
    match name.as_str() {
        "git-credential-osxkeychain" => store_helper(&dir, "osxkeychain", &rest, |op, input| {
            keychain(&dir, &config.keychain, op, input)
        }),
        "git-credential-manager" | "git-credential-manager-core" => {
            store_helper(&dir, "manager", &rest, |op, input| {
                manager(&dir, &config.manager, op, input)
            })
        }
        "askpass" => askpass(
            &dir,
            &config,
            rest.first().map(String::as_str).unwrap_or(""),
        ),
        other => record(&dir, &config, other, &rest),
    }
}

fn display_name(installed: &str) -> String {
    installed
        .strip_prefix("git-credential-")
        .unwrap_or(installed)
        .to_owned()
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

/// A stand-in credential store: answers, then records the call like any other helper.
fn store_helper(
    dir: &Path,
    name: &str,
    args: &[String],
    act: impl FnOnce(&str, &[(String, String)]) -> Answer,
) -> i32 {
    let operation = args.last().cloned().unwrap_or_default();
    let input = parse_pairs(&read_stdin());
    let (output, stderr, exit) = act(&operation, &input);
    let mut text = String::new();
    for (k, v) in &output {
        text.push_str(&format!("{k}={v}\n"));
    }
    let _ = std::io::stdout().write_all(text.as_bytes());
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    append_json_line(
        &dir.join(TRANSCRIPT_FILE),
        &HelperCall {
            helper: name.to_owned(),
            operation,
            args: args.to_vec(),
            input,
            output,
            exit,
            stderr,
        },
    );
    exit
}

/// An item in a stand-in store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Item {
    pub protocol: String,
    pub host: String,
    pub path: Option<String>,
    pub username: String,
    pub password: String,
    pub password_expiry_utc: Option<String>,
}

pub fn load_items(file: &Path) -> Vec<Item> {
    std::fs::read(file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub fn save_items(file: &Path, items: &[Item]) {
    let _ = std::fs::write(file, serde_json::to_vec_pretty(items).unwrap_or_default());
}

struct Query<'a> {
    protocol: &'a str,
    host: &'a str,
    path: Option<&'a str>,
    username: Option<&'a str>,
}

impl<'a> Query<'a> {
    fn from(input: &'a [(String, String)]) -> Query<'a> {
        Query {
            protocol: get(input, "protocol").unwrap_or(""),
            host: get(input, "host").unwrap_or(""),
            path: get(input, "path"),
            username: get(input, "username"),
        }
    }

    /// The keychain's search: attributes the query leaves out match anything.
    fn matches(&self, item: &Item) -> bool {
        item.protocol == self.protocol
            && item.host.eq_ignore_ascii_case(self.host)
            && self.path.is_none_or(|p| item.path.as_deref() == Some(p))
            && self.username.is_none_or(|u| item.username == u)
    }

    /// The item `store` saves for this query.
    fn item(&self, username: &str, password: &str, password_expiry_utc: Option<String>) -> Item {
        Item {
            protocol: self.protocol.to_owned(),
            host: self.host.to_owned(),
            path: self.path.map(str::to_owned),
            username: username.to_owned(),
            password: password.to_owned(),
            password_expiry_utc,
        }
    }

    fn same_item(&self, item: &Item) -> bool {
        item.protocol == self.protocol
            && item.host.eq_ignore_ascii_case(self.host)
            && item.path.as_deref() == self.path
            && Some(item.username.as_str()) == self.username
    }
}

/// What a stand-in store answers: output pairs, stderr, exit code.
type Answer = (Vec<(String, String)>, String, i32);

/// No output, no message, exit 0: "nothing here", and git asks its next helper.
fn nothing() -> Answer {
    (Vec::new(), String::new(), 0)
}

/// `erase`, the same in both stores: every item the query matches goes.
fn erase(file: &Path, mut items: Vec<Item>, query: &Query<'_>) -> Answer {
    items.retain(|i| !query.matches(i));
    save_items(file, &items);
    nothing()
}

fn answer(item: &Item, with_expiry: bool) -> Vec<(String, String)> {
    let mut out = vec![
        ("username".to_owned(), item.username.clone()),
        ("password".to_owned(), item.password.clone()),
    ];
    if with_expiry && let Some(e) = &item.password_expiry_utc {
        out.push(("password_expiry_utc".to_owned(), e.clone()));
    }
    out
}

fn keychain(dir: &Path, model: &KeychainModel, op: &str, input: &[(String, String)]) -> Answer {
    if model.deny {
        // The user clicks Deny: the keychain neither reveals nor saves anything.
        return nothing();
    }
    let file = dir.join(KEYCHAIN_FILE);
    let mut items = load_items(&file);
    let query = Query::from(input);
    match op {
        "get" => match items.iter().find(|i| query.matches(i)) {
            Some(item) => (answer(item, model.keeps_expiry), String::new(), 0),
            None => nothing(),
        },
        "store" => {
            let (Some(username), Some(password)) = (query.username, get(input, "password")) else {
                return nothing();
            };
            let expiry = if model.keeps_expiry {
                get(input, "password_expiry_utc").map(str::to_owned)
            } else {
                None
            };
            match items.iter_mut().find(|i| query.same_item(i)) {
                Some(existing) if model.overwrites => {
                    existing.password = password.to_owned();
                    existing.password_expiry_utc = expiry;
                }
                // Before 2.45 the duplicate-item error was ignored: the old password stays.
                Some(_) => {}
                None => items.push(query.item(username, password, expiry)),
            }
            save_items(&file, &items);
            nothing()
        }
        "erase" => erase(&file, items, &query),
        _ => nothing(),
    }
}

/// CredWriteW's limits (wincred.h): CRED_MAX_USERNAME_LENGTH and CRED_MAX_CREDENTIAL_BLOB_SIZE.
const WINDOWS_MAX_USERNAME: usize = 513;
const WINDOWS_MAX_BLOB: usize = 5 * 512;

fn manager(dir: &Path, model: &ManagerModel, op: &str, input: &[(String, String)]) -> Answer {
    let file = dir.join(MANAGER_FILE);
    let mut items = load_items(&file);
    let query = Query::from(input);
    match op {
        "get" => match items.iter().rev().find(|i| query.matches(i)) {
            // GCM answers with what it holds; it never passes an expiry on.
            Some(item) => (answer(item, false), String::new(), 0),
            None => nothing(),
        },
        "store" => {
            let (Some(username), Some(password)) = (query.username, get(input, "password")) else {
                return nothing();
            };
            let blob = password.encode_utf16().count() * 2;
            if model.windows_limits
                && (username.chars().count() > WINDOWS_MAX_USERNAME || blob > WINDOWS_MAX_BLOB)
            {
                // GCM's words when CredWriteW refuses the item (git-remote-codecommit #38).
                return (Vec::new(), "fatal: Failed to write item to store. [0x6c6]\nfatal: The array bounds are invalid\n".to_owned(), 1);
            }
            items.retain(|i| !query.same_item(i));
            items.push(query.item(username, password, None));
            save_items(&file, &items);
            nothing()
        }
        "erase" => erase(&file, items, &query),
        _ => nothing(),
    }
}

fn askpass(dir: &Path, config: &StandinConfig, prompt: &str) -> i32 {
    let answer = config
        .askpass
        .iter()
        .find(|(start, _)| prompt.starts_with(start.as_str()))
        .map(|(_, a)| a);
    append_json_line(
        &dir.join(PROMPTS_FILE),
        &Prompt {
            prompt: prompt.to_owned(),
            answered: answer.is_some(),
        },
    );
    match answer {
        Some(answer) => {
            println!("{answer}");
            0
        }
        None => 1,
    }
}

/// Runs the real helper behind `name` and writes down the exchange.
fn record(dir: &Path, config: &StandinConfig, name: &str, args: &[String]) -> i32 {
    let input_bytes = read_stdin();
    let Some(target) = config.helpers.get(name) else {
        eprintln!("{name}: no helper under test is installed under this name in this sandbox");
        return 127;
    };
    let mut real_args: Vec<String> = args.to_vec();
    if !target.before_operation.is_empty() && !real_args.is_empty() {
        let op = real_args.pop().unwrap_or_default();
        real_args.extend(target.before_operation.iter().cloned());
        real_args.push(op);
    }
    let operation = args.last().cloned().unwrap_or_default();
    let child = Command::new(&target.program)
        .args(&real_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let (stdout, stderr, exit) = match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(&input_bytes);
            }
            match child.wait_with_output() {
                Ok(out) => (out.stdout, out.stderr, out.status.code().unwrap_or(-1)),
                Err(e) => (Vec::new(), format!("{name}: {e}\n").into_bytes(), 127),
            }
        }
        Err(e) => (
            Vec::new(),
            format!("{name}: cannot start {}: {e}\n", target.program.display()).into_bytes(),
            127,
        ),
    };
    let _ = std::io::stdout().write_all(&stdout);
    let _ = std::io::stderr().write_all(&stderr);
    append_json_line(
        &dir.join(TRANSCRIPT_FILE),
        &HelperCall {
            helper: display_name(name),
            operation,
            args: args.to_vec(),
            input: parse_pairs(&input_bytes),
            output: parse_pairs(&stdout),
            exit,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        },
    );
    exit
}
