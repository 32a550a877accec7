//! Foreign hosts and plain http: the mock asks for credentials, refuses them, and records what a
//! helper handed over (by shape, never the values). This is what the replay's security scenarios
//! read: the guide's unscoped `[credential] helper = …` answering a host it should not.

use std::process::Command;

use codecommit_mock::log::Exposed;
use codecommit_mock::{Config, LogEntry, MockHandle, Reason};
use codecommit_testkit::Sandbox;

use crate::support::*;

const FOREIGN: &str = "git.example.com";
const LOOK_ALIKE: &str = "git-codecommit.us-east-2.amazonaws.com.evil.example";
/// What the test helper prints: shaped like the real thing, valid nowhere.
const KEY: &str = "AKIAEXAMPLE0000LEAKS";
const TEMP_KEY: &str = "ASIAEXAMPLE0000LEAKS";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN/+=";
const SIGNATURE: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn leaked_password() -> String {
    format!("20260101T000000Z{SIGNATURE}")
}

fn foreign_config() -> Config {
    let text = config_toml()
        + &format!(
            "\n[[foreign_host]]\nhost = \"{FOREIGN}\"\n[[foreign_host]]\nhost = \"{LOOK_ALIKE}\"\n"
        );
    Config::from_toml(&text).expect("config with foreign hosts")
}

/// A sandbox whose global config has the guide's unscoped helper line, with a helper that
/// answers every host with `user` and a CodeCommit-shaped password (as the AWS CLI does for
/// any host containing `amazonaws.com`, and for `http`).
fn leaky_sandbox(user: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.gitconfig_global(),
        format!(
            "[credential]\n\thelper = \"!f() {{ test \\\"$1\\\" = get && echo username={user} && echo password={}; }}; f\"\n",
            leaked_password()
        ),
    )
    .expect("write gitconfig");
    sandbox
}

fn entries_for<'a>(log: &'a [LogEntry], host: &str) -> Vec<&'a LogEntry> {
    log.iter().filter(|e| e.host == host).collect()
}

/// The whole log as JSON holds the key id (recorded on purpose) and none of the secrets.
#[track_caller]
fn assert_no_secret(mock: &MockHandle) {
    let json = serde_json::to_string(&mock.log()).expect("log as JSON");
    for secret in [
        leaked_password().as_str(),
        SIGNATURE,
        TOKEN,
        "20260101T000000Z",
    ] {
        assert!(!json.contains(secret), "{secret} in the log: {json}");
    }
    assert!(json.contains(KEY) || json.contains(TEMP_KEY), "{json}");
}

/// The two requests of one git fetch that met a leaky helper: the anonymous probe (401), then
/// the credentials it got (403 with `reason`, exposing `exposed`).
#[track_caller]
fn assert_probe_then_leak(
    mock: &MockHandle,
    host: &str,
    scheme: &str,
    path: &str,
    user: &str,
    reason: Reason,
    exposed: &[Exposed],
) {
    let log = mock.log();
    let seen: Vec<_> = entries_for(&log, host)
        .iter()
        .map(|e| {
            (
                e.scheme.as_str(),
                e.method.as_str(),
                e.path.as_str(),
                e.status,
                e.reason,
                e.user.as_deref(),
                e.exposed.clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                scheme,
                "GET",
                path,
                401,
                Some(Reason::NoCredentials),
                None,
                vec![]
            ),
            (
                scheme,
                "GET",
                path,
                403,
                Some(reason),
                Some(user),
                exposed.to_vec()
            ),
        ],
        "mock log:\n{}",
        log_text(&log)
    );
}

