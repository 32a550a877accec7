//! CodeCommit's endpoint host names, and the region each one names.

/// A parsed CodeCommit git endpoint host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCommitHost {
    pub region: String,
    pub fips: bool,
    pub vpc_endpoint: bool,
}

/// True for names shaped like an AWS region: `us-east-2`, `us-gov-west-1`, `cn-north-1`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

/// Parses the host shapes CodeCommit serves git on (case-insensitive, without a port):
/// `git-codecommit[-fips].<region>.amazonaws.com`,
/// `vpce-<id>.git-codecommit[-fips].<region>.vpce.amazonaws.com`, and the China
/// `git-codecommit.<region>.amazonaws.com.cn`.
pub fn parse_codecommit(host: &str) -> Option<CodeCommitHost> {
    let host = host.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let (vpc_endpoint, rest) = match labels.first() {
        Some(first) if first.starts_with("vpce-") && first.len() > 5 => (true, &labels[1..]),
        _ => (false, &labels[..]),
    };
    let (service, region, tail) = match rest {
        [service, region, tail @ ..] => (*service, *region, tail),
        _ => return None,
    };
    let fips = match service {
        "git-codecommit" => false,
        "git-codecommit-fips" => true,
        _ => return None,
    };
    if !is_region(region) {
        return None;
    }
    let china = region.starts_with("cn-");
    let ok = match (vpc_endpoint, china) {
        (false, false) => tail == ["amazonaws", "com"],
        (false, true) => tail == ["amazonaws", "com", "cn"],
        (true, false) => tail == ["vpce", "amazonaws", "com"],
        (true, true) => tail == ["vpce", "amazonaws", "com", "cn"],
    };
    ok.then(|| CodeCommitHost {
        region: region.to_owned(),
        fips,
        vpc_endpoint,
    })
}

/// True for a DNS host name a certificate can carry: 1 to 253 bytes, labels of 1 to 63 ASCII
/// letters, digits and `-`, not starting or ending with `-` (RFC 1123). No `_`, no spaces, no
/// trailing dot, no IP literal in brackets.
pub fn is_dns_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && name.split('.').all(is_dns_label)
}

fn is_dns_label(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Splits `host[:port]` (as in a CONNECT line or a `Host` header) and returns the host part.
/// IPv6 literals are not CodeCommit hosts and are returned unchanged in brackets.
pub fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .split_once(']')
            .map_or(authority, |(h, _)| &authority[..h.len() + 1]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let p = |h| parse_codecommit(h);
        assert_eq!(
            p("git-codecommit.us-east-2.amazonaws.com").map(|h| h.region),
            Some("us-east-2".into())
        );
        assert!(p("git-codecommit-fips.us-gov-west-1.amazonaws.com").is_some_and(|h| h.fips));
        assert!(
            p("vpce-0123abcd-xyz.git-codecommit.eu-west-1.vpce.amazonaws.com")
                .is_some_and(|h| h.vpc_endpoint && h.region == "eu-west-1")
        );
        assert!(
            p("vpce-1.git-codecommit-fips.us-east-1.vpce.amazonaws.com").is_some_and(|h| h.fips)
        );
        assert!(p("git-codecommit.cn-north-1.amazonaws.com.cn").is_some());
        assert!(p("GIT-CODECOMMIT.US-EAST-2.AMAZONAWS.COM").is_some());
        for bad in [
            "git-codecommit.us-east-2.amazonaws.com.evil.example",
            "git-codecommit.amazonaws.com",
            "git-codecommit.cn-north-1.amazonaws.com",
            "git-codecommit.us-east-2.amazonaws.com.cn",
            "codecommit.us-east-2.amazonaws.com",
            "vpce-.git-codecommit.us-east-2.vpce.amazonaws.com",
            "github.com",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(
            strip_port("git-codecommit.us-east-2.amazonaws.com:443"),
            "git-codecommit.us-east-2.amazonaws.com"
        );
        assert_eq!(strip_port("github.com"), "github.com");
        assert_eq!(strip_port("[::1]:443"), "[::1]");
    }
}
