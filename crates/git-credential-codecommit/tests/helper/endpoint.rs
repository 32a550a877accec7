use git_credential_codecommit::endpoint::{Endpoint, Partition, split_port};

/// Every shape CodeCommit's Git endpoints come in, with the region each serves.
#[test]
fn codecommit_hosts_are_recognized() {
    let cases: &[(&str, &str, bool, Option<&str>, Partition)] = &[
        (
            "git-codecommit.us-east-2.amazonaws.com",
            "us-east-2",
            false,
            None,
            Partition::Aws,
        ),
        (
            "git-codecommit.us-east-2.amazonaws.com:443",
            "us-east-2",
            false,
            None,
            Partition::Aws,
        ),
        (
            "git-codecommit.eu-central-1.amazonaws.com:8443",
            "eu-central-1",
            false,
            None,
            Partition::Aws,
        ),
        (
            "git-codecommit-fips.us-gov-west-1.amazonaws.com",
            "us-gov-west-1",
            true,
            None,
            Partition::Aws,
        ),
        (
            "git-codecommit-fips.ca-central-1.amazonaws.com",
            "ca-central-1",
            true,
            None,
            Partition::Aws,
        ),
        (
            "git-codecommit.cn-north-1.amazonaws.com.cn",
            "cn-north-1",
            false,
            None,
            Partition::China,
        ),
        (
            "git-codecommit.cn-northwest-1.amazonaws.com.cn",
            "cn-northwest-1",
            false,
            None,
            Partition::China,
        ),
        (
            "vpce-0b7d2939abf67eadd-8lx2r5pp.git-codecommit.us-east-2.vpce.amazonaws.com",
            "us-east-2",
            false,
            Some("vpce-0b7d2939abf67eadd-8lx2r5pp"),
            Partition::Aws,
        ),
        (
            "vpce-0b7d2939abf67eadd-8lx2r5pp-us-east-2a.git-codecommit-fips.us-east-2.vpce.amazonaws.com",
            "us-east-2",
            true,
            Some("vpce-0b7d2939abf67eadd-8lx2r5pp-us-east-2a"),
            Partition::Aws,
        ),
        // DNS is case-insensitive; the region comes out in CodeCommit's spelling.
        (
            "GIT-CODECOMMIT.US-EAST-2.AMAZONAWS.COM",
            "us-east-2",
            false,
            None,
            Partition::Aws,
        ),
        // A region that opens tomorrow works today: nothing is looked up in a list.
        (
            "git-codecommit.mx-central-7.amazonaws.com",
            "mx-central-7",
            false,
            None,
            Partition::Aws,
        ),
    ];
    for &(host, region, fips, vpce, partition) in cases {
        let endpoint =
            Endpoint::parse(host).unwrap_or_else(|| panic!("{host} should be CodeCommit"));
        assert_eq!(endpoint.region, region, "{host}");
        assert_eq!(endpoint.fips, fips, "{host}");
        assert_eq!(endpoint.vpce.as_deref(), vpce, "{host}");
        assert_eq!(endpoint.partition, partition, "{host}");
        assert_eq!(
            endpoint.host,
            split_port(host).0,
            "the signed host keeps git's spelling, without port"
        );
    }
}

