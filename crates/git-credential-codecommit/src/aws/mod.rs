//! AWS credentials and region, from the AWS SDK for Rust's own provider chains.
//!
//! Nothing here parses a profile file: `aws-config` resolves the environment, the shared
//! `config` and `credentials` files, `credential_process`, SSO, assume-role, web identity,
//! container and instance metadata, exactly as every other AWS SDK tool does. This module only
//! chooses the chain the AWS CLI would choose and turns its errors into one line that says what
//! to fix.

mod lazy_chain;
mod lazy_http;

use crate::secret::Secret;
use aws_config::BehaviorVersion;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_types::region::Region;
use std::path::PathBuf;
use std::time::SystemTime;

/// Credentials to sign with.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret<String>,
    pub session_token: Option<Secret<String>>,
    /// When temporary credentials stop working; `None` for long-term keys.
    pub expiry: Option<SystemTime>,
}

/// Where credentials come from. The helper asks through this trait so that the protocol, host
/// and signing logic can be tested in-process with fixed credentials, while the binary uses
/// [`SdkSource`].
pub trait AwsSource {
    /// Credentials for `profile` (the `--profile` argument), or the default chain when `None`.
    /// `region` is where any STS or SSO call for them should go.
    fn credentials(&self, profile: Option<&str>, region: &str) -> Result<AwsCredentials, AwsError>;

    /// The configured region (environment, then profile), for hosts that do not name one.
    fn region(&self, profile: Option<&str>) -> Result<Option<String>, AwsError>;

    /// What the shared files say about profiles, for `git-remote-codecommit`, whose URL names a
    /// profile that must exist and whose host follows the FIPS setting.
    fn profile_settings(&self, profile: Option<&str>) -> Result<ProfileSettings, AwsError>;
}

/// The shared files' profiles, and the FIPS setting of one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSettings {
    /// Every profile named in the config and credentials files, sorted.
    pub profiles: Vec<String>,
    /// `AWS_USE_FIPS_ENDPOINT`, else the profile's `use_fips_endpoint` (`true`, any case).
    pub use_fips: bool,
}

/// Why no credentials could be had. The messages name what to fix.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error(
        "no AWS credentials for profile '{profile}' ({detail}); looked in {files}. Fix the profile name (--profile or AWS_PROFILE) or run 'aws configure --profile {profile}'"
    )]
    Profile {
        profile: String,
        detail: String,
        files: String,
    },
    #[error(
        "no AWS credentials found ({detail}); looked in the environment (AWS_ACCESS_KEY_ID), {files}, web identity, container and instance metadata. Run 'aws configure' or pass --profile"
    )]
    NotFound { detail: String, files: String },
    #[error("could not load AWS credentials{profile}: {detail}")]
    Provider { profile: String, detail: String },
    #[error("could not start the AWS credential lookup: {0}")]
    Runtime(String),
}

/// The AWS SDK for Rust's provider chains.
#[derive(Debug, Default)]
pub struct SdkSource {
    _private: (),
}

impl SdkSource {
    pub fn new() -> Self {
        SdkSource { _private: () }
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> Result<F::Output, AwsError> {
        // A helper call makes at most a few requests one after another: a single-threaded
        // runtime starts in microseconds, where a multi-threaded one would spawn a pool.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AwsError::Runtime(e.to_string()))?;
        Ok(runtime.block_on(future))
    }
}

fn provider_config(region: Option<&str>) -> ProviderConfig {
    ProviderConfig::without_region()
        .with_behavior_version(Some(BehaviorVersion::latest()))
        .with_region(region.map(|r| Region::new(r.to_owned())))
        .with_http_client(lazy_http::LazyHttpClient::new())
}

impl AwsSource for SdkSource {
    fn credentials(&self, profile: Option<&str>, region: &str) -> Result<AwsCredentials, AwsError> {
        let result = self.block_on(async {
            let config = provider_config(Some(region));
            match profile {
                // Like the AWS CLI, an explicit --profile means that profile and nothing else:
                // credentials in the environment do not override it.
                Some(name) => {
                    lazy_chain::profile(&config, Some(name))
                        .provide_credentials()
                        .await
                }
                // The SDK's default chain, each provider built only if the chain reaches it.
                None => lazy_chain::default_chain(config, Region::new(region.to_owned())).await,
            }
        })?;
        match result {
            Ok(creds) => Ok(AwsCredentials {
                access_key_id: creds.access_key_id().to_owned(),
                secret_access_key: Secret::new(creds.secret_access_key().to_owned()),
                session_token: creds.session_token().map(|t| Secret::new(t.to_owned())),
                expiry: creds.expiry(),
            }),
            Err(error) => Err(describe(error, profile)),
        }
    }

