//! `git-remote-codecommit`: git's remote helper for `codecommit://` URLs, as the Python package
//! of that name (1.17) does it, from the same credential chain as the credential helper.
//!
//! Git runs `git-remote-codecommit REMOTE URL` for a URL of one of two shapes:
//!
//! ```text
//! codecommit://[PROFILE@]REPOSITORY             the region from the AWS configuration
//! codecommit::REGION://[PROFILE@]REPOSITORY     git strips `codecommit::`: we see REGION://…
//! ```
//!
//! The helper signs a password for `https://git-codecommit.REGION.amazonaws.com/v1/repos/REPOSITORY`
//! (`.com.cn` in China, `git-codecommit-fips` with `AWS_USE_FIPS_ENDPOINT`, or the host in
//! `CODE_COMMIT_ENDPOINT`) and hands the transfer to `git remote-http REMOTE SIGNED-URL`, whose
//! user name and password are in the URL. Nothing of the signed URL is logged or printed.
//!
//! Where this differs from the Python package, on purpose (each a request in its tracker):
//! - the profile is split from the repository at the *last* `@` (a repository name has none; a
//!   profile name may: `codecommit://jane@example.com@MyRepo`);
//! - any region name of the usual shape works (no bundled list to be out of date);
//! - `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` select the FIPS host;
//! - `AWS_REGION` counts, as in every AWS SDK (botocore reads only `AWS_DEFAULT_REGION`);
//! - credentials that have expired, or cannot be loaded, give one line naming the profile.

use crate::aws::AwsError;
use crate::endpoint::{Endpoint, is_region};
use crate::program::Context;
use crate::secret::Secret;
use crate::sign::{GitRequest, username, whole_seconds};
use std::ffi::OsString;

/// The name errors are prefixed with.
pub const NAME: &str = "git-remote-codecommit";

/// Overrides the host, as in the Python package (a VPC endpoint, or a test server).
pub const ENDPOINT_ENV: &str = "CODE_COMMIT_ENDPOINT";

const FORMATS: &str =
    "codecommit://[PROFILE@]REPOSITORY or codecommit::REGION://[PROFILE@]REPOSITORY";

/// A `codecommit://` URL, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// From `codecommit::REGION://`; `None` for `codecommit://`.
    pub region: Option<String>,
    /// From `PROFILE@`; `None` for the default chain (which follows `AWS_PROFILE`).
    pub profile: Option<String>,
    pub repository: String,
}

/// Everything that stops the helper before git takes over. No variant holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the URL '{url}' is malformed: {why}; use {FORMATS}")]
    Format { url: String, why: &'static str },
    #[error(
        "'{name}' is not a CodeCommit repository name (1 to 100 letters, digits, '.', '_' or '-'); fix the URL"
    )]
    Repository { name: String },
    #[error(
        "the profile '{profile}' is not in {files} (profiles there: {available}); fix the URL's PROFILE@ or run 'aws configure --profile {profile}'"
    )]
    ProfileNotFound {
        profile: String,
        available: String,
        files: String,
    },
    #[error(
        "no AWS Region for profile '{profile}': set 'region' in it, set AWS_REGION, or name the region in the URL (codecommit::us-east-2://{rest})"
    )]
    NoRegion { profile: String, rest: String },
    #[error(
        "the configured region '{region}' of profile '{profile}' is not an AWS Region name (such as us-east-2); fix 'region' in the profile or AWS_REGION"
    )]
    BadRegion { region: String, profile: String },
    #[error(
        "the AWS credentials of profile '{profile}' expired at {at}; refresh them (for an SSO profile: aws sso login --profile {profile}) and try again"
    )]
    Expired { profile: String, at: String },
    #[error(
        "no AWS credentials for profile '{profile}' ({detail}); looked in {files}. Fix the URL's PROFILE@ (or AWS_PROFILE) or run 'aws configure --profile {profile}'"
    )]
    NoCredentials {
        profile: String,
        detail: String,
        files: String,
    },
    #[error(transparent)]
    Aws(AwsError),
}

impl From<AwsError> for Error {
    /// The chain's words name the credential helper's `--profile`; here the profile is the URL's.
    fn from(error: AwsError) -> Error {
        match error {
            AwsError::Profile {
                profile,
                detail,
                files,
            } => Error::NoCredentials {
                profile,
                detail,
                files,
            },
            other => Error::Aws(other),
        }
    }
}

