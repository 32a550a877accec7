//! The checks: each turns what the doctor saw into findings. Every finding here is one the
//! replay's scenarios produce on real git (see `scenarios/*.toml`, `doctor = [...]`).

use super::finding::{Finding, Severity};
use super::gitconfig::{Entry, Version};
use super::helpers::{Helper, Kind};
use super::offer::OfferAnswer;
use super::stores::StoreAnswer;
use super::urlmatch::UrlParts;
use crate::aws::AwsSource;
use crate::endpoint::Endpoint;
use std::time::SystemTime;

/// Git drops a stored password whose `password_expiry_utc` has passed from 2.40.
pub const EXPIRY_SINCE: Version = Version(2, 40, 0);
/// From 2.53 git prompts instead of sending an empty user name and password (replayed in
/// `scenarios/windows-empty-auth.toml`).
pub const EMPTY_AUTH_PROMPTS_SINCE: Version = Version(2, 53, 0);
/// `http.proactiveAuth` arrived in 2.46.
pub const PROACTIVE_AUTH_SINCE: Version = Version(2, 46, 0);

/// The URL under examination.
#[derive(Debug, Clone)]
pub struct Target {
    /// As given, without any password.
    pub shown: String,
    /// What the user meant: the whole user name, the CodeCommit host.
    pub parts: UrlParts,
    pub endpoint: Endpoint,
    /// The user name holds an `@` that is not written `%40`.
    pub unencoded_at: bool,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let parts = UrlParts::parse(url).map_err(|e| format!("{e}; pass a CodeCommit HTTPS URL such as https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo"))?;
        if parts.scheme != "https" {
            let hint = if parts.scheme == "codecommit" {
                " (codecommit:// URLs go through git-remote-codecommit, not a credential helper)"
            } else {
                ""
            };
            return Err(format!(
                "'{}' is not an HTTPS URL{hint}; pass the repository's HTTPS clone URL",
                parts.display_url()
            ));
        }
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let unencoded_at = authority.matches('@').count() > 1;
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let name = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                (Some(name), host)
            }
            None => (None, authority),
        };
        let endpoint = Endpoint::parse(host_port).ok_or_else(|| {
            format!(
                "'{host_port}' is not a CodeCommit Git endpoint (git-codecommit[-fips].REGION.amazonaws.com[.cn] or a VPC endpoint); pass the repository's HTTPS clone URL"
            )
        })?;
        let meant = match user {
            Some(u) => format!(
                "https://{}@{host_port}{}",
                u.replace('@', "%40"),
                parts.path
            ),
            None => format!("https://{host_port}{}", parts.path),
        };
        let parts = UrlParts::parse(&meant).map_err(|e| e.to_string())?;
        let shown = match user {
            Some(u) => format!("https://{u}@{host_port}{}", parts.path),
            None => format!("https://{host_port}{}", parts.path),
        };
        Ok(Target {
            shown,
            parts,
            endpoint,
            unencoded_at,
        })
    }

    /// `configure`'s command for this URL's host shape: the default patterns cover standard,
    /// FIPS and China hosts; a VPC endpoint needs its URL.
    pub fn configure_command(&self, aws_cli: bool) -> String {
        let mut command = "git-credential-codecommit configure".to_owned();
        if self.endpoint.vpce.is_some() {
            command.push(' ');
            command.push_str(&self.parts.display_url());
        }
        if aws_cli {
            command.push_str(" --aws-cli");
        }
        command
    }
}

/// A helper git runs for the URL, and the entry that adds it.
#[derive(Debug, Clone)]
pub struct Applied<'a> {
    pub helper: Helper,
    pub entry: &'a Entry,
}