    fn region(&self, profile: Option<&str>) -> Result<Option<String>, AwsError> {
        self.block_on(async {
            lazy_chain::configured_region(&provider_config(None), profile)
                .region()
                .await
                .map(|r| r.to_string())
        })
    }

    fn profile_settings(&self, profile: Option<&str>) -> Result<ProfileSettings, AwsError> {
        #[allow(deprecated)] // the SDK's own name for the default file locations
        let files = aws_config::profile::profile_file::ProfileFiles::default();
        let env = aws_types::os_shim_internal::Env::real();
        let set = self.block_on(aws_config::profile::load(
            &aws_types::os_shim_internal::Fs::real(),
            &env,
            &files,
            profile.map(|p| std::borrow::Cow::Owned(p.to_owned())),
        ))?;
        let set = match set {
            Ok(set) => set,
            // A file that is not there holds no profile; one that cannot be parsed is an error.
            Err(error) => {
                return Err(AwsError::Provider {
                    profile: String::new(),
                    detail: error_chain(&error),
                });
            }
        };
        let mut profiles: Vec<String> = set.profiles().map(str::to_owned).collect();
        profiles.sort();
        let from_env = env
            .get("AWS_USE_FIPS_ENDPOINT")
            .ok()
            .and_then(|v| parse_bool(&v));
        let from_profile = || {
            set.get_profile(set.selected_profile())
                .and_then(|p| p.get("use_fips_endpoint"))
                .and_then(parse_bool)
        };
        Ok(ProfileSettings {
            profiles,
            use_fips: from_env.or_else(from_profile).unwrap_or(false),
        })
    }
}

/// `AWS_USE_FIPS_ENDPOINT` as the SDKs read it: `true` or `false` in any case; anything else is
/// not a setting.
fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn describe(error: CredentialsError, profile: Option<&str>) -> AwsError {
    let detail = error_chain(&error);
    let files = shared_files();
    match (&error, profile) {
        (CredentialsError::CredentialsNotLoaded(_), Some(profile)) => AwsError::Profile {
            profile: profile.to_owned(),
            detail,
            files,
        },
        (CredentialsError::CredentialsNotLoaded(_), None) => match std::env::var("AWS_PROFILE") {
            Ok(profile) if !profile.is_empty() => AwsError::Profile {
                profile,
                detail,
                files,
            },
            _ => AwsError::NotFound { detail, files },
        },
        _ => AwsError::Provider {
            profile: profile
                .map(|p| format!(" for profile '{p}'"))
                .unwrap_or_default(),
            detail,
        },
    }
}

/// The error and its sources on one line (the SDK nests the useful part a few levels down).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text.replace(['\n', '\r'], " ")
}

/// The shared files the SDK reads, as the user would look for them.
pub fn shared_files() -> String {
    let config = file_path("AWS_CONFIG_FILE", "config");
    let credentials = file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    format!("{} and {}", config.display(), credentials.display())
}

fn file_path(var: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    // The SDK uses HOME, then USERPROFILE (Windows), for `~`.
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("~"));
    home.join(".aws").join(name)
}
