//! `git-credential-codecommit configure`: writes the configuration the replay found immune to
//! whatever the system file configures (`scenarios/recommended-configuration.toml`).
//!
//! ```ini
//! [credential "https://git-codecommit.*.amazonaws.com"]
//!     helper =
//!     helper = codecommit
//!     UseHttpPath = true
//! ```
//!
//! Why this layout:
//! - `helper =` first: git collects helpers from every matching section of every file, system
//!   file first; the empty value resets that list, so a keychain, Git Credential Manager or
//!   `store` from the system file never answers for CodeCommit with a stale password
//!   (`scenarios/windows-gcm-precedence.toml` shows the section without it failing);
//! - one section per host shape: git's urlmatch `*` matches exactly one host label
//!   (urlmatch.c `match_host`), so `git-codecommit.*` matches neither a FIPS host nor a VPC
//!   endpoint;
//! - `UseHttpPath = true`: the password signs the repository path, which git sends only then.
//!
//! Everything is written with `git config`, never by editing the file, so comments and the rest
//! of the file stay as they are.
//!
//! Policy, when a section already holds something:
//! - it ends with `helper =` and our helper: nothing changes (a second run is a no-op);
//! - anything else (the guide's `helper = !aws …`, another path): our two lines are appended and
//!   the old ones kept, never removed; the output names each one, which no longer runs, because
//!   the appended empty `helper =` resets the list after it;
//! - `UseHttpPath` set to something false is set to `true`, and the output says what it was.
//!
//! `--undo` removes, in these sections, every entry equal to one this command writes with the
//! same options (an identical line written by hand cannot be told apart), then the section if
//! nothing else is left in it.

use crate::doctor::checks::git_bool;
use crate::doctor::gitconfig::Version;
use crate::doctor::helpers::Helper;
use crate::endpoint::Endpoint;
use crate::program::NAME;
use clap::{ArgGroup, Args};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The AWS CLI's helper line, as the guide writes it.
pub const AWS_CLI_HELPER: &str = "!aws codecommit credential-helper $@";

/// Write the recommended configuration for CodeCommit's hosts (through `git config`)
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("scope").args(["global", "system", "local", "file"])))]
pub struct ConfigureArgs {
    /// The repository's URL: configure only its host's shape (standard, FIPS, China or a VPC
    /// endpoint). Without one: the standard, FIPS and China patterns
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Write to the global file, ~/.gitconfig (the default)
    #[arg(long)]
    pub global: bool,
    /// Write to the system file (may need administrator rights)
    #[arg(long)]
    pub system: bool,
    /// Write to the current repository's .git/config
    #[arg(long)]
    pub local: bool,
    /// Write to this file
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the git config commands and the lines they write; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Remove what this command writes (with the same options)
    #[arg(long)]
    pub undo: bool,
    /// Write the AWS CLI's helper line (`!aws codecommit credential-helper $@`) instead
    #[arg(long)]
    pub aws_cli: bool,
}

/// Everything that stops `configure`; each is one line that names the fix, and exit 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigureError {
    #[error(
        "configure: '{url}' is not a CodeCommit repository URL (https://git-codecommit.REGION.amazonaws.com/v1/repos/NAME, or its FIPS, China or VPC endpoint form); pass the URL you clone from, or no URL"
    )]
    NotCodeCommit { url: String },
    #[error(
        "configure: --ignore-host-check does not belong in a host-scoped section; run configure without it"
    )]
    IgnoreHostCheck,
    #[error(
        "configure: cannot run git ({0}); install git or put it on PATH: configure writes through git config"
    )]
    GitNotFound(String),
    #[error(
        "configure: cannot write {file}: its directory does not exist; create {dir} or choose another file"
    )]
    MissingDirectory { file: String, dir: String },
    #[error("configure: `{command}` failed: {message}")]
    Git { command: String, message: String },
}

/// Runs `configure`; returns the exit code (0, or 2 with one line on stderr).
pub fn run(
    args: &ConfigureArgs,
    options: &HelperOptions<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    match configure(args, options, stdout) {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(stderr, "{NAME}: {error}");
            2
        }
    }
}