impl RemoteUrl {
    /// Parses the URL git passes (`codecommit://…`, or `REGION://…` once git has stripped
    /// `codecommit::`), the way `urllib.parse.urlparse` splits it: the scheme (lowercased) up to
    /// the first `:`, then `//` and the authority up to the first `/`, `?` or `#`. What follows
    /// the authority is ignored, as the Python package ignores it.
    pub fn parse(url: &str) -> Result<RemoteUrl, Error> {
        let format = |why| Error::Format {
            url: redact(url),
            why,
        };
        // Git strips `codecommit::` before it runs the helper; a user trying the helper by hand
        // may not have.
        let url = url.strip_prefix("codecommit::").unwrap_or(url);
        if url.chars().any(|c| c.is_control() || c == ' ') {
            return Err(format("it contains a space or a control character"));
        }
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(format("it has no scheme"));
        };
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        let Some(after) = rest.strip_prefix("//").filter(|_| scheme_ok) else {
            return Err(format("it does not start with SCHEME://"));
        };
        let scheme = scheme.to_ascii_lowercase();
        let authority = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
        if authority.is_empty() {
            return Err(format("it names no repository"));
        }
        let region = if scheme == "codecommit" {
            None
        } else if is_region(&scheme) {
            Some(scheme)
        } else {
            return Err(format("its scheme is neither codecommit nor a region"));
        };
        let (profile, repository) = match authority.rsplit_once('@') {
            Some(("", _)) => return Err(format("the profile before '@' is empty")),
            Some((profile, _)) if profile.contains(':') => {
                return Err(format(
                    "it carries a password after ':' (git-remote-codecommit signs its own)",
                ));
            }
            Some((profile, repository)) => (Some(profile.to_owned()), repository),
            None => (None, authority),
        };
        if !is_repository_name(repository) {
            return Err(Error::Repository {
                name: repository.to_owned(),
            });
        }
        Ok(RemoteUrl {
            region,
            profile,
            repository: repository.to_owned(),
        })
    }
}

/// The URL as it may be shown: anything between a `:` and the last `@` of the authority (a
/// password someone put there) is replaced by `***`.
pub fn redact(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***@{host}{}", &url[..start], &rest[end..])
        }
        _ => url.to_owned(),
    }
}

/// CodeCommit's rule for repository names.
fn is_repository_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The URL git's `remote-http` is given: it carries the user name and password, so it is only
/// ever exposed to build the child's command line.
#[derive(Debug)]
pub struct SignedUrl {
    pub url: Secret<String>,
    /// What may be logged: host, region, repository, profile and access key id.
    pub host: String,
    pub region: String,
    pub access_key_id: String,
    pub session_token: bool,
}

/// Resolves region, host and credentials for `url`, and signs.
pub fn sign_url(
    url: &str,
    endpoint_override: Option<&str>,
    context: &Context<'_>,
) -> Result<SignedUrl, Error> {
    let remote = RemoteUrl::parse(url)?;
    let profile = remote.profile.as_deref();
    let settings = context.aws.profile_settings(profile)?;
    if let Some(name) = profile
        && !settings.profiles.iter().any(|p| p == name)
    {
        return Err(Error::ProfileNotFound {
            profile: name.to_owned(),
            available: match settings.profiles.join(", ") {
                list if list.is_empty() => "none".to_owned(),
                list => list,
            },
            files: crate::aws::shared_files(),
        });
    }
    let profile_label = || {
        profile
            .map(str::to_owned)
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
            .unwrap_or_else(|| "default".to_owned())
    };
    let region = match remote.region {
        Some(region) => region,
        None => match context.aws.region(profile)? {
            Some(region) if is_region(&region) => region,
            Some(region) => {
                return Err(Error::BadRegion {
                    region,
                    profile: profile_label(),
                });
            }
            None => {
                return Err(Error::NoRegion {
                    profile: profile_label(),
                    rest: url.strip_prefix("codecommit://").unwrap_or(url).to_owned(),
                });
            }
        },
    };
    let host = match endpoint_override.filter(|h| !h.is_empty()) {
        Some(host) => host.to_owned(),
        None => Endpoint::for_region(&region, settings.use_fips).host,
    };
    let credentials = context.aws.credentials(profile, &region)?;
    let now = (context.now)();
    if let Some(expiry) = credentials.expiry
        && expiry <= now
    {
        return Err(Error::Expired {
            profile: profile_label(),
            at: time::OffsetDateTime::from(expiry)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| "an earlier time".to_owned()),
        });
    }
    let path = format!("v1/repos/{}", remote.repository);
    let request = GitRequest {
        host: &host,
        path: &path,
        region: &region,
        time: whole_seconds(now),
    };
    let password = request.password(&credentials.secret_access_key);
    let user = username(
        &credentials.access_key_id,
        credentials.session_token.as_ref(),
    );
    let url = format!(
        "https://{}:{}@{host}/{path}",
        quote(&user),
        password.expose()
    );
    Ok(SignedUrl {
        url: Secret::new(url),
        host,
        region,
        access_key_id: credentials.access_key_id,
        session_token: credentials.session_token.is_some(),
    })
}

/// Python's `urllib.parse.quote(text, safe='')`: every byte but letters, digits and `_.-~` as
/// `%XX` (the session token's `/`, `+` and `=`, and the `%` before it).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The arguments git gives a remote helper: the remote's name (or the URL, for a URL given on
/// the command line) and the URL.
pub fn remote_args(args: &[OsString]) -> Result<(OsString, String), String> {
    match args.get(1..) {
        Some([remote, url]) => match url.to_str() {
            Some(url) => Ok((remote.clone(), url.to_owned())),
            None => Err("the URL is not valid UTF-8".to_owned()),
        },
        Some(rest) => Err(format!(
            "git runs it with a remote and its URL (git clone codecommit://REPOSITORY); it was given {} argument{}",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        )),
        None => Err("no arguments".to_owned()),
    }
}