/// The helpers git runs for `url`, in order: every matching section's `helper` entries in the
/// order git reads them, each empty value clearing the list so far (credential.c).
pub fn applied_helpers<'a>(url: &UrlParts, entries: &'a [Entry]) -> Vec<Applied<'a>> {
    let mut list = Vec::new();
    for entry in entries {
        let Some((sub, "helper")) = entry.in_section("credential") else {
            continue;
        };
        if sub.is_some_and(|s| !url.matched_by(s)) {
            continue;
        }
        match Helper::parse(entry.value.as_deref().unwrap_or("")) {
            Some(helper) => list.push(Applied { helper, entry }),
            None => list.clear(),
        }
    }
    list
}

/// `credential.useHttpPath` for `url` (the last matching entry wins), and the entry.
pub fn use_http_path<'a>(url: &UrlParts, entries: &'a [Entry]) -> (bool, Option<&'a Entry>) {
    let mut found = (false, None);
    for entry in entries {
        let Some((sub, "usehttppath")) = entry.in_section("credential") else {
            continue;
        };
        if sub.is_some_and(|s| !url.matched_by(s)) {
            continue;
        }
        found = (git_bool(entry.value.as_deref()), Some(entry));
    }
    found
}

/// The value of a plain `section.name` entry (the last one wins).
fn plain<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().rev().find(|e| e.key == key)
}

/// git's boolean: a bare key is true; `true`/`yes`/`on`/a non-zero number are true.
pub fn git_bool(value: Option<&str>) -> bool {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => true,
        Some(v) => match v.as_str() {
            "true" | "yes" | "on" => true,
            "false" | "no" | "off" | "" => false,
            n => n.parse::<i64>().is_ok_and(|n| n != 0),
        },
    }
}

fn seen(entry: &Entry) -> String {
    format!("{}: {}", entry.whence(), entry.shown())
}

/// Everything the checks read.
pub struct Inputs<'a> {
    pub target: &'a Target,
    pub git: Version,
    pub exec_path: Option<&'a std::path::Path>,
    pub entries: &'a [Entry],
    pub aws: &'a dyn AwsSource,
    /// `AWS_PROFILE` as the helper will see it.
    pub env_profile: Option<String>,
    pub now: SystemTime,
    /// What each storing helper ahead of the CodeCommit helper hands back (`--check-stores`).
    pub stores: Option<Vec<StoreAnswer>>,
    /// What the CodeCommit helper answers git's `authtype` offer (`--check-stores`, git 2.46 to
    /// 2.53 only).
    pub offer: Option<OfferAnswer>,
}

impl std::fmt::Debug for Inputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("target", &self.target)
            .field("git", &self.git)
            .finish_non_exhaustive()
    }
}

/// Runs every check; the report puts problems first (`examine`).
pub fn all(inputs: &Inputs<'_>) -> Vec<Finding> {
    let url = &inputs.target.parts;
    let applied = applied_helpers(url, inputs.entries);
    let mut findings = Vec::new();
    findings.extend(username_with_at(inputs));
    let codecommit = applied.iter().position(|a| a.helper.is_codecommit());
    match codecommit {
        None => {
            findings.push(helper_missing(inputs, &applied));
            findings.extend(sections_that_miss(inputs));
            // A store keeps what worked from any source: a `codecommit://` remote hands git a
            // signed password in its URL, and git stores it (scenario codecommit-url-keychain).
            findings.extend(stored_passwords(inputs));
        }
        Some(index) => {
            let ours = &applied[index];
            findings.extend(helper_cannot_run(inputs, ours));
            findings.extend(storing_first(inputs, &applied[..index], ours));
            findings.extend(stored_passwords(inputs));
            findings.extend(http_path(inputs));
            findings.extend(aws_credentials(inputs, ours));
            findings.extend(aws_cli_unscoped(inputs, ours));
            findings.extend(large_requests(inputs, ours));
        }
    }
    findings.extend(retries(inputs));
    findings.extend(region(inputs, codecommit.map(|i| &applied[i])));
    findings
}

