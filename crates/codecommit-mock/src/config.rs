//! The mock's configuration: who exists, which repositories live where, what the front door says.
//!
//! Read from TOML ([`Config::from_toml`], [`Config::from_file`]) or built in code. Unknown keys are
//! an error that names them (`deny_unknown_fields`), so a typo in a scenario never goes unnoticed.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;

use crate::repo::{self, RepoName};

/// Everything the mock serves.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// IAM identities whose access keys sign CodeCommit passwords.
    #[serde(default, rename = "identity")]
    pub identities: Vec<Identity>,
    /// Static CodeCommit Git credentials ("HTTPS Git credentials" of an IAM user).
    #[serde(default, rename = "git_credential")]
    pub git_credentials: Vec<GitCredential>,
    /// CodeCommit repositories, each in one region.
    #[serde(default, rename = "repository")]
    pub repositories: Vec<Repository>,
    /// Hosts that are not CodeCommit (a `github.com` stand-in) with one static user each.
    #[serde(default, rename = "static_host")]
    pub static_hosts: Vec<StaticHost>,
    /// Hosts that are not CodeCommit and serve nothing: they ask for credentials and record
    /// what a helper hands over (see [`ForeignHost`]).
    #[serde(default, rename = "foreign_host")]
    pub foreign_hosts: Vec<ForeignHost>,
    /// What an anonymous request is told.
    #[serde(default)]
    pub challenges: Challenges,
    /// Faults in force at start; all of them can be changed at run time.
    #[serde(default)]
    pub faults: FaultsConfig,
    /// The mock's clock at start (changed at run time through [`crate::Clock`]).
    #[serde(default)]
    pub clock: ClockConfig,
    /// Size and time limits.
    #[serde(default)]
    pub limits: Limits,
}

/// An IAM principal with an access key. `session_token` makes it temporary credentials (`ASIA…`).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub name: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default)]
    pub session_token: Option<String>,
    /// When the session token stops working (RFC 3339). Only meaningful with `session_token`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub session_expires: Option<OffsetDateTime>,
}

impl std::fmt::Debug for Identity {
    // Secrets never reach a log or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"REDACTED")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "REDACTED"),
            )
            .field("session_expires", &self.session_expires)
            .finish()
    }
}

/// A static user name and password that authenticates as `identity`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitCredential {
    pub identity: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for GitCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitCredential")
            .field("identity", &self.identity)
            .field("username", &self.username)
            .field("password", &"REDACTED")
            .finish()
    }
}

/// A CodeCommit repository: served at `https://git-codecommit.<region>.amazonaws.com/v1/repos/<name>`
/// (and the region's FIPS, VPC endpoint and China host shapes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    pub region: String,
    pub name: String,
    /// Identities allowed `codecommit:GitPull`.
    #[serde(default)]
    pub pull: Vec<String>,
    /// Identities allowed `codecommit:GitPush`.
    #[serde(default)]
    pub push: Vec<String>,
}

/// A non-CodeCommit host with one user. Its repositories are served at `https://<host>/<path>`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticHost {
    pub host: String,
    pub username: String,
    pub password: String,
    /// Repository paths such as `octo/hello.git`.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// Status for wrong credentials. GitHub answers 401 (git then erases them); default 401.
    #[serde(default = "default_static_failure_status")]
    pub failure_status: u16,
}

fn default_static_failure_status() -> u16 {
    401
}

impl std::fmt::Debug for StaticHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticHost")
            .field("host", &self.host)
            .field("username", &self.username)
            .field("password", &"REDACTED")
            .field("repositories", &self.repositories)
            .field("failure_status", &self.failure_status)
            .finish()
    }
}

/// A host that is neither CodeCommit nor a static host, and serves no repository: every request
/// without `Authorization` gets 401 with the configured challenges (so git asks its helpers),
/// every request with it 403 `foreign_host`, and the log records what the credentials exposed
/// ([`crate::log::Exposed`]). It stands for a server a helper must never hand AWS credentials
/// to: `github.com`, or a look-alike such as `git-codecommit.us-east-2.amazonaws.com.evil.example`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignHost {
    /// A DNS name (case-insensitive), e.g. `git.example.com`.
    pub host: String,
}

/// The `WWW-Authenticate` headers of a 401, one header per entry, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenges {
    #[serde(default = "default_www_authenticate")]
    pub www_authenticate: Vec<String>,
}

