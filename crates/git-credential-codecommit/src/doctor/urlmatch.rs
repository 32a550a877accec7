//! Which `[credential "<url>"]` sections git applies to a URL: git's `urlmatch.c` and
//! `credential.c` rules, so the doctor reads the helper list exactly as git builds it.
//!
//! - Scheme, host and port compare after normalising (lower case, default port dropped); a
//!   config host label `*` matches exactly one label of the URL's host (`match_host`), so
//!   `git-codecommit.*.amazonaws.com` matches neither a FIPS nor a VPC endpoint host.
//! - A user name in the section must equal the URL's; the section's path must be a prefix of the
//!   URL's at a `/` boundary.
//! - A key that is not a URL (`credential.example.com.helper`) is a partial URL: its user, host
//!   and path, where given, must equal the URL's as written, percent-decoded, the paths without
//!   leading or trailing `/` (`match_partial_url`): no case folding, and `:443` written in the
//!   URL is part of its host.
//! - For credentials every matching section applies, in file order (`select_all`): the most
//!   specific one does not win, which is why an unscoped `helper = osxkeychain` still runs.

/// A URL as git's urlmatch sees it, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme: String,
    /// Percent-decoded.
    pub user: Option<String>,
    /// Lower case, without the port.
    pub host: String,
    /// `None` for the scheme's default port.
    pub port: Option<String>,
    /// With a leading `/` (`/` when the URL has none), escapes normalised as git does.
    pub path: String,
    /// `host[:port]` as written in the URL, percent-decoded: a key that is not a URL
    /// (`credential.example.com.helper`) is compared with this, case and port as written.
    pub written_host: String,
    /// The path as written, percent-decoded, without leading or trailing `/`: what git's
    /// `credential_from_url` keeps, and compares a partial key's path with.
    pub written_path: String,
}

/// Why a URL could not be parsed. Each quotes the URL with any password replaced by
/// `REDACTED` ([`redact`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("'{0}' is not a URL: it has no scheme (https://…)")]
    NoScheme(String),
    #[error("'{0}' has no host name")]
    NoHost(String),
    #[error("'{0}' has a port that is not a number")]
    BadPort(String),
}

impl UrlParts {
    /// Parses `scheme://[user[:password]@]host[:port][/path]` as git's `credential_from_url`
    /// does: the user ends at the FIRST `@`, so an unencoded `@` in a user name moves the rest
    /// of it into the host. The password, if any, is dropped here and never kept.
    pub fn parse(url: &str) -> Result<UrlParts, UrlError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(UrlError::NoScheme(redact(url)));
        };
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(UrlError::NoScheme(redact(url)));
        }
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        let (user, host_port) = match authority.find('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let name = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                (Some(percent_decode(name)), &authority[at + 1..])
            }
            None => (None, authority),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) if !h.contains(']') || h.ends_with(']') => (h, Some(p)),
            _ => (host_port, None),
        };
        let written_host = percent_decode(host_port);
        if host.is_empty() {
            return Err(UrlError::NoHost(redact(url)));
        }
        let scheme = scheme.to_ascii_lowercase();
        let port = match port {
            Some("") => None,
            Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(UrlError::BadPort(redact(url)));
            }
            Some(p) if Some(p.trim_start_matches('0')) == default_port(&scheme) => None,
            Some(p) => Some(p.trim_start_matches('0').to_owned()),
            None => None,
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        Ok(UrlParts {
            scheme,
            user,
            host: host.to_ascii_lowercase(),
            port,
            path: normalize_path(&normalize_escapes(path)),
            written_host,
            written_path: percent_decode(path.trim_matches('/')),
        })
    }

    /// `host[:port]`, as git sends `host=` to helpers.
    pub fn host_and_port(&self) -> String {
        match &self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// The URL without user or password, for messages.
    pub fn display_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.host_and_port(), self.path)
    }

    /// Whether the section `credential.<pattern>.*` applies to this URL.
    pub fn matched_by(&self, pattern: &str) -> bool {
        match UrlParts::parse(pattern) {
            Ok(section) => self.matches_url(&section),
            Err(_) => self.matches_partial(pattern),
        }
    }

    /// git's fallback for keys that are not URLs (`match_partial_url`, `credential_match`):
    /// `[scheme://][user@]host[:port][/path]`, each part given compared exactly (no wildcard,
    /// no case folding, no default port) with the URL as written, percent-decoded; the path
    /// without leading or trailing `/`.
    fn matches_partial(&self, pattern: &str) -> bool {
        let (scheme, rest) = match pattern.split_once("://") {
            Some((scheme, rest)) => (Some(scheme).filter(|s| !s.is_empty()), rest),
            None => (None, pattern),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (user, host) = match authority.find('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let name = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                (Some(percent_decode(name)), &authority[at + 1..])
            }
            None => (None, authority),
        };
        let path = path.trim_start_matches('/');
        let path = path.trim_end_matches('/');
        scheme.is_none_or(|s| s == self.scheme)
            && user.is_none_or(|u| Some(&u) == self.user.as_ref())
            && (host.is_empty() || percent_decode(host) == self.written_host)
            && (path.is_empty() || percent_decode(path) == self.written_path)
    }

    fn matches_url(&self, section: &UrlParts) -> bool {
        section.scheme == self.scheme
            && section
                .user
                .as_ref()
                .is_none_or(|u| Some(u) == self.user.as_ref())
            && host_matches(&self.host, &section.host)
            && section.port == self.port
            && path_prefix(&self.path, &section.path)
    }
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme {
        "http" => Some("80"),
        "https" => Some("443"),
        "ftp" => Some("21"),
        _ => None,
    }
}

