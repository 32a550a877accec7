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
    fn regions() {
        for good in [
            "us-east-2",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-4",
            "eu-west-255",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "us-east",     // two parts
            "useast-2",    // two parts
            "use-east-2",  // the first part is not two letters
            "u-east-2",    // nor here
            "us--2",       // an empty part
            "-us-east-2",  // an empty part first
            "us-East-2",   // upper case
            "us-ea_st-2",  // `_` is not a region letter
            "us-ea st-2",  // nor a space
            "us-east-x",   // the last part is not a number
            "us-east-256", // nor a small one
            "us-east-",    // nor present
            "us-east-2a",  // an availability zone
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    /// Each partition's tail belongs to its own shape only.
    #[test]
    fn tails_do_not_mix() {
        let p = |h| parse_codecommit(h).is_some();
        assert!(p("git-codecommit.us-east-2.amazonaws.com"));
        assert!(!p("git-codecommit.us-east-2.amazonaws.org"));
        assert!(!p("git-codecommit.us-east-2.vpce.amazonaws.com"));
        assert!(!p("git-codecommit.us_east-2.amazonaws.com"));
        assert!(!p("git-codecommit.us east-2.amazonaws.com"));
        assert!(p("vpce-1.git-codecommit.cn-north-1.vpce.amazonaws.com.cn"));
        assert!(!p("vpce-1.git-codecommit.cn-north-1.amazonaws.com.cn"));
        assert!(!p("vpce-1.git-codecommit.us-east-2.amazonaws.com"));
        assert!(!p("vpce-1.git-codecommit.us-east-2.vpce.amazonaws.com.cn"));
        assert!(!p("vpce-1.git-codecommit.cn-north-1.vpce.amazonaws.com"));
        assert!(!p("git-codecommit.cn-north-1.vpce.amazonaws.com.cn"));
        assert!(!p("git-codecommit-fips.us-east-2"));
        assert!(!p("git-codecommit"));
        assert!(!p(""));
        // Without a vpce label, the first label is the service.
        assert_eq!(
            parse_codecommit("git-codecommit.us-east-2.amazonaws.com"),
            Some(CodeCommitHost {
                region: "us-east-2".into(),
                fips: false,
                vpc_endpoint: false
            })
        );
        assert!(!p("vpce.git-codecommit.us-east-2.vpce.amazonaws.com"));
    }

    #[test]
    fn dns_names() {
        for good in [
            "a",
            "git.example.com",
            "x-1.example",
            "0.example",
            &format!("{}.example", "a".repeat(63)),
            &[
                "a".repeat(63),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(61),
            ]
            .join("."),
        ] {
            assert!(is_dns_name(good), "{good}");
        }
        for bad in [
            "",
            ".",
            "example.com.",
            ".example.com",
            "a..b",
            "-a.example",
            "a-.example",
            "a_b.example",
            "a b.example",
            "a@b.example",
            "[::1]",
            "\u{e9}.example",
            &format!("{}.example", "a".repeat(64)),
            &[
                "a".repeat(63),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(62),
            ]
            .join("."),
        ] {
            assert!(!is_dns_name(bad), "{bad}");
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