fn helper_missing(inputs: &Inputs<'_>, applied: &[Applied<'_>]) -> Finding {
    let target = inputs.target;
    let host = &target.parts.host;
    let missed = missed_sections(inputs);
    let stores: Vec<String> = applied
        .iter()
        .filter(|a| matches!(a.helper.kind, Kind::Storing(_)))
        .map(|a| a.helper.short_name())
        .collect();
    let others: Vec<String> = applied.iter().map(|a| a.helper.short_name()).collect();
    let empty_auth = plain(inputs.entries, "http.emptyauth")
        .is_some_and(|e| git_bool(e.value.as_deref()))
        && inputs.git < EMPTY_AUTH_PROMPTS_SINCE;
    let (severity, summary) = if !missed.is_empty() {
        (
            Severity::Problem,
            format!(
                "no CodeCommit helper runs for {host}: your CodeCommit credential section does not match this host, so git prompts for a user name"
            ),
        )
    } else if let Some(user) = &target.parts.user {
        // HTTPS Git credentials: the user name is in the URL and git asks for its password.
        (
            Severity::Note,
            format!(
                "no CodeCommit helper runs for {host}: git asks for the password of '{user}' from the URL (HTTPS Git credentials)"
            ),
        )
    } else if !stores.is_empty() {
        (
            Severity::Note,
            format!(
                "no CodeCommit helper runs for {host}: {} hands back what you typed once (HTTPS Git credentials); to sign with your AWS keys instead, configure the helper",
                stores.join(" and ")
            ),
        )
    } else if applied.is_empty() && empty_auth {
        (
            Severity::Problem,
            format!(
                "no credential helper is configured for {host} and http.emptyAuth is true: git {} sends an empty user name and password, gets 403, and never prompts",
                inputs.git
            ),
        )
    } else if applied.is_empty() {
        (
            Severity::Problem,
            format!(
                "no credential helper is configured for {host}: git prompts for a user name on every command"
            ),
        )
    } else {
        (
            Severity::Problem,
            format!(
                "no CodeCommit helper runs for {host}: only {}, which cannot make a CodeCommit password",
                others.join(", ")
            ),
        )
    };
    let mut finding = Finding::new("codecommit-helper-missing", severity, summary);
    for a in applied {
        finding = finding.evidence(seen(a.entry));
    }
    for entry in &missed {
        finding = finding.evidence(format!("{}: does not match {host}", seen(entry)));
    }
    let resets: Vec<&Entry> = inputs
        .entries
        .iter()
        .filter(|e| {
            matches!(e.in_section("credential"), Some((sub, "helper")) if sub.is_none_or(|s| target.parts.matched_by(s)))
                && e.value.as_deref().is_some_and(|v| v.trim().is_empty())
        })
        .collect();
    if let Some(last) = resets.last() {
        finding = finding.evidence(format!("{}: an empty helper = clears the list", seen(last)));
    }
    if empty_auth && let Some(entry) = plain(inputs.entries, "http.emptyauth") {
        finding = finding.evidence(seen(entry));
    }
    finding.fix(target.configure_command(false))
}

fn helper_cannot_run(inputs: &Inputs<'_>, ours: &Applied<'_>) -> Option<Finding> {
    if ours.helper.locate(inputs.exec_path).is_some() {
        return None;
    }
    let program = &ours.helper.program;
    let where_ = if program.contains(['/', '\\']) {
        format!("{program} does not exist or cannot run")
    } else {
        format!("{program} is not on PATH")
    };
    let fix = match ours.helper.kind {
        Kind::AwsCli => "install the AWS CLI, or name it by its full path quoted for the shell: helper = \"!'/full/path/to/aws' codecommit credential-helper $@\" (or use the native helper: git-credential-codecommit configure)".to_owned(),
        _ => "put git-credential-codecommit on PATH, then run: git-credential-codecommit configure".to_owned(),
    };
    Some(
        Finding::new(
            "helper-not-found",
            Severity::Problem,
            format!(
                "the CodeCommit helper cannot run: {where_}; git goes on to prompt for a user name"
            ),
        )
        .evidence(seen(ours.entry))
        .fix(fix),
    )
}