/// `match_host`: label by label; a pattern label that is exactly `*` matches any one label.
fn host_matches(host: &str, pattern: &str) -> bool {
    let (labels, wanted): (Vec<&str>, Vec<&str>) =
        (host.split('.').collect(), pattern.split('.').collect());
    labels.len() == wanted.len()
        && labels
            .iter()
            .zip(&wanted)
            .all(|(label, want)| *want == "*" || label == want)
}

/// `url_match_prefix`: the section's path is the URL's path or a prefix of it ending at `/`.
fn path_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    if prefix.is_empty() {
        return true;
    }
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Drops `.` segments, resolves `..`, and gives `/` to an empty path.
fn normalize_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/').skip(1) {
        match segment {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// git's `append_normalized_escapes` for a path: an escape of a character that needs none is
/// decoded (`%44` is `D`), other escapes are upper case, and characters a URL may not hold raw
/// (controls, non-ASCII, space, `"<>\^`{|}`) are escaped.
fn normalize_escapes(text: &str) -> String {
    const UNSAFE: &[u8] = b" <>\"%{}|\\^`";
    const RESERVED: &[u8] = b":/?#[]@!$&'()*+,;=";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let mut byte = bytes[i];
        let mut escaped = false;
        if byte == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(decoded) = u8::from_str_radix(hex, 16)
        {
            byte = decoded;
            escaped = true;
            i += 2;
        }
        i += 1;
        if byte <= 0x1f
            || byte >= 0x7f
            || UNSAFE.contains(&byte)
            || (escaped && RESERVED.contains(&byte))
        {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push(char::from(byte));
        }
    }
    out
}

