//! Smart HTTP through real `git http-backend`: clone, fetch, push with every git, protocol v2,
//! chunked and gzip request bodies, static hosts, and bad input that must get a clear error.

use std::io::Write;

use codecommit_mock::Reason;
use codecommit_testkit::Sandbox;

use crate::support::*;

fn static_url() -> String {
    url_with("alice-at-111122223333", "alice-git-password", REPO_URL)
}

#[test]
fn clone_fetch_push_with_every_git_and_protocol() {
    let mock = start();
    for git_bin in gits() {
        for protocol in ["0", "2"] {
            let sandbox = Sandbox::new();
            let run_git = || {
                let mut cmd = git(&sandbox, &git_bin, &mock);
                cmd.args(["-c", &format!("protocol.version={protocol}")]);
                cmd
            };
            let branch = format!(
                "refs/heads/v{protocol}-{}",
                git_bin.display().to_string().replace('/', "_")
            );
            let src = work_tree(&sandbox, &git_bin, &mock, "src");
            ok(
                run_git().arg("-C").arg(&src).args([
                    "push",
                    &static_url(),
                    &format!("HEAD:{branch}"),
                ]),
                &mock,
            );
            let clone = sandbox.root().join("clone");
            ok(
                run_git().args(["clone", "-q", &static_url()]).arg(&clone),
                &mock,
            );
            ok(
                run_git()
                    .arg("-C")
                    .arg(&clone)
                    .args(["fetch", "-q", "origin", &branch]),
                &mock,
            );
            let fetched = run(sandbox
                .command(&git_bin)
                .arg("-C")
                .arg(&clone)
                .args(["rev-parse", "FETCH_HEAD"]));
            assert_eq!(
                String::from_utf8_lossy(&fetched.stdout).trim(),
                head(&sandbox, &git_bin, &src)
            );
        }
    }
    let log = mock.log();
    assert!(
        log.iter()
            .all(|e| e.status == 200 || e.reason == Some(Reason::NoCredentials)),
        "{}",
        log_text(&log)
    );
    let fsck = run(Sandbox::new()
        .command(tool("git"))
        .arg("-C")
        .arg(mock.repository_dir("us-east-2", "MyDemoRepo"))
        .arg("fsck"));
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
}