/// The size above which git probes a request first: `http.postBuffer`'s default.
const DEFAULT_POST_BUFFER: u64 = 1 << 20;

/// `http.postBuffer` for the URL (a URL-scoped entry or the plain one, the last that applies).
fn post_buffer<'a>(inputs: &Inputs<'a>) -> Option<(u64, &'a Entry)> {
    inputs
        .entries
        .iter()
        .rev()
        .find(|e| {
            e.in_section("http").is_some_and(|(sub, name)| {
                name == "postbuffer" && sub.is_none_or(|s| inputs.target.parts.matched_by(s))
            })
        })
        .and_then(|e| Some((git_size(e.value.as_deref()?)?, e)))
}

/// git's size value: `10485760`, `10m`, `500k`, `1g`.
fn git_size(value: &str) -> Option<u64> {
    let value = value.trim().to_ascii_lowercase();
    let (number, scale) = match value.char_indices().last()? {
        (i, 'k') => (&value[..i], 1 << 10),
        (i, 'm') => (&value[..i], 1 << 20),
        (i, 'g') => (&value[..i], 1 << 30),
        _ => (value.as_str(), 1),
    };
    number.parse::<u64>().ok()?.checked_mul(scale)
}

/// Git 2.46 to 2.53 send the probe before a request over `http.postBuffer` without an
/// `authtype` answer: a helper that answers that way fails every push over 1 MiB with a 401.
/// And a raised `http.postBuffer`, the workaround users find, said to be needed or not.
fn large_requests(inputs: &Inputs<'_>, ours: &Applied<'_>) -> Option<Finding> {
    let buffer = post_buffer(inputs);
    let loses = inputs.git.offers_authtype() && !inputs.git.carries_authtype_on_large_requests();
    if loses && inputs.offer == Some(OfferAnswer::Authtype) {
        let limit = buffer.map_or(DEFAULT_POST_BUFFER, |(n, _)| n);
        let mut finding = Finding::new(
            "authtype-lost-on-probe",
            Severity::Problem,
            format!(
                "{} answers git {}'s capability[]=authtype with an authtype credential, which this git leaves off the probe it sends before a request over http.postBuffer: every push (or clone of many refs) over {limit} bytes fails with HTTP 401",
                ours.helper.program,
                inputs.git
            ),
        )
        .evidence(seen(ours.entry))
        .evidence(format!(
            "asked it `get` with capability[]=authtype as git {} does: it answered authtype=Basic and a credential",
            inputs.git
        ));
        if let Some((_, entry)) = buffer {
            finding = finding.evidence(format!(
                "{} only moves the limit (the workaround: a request that fits the buffer needs no probe)",
                seen(entry)
            ));
        }
        return Some(finding.fix(format!(
            "install a git-credential-codecommit that answers a user name and password on git 2.46 to 2.53 (this one does), or upgrade git to 2.54 or later; then: {}",
            inputs.target.configure_command(false)
        )));
    }
    let (size, entry) = buffer.filter(|(n, _)| *n > DEFAULT_POST_BUFFER)?;
    let why = if inputs.git.carries_authtype_on_large_requests() {
        format!(
            "git {} carries every helper's answer on the probe of a large request",
            inputs.git
        )
    } else if ours.helper.kind == Kind::AwsCli {
        "the AWS CLI answers a user name and password, which the probe of a large request carries"
            .to_owned()
    } else if inputs.offer == Some(OfferAnswer::Password) || !inputs.git.offers_authtype() {
        format!(
            "{} answers git {} with a user name and password, which the probe of a large request carries",
            ours.helper.program, inputs.git
        )
    } else {
        // Git 2.46 to 2.53 without --check-stores: what the helper answers was not asked.
        return None;
    };
    Some(
        Finding::new(
            "post-buffer-raised",
            Severity::Note,
            format!(
                "http.postBuffer is {size} bytes, which CodeCommit does not need: {why}; git holds that much of every request in memory"
            ),
        )
        .evidence(seen(entry))
        .fix("git config --global --unset http.postBuffer (or remove the line from the file named above)"),
    )
}