#[test]
fn foreign_hosts_over_https_record_what_a_helper_hands_over() {
    let mock = start_with(foreign_config());
    for git_bin in gits() {
        mock.clear_log();
        let sandbox = leaky_sandbox(KEY);
        fails(
            git(&sandbox, &git_bin, &mock)
                .args(["ls-remote", &format!("https://{FOREIGN}/octo/hello.git")]),
            "403",
            &mock,
        );
        assert_probe_then_leak(
            &mock,
            FOREIGN,
            "https",
            "/octo/hello.git/info/refs",
            KEY,
            Reason::ForeignHost,
            &[Exposed::AccessKeyId, Exposed::CodecommitPassword],
        );

        // The look-alike, with temporary credentials: the token is exposed, never recorded.
        let sandbox = leaky_sandbox(&format!("{TEMP_KEY}%{TOKEN}"));
        fails(
            git(&sandbox, &git_bin, &mock).args([
                "ls-remote",
                &format!("https://{LOOK_ALIKE}/v1/repos/MyDemoRepo"),
            ]),
            "403",
            &mock,
        );
        assert_probe_then_leak(
            &mock,
            LOOK_ALIKE,
            "https",
            "/v1/repos/MyDemoRepo/info/refs",
            TEMP_KEY,
            Reason::ForeignHost,
            &[
                Exposed::AccessKeyId,
                Exposed::SessionToken,
                Exposed::CodecommitPassword,
            ],
        );
        assert_no_secret(&mock);
    }
}

#[test]
fn plain_http_records_what_a_helper_hands_over() {
    let mock = start_with(foreign_config());
    for git_bin in gits() {
        mock.clear_log();
        let sandbox = leaky_sandbox(KEY);
        // As a user would have it: the proxy from the environment, no `-c`.
        let mut cmd = sandbox.command(&git_bin);
        cmd.env("http_proxy", mock.proxy_url())
            .args(["ls-remote", &format!("http://{HOST}/v1/repos/MyDemoRepo")]);
        fails(&mut cmd, "403", &mock);
        assert_probe_then_leak(
            &mock,
            HOST,
            "http",
            "/v1/repos/MyDemoRepo/info/refs",
            KEY,
            Reason::PlainHttp,
            &[Exposed::AccessKeyId, Exposed::CodecommitPassword],
        );
        assert_no_secret(&mock);
    }
}

fn curl_http(sandbox: &Sandbox, mock: &MockHandle) -> Command {
    let mut cmd = sandbox.command(tool("curl"));
    cmd.args(["-s", "--max-time", "20", "--proxy"])
        .arg(mock.proxy_url())
        .args(["-o", "/dev/null", "-D", "-"]);
    cmd
}

