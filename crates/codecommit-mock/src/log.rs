//! The request log: one structured entry per request (and per refused CONNECT), readable by tests
//! through [`crate::MockHandle::log`] and written as JSON lines by the binary.
//!
//! Entries never hold secrets: no password, secret key or session token is ever recorded.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

/// Why a request did not succeed. Enumerable, so a scenario can assert the exact cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
    /// A proxy request that is not a well-formed CONNECT.
    BadProxyRequest,
    /// Static host: wrong user or password.
    BadCredentials,
    /// `git http-backend` could not be run or answered garbage.
    BackendFailed,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// RFC 3339, by the mock's clock (offset included).
    pub time: String,
    /// Host from the CONNECT line, without port.
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
    }
}
