//! This helper against the real `aws codecommit credential-helper`, same inputs, same frozen
//! clock (libfaketime), byte for byte. Both tools are mandatory in CI (`CODECOMMIT_TEST_STRICT`).
use super::support::NOW;
use codecommit_testkit::faketime::require_libfaketime;
use codecommit_testkit::{Sandbox, require_tool};
use std::path::{Path, PathBuf};
use std::process::Output;

const FROZEN: &str = "2026-01-02 03:04:05"; // NOW, UTC
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMiJHMEUCIQD+token=";

struct Peers {
    aws: PathBuf,
    libfaketime: PathBuf,
    sandbox: Sandbox,
}

fn peers() -> Peers {
    let aws = require_tool("aws", "CODECOMMIT_TEST_AWS");
    let libfaketime = require_libfaketime();
    let sandbox = Sandbox::new()
        .with_path(aws.parent().map(Path::to_path_buf))
        .with_system_path();
    sandbox.write_aws_credentials(&format!(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n\n\
         [temp]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    ));
    sandbox
        .write_aws_config("[default]\nregion = us-west-2\n\n[profile temp]\nregion = eu-west-1\n");
    Peers {
        aws,
        libfaketime,
        sandbox,
    }
}

impl Peers {
    fn run(&self, program: &Path, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
        use std::io::Write;
        let mut cmd = self.sandbox.command(program);
        // libfaketime preloaded: an absolute `FAKETIME` freezes the clock there (what the
        // `faketime -f` wrapper sets up, without its shared-memory files).
        cmd.args(args)
            .env("LD_PRELOAD", &self.libfaketime)
            .env("FAKETIME", FROZEN)
            .envs(env.iter().copied());
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("start with libfaketime");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write input");
        child.wait_with_output().expect("wait")
    }

    fn aws(&self, global: &[&str], helper: &[&str], env: &[(&str, &str)], input: &str) -> Output {
        let args: Vec<&str> = global
            .iter()
            .copied()
            .chain(["codecommit", "credential-helper"])
            .chain(helper.iter().copied())
            .chain(["get"])
            .collect();
        self.run(&self.aws, &args, env, input)
    }

