use super::support::{NOW, REQUEST, StaticSource, at, run, run_under_git};
use git_credential_codecommit::git::Version;
use git_credential_codecommit::program::{self, Context};

/// The password the AWS CLI prints for REQUEST at NOW with the example key (checked against the
/// real AWS CLI in `aws_cli.rs`).
const EXPECTED: &str = "username=AKIAIOSFODNN7EXAMPLE\npassword=20260102T030405Z";

#[test]
fn get_answers_with_user_password_and_expiry() {
    let source = StaticSource::long_term();
    let out = run(&source, &["get"], REQUEST);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert!(out.stdout.starts_with(EXPECTED), "{}", out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert_eq!(
        lines[1].len(),
        "password=".len() + 16 + 64,
        "timestamp, Z and 64 hex digits"
    );
    assert_eq!(lines[2], format!("password_expiry_utc={}", NOW + 15 * 60));
    assert_eq!(
        *source.asked.borrow(),
        ["credentials profile=None region=us-east-2"]
    );
}

#[test]
fn temporary_credentials_put_the_token_in_the_user_name_and_cap_the_expiry() {
    let source = StaticSource::temporary("FwoGZXIvYXdzEXAMPLETOKEN", at(NOW + 300));
    let out = run(&source, &["get"], REQUEST);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("username=ASIAIOSFODNN7EXAMPLE%FwoGZXIvYXdzEXAMPLETOKEN\n")
    );
    // The session ends in 5 minutes, before the 15 minutes a password would otherwise last.
    assert!(
        out.stdout
            .ends_with(&format!("password_expiry_utc={}\n", NOW + 300)),
        "{}",
        out.stdout
    );

    let long_session = StaticSource::temporary("t", at(NOW + 3600));
    let out = run(&long_session, &["get"], REQUEST);
    assert!(
        out.stdout
            .ends_with(&format!("password_expiry_utc={}\n", NOW + 900)),
        "{}",
        out.stdout
    );
}

#[test]
fn both_argument_shapes_give_the_same_answer() {
    let source = StaticSource::long_term();
    let native = run(&source, &["--profile", "cc", "get"], REQUEST);
    for args in [
        &["--profile", "cc", "codecommit", "credential-helper", "get"][..],
        &["codecommit", "credential-helper", "--profile", "cc", "get"],
        &[
            "codecommit",
            "--profile",
            "cc",
            "credential-helper",
            "--ignore-host-check",
            "get",
        ],
        &[
            "--debug",
            "--profile",
            "cc",
            "codecommit",
            "credential-helper",
            "get",
        ],
    ] {
        let out = run(&source, args, REQUEST);
        assert_eq!(
            (out.code, &out.stdout),
            (0, &native.stdout),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert!(
        source
            .asked
            .borrow()
            .iter()
            .all(|q| q.contains("profile=Some(\"cc\")"))
    );
}

#[test]
fn hosts_that_are_not_codecommit_get_nothing_and_no_credentials_are_loaded() {
    for input in [
        "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com.evil.com\npath=v1/repos/R\n",
        "protocol=https\nhost=github.com\npath=org/repo.git\n",
        "protocol=https\nhost=s3.amazonaws.com\npath=bucket\n",
        // CodeCommit host over plain HTTP: the password would travel in clear text.
        "protocol=http\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n",
        "host=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n",
        // A client certificate passphrase request has no host at all.
        "protocol=cert\npath=/home/u/cert.p12\n",
    ] {
        let source = StaticSource::long_term();
        let out = run(&source, &["get"], input);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{input}"
        );
        assert!(
            source.asked.borrow().is_empty(),
            "credentials were loaded for {input}"
        );
    }
}

#[test]
fn ignore_host_check_signs_anything_with_the_given_region() {
    let source = StaticSource::long_term();
    let input = "protocol=http\nhost=127.0.0.1:8443\npath=v1/repos/R\n";
    let out = run(
        &source,
        &["--region", "eu-west-1", "--ignore-host-check", "get"],
        input,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("username=AKIAIOSFODNN7EXAMPLE\npassword=20260102T030405Z")
    );
    assert_eq!(
        *source.asked.borrow(),
        ["credentials profile=None region=eu-west-1"]
    );
}

#[test]
fn host_region_wins_over_region_argument() {
    let source = StaticSource::long_term();
    let with_arg = run(&source, &["--region", "eu-west-1", "get"], REQUEST);
    let without = run(&source, &["get"], REQUEST);
    assert_eq!(with_arg.stdout, without.stdout);
    assert!(
        source
            .asked
            .borrow()
            .iter()
            .all(|q| q.ends_with("region=us-east-2"))
    );
}

#[test]
fn configured_region_is_used_when_nothing_else_names_one() {
    let mut source = StaticSource::long_term();
    source.configured_region = Some("ap-south-1".into());
    let out = run(
        &source,
        &["--ignore-host-check", "get"],
        "protocol=https\nhost=localhost\npath=p\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        *source.asked.borrow(),
        [
            "region profile=None",
            "credentials profile=None region=ap-south-1"
        ]
    );

    let source = StaticSource::long_term();
    let out = run(
        &source,
        &["--ignore-host-check", "get"],
        "protocol=https\nhost=localhost:8443\npath=p\n",
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "",
            "git-credential-codecommit: no region for localhost: the host names none and none is configured; pass --region or run 'aws configure'\n"
        )
    );
}

