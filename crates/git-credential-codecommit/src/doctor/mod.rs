//! `git-credential-codecommit doctor`: the troubleshooting guide, run against the user's own
//! git, configuration and AWS files. Read-only: it asks git (`git config`), the AWS SDK's
//! credential chain and, with `--check-stores`, the stores ahead of the helper; it writes
//! nothing.
//!
//! - [`gitconfig`]: the user's git and what `git config` says;
//! - [`urlmatch`]: which `[credential "<url>"]` sections apply, by git's rules;
//! - [`helpers`]: what each `helper =` value runs;
//! - [`checks`]: the findings;
//! - [`stores`]: what a store ahead of the helper hands back, and when it was signed;
//! - [`remote`]: the checks for a `codecommit://` URL (git-remote-codecommit's path);
//! - [`finding`]: the report, as text or JSON.
//!
//! Exit status: 0 when no finding is a problem, 1 when one is, 2 when the doctor could not run.

pub mod checks;
pub mod finding;
pub mod gitconfig;
pub mod helpers;
pub mod offer;
pub mod remote;
pub mod stores;
pub mod urlmatch;

use crate::aws::AwsSource;
use checks::{Inputs, Target, applied_helpers, use_http_path};
use finding::{Finding, Report, Severity};
use gitconfig::{Git, GitError};
use helpers::Kind;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

/// Checks this machine's configuration for a CodeCommit HTTPS URL (read-only)
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// The repository's HTTPS or codecommit:// URL; without one, the CodeCommit remotes of the
    /// repository here
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// text, or json: {"url", "git", "findings": [{"id", "severity", "summary", "evidence", "fix"}]}
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also ask each storing helper ahead of this one what it holds for the URL (a keychain may ask you to unlock it)
    #[arg(long)]
    pub check_stores: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Runs the doctor in `dir`; returns the exit status.
pub fn run(
    args: &DoctorArgs,
    dir: &Path,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    aws: &dyn AwsSource,
    now: SystemTime,
) -> u8 {
    match examine(args, dir, aws, now) {
        Ok(report) => {
            let text = match args.format {
                Format::Json => report.to_json() + "\n",
                Format::Text => report.to_text(),
            };
            let _ = stdout.write_all(text.as_bytes());
            u8::from(report.has_problem())
        }
        Err(why) => {
            let _ = writeln!(stderr, "{} doctor: {why}", crate::program::NAME);
            2
        }
    }
}

/// Everything the doctor finds for the URL, or why it could not look.
pub fn examine(
    args: &DoctorArgs,
    dir: &Path,
    aws: &dyn AwsSource,
    now: SystemTime,
) -> Result<Report, String> {
    // Git stops at a configuration line it cannot read: that is the finding, and nothing else
    // can be seen until it is fixed.
    let unreadable = |error: GitError, version: &str| -> Result<Report, String> {
        let GitError::BadConfig {
            message,
            file,
            line,
        } = error
        else {
            return Err(error.to_string());
        };
        let url = args
            .url
            .as_deref()
            .map(|u| match remote::is_remote_url(u) {
                true => Ok(crate::remote::redact(u)),
                false => Target::parse(u).map(|t| t.shown),
            })
            .transpose()?
            .unwrap_or_else(|| "(the remotes of this repository)".to_owned());
        Ok(Report {
            url,
            git: version.to_owned(),
            findings: vec![bad_config(message, file, line)],
        })
    };
    let git = match Git::find() {
        Ok(git) => git,
        Err(error) => return unreadable(error, "unknown"),
    };
    let entries = match git.entries(dir) {
        Ok(entries) => entries,
        Err(error) => return unreadable(error, &git.version.to_string()),
    };
    let (raw_url, mut findings) = match &args.url {
        Some(url) => (url.clone(), Vec::new()),
        None => remote_url(&entries, dir)?,
    };
    if remote::is_remote_url(&raw_url) {
        findings.extend(remote::all(&remote::RemoteInputs {
            url: &raw_url,
            exec_path: git.exec_path.as_deref(),
            entries: &entries,
            aws,
            env_profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
            now,
        }));
        findings.sort_by_key(|f| f.severity);
        return Ok(Report {
            url: crate::remote::redact(&raw_url),
            git: git.version.to_string(),
            findings,
        });
    }
    let target = Target::parse(&raw_url)?;
    let stores = args.check_stores.then(|| ask_stores(&target, &entries));
    let offer = (args.check_stores
        && git.version.offers_authtype()
        && !git.version.carries_authtype_on_large_requests())
    .then(|| ask_offer(&target, &entries, git.exec_path.as_deref()))
    .flatten();
    let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let inputs = Inputs {
        target: &target,
        git: git.version,
        exec_path: git.exec_path.as_deref(),
        entries: &entries,
        aws,
        env_profile,
        now,
        stores,
        offer,
    };
    findings.extend(checks::all(&inputs));
    // Problems first, then warnings, then notes; stable within each.
    findings.sort_by_key(|f| f.severity);
    Ok(Report {
        url: target.shown.clone(),
        git: git.version.to_string(),
        findings,
    })
}

