//! `git-remote-codecommit`'s URL grammar and signed URL, in-process with fixed credentials and
//! clock. The Python package itself is compared in `grc.rs`.
use super::support::{NOW, SECRET_ACCESS_KEY, StaticSource, at};
use git_credential_codecommit::program::Context;
use git_credential_codecommit::remote::{Error, RemoteUrl, quote, remote_args, sign_url};
use std::time::Duration;

fn parsed(url: &str) -> (Option<String>, Option<String>, String) {
    let u = RemoteUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    (u.region, u.profile, u.repository)
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[test]
fn both_url_shapes_with_and_without_a_profile() {
    assert_eq!(parsed("codecommit://MyRepo"), (None, None, "MyRepo".into()));
    assert_eq!(
        parsed("codecommit://dev@MyRepo"),
        (None, some("dev"), "MyRepo".into())
    );
    // Git strips `codecommit::`; by hand it may still be there.
    for url in [
        "eu-west-1://dev@My.Repo_1-x",
        "codecommit::eu-west-1://dev@My.Repo_1-x",
    ] {
        assert_eq!(
            parsed(url),
            (some("eu-west-1"), some("dev"), "My.Repo_1-x".into())
        );
    }
    assert_eq!(
        parsed("us-gov-west-1://r"),
        (some("us-gov-west-1"), None, "r".into())
    );
    // urlparse lowercases the scheme and ends the authority at `/`, `?` or `#`.
    assert_eq!(
        parsed("CodeCommit://MyRepo/ignored?x#y"),
        (None, None, "MyRepo".into())
    );
}

#[test]
fn a_profile_name_with_at_signs_is_split_at_the_last_one() {
    // The Python package splits at the first `@` and looks for a profile named `jane`.
    assert_eq!(
        parsed("codecommit://jane@example.com@MyRepo"),
        (None, some("jane@example.com"), "MyRepo".into())
    );
}

#[test]
fn malformed_urls_say_what_is_wrong_and_show_both_shapes() {
    for (url, why) in [
        ("codecommit://", "names no repository"),
        ("codecommit:repo", "does not start with SCHEME://"),
        ("repo", "has no scheme"),
        (
            "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/r",
            "neither codecommit nor a region",
        ),
        ("useast2://r", "neither codecommit nor a region"),
        ("codecommit://@repo", "profile before '@' is empty"),
        ("codecommit://my repo", "space or a control character"),
        ("codecommit://repo\n", "space or a control character"),
        ("codecommit://jane:s3cret@repo", "carries a password"),
    ] {
        let error = RemoteUrl::parse(url).expect_err(url).to_string();
        assert!(error.contains(why), "{url}: {error}");
        assert!(
            error.contains(
                "codecommit://[PROFILE@]REPOSITORY or codecommit::REGION://[PROFILE@]REPOSITORY"
            ),
            "{error}"
        );
    }
    for name in ["a%20b", "x".repeat(101).as_str(), "repo:1", "r*"] {
        let error = RemoteUrl::parse(&format!("codecommit://{name}")).expect_err(name);
        assert!(matches!(error, Error::Repository { .. }), "{name}: {error}");
    }
}

fn sign(source: &StaticSource, url: &str, endpoint: Option<&str>) -> Result<String, Error> {
    let now = || at(NOW);
    let context = Context {
        aws: source,
        now: &now,
        git_version: &|| None,
    };
    sign_url(url, endpoint, &context).map(|s| s.url.expose().clone())
}

fn with_profiles(mut source: StaticSource, names: &[&str]) -> StaticSource {
    source.settings.profiles = names.iter().map(|n| n.to_string()).collect();
    source
}

#[test]
fn the_signed_url_is_the_python_packages_for_its_own_test_vector() {
    // test/git_url_test.py: key access/secret, us-west-2, 2017-12-24 11:53:20 UTC.
    let mut source = StaticSource::long_term();
    source.credentials.access_key_id = "access".into();
    source.credentials.secret_access_key = "secret".to_owned().into();
    let now = || at(1_514_116_400);
    let context = Context {
        aws: &source,
        now: &now,
        git_version: &|| None,
    };
    let signed = sign_url("us-west-2://test_repo", None, &context).expect("signed");
    assert_eq!(
        signed.url.expose(),
        "https://access:20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a@git-codecommit.us-west-2.amazonaws.com/v1/repos/test_repo"
    );
    let other = sign_url(
        "us-west-2://test_repo",
        Some("land.called.honahlee"),
        &context,
    )
    .expect("signed");
    assert_eq!(
        other.url.expose(),
        "https://access:20171224T115320Za14a37a53035bbceb6e1748247b143124fe7326cdffd3d418236a592ce6158a0@land.called.honahlee/v1/repos/test_repo"
    );
    // Nothing secret in what may be logged.
    let shown = format!("{signed:?}");
    assert!(!shown.contains("20171224T115320Z"), "{shown}");
}

#[test]
fn the_session_token_rides_in_the_user_name_percent_encoded() {
    let source = StaticSource::temporary("to/ken+=", at(NOW) + Duration::from_secs(600));
    let url = sign(&source, "eu-west-1://r", None).expect("signed");
    assert!(
        url.starts_with("https://ASIAIOSFODNN7EXAMPLE%25to%2Fken%2B%3D:20260102T030405Z"),
        "{url}"
    );
    assert_eq!(quote("a-b_c.d~e f%/"), "a-b_c.d~e%20f%25%2F");
}

#[test]
fn the_host_follows_partition_fips_and_the_override() {
    let source = StaticSource::long_term();
    let host = |url: &str, endpoint: Option<&str>, source: &StaticSource| {
        let url = sign(source, url, endpoint).expect("signed");
        url.split_once('@').expect("@").1.to_owned()
    };
    assert_eq!(
        host("cn-north-1://r", None, &source),
        "git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/r"
    );
    assert_eq!(
        host(
            "us-east-2://r",
            Some("vpce-1.git-codecommit.us-east-2.vpce.amazonaws.com"),
            &source
        ),
        "vpce-1.git-codecommit.us-east-2.vpce.amazonaws.com/v1/repos/r"
    );
    let mut fips = StaticSource::long_term();
    fips.settings.use_fips = true;
    assert_eq!(
        host("us-east-2://r", None, &fips),
        "git-codecommit-fips.us-east-2.amazonaws.com/v1/repos/r"
    );
    // An empty override is no override.
    assert_eq!(
        host("us-east-2://r", Some(""), &source),
        "git-codecommit.us-east-2.amazonaws.com/v1/repos/r"
    );
}

#[test]
fn the_region_comes_from_the_url_else_from_the_profile() {
    let mut source = with_profiles(StaticSource::long_term(), &["dev"]);
    source.configured_region = some("ap-south-1");
    let url = sign(&source, "codecommit://dev@r", None).expect("signed");
    assert!(
        url.ends_with("@git-codecommit.ap-south-1.amazonaws.com/v1/repos/r"),
        "{url}"
    );
    assert_eq!(
        source.asked.borrow().as_slice(),
        [
            "profile_settings profile=Some(\"dev\")",
            "region profile=Some(\"dev\")",
            "credentials profile=Some(\"dev\") region=ap-south-1",
        ]
    );
    // A region in the URL wins, and the configuration is not asked for one.
    let url = sign(&source, "eu-north-1://dev@r", None).expect("signed");
    assert!(url.contains("eu-north-1"), "{url}");
    assert!(
        !source
            .asked
            .borrow()
            .iter()
            .skip(3)
            .any(|a| a.starts_with("region"))
    );
}

#[test]
fn configuration_mistakes_name_the_profile_and_the_fix() {
    let source = with_profiles(StaticSource::long_term(), &["default", "dev"]);
    let error = sign(&source, "codecommit://ops@r", None).expect_err("no such profile");
    let text = error.to_string();
    assert!(matches!(error, Error::ProfileNotFound { .. }), "{text}");
    assert!(
        text.contains("'ops'") && text.contains("default, dev"),
        "{text}"
    );

    let error = sign(&source, "codecommit://dev@r", None)
        .expect_err("no region")
        .to_string();
    assert!(
        error.contains("no AWS Region for profile 'dev'")
            && error.contains("codecommit::us-east-2://dev@r"),
        "{error}"
    );

    let mut bad = with_profiles(StaticSource::long_term(), &["dev"]);
    bad.configured_region = some("Ohio");
    let error = sign(&bad, "codecommit://dev@r", None)
        .expect_err("bad region")
        .to_string();
    assert!(
        error.contains("'Ohio'") && error.contains("profile 'dev'"),
        "{error}"
    );
}

#[test]
fn expired_credentials_name_the_profile_and_leak_nothing() {
    let token = "FwoGZXIvYXdzEXPIRED/token+=";
    let source = with_profiles(
        StaticSource::temporary(token, at(NOW) - Duration::from_secs(1)),
        &["sso-dev"],
    );
    let error = sign(&source, "us-east-2://sso-dev@r", None)
        .expect_err("expired")
        .to_string();
    assert!(
        error.contains("profile 'sso-dev' expired at 2026-01-02T03:04:04Z")
            && error.contains("aws sso login --profile sso-dev"),
        "{error}"
    );
    assert!(
        !error.contains(token) && !error.contains(SECRET_ACCESS_KEY),
        "{error}"
    );
    // Still valid at the last second: signed.
    let fresh = with_profiles(
        StaticSource::temporary(token, at(NOW) + Duration::from_secs(1)),
        &["sso-dev"],
    );
    assert!(sign(&fresh, "us-east-2://sso-dev@r", None).is_ok());
}

#[test]
fn git_gives_a_remote_and_a_url() {
    let args = |list: &[&str]| {
        list.iter()
            .map(Into::into)
            .collect::<Vec<std::ffi::OsString>>()
    };
    let (remote, url) = remote_args(&args(&["grc", "origin", "codecommit://r"])).expect("two");
    assert_eq!(
        (remote.to_str(), url.as_str()),
        (Some("origin"), "codecommit://r")
    );
    for wrong in [&["grc"][..], &["grc", "origin"], &["grc", "a", "b", "c"]] {
        let error = remote_args(&args(wrong)).expect_err("wrong count");
        assert!(
            error.contains("git clone codecommit://REPOSITORY"),
            "{error}"
        );
    }
}

#[test]
fn a_password_in_the_url_is_never_shown() {
    let error = RemoteUrl::parse("codecommit://jane:s3cret@repo")
        .expect_err("refused")
        .to_string();
    assert!(
        !error.contains("s3cret") && error.contains("codecommit://jane:***@repo"),
        "{error}"
    );
    assert_eq!(
        git_credential_codecommit::remote::redact("eu-west-1://a:b:c@r/x"),
        "eu-west-1://a:***@r/x"
    );
    assert_eq!(
        git_credential_codecommit::remote::redact("codecommit://dev@r"),
        "codecommit://dev@r"
    );
}