/// Git 2.54 retries a throttled request (429, CodeCommit's "Rate Exceeded"), waiting as
/// `Retry-After` says, when `http.maxRetries` allows it; the default is 0.
fn retries(inputs: &Inputs<'_>) -> Option<Finding> {
    if !inputs.git.retries_throttled_requests() {
        return None;
    }
    let set = inputs.entries.iter().any(|e| {
        e.in_section("http").is_some_and(|(sub, name)| {
            name == "maxretries" && sub.is_none_or(|s| inputs.target.parts.matched_by(s))
        })
    });
    (!set).then(|| {
        Finding::new(
            "http-max-retries",
            Severity::Note,
            format!(
                "git {} can retry requests CodeCommit throttles (429, Rate Exceeded) after the Retry-After it sends, but http.maxRetries is 0",
                inputs.git
            ),
        )
        .fix("git config --global http.https://git-codecommit.*.amazonaws.com.maxRetries 3")
    })
}

/// Whether `store` keeps `password_expiry_utc` on this git, so git ≥ 2.40 drops the stale
/// password: credential-cache from 2.40, osxkeychain from 2.45 (git's contrib sources).
fn keeps_expiry(store: &str, git: Version) -> bool {
    match store {
        "cache" => git >= Version(2, 40, 0),
        "osxkeychain" => git >= Version(2, 45, 0),
        _ => false,
    }
}