/// The status line and the `WWW-Authenticate` headers of a `curl -D -` answer (the last head:
/// through a tunnel, curl prints the proxy's `200 Connection established` first).
fn status_and_challenges(cmd: &mut Command) -> (String, Vec<String>) {
    let out = run(cmd);
    let heads = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let head = heads
        .split("\n\n")
        .filter(|h| !h.trim().is_empty())
        .last()
        .unwrap_or_default();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().trim().to_owned();
    let challenges = lines
        .filter_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
        })
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    (status, challenges)
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn without_credentials_foreign_and_plain_http_ask_for_them() {
    let mut config = foreign_config();
    config.challenges.www_authenticate = vec!["Negotiate".into(), r#"Basic realm="mock""#.into()];
    let mock = start_with(config);
    let sandbox = Sandbox::new();
    let want = (
        vec!["Negotiate".to_owned(), r#"Basic realm="mock""#.to_owned()],
        Some(Reason::NoCredentials),
    );
    // Any path, any method: a foreign host asks for credentials for everything.
    for (method, url) in [
        ("GET", format!("https://{FOREIGN}/")),
        ("POST", format!("https://{FOREIGN}/a/b?c=d")),
        ("GET", format!("http://{FOREIGN}/x")),
        (
            "GET",
            format!("http://{HOST}/v1/repos/MyDemoRepo/info/refs?service=git-upload-pack"),
        ),
    ] {
        let mut cmd = curl_http(&sandbox, &mock);
        cmd.arg("--cacert")
            .arg(mock.ca_file())
            .args(["-X", method, &url]);
        let (status, challenges) = status_and_challenges(&mut cmd);
        assert!(status.starts_with("HTTP/1.1 401"), "{url}: {status}");
        let last = mock.log().last().cloned().expect("logged");
        assert_eq!((challenges, last.reason), want, "{url}");
        assert_eq!((last.user, last.exposed), (None, vec![]), "{url}");
    }
    let schemes: Vec<String> = mock.log().into_iter().map(|e| e.scheme).collect();
    assert_eq!(schemes, ["https", "https", "http", "http"]);
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn plain_http_is_never_served() {
    let mock = start_with(foreign_config());
    let sandbox = Sandbox::new();
    // A static host's own user and password: refused over http, and recorded as exposed.
    let (status, _) = status_and_challenges(curl_http(&sandbox, &mock).args([
        "-u",
        "octocat:gh-password",
        "http://github.com/octo/hello.git/info/refs?service=git-upload-pack",
    ]));
    assert!(status.starts_with("HTTP/1.1 403"), "{status}");
    let last = mock.log().last().cloned().expect("logged");
    assert_eq!(
        (
            last.scheme.as_str(),
            last.host.as_str(),
            last.reason,
            last.user.as_deref(),
            last.exposed
        ),
        (
            "http",
            "github.com",
            Some(Reason::PlainHttp),
            Some("octocat"),
            vec![Exposed::OtherPassword]
        )
    );
    // Static host without credentials: its own challenge.
    let (status, challenges) = status_and_challenges(
        curl_http(&sandbox, &mock).arg("http://github.com/octo/hello.git/info/refs"),
    );
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    assert_eq!(challenges, [r#"Basic realm="github.com""#]);
    // A host the mock does not serve: refused like its CONNECT would be.
    let (status, _) = status_and_challenges(curl_http(&sandbox, &mock).arg("http://example.com/"));
    assert!(status.starts_with("HTTP/1.1 403"), "{status}");
    assert_last(&mock, 403, Some(Reason::HostNotServed));
    assert_eq!(
        mock.log().last().map(|e| e.scheme.clone()).as_deref(),
        Some("http")
    );
}

#[test]
fn codecommit_and_static_hosts_over_https_expose_nothing() {
    let mock = start_with(foreign_config());
    let sandbox = Sandbox::new();
    let url = url_with("alice-at-111122223333", "alice-git-password", REPO_URL);
    ok(
        git(&sandbox, &gits()[0], &mock).args(["ls-remote", &url]),
        &mock,
    );
    let url = url_with(
        "octocat",
        "gh-password",
        "https://github.com/octo/hello.git",
    );
    ok(
        git(&sandbox, &gits()[0], &mock).args(["ls-remote", &url]),
        &mock,
    );
    let log = mock.log();
    assert!(log.iter().any(|e| e.user.is_some()), "{}", log_text(&log));
    assert!(
        log.iter()
            .all(|e| e.exposed.is_empty() && e.scheme == "https"),
        "{}",
        log_text(&log)
    );
}

/// Real session tokens run to a kilobyte or more: a plain-http request carrying one (several
/// kilobytes of proxy request head) is still read and judged, not refused as garbage.
#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn plain_http_with_a_long_session_token() {
    let mock = start_with(foreign_config());
    let sandbox = Sandbox::new();
    let token = "IQoJb3JpZ2luX2Vj".repeat(150);
    let user = format!("{TEMP_KEY}%{token}");
    let (status, _) = status_and_challenges(
        curl_http(&sandbox, &mock)
            .args(["-u", &format!("{user}:{}", leaked_password())])
            .arg(format!("http://{HOST}/v1/repos/MyDemoRepo/info/refs")),
    );
    assert!(status.starts_with("HTTP/1.1 403"), "{status}");
    let last = mock.log().last().cloned().expect("logged");
    assert_eq!(
        (last.reason, last.user.as_deref(), last.exposed),
        (
            Some(Reason::PlainHttp),
            Some(TEMP_KEY),
            vec![
                Exposed::AccessKeyId,
                Exposed::SessionToken,
                Exposed::CodecommitPassword
            ]
        )
    );
    let json = serde_json::to_string(&mock.log()).expect("log as JSON");
    assert!(!json.contains(&token[..32]), "{json}");
}