/// The helper's own global options, written into the helper line so git passes them back.
#[derive(Debug, Clone, Copy, Default)]
pub struct HelperOptions<'a> {
    pub profile: Option<&'a str>,
    pub region: Option<&'a str>,
    pub ignore_host_check: bool,
}

fn configure(
    args: &ConfigureArgs,
    options: &HelperOptions<'_>,
    out: &mut dyn Write,
) -> Result<(), ConfigureError> {
    if options.ignore_host_check {
        return Err(ConfigureError::IgnoreHostCheck);
    }
    let patterns = match &args.url {
        Some(url) => {
            vec![pattern_for(&url_endpoint(url).ok_or_else(|| {
                ConfigureError::NotCodeCommit { url: url.clone() }
            })?)]
        }
        None => default_patterns(),
    };
    if let Some(file) = &args.file
        && let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(ConfigureError::MissingDirectory {
            file: file.display().to_string(),
            dir: dir.display().to_string(),
        });
    }
    let git = Git::new(scope(args))?;
    let helper = if args.aws_cli {
        aws_cli_line(options)
    } else {
        let (line, note) = helper_line(&git, options);
        if let Some(note) = note {
            let _ = writeln!(out, "note: {note}");
        }
        line
    };
    for pattern in &patterns {
        let entries = git.section(pattern)?;
        let changes = if args.undo {
            undo(&entries, &helper)
        } else {
            plan(&entries, &helper)
        };
        if args.dry_run {
            print_dry_run(out, &git, pattern, &entries, &changes);
            continue;
        }
        for change in &changes.changes {
            git.apply(pattern, change)?;
            let _ = writeln!(out, "[credential \"{pattern}\"]: {}", change.describe());
        }
        for note in &changes.notes {
            let _ = writeln!(out, "[credential \"{pattern}\"]: {note}");
        }
        if changes.changes.is_empty() {
            let what = if args.undo {
                "nothing this command writes is there"
            } else {
                "already configured, nothing to change"
            };
            let _ = writeln!(out, "[credential \"{pattern}\"]: {what}");
        }
    }
    Ok(())
}

/// `--global` unless another scope is given.
fn scope(args: &ConfigureArgs) -> Vec<OsString> {
    if let Some(file) = &args.file {
        vec!["--file".into(), file.clone().into_os_string()]
    } else if args.system {
        vec!["--system".into()]
    } else if args.local {
        vec!["--local".into()]
    } else {
        vec!["--global".into()]
    }
}

/// The endpoint of an `https://[user@]host[:port]/…` URL, if it is CodeCommit's.
pub fn url_endpoint(url: &str) -> Option<Endpoint> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Endpoint::parse(host)
}

/// The urlmatch pattern for every host of this endpoint's shape.
pub fn pattern_for(endpoint: &Endpoint) -> String {
    let service = if endpoint.fips {
        "git-codecommit-fips"
    } else {
        "git-codecommit"
    };
    let suffix = endpoint.partition.dns_suffix();
    match endpoint.vpce {
        Some(_) => format!("https://*.{service}.*.vpce.{suffix}"),
        None => format!("https://{service}.*.{suffix}"),
    }
}

/// Without a URL: the standard, FIPS and China public endpoints.
pub fn default_patterns() -> Vec<String> {
    // Any region of each shape: the pattern replaces it with `*`.
    [
        ("us-east-2", false),
        ("us-east-2", true),
        ("cn-north-1", false),
    ]
    .into_iter()
    .map(|(region, fips)| pattern_for(&Endpoint::for_region(region, fips)))
    .collect()
}

fn aws_cli_line(options: &HelperOptions<'_>) -> String {
    let mut line = String::from("!aws");
    if let Some(profile) = options.profile {
        line.push_str(&format!(" --profile {}", shell_quote(profile)));
    }
    if let Some(region) = options.region {
        line.push_str(&format!(" --region {}", shell_quote(region)));
    }
    line.push_str(" codecommit credential-helper $@");
    line
}

