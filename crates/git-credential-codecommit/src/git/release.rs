//! Git releases and the behaviours of git's credential code that change with them, each named
//! for what it means to a CodeCommit helper, with the commit that brought it.

use std::fmt;

/// A git release, `2.39.5` (Git for Windows' `.windows.N` and Apple's suffix dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Reads what `git version` prints: `git version 2.45.1.windows.1` is 2.45.1.
    pub fn parse(text: &str) -> Option<Version> {
        let number = text.trim().strip_prefix("git version ")?;
        let mut parts = number
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u32>().ok());
        Some(Version(
            parts.next()??,
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
        ))
    }

    /// Whether git offers helpers `capability[]=authtype` over HTTP (2.46.0, ca9ccbf674).
    pub fn offers_authtype(self) -> bool {
        self >= AUTHTYPE_SINCE
    }

    /// Whether an `authtype` + `credential` answer reaches every request of a git command.
    ///
    /// For a request body larger than `http.postBuffer` (1 MiB by default: a push of more, a
    /// fetch with many wants or haves) `remote-curl` first sends a small probe (`probe_rpc`).
    /// From 2.46.0 through 2.53.x the probe leaves out the `Authorization` header built from
    /// `authtype` and `credential`; the server's 401 makes git erase the credential and fail
    /// (`error: RPC failed; HTTP 401`). Git 2.54.0 sends it (ed0f7a62f7, tested in git's t5563
    /// "clone with bearer auth and probe_rpc"). A user name and password reach the probe on
    /// every release, because curl itself adds them.
    pub fn carries_authtype_on_large_requests(self) -> bool {
        self >= AUTHTYPE_ON_PROBE_SINCE
    }

    /// Whether git retries a request answered 429 (CodeCommit's "Rate Exceeded") when
    /// `http.maxRetries` allows it, waiting as `Retry-After` says (2.54.0's release notes).
    pub fn retries_throttled_requests(self) -> bool {
        self >= RETRIES_429_SINCE
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Git offers helpers the `authtype` capability from 2.46.
pub const AUTHTYPE_SINCE: Version = Version(2, 46, 0);
/// Git sends an `authtype` credential on the probe of a large request from 2.54.
pub const AUTHTYPE_ON_PROBE_SINCE: Version = Version(2, 54, 0);
/// Git retries throttled requests (429 with `Retry-After`, `http.maxRetries`) from 2.54.
pub const RETRIES_429_SINCE: Version = Version(2, 54, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_of_every_vendor() {
        assert_eq!(
            Version::parse("git version 2.39.5\n"),
            Some(Version(2, 39, 5))
        );
        assert_eq!(
            Version::parse("git version 2.45.1.windows.1"),
            Some(Version(2, 45, 1))
        );
        assert_eq!(
            Version::parse("git version 2.39.3 (Apple Git-146)"),
            Some(Version(2, 39, 3))
        );
        assert_eq!(Version::parse("git version 2.50"), Some(Version(2, 50, 0)));
        assert_eq!(Version::parse("hub version 2.1"), None);
    }

    /// The releases that offer `authtype` but drop it on the probe: 2.46.0 to 2.53.x.
    #[test]
    fn the_releases_that_lose_an_authtype_answer_on_the_probe() {
        let loses = |v: Version| v.offers_authtype() && !v.carries_authtype_on_large_requests();
        assert!(!loses(Version(2, 45, 9)));
        assert!(loses(Version(2, 46, 0)));
        assert!(loses(Version(2, 47, 3)));
        assert!(loses(Version(2, 53, 9)));
        assert!(!loses(Version(2, 54, 0)));
        assert!(!loses(Version(2, 55, 0)));
        assert!(!Version(2, 45, 9).offers_authtype());
        assert!(Version(2, 54, 0).carries_authtype_on_large_requests());
        assert!(!Version(2, 53, 9).retries_throttled_requests());
        assert!(Version(2, 54, 0).retries_throttled_requests());
    }
}
