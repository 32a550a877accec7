//! Shared fixtures: a standard configuration, a started mock, git and curl through it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use codecommit_mock::{Config, LogEntry, Mock, MockHandle, Options, Reason};
use codecommit_testkit::Sandbox;

// The standard world's endpoint, repository and alice; bob (pull only), tom (a session token of
// a few characters) and EuRepo are this suite's own, for the rules the mock enforces.
pub use codecommit_testkit::world::{ALICE_KEY, ALICE_SECRET, HOST};
use codecommit_testkit::world::{GITHUB_HOST, GITHUB_REPO, REGION, REPO};
pub const REPO_URL: &str = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
pub const TOM_KEY: &str = "ASIAEXAMPLE00000TOM0";
pub const TOM_SECRET: &str = "tom-secret";
pub const TOM_TOKEN: &str = "IQoJb3JpZ2luX2VjE/tok+en==";

/// alice: pull+push; bob: pull only; tom: temporary credentials. MyDemoRepo in us-east-2,
/// EuRepo in eu-west-1, a `github.com` stand-in with its own user.
pub fn config_toml() -> String {
    format!(
        r#"
[[identity]]
name = "alice"
access_key_id = "{ALICE_KEY}"
secret_access_key = "{ALICE_SECRET}"

[[identity]]
name = "bob"
access_key_id = "AKIAEXAMPLE00000BOB0"
secret_access_key = "bob-secret"

[[identity]]
name = "tom"
access_key_id = "{TOM_KEY}"
secret_access_key = "{TOM_SECRET}"
session_token = "{TOM_TOKEN}"
session_expires = "2099-01-01T00:00:00Z"

[[git_credential]]
identity = "alice"
username = "alice-at-111122223333"
password = "alice-git-password"

[[git_credential]]
identity = "bob"
username = "bob-at-111122223333"
password = "bob-git-password"

[[repository]]
region = "{REGION}"
name = "{REPO}"
pull = ["alice", "bob", "tom"]
push = ["alice", "tom"]

[[repository]]
region = "eu-west-1"
name = "EuRepo"
pull = ["alice"]
push = ["alice"]

[[static_host]]
host = "{GITHUB_HOST}"
username = "octocat"
password = "gh-password"
repositories = ["{GITHUB_REPO}"]
"#
    )
}

#[test]
fn the_repository_url_is_the_standard_worlds() {
    assert_eq!(REPO_URL, codecommit_testkit::world::url());
}

pub fn config() -> Config {
    Config::from_toml(&config_toml()).expect("the standard test configuration is valid")
}

pub fn start() -> MockHandle {
    start_with(config())
}

pub fn start_with(config: Config) -> MockHandle {
    Mock::start(config, Options::default()).expect("mock starts")
}

/// The git binaries on this machine (both where present), so behaviour is checked on each.
pub fn gits() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ["/usr/bin/git", "/usr/local/bin/git"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect();
    if found.is_empty() {
        found.push(tool("git"));
    }
    found
}

/// `git` in the sandbox, pointed at the mock by `-c` (plumbing, not the story of a test).
pub fn git(sandbox: &Sandbox, git: &Path, mock: &MockHandle) -> Command {
    let mut cmd = sandbox.command(git);
    cmd.arg("-c")
        .arg(format!("http.proxy={}", mock.proxy_url()))
        .arg("-c")
        .arg(format!("http.sslCAInfo={}", mock.ca_file().display()))
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
        ]);
    cmd
}

/// Runs and returns the output, printing it with the command on failure to start.
#[track_caller]
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

#[track_caller]
pub fn ok(cmd: &mut Command, mock: &MockHandle) -> Output {
    let out = run(cmd);
    assert!(out.status.success(), "{}", describe(cmd, &out, mock));
    out
}

/// A command that must fail, with `needle` in its stderr.
#[track_caller]
pub fn fails(cmd: &mut Command, needle: &str, mock: &MockHandle) -> Output {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains(needle),
        "expected failure containing {needle:?}\n{}",
        describe(cmd, &out, mock)
    );
    out
}

pub fn describe(cmd: &Command, out: &Output, mock: &MockHandle) -> String {
    format!(
        "command: {cmd:?}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}\nproxy {} CA {}\nmock log:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        mock.proxy_url(),
        mock.ca_file().display(),
        log_text(&mock.log())
    )
}

pub fn log_text(log: &[LogEntry]) -> String {
    log.iter()
        .map(|e| serde_json::to_string(e).unwrap_or_default() + "\n")
        .collect()
}

/// The reasons of all refused requests, in order.
pub fn reasons(mock: &MockHandle) -> Vec<Reason> {
    mock.log().iter().filter_map(|e| e.reason).collect()
}