impl Default for Challenges {
    fn default() -> Self {
        Challenges {
            www_authenticate: default_www_authenticate(),
        }
    }
}

fn default_www_authenticate() -> Vec<String> {
    // CodeCommit's real challenge is not documented; Basic is what makes git ask its helpers.
    vec![r#"Basic realm="git-codecommit""#.to_owned()]
}

/// Faults in force when the mock starts (see [`crate::Faults`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsConfig {
    #[serde(default)]
    pub throttle: bool,
    /// Throttle only the first this many requests, then let requests through (0: off).
    #[serde(default)]
    pub throttle_first: u64,
    /// `Retry-After` of every 429, in seconds. Short by default so replays stay fast.
    #[serde(default = "default_retry_after")]
    pub retry_after_secs: u64,
    #[serde(default)]
    pub server_error: bool,
    #[serde(default)]
    pub drop_connections: bool,
    #[serde(default)]
    pub latency_ms: u64,
    /// A one-shot clock jump after the K-th request (see [`crate::Faults::advance_clock_after`]).
    #[serde(default)]
    pub advance_clock_after: Option<ClockJumpConfig>,
    /// Moved to `[clock] offset_secs` (the clock is not a fault: `Faults::clear` leaves it alone).
    /// Still read, so that an old file gets an error naming the new place.
    #[serde(default)]
    clock_offset_secs: Option<i64>,
}

impl Default for FaultsConfig {
    fn default() -> Self {
        FaultsConfig {
            throttle: false,
            throttle_first: 0,
            retry_after_secs: default_retry_after(),
            server_error: false,
            drop_connections: false,
            latency_ms: 0,
            advance_clock_after: None,
            clock_offset_secs: None,
        }
    }
}

fn default_retry_after() -> u64 {
    1
}

/// `advance_clock_after = { requests = 2, seconds = 960 }`: once the second request (counted
/// from start) has its status, the mock's clock moves 960 seconds forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockJumpConfig {
    /// Which request moves the clock (1 = the first). At least 1.
    pub requests: u64,
    /// How far, in seconds. At least 1, at most [`MAX_CLOCK_JUMP_SECS`].
    pub seconds: u64,
}

/// The largest clock jump accepted: 100 years, far past any password or session lifetime.
pub const MAX_CLOCK_JUMP_SECS: u64 = 100 * 366 * 24 * 3600;

/// The mock's clock when it starts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    /// Signed seconds added to the system clock: `1200` makes the mock live 20 minutes ahead.
    #[serde(default)]
    pub offset_secs: i64,
}

/// Limits that keep bad input from hanging or exhausting the mock.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest request body accepted (bytes).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: u64,
    /// Seconds a connection may take to send its request head (and the CONNECT line).
    #[serde(default = "default_header_timeout")]
    pub header_timeout_secs: u64,
    /// Seconds without a byte of request body before the request is abandoned.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: default_max_body(),
            header_timeout_secs: default_header_timeout(),
            idle_timeout_secs: default_idle_timeout(),
        }
    }
}

fn default_max_body() -> u64 {
    1 << 30
}
fn default_header_timeout() -> u64 {
    10
}
fn default_idle_timeout() -> u64 {
    60
}

/// Why a configuration was refused. Messages quote the offending value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("repository {name:?}: {reason}")]
    Repository { name: String, reason: String },
    #[error("region {0:?} is not a region name (expected e.g. `us-east-2`)")]
    Region(String),
    #[error("{what} names identity {name:?}, which is not declared in [[identity]]")]
    UnknownIdentity { what: String, name: String },
    #[error("duplicate {what} {value:?}")]
    Duplicate { what: &'static str, value: String },
    #[error("static host {host:?}: {reason}")]
    StaticHost { host: String, reason: String },
    #[error("foreign host {host:?}: {reason}")]
    ForeignHost { host: String, reason: String },
    #[error("`[faults] clock_offset_secs` has moved: write `[clock]` with `offset_secs = {0}`")]
    ClockMoved(i64),
    #[error("`[faults] advance_clock_after`: {0}")]
    ClockJump(String),
}