#[test]
fn missing_path_says_to_set_use_http_path() {
    let source = StaticSource::long_term();
    let out = run(
        &source,
        &["get"],
        "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\n",
    );
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_eq!(
        out.stderr,
        "git-credential-codecommit: git sent no repository path for https://git-codecommit.us-east-2.amazonaws.com, so there is nothing to sign; run: git config --global credential.https://git-codecommit.us-east-2.amazonaws.com.UseHttpPath true\n"
    );
    assert!(source.asked.borrow().is_empty());
}

#[test]
fn bad_input_is_one_line_naming_the_problem() {
    let source = StaticSource::long_term();
    let out = run(&source, &["get"], "protocol=https\nthis is not git\n");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "",
            "git-credential-codecommit: line 2 of git's input has no '=' (expected key=value)\n"
        )
    );
}

#[test]
fn store_erase_and_unknown_operations_do_nothing() {
    let source = StaticSource::long_term();
    for args in [
        &["store"][..],
        &["erase"],
        &["codecommit", "credential-helper", "store"],
        &["frobnicate"],
        &["codecommit", "credential-helper", "erase"],
    ] {
        let out = run(
            &source,
            args,
            "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\nusername=u\npassword=p\n\n",
        );
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{args:?}"
        );
    }
    assert!(source.asked.borrow().is_empty());
}

#[test]
fn bad_arguments_are_one_line() {
    let source = StaticSource::long_term();
    for (args, message) in [
        (
            &["--frob", "get"][..],
            "git-credential-codecommit: unexpected argument '--frob' found (see 'git-credential-codecommit --help')\n",
        ),
        (
            &[][..],
            "git-credential-codecommit: no operation given; git runs helpers with get, store or erase (see 'git-credential-codecommit --help')\n",
        ),
        (
            &["--profile"][..],
            "git-credential-codecommit: a value is required for '--profile <PROFILE>' but none was supplied (see 'git-credential-codecommit --help')\n",
        ),
    ] {
        let out = run(&source, args, "");
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (2, "", message),
            "{args:?}"
        );
    }
}

#[test]
fn help_and_version_go_to_stdout() {
    let source = StaticSource::long_term();
    let out = run(&source, &["--version"], "");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            0,
            concat!(
                "git-credential-codecommit ",
                env!("CARGO_PKG_VERSION"),
                "\n"
            )
        )
    );
    let out = run(&source, &["--help"], "");
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("--ignore-host-check"), "{}", out.stdout);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Arbitrary arguments and input: an exit code, never a panic, and at most one stderr line.
        #[test]
        fn any_arguments_and_input(
            args in proptest::collection::vec(prop_oneof![
                Just("get".to_owned()), Just("store".to_owned()), Just("--profile".to_owned()),
                Just("--region".to_owned()), Just("codecommit".to_owned()), Just("credential-helper".to_owned()),
                Just("--ignore-host-check".to_owned()), "[ -~]{0,12}"
            ], 0..5),
            input in "(protocol=https\n|host=git-codecommit.us-east-2.amazonaws.com(:[0-9]{1,5})?\n|path=[ -~]{0,20}\n|[ -~]{0,30}\n|\n)*",
        ) {
            let source = StaticSource::long_term();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run(&source, &args, &input);
            prop_assert!(out.code <= 2);
            prop_assert!(out.stderr.lines().count() <= 1, "{}", out.stderr);
        }
    }
}