/// Asserts the last logged request has this status and reason.
#[track_caller]
pub fn assert_last(mock: &MockHandle, status: u16, reason: Option<Reason>) {
    let log = mock.log();
    let last = log.last().unwrap_or_else(|| panic!("empty mock log"));
    assert_eq!(
        (last.status, last.reason),
        (status, reason),
        "mock log:\n{}",
        log_text(&log)
    );
}

/// `user:password@` in a URL, percent-encoded as git expects.
pub fn url_with(user: &str, password: &str, url: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    url.replacen(
        "https://",
        &format!("https://{}:{}@", enc(user), enc(password)),
        1,
    )
}

/// A fresh SigV4 password for alice (the mock's own signer: only for forging bad ones and
/// for requests the real helpers cannot make).
pub fn password(secret: &str, region: &str, host: &str, path: &str, mock: &MockHandle) -> String {
    codecommit_mock::sigv4::password(secret, mock.clock().now(), region, host, path)
}

/// curl through the proxy with the CA; `-s -o - -w '%{http_code}'` style.
///
/// curl is an external tool like the AWS CLI: a test that runs it carries
/// `#[cfg_attr(missing_curl, ignore = "needs curl: ...")]` (`build.rs` probes for it), which
/// [`every_test_that_runs_curl_is_ignored_without_it`] checks.
pub fn curl(sandbox: &Sandbox, mock: &MockHandle) -> Command {
    let mut cmd = sandbox.command(tool("curl"));
    cmd.args(["-s", "--max-time", "20", "--proxy"])
        .arg(mock.proxy_url())
        .arg("--cacert")
        .arg(mock.ca_file())
        .args(["-o", "/dev/null", "-w", "%{http_code}"]);
    cmd
}

/// Every test function of this suite whose body runs curl (`curl(`, `curl_http(`, or
/// `tool("curl")`) is marked `missing_curl`, so a machine without curl shows it as ignored, with
/// the reason, instead of failing it; rustfmt's layout (`fn` and its closing `}` at the start of
/// a line) is what delimits a function here.
#[test]
fn every_test_that_runs_curl_is_ignored_without_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mock");
    let mut unmarked = Vec::new();
    let mut marked = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/mock") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a test module");
        for (at, _) in text.match_indices("#[test]\n") {
            let rest = &text[at..];
            let body_start = rest.find("\nfn ").expect("a test function after #[test]");
            let body_end = rest.find("\n}\n").unwrap_or(rest.len());
            let (attributes, body) = (&rest[..body_start], &rest[body_start..body_end]);
            let name = body[4..].split('(').next().unwrap_or("?");
            // This test itself names curl's callers as strings, and runs none.
            let runs_curl = ["curl(", "curl_http(", "tool(\"curl\")"]
                .iter()
                .any(|call| body.contains(call))
                && name != "every_test_that_runs_curl_is_ignored_without_it";
            if runs_curl && !attributes.contains("missing_curl") {
                unmarked.push(format!("{}: {name}", path.display()));
            } else if runs_curl {
                marked += 1;
            }
        }
    }
    assert!(
        unmarked.is_empty(),
        "tests that run curl without #[cfg_attr(missing_curl, ignore = ...)]:\n{}",
        unmarked.join("\n")
    );
    assert!(
        marked > 0,
        "no test runs curl: is the check reading the right files?"
    );
}

/// The HTTP status curl printed.
#[track_caller]
pub fn curl_status(cmd: &mut Command) -> String {
    let out = run(cmd);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Makes a commit in a new work tree and returns its directory.
pub fn work_tree(sandbox: &Sandbox, git_bin: &Path, mock: &MockHandle, name: &str) -> PathBuf {
    let dir = sandbox.root().join(name);
    ok(
        git(sandbox, git_bin, mock).arg("init").arg("-q").arg(&dir),
        mock,
    );
    std::fs::write(dir.join("file.txt"), format!("{name}\n")).expect("write file");
    ok(
        git(sandbox, git_bin, mock)
            .arg("-C")
            .arg(&dir)
            .args(["add", "file.txt"]),
        mock,
    );
    ok(
        git(sandbox, git_bin, mock)
            .arg("-C")
            .arg(&dir)
            .args(["commit", "-q", "-m", name]),
        mock,
    );
    dir
}

pub fn head(sandbox: &Sandbox, git_bin: &Path, dir: &Path) -> String {
    let out = run(sandbox
        .command(git_bin)
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"]));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A program from the test process's PATH, as an absolute path (the sandbox's PATH is empty).
#[track_caller]
pub fn tool(name: &str) -> PathBuf {
    codecommit_testkit::find_tool(
        name,
        &format!("CODECOMMIT_TEST_{}", name.to_ascii_uppercase()),
    )
    .unwrap_or_else(|| panic!("`{name}` is needed by this test and is not on PATH"))
}