    fn ours(&self, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
        self.run(
            Path::new(env!("CARGO_BIN_EXE_git-credential-codecommit")),
            args,
            env,
            input,
        )
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One input to both helpers.
struct Case {
    what: &'static str,
    global: Vec<&'static str>,
    helper: Vec<&'static str>,
    env: Vec<(&'static str, &'static str)>,
    input: String,
}

fn case(what: &'static str, host: &str, path: &str) -> Case {
    let input = format!("protocol=https\nhost={host}\npath={path}\n\n");
    Case {
        what,
        global: vec![],
        helper: vec![],
        env: vec![],
        input,
    }
}

impl Case {
    fn global(mut self, args: &[&'static str]) -> Self {
        self.global = args.to_vec();
        self
    }
    fn helper(mut self, args: &[&'static str]) -> Self {
        self.helper = args.to_vec();
        self
    }
    fn env(mut self, key: &'static str, value: &'static str) -> Self {
        self.env.push((key, value));
        self
    }
    fn input(mut self, input: &str) -> Self {
        self.input = input.to_owned();
        self
    }
}

/// For each input, our `username=` and `password=` lines equal the AWS CLI's, and we add the expiry.
#[test]
#[cfg_attr(
    any(missing_aws, missing_faketime),
    ignore = "needs the AWS CLI and libfaketime: set CODECOMMIT_TEST_AWS (a venv's aws) or put aws on PATH; apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn same_user_name_and_password_as_the_aws_cli() {
    let peers = peers();
    let cc = "git-codecommit.us-east-2.amazonaws.com";
    let repo = "v1/repos/MyDemoRepo";
    let cases = [
        case("standard host", cc, repo),
        case("fips host", "git-codecommit-fips.us-gov-west-1.amazonaws.com", repo),
        case(
            "vpc endpoint",
            "vpce-0b7d2939abf67eadd-8lx2r5pp.git-codecommit.us-east-2.vpce.amazonaws.com",
            repo,
        ),
        case("china", "git-codecommit.cn-north-1.amazonaws.com.cn", repo),
        case("port is not signed", "git-codecommit.us-east-2.amazonaws.com:443", repo),
        case("odd path", cc, "v1/repos/My Demo.git"),
        case("session token, --profile", cc, repo).global(&["--profile", "temp"]),
        case("session token, AWS_PROFILE", "git-codecommit.eu-west-1.amazonaws.com", "v1/repos/R")
            .env("AWS_PROFILE", "temp"),
        case("--region for any host", "127.0.0.1:8443", repo)
            .global(&["--region", "eu-west-1"])
            .helper(&["--ignore-host-check"]),
        case("configured region for any host", "localhost", repo).helper(&["--ignore-host-check"]),
        case("git 2.46 attributes", cc, repo).input(
            "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\nwwwauth[]=Basic realm=\"CodeCommit\"\n\n",
        ),
        case("no blank line", cc, repo)
            .input("protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo"),
    ];
    for Case {
        what,
        global,
        helper,
        env,
        input,
    } in cases
    {
        let theirs = peers.aws(&global, &helper, &env, &input);
        assert!(
            theirs.status.success(),
            "{what}: aws failed: {}",
            text(&theirs.stderr)
        );
        let expected = text(&theirs.stdout);
        assert!(
            expected.starts_with("username=") && expected.contains("\npassword=20260102T030405Z"),
            "{what}: {expected}"
        );

        // Our native shape and the AWS CLI's shape.
        let native: Vec<&str> = global
            .iter()
            .chain(helper.iter())
            .copied()
            .chain(["get"])
            .collect();
        let aws_shape: Vec<&str> = global
            .iter()
            .copied()
            .chain(["codecommit", "credential-helper"])
            .chain(helper.iter().copied())
            .chain(["get"])
            .collect();
        for args in [native, aws_shape] {
            let ours = peers.ours(&args, &env, &input);
            assert!(
                ours.status.success(),
                "{what} {args:?}: {}",
                text(&ours.stderr)
            );
            let ours = text(&ours.stdout);
            let (credentials, expiry) =
                ours.split_at(ours.find("password_expiry_utc=").unwrap_or(ours.len()));
            // Offered git 2.46's capability by no git (no GIT_EXEC_PATH, so no release to tell
            // whether the probe of a large request would carry an `authtype` answer), it answers
            // exactly as the AWS CLI does; the `authtype` form is compared with it byte for byte
            // in `program.rs`.
            assert_eq!(credentials, expected, "{what} {args:?}");
            assert_eq!(
                expiry,
                format!("password_expiry_utc={}\n", NOW + 900),
                "{what} {args:?}"
            );
        }
    }
}

/// Where the AWS CLI answers but this helper must not, or fails less clearly. These assertions
/// record the AWS CLI as it is (aws-cli v1 from PyPI); if it changes, this test says so.
#[test]
#[cfg_attr(
    any(missing_aws, missing_faketime),
    ignore = "needs the AWS CLI and libfaketime: set CODECOMMIT_TEST_AWS (a venv's aws) or put aws on PATH; apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn where_this_helper_differs_from_the_aws_cli() {
    let peers = peers();

    // A look-alike host: the AWS CLI's substring check hands it the key id and session token.
    let evil = "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com.evil.com\npath=v1/repos/MyDemoRepo\n\n";
    let theirs = peers.aws(&["--profile", "temp"], &[], &[], evil);
    assert!(
        text(&theirs.stdout).contains(TOKEN),
        "the AWS CLI no longer leaks to look-alike hosts: {}",
        text(&theirs.stdout)
    );
    let ours = peers.ours(&["--profile", "temp", "get"], &[], evil);
    assert!(ours.status.success());
    assert_eq!(
        (text(&ours.stdout), text(&ours.stderr)),
        (String::new(), String::new())
    );

    // Plain http: the AWS CLI signs, so the password would cross the network in clear text.
    let http =
        "protocol=http\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\n\n";
    assert!(text(&peers.aws(&[], &[], &[], http).stdout).starts_with("username="));
    assert_eq!(text(&peers.ours(&["get"], &[], http).stdout), "");

    // No path (credential.UseHttpPath unset): the AWS CLI prints a bare KeyError.
    let no_path = "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\n\n";
    let theirs = peers.aws(&[], &[], &[], no_path);
    assert_eq!(
        (theirs.status.code(), text(&theirs.stdout)),
        (Some(255), String::new())
    );
    assert!(
        text(&theirs.stderr).contains("'path'"),
        "{}",
        text(&theirs.stderr)
    );
    let ours = peers.ours(&["get"], &[], no_path);
    assert_eq!(ours.status.code(), Some(1));
    assert!(
        text(&ours.stderr).contains("UseHttpPath true"),
        "{}",
        text(&ours.stderr)
    );

    // A profile that does not exist: both print nothing on stdout, so git prompts for a user name.
    let input = "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n\n";
    let theirs = peers.aws(&["--profile", "nope"], &[], &[], input);
    assert_eq!(
        (theirs.status.code(), text(&theirs.stdout)),
        (Some(255), String::new())
    );
    assert!(
        text(&theirs.stderr).contains("The config profile (nope) could not be found"),
        "{}",
        text(&theirs.stderr)
    );
    let ours = peers.ours(&["--profile", "nope", "get"], &[], input);
    assert_eq!(
        (ours.status.code(), text(&ours.stdout)),
        (Some(1), String::new())
    );
    assert!(
        text(&ours.stderr).contains("profile 'nope'"),
        "{}",
        text(&ours.stderr)
    );
}