#[test]
fn large_push_streams_chunked_and_clones_back() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    let src = work_tree(&sandbox, git_bin, &mock, "big");
    // 3 MiB of incompressible data, over a 64 KiB post buffer: git sends a chunked body.
    let mut data = Vec::with_capacity(3 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while data.len() < 3 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(src.join("big.bin"), &data).expect("write");
    ok(
        git(&sandbox, git_bin, &mock)
            .arg("-C")
            .arg(&src)
            .args(["add", "big.bin"]),
        &mock,
    );
    ok(
        git(&sandbox, git_bin, &mock)
            .arg("-C")
            .arg(&src)
            .args(["commit", "-q", "-m", "big"]),
        &mock,
    );
    ok(
        git(&sandbox, git_bin, &mock)
            .args(["-c", "http.postBuffer=65536"])
            .arg("-C")
            .arg(&src)
            .args(["push", &static_url(), "HEAD:refs/heads/big"]),
        &mock,
    );
    let clone = sandbox.root().join("clone");
    ok(
        git(&sandbox, git_bin, &mock)
            .args(["clone", "-q", "-b", "big", &static_url()])
            .arg(&clone),
        &mock,
    );
    assert_eq!(std::fs::read(clone.join("big.bin")).expect("read"), data);
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn gzip_request_body_is_inflated_by_http_backend() {
    let mock = start();
    let sandbox = Sandbox::new();
    // A protocol v0 upload-pack request with no wants: a flush packet, gzipped.
    let gz = sandbox.root().join("body.gz");
    let mut cmd = sandbox.command(crate::support::tool("gzip"));
    cmd.arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("gzip");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"0000")
        .expect("write");
    let out = child.wait_with_output().expect("gzip output");
    std::fs::write(&gz, out.stdout).expect("write gz");
    let status = curl_status(
        curl(&sandbox, &mock)
            .args(["-u", "alice-at-111122223333:alice-git-password"])
            .args([
                "-H",
                "Content-Type: application/x-git-upload-pack-request",
                "-H",
                "Content-Encoding: gzip",
            ])
            .arg("--data-binary")
            .arg(format!("@{}", gz.display()))
            .arg(format!("{REPO_URL}/git-upload-pack")),
    );
    assert_eq!(status, "200", "{}", log_text(&mock.log()));
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn static_host_has_its_own_user_and_answers_401_on_bad_credentials() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    let url = "https://github.com/octo/hello.git";
    let src = work_tree(&sandbox, git_bin, &mock, "gh");
    ok(
        git(&sandbox, git_bin, &mock).arg("-C").arg(&src).args([
            "push",
            &url_with("octocat", "gh-password", url),
            "HEAD:main",
        ]),
        &mock,
    );
    ok(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with("octocat", "gh-password", url)]),
        &mock,
    );
    // GitHub says 401 to a bad password, so git erases it and reports an authentication failure.
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with("octocat", "wrong", url)]),
        "Authentication failed",
        &mock,
    );
    assert_last(&mock, 401, Some(Reason::BadCredentials));
    // CodeCommit credentials mean nothing there.
    let status = curl_status(
        curl(&sandbox, &mock)
            .args(["-u", "alice-at-111122223333:alice-git-password"])
            .arg(format!("{url}/info/refs?service=git-upload-pack")),
    );
    assert_eq!(status, "401");
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn bad_input_gets_clear_errors() {
    let mut config = config();
    config.limits.max_body_bytes = 1024;
    let mock = start_with(config);
    let sandbox = Sandbox::new();
    let auth = ["-u", "alice-at-111122223333:alice-git-password"];
    let base = "https://git-codecommit.us-east-2.amazonaws.com";
    let cases: Vec<(&str, Vec<String>, &str, Reason)> = vec![
        (
            "traversal",
            vec![
                "--path-as-is".into(),
                format!("{base}/v1/repos/../../etc/info/refs?service=git-upload-pack"),
            ],
            "400",
            Reason::BadPath,
        ),
        (
            "encoded traversal",
            vec![
                "--path-as-is".into(),
                format!("{base}/v1/repos/%2e%2e/info/refs?service=git-upload-pack"),
            ],
            "400",
            Reason::BadPath,
        ),
        (
            "bad name",
            vec![format!(
                "{base}/v1/repos/my%20repo/info/refs?service=git-upload-pack"
            )],
            "400",
            Reason::BadPath,
        ),
        (
            "long name",
            vec![format!(
                "{base}/v1/repos/{}/info/refs?service=git-upload-pack",
                "x".repeat(101)
            )],
            "400",
            Reason::InvalidRepositoryName,
        ),
        (
            "unknown service",
            vec![format!(
                "{base}/v1/repos/MyDemoRepo/info/refs?service=git-upload-archive"
            )],
            "400",
            Reason::UnknownService,
        ),
        (
            "dumb protocol",
            vec![format!("{base}/v1/repos/MyDemoRepo/info/refs")],
            "400",
            Reason::UnknownService,
        ),
        (
            "objects path",
            vec![format!("{base}/v1/repos/MyDemoRepo/objects/info/packs")],
            "400",
            Reason::UnknownService,
        ),
        (
            "wrong method",
            vec![format!("{base}/v1/repos/MyDemoRepo/git-upload-pack")],
            "405",
            Reason::MethodNotAllowed,
        ),
        (
            "body too large",
            vec![
                "--data-binary".into(),
                "x".repeat(2048),
                format!("{base}/v1/repos/MyDemoRepo/git-upload-pack"),
            ],
            "413",
            Reason::BodyTooLarge,
        ),
    ];
    for (what, args, status, reason) in cases {
        assert_eq!(
            curl_status(curl(&sandbox, &mock).args(auth).args(&args)),
            status,
            "{what}\n{}",
            log_text(&mock.log())
        );
        assert_last(&mock, status.parse().unwrap_or(0), Some(reason));
    }
    // Non-UTF-8 and garbage Authorization headers: 403, never 401.
    for header in [
        &b"Authorization: Basic \xff\xfe"[..],
        b"Authorization: Basic !!!",
        b"Authorization: Bearer abc",
    ] {
        let mut cmd = curl(&sandbox, &mock);
        cmd.arg("-H")
            .arg(std::ffi::OsStr::from_encoded_bytes_unchecked_safe(header));
        assert_eq!(
            curl_status(cmd.arg(format!("{REPO_URL}/info/refs?service=git-upload-pack"))),
            "403"
        );
        assert_last(&mock, 403, Some(Reason::MalformedAuthorization));
    }
    // A bad Content-Length: hyper answers 400 itself, before the mock sees the request, so
    // nothing is logged (with `Transfer-Encoding` it drops the header). The mock's own check
    // (`bad_content_length`) is a unit test in `server.rs`.
    let before = mock.log().len();
    for headers in [
        &["Content-Length: five"][..],
        &["Content-Length: 5, 5"],
        &["Transfer-Encoding: chunked", "Content-Length: five"],
    ] {
        let mut cmd = curl(&sandbox, &mock);
        cmd.args(auth);
        for h in headers {
            cmd.args(["-H", h]);
        }
        let status = curl_status(cmd.args([
            "-H",
            "Content-Type: application/x-git-upload-pack-request",
            "--data-binary",
            "12345",
            &format!("{base}/v1/repos/MyDemoRepo/git-upload-pack"),
        ]));
        let expected = if headers.len() == 2 { "200" } else { "400" };
        assert_eq!(status, expected, "{headers:?}\n{}", log_text(&mock.log()));
    }
    let log = mock.log();
    assert_eq!(log.len(), before + 1, "{}", log_text(&log));
    assert_eq!(log.last().and_then(|e| e.reason), None);
    // Oversized headers: hyper refuses them (431) before the service sees them. It answers and
    // closes at once, with the rest of the request unread, so the kernel resets the connection;
    // RFC 7230 section 6.6 warns that the reset may erase the answer before the client reads it,
    // and curl, still sending, then reports no status (000): seen once in a loaded `.ci/run`.
    // So the 431 must be seen within a few tries, and nothing but 431 or that reset is accepted.
    let big = format!("X-Big: {}", "y".repeat(100 * 1024));
    let mut seen = Vec::new();
    for _ in 0..5 {
        let status = curl_status(
            curl(&sandbox, &mock)
                .args(auth)
                .args(["-H", &big])
                .arg(format!("{REPO_URL}/info/refs?service=git-upload-pack")),
        );
        assert!(status == "431" || status == "000", "{status}");
        seen.push(status);
        if seen.last().is_some_and(|s| s == "431") {
            break;
        }
    }
    assert_eq!(seen.last().map(String::as_str), Some("431"), "{seen:?}");
    // The mock is still serving.
    assert_eq!(
        curl_status(
            curl(&sandbox, &mock)
                .args(auth)
                .arg(format!("{REPO_URL}/info/refs?service=git-upload-pack"))
        ),
        "200"
    );
}

