//! The request log: one structured entry per request (and per refused CONNECT), readable by tests
//! through [`crate::MockHandle::log`] and written as JSON lines by the binary.
//!
//! Entries never hold secrets: no password, secret key or session token is ever recorded.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Why a request did not succeed. Enumerable, so a scenario can assert the exact cause; scenario
/// files name it in snake_case (`"signature_mismatch"`), checked when they are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No `Authorization` header: 401 with the configured challenges.
    NoCredentials,
    /// `Authorization` is not `Basic <base64 of user:password>` in UTF-8.
    MalformedAuthorization,
    /// `Basic Og==`: empty user and password (git's `http.emptyAuth`).
    EmptyCredentials,
    /// User name is neither a known access key id nor a known Git credential user.
    UnknownAccessKey,
    /// Static Git credential user known, password wrong.
    WrongPassword,
    /// Temporary credentials: the token after `%` is not the identity's session token.
    InvalidSessionToken,
    /// The identity has a session token but the user name carries none.
    MissingSessionToken,
    /// The session token's expiry is past (mock clock).
    SessionExpired,
    /// Password is not `YYYYMMDDTHHMMSSZ<64 hex>`.
    BadPasswordFormat,
    /// Password timestamp more than 15 minutes before the mock's clock.
    Expired,
    /// Password timestamp more than 15 minutes after the mock's clock.
    NotYetValid,
    /// Signature made for another region than the endpoint's.
    WrongRegion,
    /// Signature does not verify (wrong secret, path, host or tampered).
    SignatureMismatch,
    /// Authenticated, but no such repository in the endpoint's region (or host).
    RepositoryNotFound,
    /// Identity lacks `codecommit:GitPull` on the repository.
    PullDenied,
    /// Identity lacks `codecommit:GitPush` on the repository.
    PushDenied,
    /// Forced throttling: 429 "Rate Exceeded".
    Throttled,
    /// Forced 500.
    ServerError,
    /// Forced dropped connection.
    Dropped,
    /// Path is not `/v1/repos/<name>/<git path>`, or tries traversal or percent-encoding.
    BadPath,
    /// Repository name breaks CodeCommit's rules.
    InvalidRepositoryName,
    /// Not a smart-HTTP service git uses (`info/refs` without `service=`, dumb paths, other services).
    UnknownService,
    /// Method does not fit the path (e.g. `GET git-upload-pack`).
    MethodNotAllowed,
    /// Request body larger than the limit.
    BodyTooLarge,
    /// Request headers larger than the limit (64 KiB in all).
    HeadersTooLarge,
    /// Request body stalled longer than the idle timeout, or broke off.
    BodyError,
    /// CONNECT to a host the mock does not serve (nothing ever leaves the machine).
    HostNotServed,
    /// A proxy request that is neither a well-formed CONNECT nor an absolute-form `http://` request.
    BadProxyRequest,
    /// A `[[foreign_host]]` (not CodeCommit, serves nothing) was sent credentials: 403. What they
    /// exposed is in [`LogEntry::exposed`].
    ForeignHost,
    /// A plain `http://` request through the proxy was sent credentials: 403. No repository is
    /// ever served over plain http. What they exposed is in [`LogEntry::exposed`].
    PlainHttp,
    /// The proxy could not issue a TLS certificate for the CONNECT host (502): the host has a
    /// served shape but is not a DNS name a certificate can carry (`vpce-a_b.git-codecommit…`).
    CertificateFailed,
    /// `Content-Length` is not one decimal number (or repeated with different values): 400.
    BadContentLength,
    /// Static host: wrong user or password.
    BadCredentials,
    /// `git http-backend` could not be run or answered garbage.
    BackendFailed,
}

/// Every reason, in declaration order (for error messages and exhaustive tests).
pub const REASONS: &[Reason] = &[
    Reason::NoCredentials,
    Reason::MalformedAuthorization,
    Reason::EmptyCredentials,
    Reason::UnknownAccessKey,
    Reason::WrongPassword,
    Reason::InvalidSessionToken,
    Reason::MissingSessionToken,
    Reason::SessionExpired,
    Reason::BadPasswordFormat,
    Reason::Expired,
    Reason::NotYetValid,
    Reason::WrongRegion,
    Reason::SignatureMismatch,
    Reason::RepositoryNotFound,
    Reason::PullDenied,
    Reason::PushDenied,
    Reason::Throttled,
    Reason::ServerError,
    Reason::Dropped,
    Reason::BadPath,
    Reason::InvalidRepositoryName,
    Reason::UnknownService,
    Reason::MethodNotAllowed,
    Reason::BodyTooLarge,
    Reason::HeadersTooLarge,
    Reason::BodyError,
    Reason::HostNotServed,
    Reason::BadProxyRequest,
    Reason::ForeignHost,
    Reason::PlainHttp,
    Reason::CertificateFailed,
    Reason::BadContentLength,
    Reason::BadCredentials,
    Reason::BackendFailed,
];

/// A reason name that is not one of [`REASONS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown reason {name:?}; valid reasons: {}", valid_names())]
pub struct UnknownReason {
    pub name: String,
}

fn valid_names() -> String {
    REASONS
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::str::FromStr for Reason {
    type Err = UnknownReason;

    /// By the snake_case name used in the log (`"signature_mismatch"`).
    fn from_str(name: &str) -> Result<Reason, UnknownReason> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
            UnknownReason {
                name: name.to_owned(),
            }
        })
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// What a request's Basic credentials handed to a foreign host or over plain http, by shape.
/// Recorded instead of the values: the log never holds a password, token or signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposed {
    /// The user name starts with an AWS access key id (`AKIA`/`ASIA` and 16 upper-case letters
    /// or digits).
    AccessKeyId,
    /// After the key id, `%` and a session token (the form CodeCommit takes for temporary
    /// credentials).
    SessionToken,
    /// The password is a CodeCommit SigV4 password (`YYYYMMDDTHHMMSSZ` and 64 hex digits).
    CodecommitPassword,
    /// Any other non-empty password.
    OtherPassword,
}

