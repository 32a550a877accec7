//! CodeCommit's Git password: a SigV4 signature over a `GIT` pseudo-request.
//!
//! ```text
//! canonical request   GIT\n/<path>\n\nhost:<host>\n\nhost\n
//! string to sign      AWS4-HMAC-SHA256\n<YYYYMMDDTHHMMSS>\n<YYYYMMDD>/<region>/codecommit/aws4_request\n<hex sha256(canonical)>
//! password            <YYYYMMDDTHHMMSS>Z<hex signature>
//! user name           <access key id>[%<session token>]
//! ```
//!
//! This is what `aws codecommit credential-helper` and git-remote-codecommit compute; it is
//! documented nowhere. Two quirks differ from request signing: the timestamp in the string to
//! sign has no trailing `Z` (the password adds it), and the session token is not signed but
//! carried in the user name. The host is signed without its port.
//!
//! Every function takes the time as an argument and none reads the clock, so each stage can be
//! checked against golden values on its own.

use crate::secret::Secret;
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

/// CodeCommit accepts a password for about 15 minutes after its timestamp.
pub const PASSWORD_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// What one password signs.
#[derive(Debug, Clone, Copy)]
pub struct GitRequest<'a> {
    /// Host without port, exactly as git sent it.
    pub host: &'a str,
    /// The repository path as git sends it (`v1/repos/MyDemoRepo`, no leading `/`).
    pub path: &'a str,
    pub region: &'a str,
    pub time: SystemTime,
}

impl GitRequest<'_> {
    /// The path as the AWS CLI signs it: `urlsplit("https://host/" + path).path`, so one leading
    /// `/`, and anything from a `?` or `#` on is not part of the path.
    pub fn canonical_path(&self) -> String {
        let end = self.path.find(['?', '#']).unwrap_or(self.path.len());
        format!("/{}", &self.path[..end])
    }

    pub fn canonical_request(&self) -> String {
        format!(
            "GIT\n{}\n\nhost:{}\n\nhost\n",
            self.canonical_path(),
            self.host
        )
    }

    /// `YYYYMMDDTHHMMSS` in UTC, with no `Z`.
    pub fn timestamp(&self) -> String {
        let t = time::OffsetDateTime::from(self.time);
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    pub fn credential_scope(&self) -> String {
        format!(
            "{}/{}/codecommit/aws4_request",
            &self.timestamp()[..8],
            self.region
        )
    }

    pub fn string_to_sign(&self) -> String {
        let hash = hex::encode(Sha256::digest(self.canonical_request().as_bytes()));
        format!(
            "AWS4-HMAC-SHA256\n{}\n{}\n{hash}",
            self.timestamp(),
            self.credential_scope()
        )
    }

    /// The hex signature, from the secret access key.
    pub fn signature(&self, secret_access_key: &Secret<String>) -> String {
        // The key derivation and HMAC are the SDK's; only the string to sign is CodeCommit's own.
        // The SDK formats the key's date from the same whole-second UTC time as the timestamp.
        let key = aws_sigv4::sign::v4::generate_signing_key(
            secret_access_key.expose(),
            self.time,
            self.region,
            "codecommit",
        );
        aws_sigv4::sign::v4::calculate_signature(key, self.string_to_sign().as_bytes())
    }

    /// The Git password: the timestamp, `Z`, and the signature.
    pub fn password(&self, secret_access_key: &Secret<String>) -> Secret<String> {
        Secret::new(format!(
            "{}Z{}",
            self.timestamp(),
            self.signature(secret_access_key)
        ))
    }
}

/// The Git user name for a set of AWS credentials: the session token, when there is one, rides
/// after a `%`, unencoded (git percent-encodes it where it puts it in a URL).
pub fn username(access_key_id: &str, session_token: Option<&Secret<String>>) -> String {
    match session_token {
        Some(token) => format!("{access_key_id}%{}", token.expose()),
        None => access_key_id.to_owned(),
    }
}

/// Truncates to whole seconds: the password carries seconds, so the signature must use the same.
pub fn whole_seconds(time: SystemTime) -> SystemTime {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}