fn storing_first(
    inputs: &Inputs<'_>,
    ahead: &[Applied<'_>],
    ours: &Applied<'_>,
) -> Option<Finding> {
    let stores: Vec<&Applied<'_>> = ahead
        .iter()
        .filter(|a| matches!(a.helper.kind, Kind::Storing(_)))
        .collect();
    if stores.is_empty() {
        return None;
    }
    let names: Vec<String> = stores.iter().map(|a| a.helper.short_name()).collect();
    // A stored password that carries its expiry is dropped by git 2.40+ and the helper is asked
    // again: only with a helper that prints one (the AWS CLI does not).
    let saved_by_expiry = ours.helper.kind == Kind::Native
        && inputs.git >= EXPIRY_SINCE
        && stores.iter().all(|a| match &a.helper.kind {
            Kind::Storing(name) => keeps_expiry(name, inputs.git),
            _ => false,
        });
    // Where git carries an `authtype` answer on every request (2.54 and later), this helper
    // answers the capability with an ephemeral credential and no password: no store keeps it.
    // Git 2.46 to 2.53 get a user name and password (their probe of a large request would lose
    // the credential), which stores keep like the AWS CLI's (scenarios replay each store on
    // 2.47, 2.53 and 2.55).
    let saved_by_authtype =
        ours.helper.kind == Kind::Native && inputs.git.carries_authtype_on_large_requests();
    let mut finding = if saved_by_authtype {
        Finding::new(
            "storing-helper-first",
            Severity::Warning,
            format!(
                "{} runs before the CodeCommit helper, but git {} hands it only an ephemeral credential it cannot keep, so it has nothing stale to hand back; it still runs first on every fetch (GCM and osxkeychain 2.45+ print an error when told to store)",
                names.join(" and "),
                inputs.git
            ),
        )
    } else if saved_by_expiry {
        Finding::new(
            "storing-helper-first",
            Severity::Warning,
            format!(
                "{} runs before the CodeCommit helper and stores its passwords; git {} drops them when they expire, so this works, but only on this git and store",
                names.join(" and "),
                inputs.git
            ),
        )
    } else {
        let why = if inputs.git < EXPIRY_SINCE {
            format!("git {} ignores password_expiry_utc", inputs.git)
        } else if ours.helper.kind == Kind::AwsCli {
            "the AWS CLI prints no password_expiry_utc".to_owned()
        } else {
            format!("{} does not keep password_expiry_utc", names.join(" and "))
        };
        Finding::new(
            "storing-helper-first",
            Severity::Problem,
            format!(
                "{} runs before the CodeCommit helper and hands back the password it stored: CodeCommit refuses it 15 minutes after signing (403), and {why}",
                names.join(" and ")
            ),
        )
    };
    for a in &stores {
        finding = finding.evidence(seen(a.entry));
    }
    finding = finding.evidence(seen(ours.entry));
    if inputs.stores.is_none() {
        finding = finding.evidence(
            "not checked: what the store hands back (run with --check-stores; a keychain may ask you to unlock it)",
        );
    }
    Some(finding.fix(if ours.helper.kind == Kind::AwsCli {
        format!(
            "{}   (to keep the AWS CLI: {})",
            inputs.target.configure_command(false),
            inputs.target.configure_command(true)
        )
    } else {
        inputs.target.configure_command(false)
    }))
}

fn stored_passwords(inputs: &Inputs<'_>) -> Vec<Finding> {
    let Some(answers) = &inputs.stores else {
        return Vec::new();
    };
    answers
        .iter()
        .filter_map(|answer| answer.finding(inputs.git, inputs.now, inputs.target))
        .collect()
}

fn http_path(inputs: &Inputs<'_>) -> Option<Finding> {
    let (on, entry) = use_http_path(&inputs.target.parts, inputs.entries);
    if on {
        return None;
    }
    let host = &inputs.target.parts.host;
    let mut finding = Finding::new(
        "use-http-path-missing",
        Severity::Problem,
        format!(
            "credential.UseHttpPath is not true for {host}: git sends the helper no repository path, and it cannot sign one"
        ),
    );
    if let Some(entry) = entry {
        finding = finding.evidence(seen(entry));
    }
    Some(finding.fix(format!(
        "git config --global credential.https://{host}.UseHttpPath true"
    )))
}

fn aws_credentials(inputs: &Inputs<'_>, ours: &Applied<'_>) -> Option<Finding> {
    let profile = ours.helper.profile.as_deref();
    let named = profile
        .map(|p| format!("profile '{p}' (named on the helper line)"))
        .or_else(|| {
            inputs
                .env_profile
                .as_ref()
                .map(|p| format!("profile '{p}' (AWS_PROFILE)"))
        })
        .unwrap_or_else(|| "the default credential chain".to_owned());
    let asker = Asker {
        who: "the helper",
        without: "it fails, and git prompts for a user name",
        profile_fix: "   (or name a profile that exists on the helper line)",
        evidence: Some(seen(ours.entry)),
    };
    let chain = Chain {
        aws: inputs.aws,
        profile,
        env_profile: inputs.env_profile.as_deref(),
        region: &inputs.target.endpoint.region,
        now: inputs.now,
        named: &named,
    };
    credentials(&chain, asker)
}

/// The program that asks the AWS credential chain, in a finding's words.
pub(super) struct Asker<'a> {
    /// "the helper", "git-remote-codecommit".
    pub who: &'a str,
    /// What it does when the chain has nothing.
    pub without: &'a str,
    /// Appended to the fix `aws configure --profile P`.
    pub profile_fix: &'a str,
    /// Where it was configured, shown with a missing credential.
    pub evidence: Option<String>,
}

/// One question to the AWS credential chain: which profile, for which region, at what time.
pub(super) struct Chain<'a> {
    pub aws: &'a dyn AwsSource,
    /// The profile named on the helper line or in the URL.
    pub profile: Option<&'a str>,
    /// `AWS_PROFILE`, used when `profile` is not set.
    pub env_profile: Option<&'a str>,
    pub region: &'a str,
    pub now: SystemTime,
    /// The profile as the findings name it ("profile 'x' (AWS_PROFILE)").
    pub named: &'a str,
}