impl Reason {
    /// The name used in the log (`signature_mismatch`).
    pub fn as_str(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{self:?}"),
        }
    }
}

/// One request as the mock saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// RFC 3339, by the mock's clock (offset included).
    pub time: String,
    /// `"http"` for an absolute-form plain-HTTP proxy request, `"https"` for everything else (a
    /// CONNECT, and requests on its TLS tunnel).
    pub scheme: String,
    /// Host from the CONNECT line (or the `http://` URL), without port.
    pub host: String,
    pub method: String,
    /// Request path without the query.
    pub path: String,
    /// `git-upload-pack` or `git-receive-pack`, when the request names one.
    pub service: Option<String>,
    /// `<region>/<name>` for CodeCommit, the path for static hosts.
    pub repository: Option<String>,
    /// Access key id or Git credential user name sent (never the password or session token).
    pub user: Option<String>,
    /// What Basic credentials sent to a foreign host or over plain http exposed; empty for
    /// CodeCommit and static hosts over https.
    pub exposed: Vec<Exposed>,
    /// The configured identity the credentials proved.
    pub identity: Option<String>,
    pub status: u16,
    pub reason: Option<Reason>,
}

/// Kept entries are bounded, so a long load test cannot grow the mock without limit.
const MAX_ENTRIES: usize = 100_000;

/// The log, shared by every connection.
pub struct RequestLog {
    entries: Mutex<VecDeque<LogEntry>>,
    sink: Mutex<Option<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLog").finish_non_exhaustive()
    }
}

impl RequestLog {
    pub fn new(sink: Option<Box<dyn Write + Send>>) -> RequestLog {
        RequestLog {
            entries: Mutex::new(VecDeque::new()),
            sink: Mutex::new(sink),
        }
    }

    pub fn record(&self, entry: LogEntry) {
        tracing::debug!(?entry, "request");
        if let Ok(mut sink) = self.sink.lock()
            && let Some(w) = sink.as_mut()
            && let Ok(line) = serde_json::to_string(&entry)
        {
            // A broken log sink must not break serving.
            let _ = writeln!(w, "{line}").and_then(|()| w.flush());
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() == MAX_ENTRIES {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_snake_case() {
        assert_eq!(Reason::SignatureMismatch.as_str(), "signature_mismatch");
        assert_eq!(Reason::NoCredentials.as_str(), "no_credentials");
        assert_eq!(Reason::PlainHttp.to_string(), "plain_http");
    }

    #[test]
    fn reasons_parse_by_name_and_round_trip() {
        for &r in REASONS {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(r));
            let json = serde_json::to_string(&r).expect("serialize");
            assert_eq!(
                serde_json::from_str::<Reason>(&json).expect("deserialize"),
                r
            );
        }
        let e = "signature-mismatch"
            .parse::<Reason>()
            .expect_err("kebab case is not a name");
        let text = e.to_string();
        assert!(
            text.starts_with(
                r#"unknown reason "signature-mismatch"; valid reasons: no_credentials, "#
            ) && text.contains("signature_mismatch")
                && text.ends_with("backend_failed"),
            "{text}"
        );
    }

    #[test]
    fn the_list_of_reasons_is_complete() {
        // A new variant must join REASONS, or FromStr's error message would not name it.
        let count = |r: Reason| match r {
            Reason::NoCredentials
            | Reason::MalformedAuthorization
            | Reason::EmptyCredentials
            | Reason::UnknownAccessKey
            | Reason::WrongPassword
            | Reason::InvalidSessionToken
            | Reason::MissingSessionToken
            | Reason::SessionExpired
            | Reason::BadPasswordFormat
            | Reason::Expired
            | Reason::NotYetValid
            | Reason::WrongRegion
            | Reason::SignatureMismatch
            | Reason::RepositoryNotFound
            | Reason::PullDenied
            | Reason::PushDenied
            | Reason::Throttled
            | Reason::ServerError
            | Reason::Dropped
            | Reason::BadPath
            | Reason::InvalidRepositoryName
            | Reason::UnknownService
            | Reason::MethodNotAllowed
            | Reason::BodyTooLarge
            | Reason::HeadersTooLarge
            | Reason::BodyError
            | Reason::HostNotServed
            | Reason::BadProxyRequest
            | Reason::ForeignHost
            | Reason::PlainHttp
            | Reason::CertificateFailed
            | Reason::BadContentLength
            | Reason::BadCredentials
            | Reason::BackendFailed => 1,
        };
        assert_eq!(REASONS.iter().map(|&r| count(r)).sum::<usize>(), 34);
        let unique: std::collections::HashSet<_> = REASONS.iter().collect();
        assert_eq!(unique.len(), REASONS.len());
    }

    #[test]
    fn exposed_is_snake_case() {
        assert_eq!(
            serde_json::to_string(&[Exposed::AccessKeyId, Exposed::CodecommitPassword])
                .expect("serialize"),
            r#"["access_key_id","codecommit_password"]"#
        );
        assert_eq!(
            serde_json::from_str::<Exposed>(r#""session_token""#).expect("deserialize"),
            Exposed::SessionToken
        );
    }
}
