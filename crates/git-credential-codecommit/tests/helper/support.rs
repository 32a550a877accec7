//! Fixed credentials and a fixed clock for in-process runs.
use git_credential_codecommit::aws::{AwsCredentials, AwsError, AwsSource, ProfileSettings};
use git_credential_codecommit::git::Version;
use git_credential_codecommit::program::{self, Context};
use git_credential_codecommit::secret::Secret;
use std::cell::RefCell;
use std::time::{Duration, SystemTime};

pub const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// 2026-01-02 03:04:05 UTC.
pub const NOW: u64 = 1_767_323_045;

pub fn at(unix: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(unix)
}

/// Answers with fixed credentials and records what it was asked.
#[derive(Debug)]
pub struct StaticSource {
    pub credentials: AwsCredentials,
    pub configured_region: Option<String>,
    pub settings: ProfileSettings,
    pub asked: RefCell<Vec<String>>,
}

impl StaticSource {
    pub fn long_term() -> Self {
        StaticSource {
            credentials: AwsCredentials {
                access_key_id: ACCESS_KEY_ID.into(),
                secret_access_key: Secret::new(SECRET_ACCESS_KEY.into()),
                session_token: None,
                expiry: None,
            },
            configured_region: None,
            settings: ProfileSettings::default(),
            asked: RefCell::new(Vec::new()),
        }
    }

    pub fn temporary(token: &str, expiry: SystemTime) -> Self {
        let mut source = Self::long_term();
        source.credentials.access_key_id = "ASIAIOSFODNN7EXAMPLE".into();
        source.credentials.session_token = Some(Secret::new(token.into()));
        source.credentials.expiry = Some(expiry);
        source
    }
}

impl AwsSource for StaticSource {
    fn credentials(&self, profile: Option<&str>, region: &str) -> Result<AwsCredentials, AwsError> {
        self.asked
            .borrow_mut()
            .push(format!("credentials profile={profile:?} region={region}"));
        Ok(self.credentials.clone())
    }

    fn region(&self, profile: Option<&str>) -> Result<Option<String>, AwsError> {
        self.asked
            .borrow_mut()
            .push(format!("region profile={profile:?}"));
        Ok(self.configured_region.clone())
    }

    fn profile_settings(&self, profile: Option<&str>) -> Result<ProfileSettings, AwsError> {
        self.asked
            .borrow_mut()
            .push(format!("profile_settings profile={profile:?}"));
        Ok(self.settings.clone())
    }
}

/// What one in-process run produced.
#[derive(Debug)]
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(source: &StaticSource, args: &[&str], stdin: &str) -> Run {
    run_under_git(source, args, stdin, None)
}

/// [`run`], started by a git of release `git` (`None`: a git whose release cannot be told, or
/// no git at all).
pub fn run_under_git(
    source: &StaticSource,
    args: &[&str],
    stdin: &str,
    git: Option<Version>,
) -> Run {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let now = || at(NOW);
    let context = Context {
        aws: source,
        now: &now,
        git_version: &|| git,
    };
    let args = std::iter::once("git-credential-codecommit").chain(args.iter().copied());
    let code = program::run(
        args,
        &mut stdin.as_bytes(),
        &mut stdout,
        &mut stderr,
        &context,
    );
    Run {
        code,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

pub const REQUEST: &str =
    "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\n\n";