/// What the credential chain answers, for the credential helper and the remote helper alike:
/// nothing (`aws-credentials-missing`), credentials that expired (`aws-credentials-expired`), or
/// temporary ones whose end nobody can tell (`aws-session-expiry-unknown`).
pub(super) fn credentials(chain: &Chain<'_>, asker: Asker<'_>) -> Option<Finding> {
    let named = chain.named;
    match chain.aws.credentials(chain.profile, chain.region) {
        Err(error) => {
            let mut finding = Finding::new(
                "aws-credentials-missing",
                Severity::Problem,
                format!(
                    "{} finds no AWS credentials for {named}: {}",
                    asker.who, asker.without
                ),
            )
            .evidence(error.to_string());
            if let Some(evidence) = asker.evidence {
                finding = finding.evidence(evidence);
            }
            Some(finding.fix(match chain.profile.or(chain.env_profile) {
                Some(p) => format!("aws configure --profile {p}{}", asker.profile_fix),
                None => "aws configure".to_owned(),
            }))
        }
        Ok(credentials) => match credentials.expiry {
            Some(expiry) if expiry <= chain.now => Some(
                Finding::new(
                    "aws-credentials-expired",
                    Severity::Problem,
                    format!("the temporary credentials for {named} expired {} ago: CodeCommit refuses every password signed with them (403)", age(chain.now, expiry)),
                )
                .fix("renew the session (aws sso login, or your credential process), then retry"),
            ),
            None if credentials.session_token.is_some() => Some(
                Finding::new(
                    "aws-session-expiry-unknown",
                    Severity::Note,
                    format!("{named} gives temporary credentials with no expiry time: the doctor cannot tell whether the session is still valid; a 403 after it ends looks like any other"),
                )
                .fix("if git gets a 403, renew the session's keys in the shared credentials file"),
            ),
            _ => None,
        },
    }
}

fn aws_cli_unscoped(inputs: &Inputs<'_>, ours: &Applied<'_>) -> Option<Finding> {
    if ours.helper.kind != Kind::AwsCli {
        return None;
    }
    let unscoped = matches!(ours.entry.in_section("credential"), Some((None, _)));
    if !unscoped {
        return None;
    }
    Some(
        Finding::new(
            "aws-cli-unscoped",
            Severity::Warning,
            "the AWS CLI helper is configured for every host: it answers any host whose name contains amazonaws.com, and plain http, with your access key id and a signed password",
        )
        .evidence(seen(ours.entry))
        .evidence("replayed in scenarios/unscoped-helper-foreign-hosts.toml")
        .fix(inputs.target.configure_command(false)),
    )
}

/// `[credential "…codecommit…"]` sections that do not match this URL: the guide's wildcard
/// section and FIPS, VPC endpoint or China hosts. One entry per section.
fn missed_sections<'a>(inputs: &Inputs<'a>) -> Vec<&'a Entry> {
    let url = &inputs.target.parts;
    let mut missed: Vec<&Entry> = Vec::new();
    for entry in inputs.entries {
        if let Some((Some(sub), _)) = entry.in_section("credential")
            && sub.to_ascii_lowercase().contains("codecommit")
            && !url.matched_by(sub)
            && !missed
                .iter()
                .any(|m| m.in_section("credential").map(|x| x.0) == Some(Some(sub)))
        {
            missed.push(entry);
        }
    }
    missed
}

fn sections_that_miss(inputs: &Inputs<'_>) -> Option<Finding> {
    let missed = missed_sections(inputs);
    if missed.is_empty() {
        return None;
    }
    let mut finding = Finding::new(
        "section-does-not-match",
        Severity::Warning,
        format!(
            "a CodeCommit credential section does not apply to {}: in a URL pattern, * matches exactly one label of the host name",
            inputs.target.parts.host
        ),
    );
    for entry in missed {
        finding = finding.evidence(seen(entry));
    }
    Some(finding.fix(inputs.target.configure_command(false)))
}