/// `codecommit` when the `git-credential-codecommit` git would run is this program; otherwise
/// this executable by its full path, as a shell command (`!'…'`: git runs a value starting with
/// `!` through the shell, where a bare path with a space would break, see credential.c
/// `credential_do`). The note says why the full path was chosen.
fn helper_line(git: &Git, options: &HelperOptions<'_>) -> (String, Option<String>) {
    let mut flags = String::new();
    if let Some(profile) = options.profile {
        flags.push_str(&format!(" --profile {}", shell_quote(profile)));
    }
    if let Some(region) = options.region {
        flags.push_str(&format!(" --region {}", shell_quote(region)));
    }
    let Ok(me) = std::env::current_exe() else {
        return (format!("codecommit{flags}"), None);
    };
    let installed = git.find_codecommit();
    let why = match &installed {
        Some(found) if same_file(found, &me) || answers_as_this_program(found) => {
            return (format!("codecommit{flags}"), None);
        }
        Some(found) => format!(
            "the {NAME} git would run ({}) is another program or version",
            found.display()
        ),
        None => format!("{NAME} is not on PATH"),
    };
    let path = me.to_string_lossy().replace('\\', "/");
    (
        format!("!{}{flags}", shell_quote_always(&path)),
        Some(format!(
            "{why}: the helper is named by its full path, {path}"
        )),
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A wrapper that runs this same program (a version manager's shim, a package's launcher
/// script, the replay's recorder) is as good as this executable: it answers `--version` with
/// this program's name and version.
fn answers_as_this_program(program: &Path) -> bool {
    let ours = format!("{NAME} {}", env!("CARGO_PKG_VERSION"));
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).lines().next() == Some(&ours)
        })
}

/// `word` as the shell reads it: bare when it holds nothing special, else single-quoted.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        shell_quote_always(word)
    }
}

fn shell_quote_always(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// One entry of a section: the variable name (lower case, as git reports it) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub value: String,
}

/// What one git config command changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `--add KEY VALUE`
    Add { name: &'static str, value: String },
    /// `--replace-all KEY VALUE` (a false `UseHttpPath`)
    Replace {
        name: &'static str,
        value: String,
        was: String,
    },
    /// `--unset-all KEY VALUE`, the value matched exactly
    Unset { name: &'static str, value: String },
    /// `--remove-section`, once nothing is left in it
    RemoveSection,
}

impl Change {
    fn describe(&self) -> String {
        match self {
            Change::Add { name, value } => format!("added {}", line(name, value)),
            Change::Replace { name, value, was } => {
                format!("set {} (was {was})", line(name, value))
            }
            Change::Unset { name, value } => format!("removed {}", line(name, value)),
            Change::RemoveSection => "removed the section, now empty".into(),
        }
    }
}

/// The changes for one section, and what the user should know about what stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

const HELPER: &str = "helper";
const USE_HTTP_PATH: &str = "UseHttpPath";

/// What `configure` does to a section holding `entries`.
pub fn plan(entries: &[Entry], helper: &str) -> Plan {
    let mut plan = Plan::default();
    let helpers: Vec<&str> = entries
        .iter()
        .filter(|e| e.name == "helper")
        .map(|e| e.value.as_str())
        .collect();
    if !helpers.ends_with(&["", helper]) {
        for other in helpers.iter().filter(|h| !h.is_empty()) {
            plan.notes.push(format!(
                "kept {}, which no longer runs for these hosts: the empty helper = added after it resets the list",
                line(HELPER, other)
            ));
        }
        for value in ["", helper] {
            plan.changes.push(Change::Add {
                name: HELPER,
                value: value.into(),
            });
        }
    }
    let use_http_path = entries
        .iter()
        .rfind(|e| e.name == "usehttppath")
        .map(|e| e.value.as_str());
    match use_http_path {
        Some(v) if git_bool(Some(v)) => {}
        Some(was) => plan.changes.push(Change::Replace {
            name: USE_HTTP_PATH,
            value: "true".into(),
            was: was.into(),
        }),
        None => plan.changes.push(Change::Add {
            name: USE_HTTP_PATH,
            value: "true".into(),
        }),
    }
    plan
}

/// What `configure --undo` does to a section holding `entries`.
pub fn undo(entries: &[Entry], helper: &str) -> Plan {
    let mut plan = Plan::default();
    let ours = |e: &Entry| {
        (e.name == "helper" && (e.value.is_empty() || e.value == helper))
            || (e.name == "usehttppath" && e.value == "true")
    };
    for (name, value) in [(HELPER, ""), (HELPER, helper), (USE_HTTP_PATH, "true")] {
        if entries
            .iter()
            .any(|e| e.name == name.to_ascii_lowercase() && e.value == value)
        {
            plan.changes.push(Change::Unset {
                name,
                value: value.into(),
            });
        }
    }
    if !plan.changes.is_empty() && entries.iter().all(ours) {
        plan.changes.push(Change::RemoveSection);
    }
    plan
}

/// An entry as `git config` writes it into the file, without the tab (and without the space git
/// leaves after `=` for an empty value).
fn line(name: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{name} =")
    } else {
        format!("{name} = {}", git_quote(value))
    }
}