/// The URL with the password of its user information, if any, replaced by `REDACTED`, for
/// messages: `https://jane:REDACTED@host/path`, also without a scheme.
pub fn redact(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!(
                "{}REDACTED{}",
                &url[..start + colon + 1],
                &url[start + at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `%XX` decoding (invalid escapes are kept as they are).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";

    fn url(u: &str) -> UrlParts {
        UrlParts::parse(u).expect("valid")
    }

    #[test]
    fn a_wildcard_matches_one_label_only() {
        let standard = url(URL);
        assert!(standard.matched_by("https://git-codecommit.*.amazonaws.com"));
        assert!(standard.matched_by("https://git-codecommit.us-east-2.amazonaws.com"));
        assert!(!standard.matched_by("https://*.amazonaws.com"));
        let fips = url("https://git-codecommit-fips.us-east-2.amazonaws.com/v1/repos/R");
        assert!(!fips.matched_by("https://git-codecommit.*.amazonaws.com"));
        let vpce =
            url("https://vpce-0a1b-c2d3.git-codecommit.us-east-2.vpce.amazonaws.com/v1/repos/R");
        assert!(!vpce.matched_by("https://git-codecommit.*.amazonaws.com"));
        assert!(vpce.matched_by("https://*.git-codecommit.*.vpce.amazonaws.com"));
        let china = url("https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/R");
        assert!(!china.matched_by("https://git-codecommit.*.amazonaws.com"));
        assert!(china.matched_by("https://git-codecommit.*.amazonaws.com.cn"));
    }

    #[test]
    fn scheme_port_user_and_path_must_agree() {
        let u = url(URL);
        assert!(!u.matched_by("http://git-codecommit.us-east-2.amazonaws.com"));
        assert!(u.matched_by("HTTPS://GIT-CODECOMMIT.us-east-2.amazonaws.com:443"));
        assert!(!u.matched_by("https://git-codecommit.us-east-2.amazonaws.com:8443"));
        assert!(u.matched_by("https://git-codecommit.us-east-2.amazonaws.com/v1/repos"));
        assert!(u.matched_by("https://git-codecommit.us-east-2.amazonaws.com/v1/repos/"));
        assert!(!u.matched_by("https://git-codecommit.us-east-2.amazonaws.com/v1/rep"));
        assert!(!u.matched_by("https://jane@git-codecommit.us-east-2.amazonaws.com"));
        let jane =
            url("https://jane%40example.com@git-codecommit.us-east-2.amazonaws.com/v1/repos/R");
        assert_eq!(jane.user.as_deref(), Some("jane@example.com"));
        assert!(jane.matched_by("https://git-codecommit.us-east-2.amazonaws.com"));
    }

    #[test]
    fn a_key_that_is_not_a_url_is_a_host() {
        let u = url(URL);
        assert!(u.matched_by("git-codecommit.us-east-2.amazonaws.com"));
        assert!(!u.matched_by("github.com"));
        // As git's credential_match compares them: trailing slashes go, case and port stay.
        assert!(u.matched_by("git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo/"));
        assert!(!u.matched_by("git-codecommit.us-east-2.amazonaws.com/v1/repos"));
        assert!(!u.matched_by("GIT-CODECOMMIT.us-east-2.amazonaws.com"));
        let port = url("https://git-codecommit.us-east-2.amazonaws.com:443/v1/repos/MyDemoRepo");
        assert!(!port.matched_by("git-codecommit.us-east-2.amazonaws.com"));
        let jane = url("https://jane@git-codecommit.us-east-2.amazonaws.com/v1/repos/R");
        assert!(jane.matched_by("jane@git-codecommit.us-east-2.amazonaws.com"));
        assert!(!u.matched_by("jane@git-codecommit.us-east-2.amazonaws.com"));
    }

    #[test]
    fn escapes_in_paths_are_normalised_as_git_does() {
        let u = url(URL);
        assert!(
            u.matched_by("https://git-codecommit.us-east-2.amazonaws.com/v1/repos/My%44emoRepo")
        );
        let escaped = url("https://git-codecommit.us-east-2.amazonaws.com/v1/repos/My%44emoRepo");
        assert_eq!(escaped.path, "/v1/repos/MyDemoRepo");
        assert_eq!(url("https://h/a%2fb%7e c").path, "/a%2Fb~%20c");
    }

    #[test]
    fn the_user_ends_at_the_first_at_sign_and_passwords_are_dropped() {
        let u = url("https://jane@example.com@git-codecommit.us-east-2.amazonaws.com/v1/repos/R");
        assert_eq!(u.user.as_deref(), Some("jane"));
        assert_eq!(u.host, "example.com@git-codecommit.us-east-2.amazonaws.com");
        let p = url("https://user:s3cret@git-codecommit.us-east-2.amazonaws.com/v1/repos/R");
        assert!(!format!("{p:?}").contains("s3cret"));
        assert_eq!(
            p.display_url(),
            "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/R"
        );
    }

    #[test]
    fn messages_never_quote_a_password() {
        for bad in [
            "jane:s3cret@git-codecommit.us-east-2.amazonaws.com/v1/repos/R",
            "https://jane:s3cret@:443/v1/repos/R",
            "https://jane:s3cret@h:x1/v1/repos/R",
        ] {
            let error = UrlParts::parse(bad).expect_err("not a URL git can use");
            assert!(!error.to_string().contains("s3cret"), "{error}");
            assert!(error.to_string().contains("jane:REDACTED@"), "{error}");
        }
        assert_eq!(redact("https://h/a:b@c"), "https://h/a:b@c");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert!(matches!(
            UrlParts::parse("git-codecommit.x"),
            Err(UrlError::NoScheme(_))
        ));
        assert!(matches!(
            UrlParts::parse("https:///x"),
            Err(UrlError::NoHost(_))
        ));
        assert!(matches!(
            UrlParts::parse("https://h:x1/"),
            Err(UrlError::BadPort(_))
        ));
    }
}