/// Hosts that must never receive an access key id or a session token. The AWS CLI answers for
/// every one that contains `amazonaws.com` or `amazon.com`.
#[test]
fn hostile_and_foreign_hosts_are_not_codecommit() {
    let hostile = [
        "git-codecommit.us-east-2.amazonaws.com.evil.com",
        "git-codecommit.us-east-2.amazonaws.com.cn.evil.com",
        "evil.com/git-codecommit.us-east-2.amazonaws.com",
        "evil-git-codecommit.us-east-2.amazonaws.com",
        "xgit-codecommit.us-east-2.amazonaws.com",
        "git-codecommit.us-east-2.amazonaws.com.",
        "git-codecommit.us-east-2.evilamazonaws.com",
        "git-codecommit.us-east-2.amazonaws.co",
        "git-codecommit.us-east-2.amazonaws.com@evil.com",
        "evil.com#git-codecommit.us-east-2.amazonaws.com",
        "git-codecommit.us-east-2.amazonaws.com:443@evil.com",
        "git-codecommit.us-east-2.amazonaws.com:evil",
        "git-codecommit.us-east-2.amazonaws.com:",
        "git-codecommit.evil.us-east-2.amazonaws.com",
        "git-codecommit..amazonaws.com",
        "git-codecommit.amazonaws.com",
        "git-codecommit.us-east-2.vpce.amazonaws.com",
        "vpce-.git-codecommit.us-east-2.vpce.amazonaws.com",
        "vpce-123.git-codecommit.us-east-2.amazonaws.com.vpce",
        "evil.vpce-123.git-codecommit.us-east-2.vpce.amazonaws.com",
        "git-codecommit.US_EAST_2.amazonaws.com",
        "git-codecommit.useast.amazonaws.com",
        "git-codecommit.1-2-3.amazonaws.com",
        // A region is dash-separated lowercase letters and digits: `_` or a space in any part
        // (not only where dashes would be) is not a region.
        "git-codecommit.us-east_x-2.amazonaws.com",
        "git-codecommit.us-ea st-2.amazonaws.com",
        "git-codecommit.us-east--2.amazonaws.com",
        // Only a first label spelled `vpce-…` makes a VPC endpoint: any other DNS-valid label
        // in front of a `.vpce.` host is someone else's name.
        "endpoint-0123456789.git-codecommit.us-east-2.vpce.amazonaws.com",
        "xvpce-0123456789.git-codecommit.us-east-2.vpce.amazonaws.com",
        // The VPC endpoint label must be one DNS label: no `_`, no space, no trailing dash (its
        // length is tested on its own below).
        "vpce-0b7d2939abf67eadd_8lx2r5pp.git-codecommit.us-east-2.vpce.amazonaws.com",
        "vpce-0b7d2939abf67eadd 8lx2r5pp.git-codecommit.us-east-2.vpce.amazonaws.com",
        "vpce-0b7d2939abf67eadd-.git-codecommit.us-east-2.vpce.amazonaws.com",
        // AWS hosts that are not CodeCommit's Git endpoints.
        "codecommit.us-east-2.amazonaws.com",
        "s3.amazonaws.com",
        "sts.amazonaws.com",
        "signin.aws.amazon.com",
        "amazonaws.com",
        "github.com",
        "localhost",
        "127.0.0.1:8443",
        "[::1]:443",
        "",
    ];
    for host in hostile {
        assert_eq!(
            Endpoint::parse(host),
            None,
            "{host:?} must not be treated as CodeCommit"
        );
    }
}

#[test]
fn builds_the_endpoint_of_a_region() {
    assert_eq!(
        Endpoint::for_region("us-east-2", false).repository_url("MyDemoRepo"),
        "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo"
    );
    assert_eq!(
        Endpoint::for_region("cn-north-1", false).repository_url("repository"),
        "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/repository"
    );
    assert_eq!(
        Endpoint::for_region("us-gov-west-1", true).host,
        "git-codecommit-fips.us-gov-west-1.amazonaws.com"
    );
    // What it builds, it parses back.
    for (region, fips) in [
        ("us-east-2", false),
        ("cn-northwest-1", false),
        ("us-gov-east-1", true),
    ] {
        let built = Endpoint::for_region(region, fips);
        assert_eq!(Endpoint::parse(&built.host), Some(built));
    }
}

#[test]
fn splits_ports() {
    assert_eq!(split_port("h.example:8443"), ("h.example", Some("8443")));
    assert_eq!(split_port("h.example"), ("h.example", None));
    assert_eq!(split_port("[::1]:443"), ("[::1]", Some("443")));
    assert_eq!(split_port("[::1]"), ("[::1]", None));
}

/// A VPC endpoint label is a DNS label: 63 bytes is the longest that resolves, and still ours.
#[test]
fn vpce_label_of_63_bytes_is_the_longest_accepted() {
    let label = format!("vpce-{}", "0".repeat(58));
    assert_eq!(label.len(), 63);
    let host = format!("{label}.git-codecommit.us-east-2.vpce.amazonaws.com");
    let endpoint = Endpoint::parse(&host).expect("a 63-byte VPC endpoint label is a DNS label");
    assert_eq!(endpoint.vpce.as_deref(), Some(label.as_str()));
    let longer = format!("{label}0.git-codecommit.us-east-2.vpce.amazonaws.com");
    assert_eq!(
        Endpoint::parse(&longer),
        None,
        "64 bytes is not a DNS label"
    );
}

/// An endpoint prints as the host the password signs: git's spelling, without the port.
#[test]
fn an_endpoint_displays_as_its_signed_host() {
    let endpoint =
        Endpoint::parse("Git-CodeCommit.us-east-2.amazonaws.com:443").expect("CodeCommit");
    assert_eq!(
        endpoint.to_string(),
        "Git-CodeCommit.us-east-2.amazonaws.com"
    );
    assert_eq!(
        Endpoint::for_region("cn-north-1", true).to_string(),
        "git-codecommit-fips.cn-north-1.amazonaws.com.cn"
    );
}