impl Config {
    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml(&text)
    }

    /// Checks references between tables and names against CodeCommit's rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(offset) = self.faults.clock_offset_secs {
            return Err(ConfigError::ClockMoved(offset));
        }
        if let Some(jump) = self.faults.advance_clock_after {
            if jump.requests == 0 {
                return Err(ConfigError::ClockJump(
                    "requests = 0: the jump comes after a request, so at least 1 (to start the clock elsewhere, set `[clock] offset_secs`)".into(),
                ));
            }
            if !(1..=MAX_CLOCK_JUMP_SECS).contains(&jump.seconds) {
                return Err(ConfigError::ClockJump(format!(
                    "seconds = {}: must be from 1 to {MAX_CLOCK_JUMP_SECS}",
                    jump.seconds
                )));
            }
        }
        let mut names = std::collections::HashSet::new();
        let mut keys = std::collections::HashSet::new();
        for identity in &self.identities {
            if !names.insert(identity.name.as_str()) {
                return Err(ConfigError::Duplicate {
                    what: "identity",
                    value: identity.name.clone(),
                });
            }
            if !keys.insert(identity.access_key_id.as_str()) {
                return Err(ConfigError::Duplicate {
                    what: "access_key_id",
                    value: identity.access_key_id.clone(),
                });
            }
        }
        let known = |what: String, name: &str| {
            if names.contains(name) {
                Ok(())
            } else {
                Err(ConfigError::UnknownIdentity {
                    what,
                    name: name.to_owned(),
                })
            }
        };
        let mut users = std::collections::HashSet::new();
        for cred in &self.git_credentials {
            known(
                format!("git_credential {:?}", cred.username),
                &cred.identity,
            )?;
            if !users.insert(cred.username.as_str()) {
                return Err(ConfigError::Duplicate {
                    what: "git_credential username",
                    value: cred.username.clone(),
                });
            }
        }
        let mut repos = std::collections::HashSet::new();
        for r in &self.repositories {
            if !crate::host::is_region(&r.region) {
                return Err(ConfigError::Region(r.region.clone()));
            }
            RepoName::parse(&r.name).map_err(|e| ConfigError::Repository {
                name: r.name.clone(),
                reason: e.to_string(),
            })?;
            if r.name.ends_with(".git") {
                return Err(ConfigError::Repository {
                    name: r.name.clone(),
                    reason: "CodeCommit repository names cannot end in `.git`".into(),
                });
            }
            if !repos.insert((r.region.as_str(), r.name.as_str())) {
                return Err(ConfigError::Duplicate {
                    what: "repository",
                    value: format!("{}/{}", r.region, r.name),
                });
            }
            for who in r.pull.iter().chain(&r.push) {
                known(format!("repository {:?}", r.name), who)?;
            }
        }
        for h in &self.static_hosts {
            let bad = |reason: &str| ConfigError::StaticHost {
                host: h.host.clone(),
                reason: reason.into(),
            };
            if crate::host::parse_codecommit(&h.host).is_some() {
                return Err(bad(
                    "is a CodeCommit host; declare [[repository]] entries instead",
                ));
            }
            if !crate::host::is_dns_name(&h.host) {
                return Err(bad(
                    "is not a host name (labels of letters, digits and `-`, joined by `.`)",
                ));
            }
            if !(400..=599).contains(&h.failure_status) {
                return Err(bad("failure_status must be a 4xx or 5xx status"));
            }
            for path in &h.repositories {
                repo::StaticRepoPath::parse(path)
                    .map_err(|e| bad(&format!("repository {path:?}: {e}")))?;
            }
        }
        let statics: std::collections::HashSet<String> = self
            .static_hosts
            .iter()
            .map(|h| h.host.to_ascii_lowercase())
            .collect();
        let mut foreign = std::collections::HashSet::new();
        for h in &self.foreign_hosts {
            let bad = |reason: &str| ConfigError::ForeignHost {
                host: h.host.clone(),
                reason: reason.into(),
            };
            let host = h.host.to_ascii_lowercase();
            if !crate::host::is_dns_name(&host) {
                return Err(bad(
                    "is not a host name (labels of letters, digits and `-`, joined by `.`)",
                ));
            }
            if crate::host::parse_codecommit(&host).is_some() {
                return Err(bad(
                    "is a CodeCommit host; a foreign host stands for a server that is not CodeCommit",
                ));
            }
            if statics.contains(&host) {
                return Err(bad(
                    "is also a [[static_host]]; a host is either static (serves repositories) or foreign",
                ));
            }
            if !foreign.insert(host) {
                return Err(ConfigError::Duplicate {
                    what: "foreign_host",
                    value: h.host.clone(),
                });
            }
        }
        Ok(())
    }
}
