//! Which hosts are CodeCommit's Git endpoints, and which region each one serves.
//!
//! The AWS CLI helper signs for any host that merely *contains* `amazonaws.com` (so
//! `git-codecommit.us-east-2.amazonaws.com.evil.com` receives the access key id and session
//! token). Here a host is CodeCommit only if it has one of these shapes, label by label:
//!
//! - `git-codecommit.<region>.amazonaws.com`, `git-codecommit-fips.<region>.amazonaws.com`
//! - China: the same under `amazonaws.com.cn`
//! - VPC interface endpoints: `vpce-<id>[-<zone>].git-codecommit[-fips].<region>.vpce.amazonaws.com`
//!
//! Matching is case-insensitive (DNS is); the host keeps its spelling for signing, because the
//! AWS CLI signs the host exactly as git passed it.

use std::fmt;

/// A CodeCommit Git endpoint, parsed from the `host` git sends (which may carry `:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The host name without the port, as git sent it: this is what the password signs.
    pub host: String,
    pub region: String,
    pub fips: bool,
    /// The VPC endpoint label (`vpce-0123…`), for interface endpoints.
    pub vpce: Option<String>,
    pub partition: Partition,
}

/// The DNS suffix family of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// `amazonaws.com`
    Aws,
    /// `amazonaws.com.cn`
    China,
}

impl Partition {
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws => "amazonaws.com",
            Partition::China => "amazonaws.com.cn",
        }
    }

    /// The partition a region belongs to, for building a host from a region alone.
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else {
            Partition::Aws
        }
    }
}

/// Splits `host[:port]` into the host and the port text. IPv6 literals keep their brackets.
pub fn split_port(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => match host[end + 1..].strip_prefix(':') {
                Some(port) => (&host[..=end], Some(port)),
                None => (host, None),
            },
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

impl Endpoint {
    /// Parses a host git sent; `None` when it is not a CodeCommit Git endpoint.
    pub fn parse(host_and_port: &str) -> Option<Endpoint> {
        let (host, port) = split_port(host_and_port);
        if let Some(port) = port
            && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let lower = host.to_ascii_lowercase();
        let mut labels: Vec<&str> = lower.split('.').collect();

        let partition = if labels.ends_with(&["amazonaws", "com", "cn"]) {
            labels.truncate(labels.len() - 3);
            Partition::China
        } else if labels.ends_with(&["amazonaws", "com"]) {
            labels.truncate(labels.len() - 2);
            Partition::Aws
        } else {
            return None;
        };

        let vpce = match labels.as_slice() {
            [first, .., "vpce"] if first.starts_with("vpce-") => {
                let id = first.to_string();
                labels = labels[1..labels.len() - 1].to_vec();
                Some(id)
            }
            _ => None,
        };
        if let Some(id) = &vpce
            && (!is_dns_label(id) || id.len() <= "vpce-".len())
        {
            return None;
        }

        let [service, region] = labels.as_slice() else {
            return None;
        };
        let fips = match *service {
            "git-codecommit" => false,
            "git-codecommit-fips" => true,
            _ => return None,
        };
        if !is_region(region) {
            return None;
        }
        Some(Endpoint {
            host: host.to_owned(),
            region: region.to_string(),
            fips,
            vpce,
            partition,
        })
    }

    /// The public endpoint of a region (what `git-remote-codecommit` builds from `codecommit::REGION://`).
    pub fn for_region(region: &str, fips: bool) -> Endpoint {
        let partition = Partition::of_region(region);
        let service = if fips {
            "git-codecommit-fips"
        } else {
            "git-codecommit"
        };
        Endpoint {
            host: format!("{service}.{region}.{}", partition.dns_suffix()),
            region: region.to_owned(),
            fips,
            vpce: None,
            partition,
        }
    }

    /// The HTTPS clone URL of a repository on this endpoint.
    pub fn repository_url(&self, repository: &str) -> String {
        format!("https://{}/v1/repos/{repository}", self.host)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)
    }
}

/// A region name such as `us-east-2`, `us-gov-west-1`, `cn-north-1`: lowercase letters and
/// digits in dash-separated parts, ending in a number. Region lists are not hard-coded, so a new
/// region works the day it opens (git-remote-codecommit's bundled list is a common complaint).
pub fn is_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
}

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.ends_with('-')
}