/// `OsStr` from bytes, so a test can pass non-UTF-8 header bytes to curl.
trait FromBytes {
    fn from_encoded_bytes_unchecked_safe(b: &[u8]) -> std::ffi::OsString;
}
impl FromBytes for std::ffi::OsStr {
    #[cfg(unix)]
    fn from_encoded_bytes_unchecked_safe(b: &[u8]) -> std::ffi::OsString {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(b).to_owned()
    }
    #[cfg(not(unix))]
    fn from_encoded_bytes_unchecked_safe(b: &[u8]) -> std::ffi::OsString {
        String::from_utf8_lossy(b).into_owned().into()
    }
}

/// Every git the mock starts gets an environment built from scratch: none of this process's
/// variables (this machine exports `GIT_SSL_CAINFO`; a developer may export AWS keys), no system
/// or user git configuration, and the mock's PATH to find git's helpers.
#[cfg(unix)] // Windows adds its own system variables and TMP/TEMP.
#[test]
fn git_processes_get_an_environment_from_scratch() {
    let home = std::path::Path::new("/mock/home");
    let env = codecommit_mock::backend::git_env(home);
    let names: Vec<String> = env
        .vars()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "GIT_CONFIG_GLOBAL",
            "GIT_CONFIG_NOSYSTEM",
            "HOME",
            "LANG",
            "LC_ALL",
            "PATH",
            "TMPDIR",
            "TZ",
            "USERPROFILE",
            "XDG_CONFIG_HOME",
        ]
    );
    assert_eq!(env.get("HOME"), Some(home.as_os_str()));
    assert_eq!(
        env.get("GIT_CONFIG_GLOBAL"),
        Some(home.join(".gitconfig").as_os_str())
    );
    assert_eq!(env.get("GIT_CONFIG_NOSYSTEM"), Some("1".as_ref()));
    assert_eq!(env.get("PATH"), std::env::var_os("PATH").as_deref());
}
