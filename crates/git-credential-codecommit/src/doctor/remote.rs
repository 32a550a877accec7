//! The doctor for a `codecommit://` URL: git hands it to `git-remote-codecommit`, not to a
//! credential helper, so what can break is the remote helper being found, the URL, the profile,
//! the region and the credentials (scenarios `codecommit-url-*`), and a store that keeps the
//! signed password git is handed in the URL (`codecommit-url-keychain`).

use super::checks::{Asker, Chain, credentials};
use super::finding::{Finding, Severity};
use super::gitconfig::Entry;
use super::helpers::{Kind, in_dir, which};
use super::urlmatch::UrlParts;
use crate::aws::AwsSource;
use crate::endpoint::Endpoint;
use crate::remote::{ENDPOINT_ENV, NAME as PROGRAM, RemoteUrl};
use std::path::Path;
use std::time::SystemTime;

/// Whether git hands `url` to `git-remote-codecommit`: `codecommit://…` or `codecommit::…`.
pub fn is_remote_url(url: &str) -> bool {
    url.starts_with("codecommit:")
}

/// Everything the doctor reads for a `codecommit://` URL.
pub struct RemoteInputs<'a> {
    pub url: &'a str,
    pub exec_path: Option<&'a Path>,
    pub entries: &'a [Entry],
    pub aws: &'a dyn AwsSource,
    /// `AWS_PROFILE` as the remote helper will see it.
    pub env_profile: Option<String>,
    pub now: SystemTime,
}

impl std::fmt::Debug for RemoteInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteInputs")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The findings for a `codecommit://` URL.
pub fn all(inputs: &RemoteInputs<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(helper_missing(inputs));
    let remote = match RemoteUrl::parse(inputs.url) {
        Ok(remote) => remote,
        Err(error) => {
            findings.push(
                Finding::new("remote-url-malformed", Severity::Problem, error.to_string())
                    .fix("git remote set-url origin codecommit://[PROFILE@]REPOSITORY"),
            );
            return findings;
        }
    };
    let profile = remote.profile.as_deref();
    let named = match (profile, &inputs.env_profile) {
        (Some(p), _) => format!("profile '{p}' (named in the URL)"),
        (None, Some(p)) => format!("profile '{p}' (AWS_PROFILE)"),
        (None, None) => "the default credential chain".to_owned(),
    };
    if let Some(p) = profile.filter(|p| p.contains('@')) {
        let first = p.split('@').next().unwrap_or(p);
        findings.push(Finding::new(
            "remote-profile-at",
            Severity::Warning,
            format!("the profile's name '{p}' has an @: this project's git-remote-codecommit takes the whole name, the Python package splits at the first @ and looks for a profile '{first}'"),
        ).fix("if git says the profile was not found, install this project's git-remote-codecommit, or name the profile without @"));
    }
    match inputs.aws.profile_settings(profile) {
        Ok(settings) => {
            if let Some(p) = profile
                && !settings.profiles.iter().any(|known| known == p)
            {
                findings.push(
                    Finding::new(
                        "remote-profile-missing",
                        Severity::Problem,
                        format!("the URL names the profile '{p}', which is in neither AWS file: git-remote-codecommit stops before git connects"),
                    )
                    .evidence(format!("profiles there: {}", settings.profiles.join(", ")))
                    .evidence(crate::aws::shared_files())
                    .fix(format!("aws configure --profile {p}   (or name an existing profile in the URL)")),
                );
                return findings;
            }
        }
        Err(error) => {
            findings.push(
                Finding::new(
                    "aws-credentials-missing",
                    Severity::Problem,
                    "the AWS shared files cannot be read",
                )
                .evidence(error.to_string()),
            );
            return findings;
        }
    }
    let region = match remote.region.clone() {
        Some(region) => region,
        None => match inputs.aws.region(profile) {
            Ok(Some(region)) => region,
            Ok(None) | Err(_) => {
                findings.push(
                    Finding::new(
                        "remote-no-region",
                        Severity::Problem,
                        format!("codecommit://{} names no region and {named} has none: git-remote-codecommit cannot tell which endpoint to sign for", remote.repository),
                    )
                    .fix(format!(
                        "aws configure set region REGION{}   (or put it in the URL: codecommit::REGION://{})",
                        profile.map(|p| format!(" --profile {p}")).unwrap_or_default(),
                        inputs.url.strip_prefix("codecommit://").unwrap_or(inputs.url)
                    )),
                );
                return findings;
            }
        },
    };
    let chain = Chain {
        aws: inputs.aws,
        profile,
        env_profile: inputs.env_profile.as_deref(),
        region: &region,
        now: inputs.now,
        named: &named,
    };
    findings.extend(credentials(
        &chain,
        Asker {
            who: PROGRAM,
            without: "it stops before git connects",
            profile_fix: "",
            evidence: None,
        },
    ));
    findings.extend(stores_keep_the_password(inputs, &region));
    findings
}

/// Git looks for `git-remote-codecommit` in its exec path, then on PATH.
fn helper_missing(inputs: &RemoteInputs<'_>) -> Option<Finding> {
    let found = inputs
        .exec_path
        .and_then(|dir| in_dir(dir, PROGRAM))
        .or_else(|| which(PROGRAM));
    if found.is_some() {
        return None;
    }
    Some(
        Finding::new(
            "remote-helper-missing",
            Severity::Problem,
            "git cannot find git-remote-codecommit (in its exec path or on PATH): every git command on a codecommit:// URL fails with \"Unable to find remote helper for 'codecommit'\"",
        )
        .fix("install it beside git-credential-codecommit (one build, two binaries), or pip install git-remote-codecommit, and put it on PATH"),
    )
}

/// A store configured for the repository's HTTPS host keeps the signed password git-remote-codecommit
/// hands git in the URL (git stores what worked), and hands it back to an HTTPS URL of the same
/// host after it has expired.
fn stores_keep_the_password(inputs: &RemoteInputs<'_>, region: &str) -> Option<Finding> {
    let host = std::env::var(ENDPOINT_ENV)
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| Endpoint::for_region(region, false).host);
    let https = format!("https://{host}/");
    let parts = UrlParts::parse(&https).ok()?;
    let stores: Vec<String> = super::checks::applied_helpers(&parts, inputs.entries)
        .iter()
        .filter(|a| matches!(a.helper.kind, Kind::Storing(_)))
        .map(|a| a.helper.short_name())
        .collect();
    if stores.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            "remote-password-stored",
            Severity::Warning,
            format!(
                "{} stores the signed password git-remote-codecommit hands git for {host}; an HTTPS URL to that host gets it back after it expired (403 after 15 minutes)",
                stores.join(" and ")
            ),
        )
        .fix(format!("use codecommit:// URLs only, or scope the store away from CodeCommit: git config --global credential.{https}.helper \"\"")),
    )
}