fn bad_config(message: String, file: Option<String>, line: Option<u32>) -> Finding {
    let place = match (&file, line) {
        (Some(f), Some(l)) => format!("line {l} of {f}"),
        (Some(f), None) => f.clone(),
        _ => "the file git names".to_owned(),
    };
    Finding::new(
        "config-unreadable",
        Severity::Problem,
        format!("git cannot read its configuration, so every git command fails: {message}"),
    )
    .evidence(message)
    .fix(format!(
        "edit {place}: in a value, a backslash must be doubled (\\\\) or the path written with / (a quoted Windows path such as \"\\C:\\...\" is not valid)"
    ))
}

/// The first CodeCommit remote (HTTPS or `codecommit://`) of the repository in `dir` (`origin`
/// first), and a note
/// naming the others.
fn remote_url(entries: &[gitconfig::Entry], dir: &Path) -> Result<(String, Vec<Finding>), String> {
    let mut urls: Vec<(String, String)> = Vec::new();
    for entry in entries {
        if let Some((Some(name), "url" | "pushurl")) = entry.in_section("remote")
            && let Some(url) = &entry.value
            && (Target::parse(url).is_ok() || remote::is_remote_url(url))
            && !urls.iter().any(|(_, u)| u == url)
        {
            urls.push((name.to_owned(), url.clone()));
        }
    }
    urls.sort_by_key(|(name, _)| name != "origin");
    let Some((_, first)) = urls.first().cloned() else {
        return Err(format!(
            "no CodeCommit remote (HTTPS or codecommit://) in {}; pass the repository's URL: git-credential-codecommit doctor https://git-codecommit.REGION.amazonaws.com/v1/repos/NAME",
            dir.display()
        ));
    };
    let mut notes = Vec::new();
    if urls.len() > 1 {
        let mut note = Finding::new(
            "other-remotes",
            Severity::Note,
            "this repository has other CodeCommit remotes; run the doctor with each URL to check them",
        );
        for (name, url) in &urls[1..] {
            let shown = Target::parse(url).map_or_else(|_| url.clone(), |t| t.shown);
            note = note.evidence(format!("remote {name}: {shown}"));
        }
        notes.push(note);
    }
    Ok((first, notes))
}

/// `--check-stores` on git 2.46 to 2.53: what this machine's `git-credential-codecommit` (a
/// release before the large-request fix answered with `authtype` there) answers git's offer.
/// The AWS CLI never answers the capability, so it is not asked (half a second a start).
fn ask_offer(
    target: &Target,
    entries: &[gitconfig::Entry],
    exec_path: Option<&Path>,
) -> Option<offer::OfferAnswer> {
    let applied = applied_helpers(&target.parts, entries);
    let ours = applied.iter().find(|a| a.helper.is_codecommit())?;
    if ours.helper.kind != Kind::Native {
        return None;
    }
    let (with_path, _) = use_http_path(&target.parts, entries);
    Some(offer::ask(&ours.helper, target, with_path, exec_path))
}

/// `--check-stores`: every storing helper ahead of the CodeCommit helper (or every one, when
/// there is no CodeCommit helper).
fn ask_stores(target: &Target, entries: &[gitconfig::Entry]) -> Vec<stores::StoreAnswer> {
    let applied = applied_helpers(&target.parts, entries);
    let end = applied
        .iter()
        .position(|a| a.helper.is_codecommit())
        .unwrap_or(applied.len());
    let (with_path, _) = use_http_path(&target.parts, entries);
    applied[..end]
        .iter()
        .filter(|a| matches!(a.helper.kind, Kind::Storing(_)))
        .map(|a| stores::ask(&a.helper, target, with_path))
        .collect()
}