/// A value as git writes it: quoted when it has a comment character or leading or trailing
/// space, with `\` and `"` escaped.
fn git_quote(value: &str) -> String {
    let escaped = value.replace('\\', r"\\").replace('"', "\\\"");
    if value.contains(['#', ';']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

fn print_dry_run(out: &mut dyn Write, git: &Git, pattern: &str, entries: &[Entry], plan: &Plan) {
    if plan.changes.is_empty() {
        let _ = writeln!(out, "# [credential \"{pattern}\"]: nothing to change");
        return;
    }
    for change in &plan.changes {
        let args: Vec<String> = git
            .args(pattern, change)
            .iter()
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect();
        let _ = writeln!(out, "git config {}", args.join(" "));
    }
    for note in &plan.notes {
        let _ = writeln!(out, "# [credential \"{pattern}\"]: {note}");
    }
    // The section as it will read; entries written elsewhere in the file are shown in order.
    let mut after: Vec<String> = entries
        .iter()
        .filter(|e| {
            !plan.changes.iter().any(|c| match c {
                Change::Unset { name, value } => {
                    e.name == name.to_ascii_lowercase() && &e.value == value
                }
                Change::Replace { name, .. } => e.name == name.to_ascii_lowercase(),
                _ => false,
            })
        })
        .map(|e| line(display_name(&e.name), &e.value))
        .collect();
    for change in &plan.changes {
        match change {
            Change::Add { name, value } | Change::Replace { name, value, .. } => {
                after.push(line(name, value))
            }
            Change::Unset { .. } | Change::RemoveSection => {}
        }
    }
    if plan.changes.contains(&Change::RemoveSection) || after.is_empty() {
        let _ = writeln!(out, "# [credential \"{pattern}\"] is then gone");
    } else {
        let _ = writeln!(out, "# [credential \"{pattern}\"] then reads:");
        for l in after {
            let _ = writeln!(out, "# \t{l}");
        }
    }
}

/// Names as this command writes them; others as git reports them (lower case).
fn display_name(name: &str) -> &str {
    match name {
        "helper" => HELPER,
        "usehttppath" => USE_HTTP_PATH,
        other => other,
    }
}

/// `git config` for one scope.
#[derive(Debug)]
struct Git {
    scope: Vec<OsString>,
    /// `--fixed-value` (git 2.30 and later); before, an anchored, escaped regular expression.
    fixed_value: bool,
}

impl Git {
    fn new(scope: Vec<OsString>) -> Result<Git, ConfigureError> {
        let out = Command::new("git")
            .arg("version")
            .stdin(Stdio::null())
            .output()
            .map_err(git_not_found)?;
        let version = Version::parse(&String::from_utf8_lossy(&out.stdout));
        Ok(Git {
            scope,
            fixed_value: version.is_some_and(|v| v >= Version(2, 30, 0)),
        })
    }

    /// `git config ARGS`.
    fn run(&self, args: &[OsString]) -> Result<std::process::Output, ConfigureError> {
        Command::new("git")
            .arg("config")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(git_not_found)
    }

    fn failed(args: &[OsString], out: &std::process::Output) -> ConfigureError {
        let words: Vec<String> = args
            .iter()
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect();
        let stderr = String::from_utf8_lossy(&out.stderr);
        ConfigureError::Git {
            command: format!("git config {}", words.join(" ")),
            message: stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim_start_matches("error: ")
                .trim_start_matches("fatal: ")
                .to_owned(),
        }
    }

    /// Every entry of `[credential "PATTERN"]` in this scope, in file order.
    fn section(&self, pattern: &str) -> Result<Vec<Entry>, ConfigureError> {
        let prefix = format!("credential.{pattern}.");
        let mut args = self.scope.clone();
        args.extend(["-z".into(), "--get-regexp".into()]);
        // `[^.]+$`: the China pattern's keys start with the standard pattern's.
        args.push(format!("^{}[^.]+$", regex_escape(&prefix)).into());
        let out = self.run(&args)?;
        match out.status.code() {
            Some(0) => {}
            // No such entry (and, for --global/--file, possibly no file yet).
            Some(1) => return Ok(Vec::new()),
            _ => return Err(Self::failed(&args, &out)),
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text
            .split('\0')
            .filter(|r| !r.is_empty())
            .map(|record| {
                let (key, value) = record.split_once('\n').unwrap_or((record, ""));
                let name = key.strip_prefix(&prefix).unwrap_or(key);
                Entry {
                    name: name.to_ascii_lowercase(),
                    value: value.to_owned(),
                }
            })
            .collect())
    }

    /// The arguments after `git config` for one change.
    fn args(&self, pattern: &str, change: &Change) -> Vec<OsString> {
        let key = |name: &str| OsString::from(format!("credential.{pattern}.{name}"));
        let mut args = self.scope.clone();
        match change {
            Change::Add { name, value } => {
                args.extend(["--add".into(), key(name), value.into()]);
            }
            Change::Replace { name, value, .. } => {
                args.extend(["--replace-all".into(), key(name), value.into()]);
            }
            Change::Unset { name, value } => {
                if self.fixed_value {
                    args.extend([
                        "--fixed-value".into(),
                        "--unset-all".into(),
                        key(name),
                        value.into(),
                    ]);
                } else {
                    args.extend([
                        "--unset-all".into(),
                        key(name),
                        format!("^{}$", regex_escape(value)).into(),
                    ]);
                }
            }
            Change::RemoveSection => {
                args.extend([
                    "--remove-section".into(),
                    format!("credential.{pattern}").into(),
                ]);
            }
        }
        args
    }

    fn apply(&self, pattern: &str, change: &Change) -> Result<(), ConfigureError> {
        let args = self.args(pattern, change);
        let out = self.run(&args)?;
        // Git 2.39 and later drop a section whose last entry was unset; older ones leave the
        // header, which --remove-section then takes. Either way the section is gone.
        if out.status.success() || *change == Change::RemoveSection {
            Ok(())
        } else {
            Err(Self::failed(&args, &out))
        }
    }

    /// The program git runs for `helper = codecommit`: found in `git --exec-path` first, then
    /// on `PATH`, as git looks for its subcommands (the doctor's lookup).
    fn find_codecommit(&self) -> Option<PathBuf> {
        let exec_path = Command::new("git")
            .arg("--exec-path")
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        Helper::parse("codecommit")?.locate(exec_path.as_deref())
    }
}

fn git_not_found(error: std::io::Error) -> ConfigureError {
    ConfigureError::GitNotFound(match error.kind() {
        std::io::ErrorKind::NotFound => "not found".into(),
        _ => error.to_string(),
    })
}

/// Escapes a POSIX extended regular expression's special characters.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if r".^$*+?()[]{}|\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