/// What git 2.46 and later send over HTTP before the attributes.
const OFFERS_AUTHTYPE: &str = "capability[]=authtype\ncapability[]=state\n";

/// Git 2.54, the first release whose probe of a large request carries an `authtype` answer.
const CARRIES_AUTHTYPE: Version = Version(2, 54, 0);

#[test]
fn offered_authtype_by_a_git_that_carries_it_it_answers_the_same_basic_header_as_an_ephemeral_credential()
 {
    use base64::Engine as _;
    let source = StaticSource::long_term();
    let plain = run(&source, &["get"], REQUEST);
    let offered = run_under_git(
        &source,
        &["get"],
        &format!("{OFFERS_AUTHTYPE}{REQUEST}"),
        Some(CARRIES_AUTHTYPE),
    );
    assert_eq!((offered.code, offered.stderr.as_str()), (0, ""));
    let lines: Vec<&str> = offered.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", offered.stdout);
    assert_eq!(lines[..2], ["capability[]=authtype", "authtype=Basic"]);
    assert_eq!(
        lines[3..],
        [
            "ephemeral=1".to_owned(),
            format!("password_expiry_utc={}", NOW + 15 * 60)
        ]
    );
    // The same clock, the same key: base64 of exactly the user name and password of the plain
    // answer, so `Authorization: Basic <credential>` is the header curl builds from them.
    let value = |key: &str| {
        plain
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .expect("in the plain answer")
    };
    let expected = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        value("username"),
        value("password")
    ));
    assert_eq!(lines[2], format!("credential={expected}"));
}

/// Git 2.46 to 2.53 offer `authtype` but send the probe of a request over `http.postBuffer`
/// without it (a 401, and the push fails): they get the user name and password, and so does a
/// git whose release cannot be told.
#[test]
fn offered_authtype_by_a_git_that_loses_it_on_large_requests_it_answers_a_password() {
    let source = StaticSource::long_term();
    let plain = run(&source, &["get"], REQUEST);
    for git in [
        Some(Version(2, 46, 0)),
        Some(Version(2, 47, 3)),
        Some(Version(2, 53, 0)),
        None,
    ] {
        let offered = run_under_git(
            &source,
            &["get"],
            &format!("{OFFERS_AUTHTYPE}{REQUEST}"),
            git,
        );
        assert_eq!(
            (
                offered.code,
                offered.stdout.as_str(),
                offered.stderr.as_str()
            ),
            (0, plain.stdout.as_str(), ""),
            "git {git:?}"
        );
    }
}

/// The release is asked only when git offers `authtype`: older gits cost no second process.
#[test]
fn the_release_of_git_is_asked_only_when_it_offers_authtype() {
    let source = StaticSource::long_term();
    let asked = std::cell::Cell::new(0);
    let git_version = || {
        asked.set(asked.get() + 1);
        Some(CARRIES_AUTHTYPE)
    };
    let now = || at(NOW);
    let context = Context {
        aws: &source,
        now: &now,
        git_version: &git_version,
    };
    for (input, times) in [
        (REQUEST.to_owned(), 0),
        (format!("{OFFERS_AUTHTYPE}{REQUEST}"), 1),
    ] {
        asked.set(0);
        let code = program::run(
            ["git-credential-codecommit", "get"],
            &mut input.as_bytes(),
            &mut Vec::new(),
            &mut Vec::new(),
            &context,
        );
        assert_eq!((code, asked.get()), (0, times), "{input}");
    }
}

#[test]
fn without_the_offer_the_answer_is_byte_for_byte_todays() {
    let source = StaticSource::long_term();
    let plain = run(&source, &["get"], REQUEST);
    // wwwauth[] (git 2.41) and a capability git may add later change nothing.
    let newer = run(
        &source,
        &["get"],
        &format!("capability[]=state\ncapability[]=future\nwwwauth[]=Basic realm=\"x\"\n{REQUEST}"),
    );
    assert_eq!(newer.stdout, plain.stdout);
    assert!(plain.stdout.starts_with(EXPECTED), "{}", plain.stdout);
}

#[test]
fn store_and_erase_of_an_authtype_credential_stay_silent() {
    let source = StaticSource::long_term();
    for op in ["store", "erase"] {
        let out = run_under_git(
            &source,
            &[op],
            &format!("{OFFERS_AUTHTYPE}authtype=Basic\ncredential=QQ==\nephemeral=1\n{REQUEST}"),
            Some(CARRIES_AUTHTYPE),
        );
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
    }
}
