//! Golden values, stage by stage, so a wrong byte shows where it first differs.
use git_credential_codecommit::secret::Secret;
use git_credential_codecommit::sign::{GitRequest, username, whole_seconds};
use std::time::{Duration, SystemTime};

fn at(unix: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(unix)
}

/// git-remote-codecommit's own test vector (`test/git_url_test.py`): key `access`/`secret`,
/// us-west-2, 2017-12-24 11:53:20 UTC.
#[test]
fn git_remote_codecommit_vector() {
    let request = GitRequest {
        host: "git-codecommit.us-west-2.amazonaws.com",
        path: "v1/repos/test_repo",
        region: "us-west-2",
        time: at(1_514_116_400),
    };
    assert_eq!(request.timestamp(), "20171224T115320");
    assert_eq!(
        request.canonical_request(),
        "GIT\n/v1/repos/test_repo\n\nhost:git-codecommit.us-west-2.amazonaws.com\n\nhost\n"
    );
    assert_eq!(
        request.credential_scope(),
        "20171224/us-west-2/codecommit/aws4_request"
    );
    assert_eq!(
        request.password(&Secret::new("secret".into())).expose(),
        "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a"
    );
    // The same vector with CODE_COMMIT_ENDPOINT=land.called.honahlee: the host is signed.
    let other_host = GitRequest {
        host: "land.called.honahlee",
        ..request
    };
    assert_eq!(
        other_host.password(&Secret::new("secret".into())).expose(),
        "20171224T115320Za14a37a53035bbceb6e1748247b143124fe7326cdffd3d418236a592ce6158a0"
    );
}

/// gembaadvantage/codecommit-sign's vector (`pkg/awsv4/signer_test.go`), which also pins the
/// hash of the canonical request.
#[test]
fn codecommit_sign_vector() {
    let request = GitRequest {
        host: "git-codecommit.eu-west-1.amazonaws.com",
        path: "v1/repos/dummy-repo",
        region: "eu-west-1",
        time: at(1_630_491_923), // 2021-09-01 10:25:23 UTC
    };
    let string_to_sign = request.string_to_sign();
    assert_eq!(
        string_to_sign,
        "AWS4-HMAC-SHA256\n20210901T102523\n20210901/eu-west-1/codecommit/aws4_request\nb7cad41c14b37f02e4d2deaf4f0773423b7dbe5db34af6b45362223291f968ef"
    );
    assert_eq!(
        request.signature(&Secret::new("SECRET_ACCESS_KEY".into())),
        "670ef0c32f13fc847ed0c001a2b90bc772451c1eb89eadf84a73f3e82da9f56a"
    );
}

#[test]
fn path_is_signed_as_the_aws_cli_splits_it() {
    let request = |path| GitRequest {
        host: "h",
        path,
        region: "us-east-2",
        time: at(0),
    };
    assert_eq!(
        request("v1/repos/MyDemoRepo.git").canonical_path(),
        "/v1/repos/MyDemoRepo.git"
    );
    assert_eq!(
        request("v1/repos/My Demo").canonical_path(),
        "/v1/repos/My Demo"
    );
    assert_eq!(request("").canonical_path(), "/");
    // urlsplit ends the path at a query or fragment.
    assert_eq!(request("v1/repos/a?b").canonical_path(), "/v1/repos/a");
    assert_eq!(request("v1/repos/a#b").canonical_path(), "/v1/repos/a");
}

#[test]
fn time_is_utc_and_whole_seconds() {
    let t = whole_seconds(at(1_767_323_045) + Duration::from_millis(999));
    assert_eq!(t, at(1_767_323_045));
    let request = GitRequest {
        host: "h",
        path: "p",
        region: "r",
        time: t,
    };
    assert_eq!(request.timestamp(), "20260102T030405");
    // Before 1970 is not a time git runs at; it must still not panic.
    assert_eq!(
        whole_seconds(SystemTime::UNIX_EPOCH - Duration::from_secs(5)),
        SystemTime::UNIX_EPOCH
    );
}

#[test]
fn session_token_rides_in_the_user_name() {
    assert_eq!(username("AKIDEXAMPLE", None), "AKIDEXAMPLE");
    assert_eq!(
        username("ASIAEXAMPLE", Some(&Secret::new("tok/en+=".into()))),
        "ASIAEXAMPLE%tok/en+="
    );
}