fn username_with_at(inputs: &Inputs<'_>) -> Option<Finding> {
    let target = inputs.target;
    let user = target.parts.user.as_deref()?;
    if !user.contains('@') {
        return None;
    }
    let encoded = user.replace('@', "%40");
    if target.unencoded_at {
        let first = user.split('@').next().unwrap_or(user);
        return Some(
            Finding::new(
                "username-with-at",
                Severity::Problem,
                format!(
                    "the user name in the URL has an @ that is not encoded: git takes '{first}' as the user and the rest as part of the host name, and the connection fails"
                ),
            )
            .fix(format!(
                "git remote set-url origin https://{encoded}@{}{}",
                target.parts.host, target.parts.path
            )),
        );
    }
    let empty_auth = plain(inputs.entries, "http.emptyauth");
    let proactive = plain(inputs.entries, "http.proactiveauth");
    let empty_auth_on = empty_auth.is_some_and(|e| git_bool(e.value.as_deref()));
    let proactive_on = inputs.git >= PROACTIVE_AUTH_SINCE
        && proactive.is_some_and(|e| {
            e.value
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case("basic"))
        });
    if empty_auth_on || proactive_on {
        let used = if proactive_on { proactive } else { empty_auth };
        let mut finding = Finding::new(
            "username-with-at",
            Severity::Note,
            "the user name in the URL has an encoded @ (%40); git asks for the password before sending the user name, which works",
        );
        if let Some(entry) = used {
            finding = finding.evidence(seen(entry));
        }
        return Some(finding);
    }
    let fix = if inputs.git >= PROACTIVE_AUTH_SINCE {
        "git config --global http.proactiveAuth basic   (or: git config --global http.emptyAuth true)"
    } else {
        "git config --global http.emptyAuth true"
    };
    Some(
        Finding::new(
            "username-with-at",
            Severity::Problem,
            format!(
                "the user name in the URL ({encoded}) is sent with an empty password before git asks for one; CodeCommit answers 403 and git never prompts (replayed on every git release)"
            ),
        )
        .evidence(format!("git {}; http.emptyAuth and http.proactiveAuth are not set", inputs.git))
        .fix(fix),
    )
}

fn region(inputs: &Inputs<'_>, ours: Option<&Applied<'_>>) -> Option<Finding> {
    let profile = ours.and_then(|a| a.helper.profile.as_deref());
    let configured = inputs.aws.region(profile).ok().flatten()?;
    let url_region = &inputs.target.endpoint.region;
    if &configured == url_region {
        return None;
    }
    Some(
        Finding::new(
            "region-differs",
            Severity::Note,
            format!(
                "your AWS configuration names {configured}, the URL {url_region}: the helper signs for the URL's region, so this is harmless; a URL naming a region without the repository gives 404"
            ),
        )
        .evidence(format!("region from the AWS configuration{}: {configured}", profile.map(|p| format!(" (profile '{p}')")).unwrap_or_default())),
    )
}

/// `3 h`, `16 min`, `40 s`.
pub fn age(now: SystemTime, then: SystemTime) -> String {
    let secs = now.duration_since(then).map(|d| d.as_secs()).unwrap_or(0);
    match secs {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3600 => format!("{} h", s / 3600),
        s if s >= 120 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::git_size;

    #[test]
    fn sizes_as_git_reads_them() {
        assert_eq!(git_size("10485760"), Some(10 << 20));
        assert_eq!(git_size("500K"), Some(500 << 10));
        assert_eq!(git_size("10m"), Some(10 << 20));
        assert_eq!(git_size("1g"), Some(1 << 30));
        assert_eq!(git_size("lots"), None);
        assert_eq!(git_size(""), None);
    }
}
