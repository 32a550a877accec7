//! Git versions and the ranges expectations are keyed by.

use serde::Deserialize;
use std::fmt;

/// A git release as `git --version` reports it (`2.39.5`, `2.47.3`, `2.43.0.windows.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct GitVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

/// `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_GLOBAL` arrived in git 2.32: an older git cannot be given
/// a system file of the sandbox's own.
pub const GIT_CONFIG_SYSTEM_SINCE: GitVersion = GitVersion {
    major: 2,
    minor: 32,
    patch: 0,
};

/// Git offers helpers `capability[]=authtype` over HTTP from 2.46 (ca9ccbf674).
pub const AUTHTYPE_SINCE: GitVersion = GitVersion {
    major: 2,
    minor: 46,
    patch: 0,
};

/// From 2.54 (ed0f7a62f7) the probe git sends before a request larger than `http.postBuffer`
/// carries an `authtype` answer; 2.46 to 2.53 send it without, and get a 401.
pub const AUTHTYPE_ON_PROBE_SINCE: GitVersion = GitVersion {
    major: 2,
    minor: 54,
    patch: 0,
};

impl GitVersion {
    /// Whether an `authtype` answer is lost on the probe of a large request (2.46 to 2.53).
    pub fn loses_authtype_on_probe(self) -> bool {
        self >= AUTHTYPE_SINCE && self < AUTHTYPE_ON_PROBE_SINCE
    }

    /// Parses `git version 2.39.5` or `2.39.5` (anything after the third number is ignored).
    pub fn parse(text: &str) -> Option<GitVersion> {
        let text = text.trim();
        let text = text.strip_prefix("git version ").unwrap_or(text);
        let mut parts = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Some(GitVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for GitVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Comma-separated comparisons, all of which must hold: `>=2.40`, `>=2.30, <2.46`, `=2.39`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    text: String,
    bounds: Vec<(Op, GitVersion)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl VersionReq {
    pub fn parse(text: &str) -> Result<VersionReq, String> {
        let mut bounds = Vec::new();
        for part in text.split(',').map(str::trim) {
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(p, op)| part.strip_prefix(p).map(|r| (*op, r)))
            .ok_or_else(|| format!("'{part}' in '{text}' needs a comparison (>=, <, =…)"))?;
            let version = GitVersion::parse(rest.trim())
                .ok_or_else(|| format!("'{rest}' in '{text}' is not a git version such as 2.40"))?;
            bounds.push((op, version));
        }
        Ok(VersionReq {
            text: text.to_owned(),
            bounds,
        })
    }

    pub fn matches(&self, v: &GitVersion) -> bool {
        self.bounds.iter().all(|(op, b)| match op {
            Op::Lt => v < b,
            Op::Le => v <= b,
            Op::Gt => v > b,
            Op::Ge => v >= b,
            // `=2.39` means any 2.39.x.
            Op::Eq => v.major == b.major && v.minor == b.minor,
        })
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for VersionReq {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        VersionReq::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_and_ranges() {
        let v = GitVersion::parse("git version 2.43.0.windows.1").expect("version");
        assert_eq!(v.to_string(), "2.43.0");
        assert_eq!(
            GitVersion::parse("2.39"),
            Some(GitVersion {
                major: 2,
                minor: 39,
                patch: 0
            })
        );
        let r = VersionReq::parse(">=2.40, <2.46").expect("range");
        assert!(r.matches(&GitVersion::parse("2.40.0").expect("v")));
        assert!(!r.matches(&GitVersion::parse("2.46.0").expect("v")));
        assert!(
            VersionReq::parse("=2.39")
                .expect("eq")
                .matches(&GitVersion::parse("2.39.5").expect("v"))
        );
        assert!(VersionReq::parse("2.40").is_err());
    }
}
