//! Passwords from the real helpers are accepted; every kind of bad password is a 403 with its
//! reason; no credentials is a 401; unknown repositories are 404s; push needs push rights.

use std::path::{Path, PathBuf};

use codecommit_mock::Reason;
use codecommit_testkit::{Sandbox, require_tool};

use crate::support::*;

/// The AWS CLI, which runs in a scrubbed environment: a pyenv shim on PATH does not (it needs
/// its own variables), and the build script then marks these tests ignored (`missing_aws`); in
/// CI (`CODECOMMIT_TEST_AWS` set to the venv's `aws`, strict mode) it is a failure.
fn usable_aws() -> PathBuf {
    let aws = require_tool("aws", "CODECOMMIT_TEST_AWS");
    let out = Sandbox::new().command(&aws).arg("--version").output();
    assert!(
        out.as_ref().is_ok_and(|o| o.status.success()),
        "{} does not run in a scrubbed environment (set CODECOMMIT_TEST_AWS to a venv's aws): {out:?}",
        aws.display()
    );
    aws
}

fn aws_sandbox(aws: &Path, key: &str, secret: &str, token: Option<&str>) -> Sandbox {
    let sandbox = Sandbox::new();
    let token = token
        .map(|t| format!("aws_session_token = {t}\n"))
        .unwrap_or_default();
    sandbox.write_aws_credentials(&format!(
        "[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n{token}"
    ));
    sandbox.write_aws_config("[default]\nregion = us-east-2\n");
    // The scenario's configuration is a real file, as a user would have it.
    std::fs::write(
        sandbox.gitconfig_global(),
        format!(
            "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = !'{}' codecommit credential-helper $@\n\tUseHttpPath = true\n",
            aws.display()
        ),
    )
    .expect("write gitconfig");
    sandbox
}

#[test]
#[cfg_attr(
    missing_aws,
    ignore = "needs the AWS CLI: set CODECOMMIT_TEST_AWS to a venv's aws, or put one on PATH"
)]
fn aws_cli_helper_clone_fetch_push_with_every_git() {
    let aws = usable_aws();
    let mock = start();
    for (i, git_bin) in gits().into_iter().enumerate() {
        let branch = format!("aws{i}");
        let sandbox = aws_sandbox(&aws, ALICE_KEY, ALICE_SECRET, None);
        let clone = sandbox.root().join("clone");
        ok(
            git(&sandbox, &git_bin, &mock)
                .arg("clone")
                .arg(REPO_URL)
                .arg(&clone),
            &mock,
        );
        let src = work_tree(&sandbox, &git_bin, &mock, "aws-helper");
        ok(
            git(&sandbox, &git_bin, &mock).arg("-C").arg(&src).args([
                "push",
                REPO_URL,
                &format!("HEAD:refs/heads/{branch}"),
            ]),
            &mock,
        );
        ok(
            git(&sandbox, &git_bin, &mock)
                .arg("-C")
                .arg(&clone)
                .args(["fetch", "origin", &branch]),
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
        let log = mock.log();
        assert!(log.iter().any(|e| e.identity.as_deref() == Some("alice")
            && e.service.as_deref() == Some("git-receive-pack")
            && e.status == 200));
        assert!(
            log.iter()
                .all(|e| e.status == 200 || e.reason == Some(Reason::NoCredentials)),
            "{}",
            log_text(&log)
        );
        mock.clear_log();
    }
}

#[test]
#[cfg_attr(
    missing_aws,
    ignore = "needs the AWS CLI: set CODECOMMIT_TEST_AWS to a venv's aws, or put one on PATH"
)]
fn aws_cli_helper_with_session_token() {
    let aws = usable_aws();
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = aws_sandbox(&aws, TOM_KEY, TOM_SECRET, Some(TOM_TOKEN));
    ok(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        &mock,
    );
    assert_last(&mock, 200, None);
    assert_eq!(
        mock.log()
            .last()
            .and_then(|e| e.identity.clone())
            .as_deref(),
        Some("tom")
    );
    // The token never reaches the log.
    assert!(!log_text(&mock.log()).contains(TOM_TOKEN));
}

#[test]
#[cfg_attr(
    missing_aws,
    ignore = "needs the AWS CLI: set CODECOMMIT_TEST_AWS to a venv's aws, or put one on PATH"
)]
fn aws_cli_helper_password_expires_with_the_clock() {
    let aws = usable_aws();
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = aws_sandbox(&aws, ALICE_KEY, ALICE_SECRET, None);
    // The helper signs with the real time; the mock lives 20 minutes later.
    mock.clock().set_offset(20 * 60);
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        "403",
        &mock,
    );
    assert_last(&mock, 403, Some(Reason::Expired));
    mock.clock().set_offset(-20 * 60);
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        "403",
        &mock,
    );
    assert_last(&mock, 403, Some(Reason::NotYetValid));
    mock.clock().set_offset(14 * 60);
    ok(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        &mock,
    );
}

#[test]
#[cfg_attr(
    missing_aws,
    ignore = "needs the AWS CLI: set CODECOMMIT_TEST_AWS to a venv's aws, or put one on PATH"
)]
fn aws_cli_helper_with_unknown_key_and_wrong_secret() {
    let aws = usable_aws();
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = aws_sandbox(&aws, ALICE_KEY, "not-alices-secret", None);
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        "403",
        &mock,
    );
    assert_last(&mock, 403, Some(Reason::SignatureMismatch));
    let sandbox = aws_sandbox(&aws, "AKIANOBODY0000000000", "x", None);
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        "403",
        &mock,
    );
    assert_last(&mock, 403, Some(Reason::UnknownAccessKey));
}

#[test]
#[cfg_attr(
    missing_grc,
    ignore = "needs git-remote-codecommit: set CODECOMMIT_TEST_GRC or put it on PATH"
)]
fn git_remote_codecommit_clone_and_push() {
    let grc = require_tool("git-remote-codecommit", "CODECOMMIT_TEST_GRC");
    remote_helper_clone_and_push(&grc, "codecommit::us-east-2://MyDemoRepo", "", "default");
}

/// The workspace's `git-remote-codecommit`, on both URL shapes, with a profile whose name has
/// an `@` (which the Python package cannot take) and the region only in the profile.
#[test]
fn workspace_remote_helper_clone_and_push() {
    let ours =
        codecommit_testkit::binary::cargo_bin("git-credential-codecommit", "git-remote-codecommit");
    remote_helper_clone_and_push(&ours, "codecommit::us-east-2://MyDemoRepo", "", "default");
    remote_helper_clone_and_push(
        &ours,
        "codecommit://tom@example.com@MyDemoRepo",
        "[profile tom@example.com]\nregion = us-east-2\n",
        "tom@example.com",
    );
}

/// Clones `url` and pushes a commit with every git found, as tom (a live session), through the
/// remote helper `remote`, and checks that the mock took the push from tom.
fn remote_helper_clone_and_push(remote: &Path, url: &str, aws_config: &str, profile: &str) {
    let mock = start();
    for (i, git_bin) in gits().into_iter().enumerate() {
        let git_dir = git_bin.parent().map(Path::to_path_buf).unwrap_or_default();
        let remote_dir = remote.parent().map(Path::to_path_buf).unwrap_or_default();
        // It execs `git remote-http`, so git must be on PATH too; it honours the -c settings.
        let sandbox = Sandbox::new().with_path([remote_dir, git_dir]);
        sandbox.write_aws_credentials(&format!(
            "[{profile}]\naws_access_key_id = {TOM_KEY}\naws_secret_access_key = {TOM_SECRET}\naws_session_token = {TOM_TOKEN}\n"
        ));
        sandbox.write_aws_config(aws_config);
        let clone = sandbox.root().join("clone");
        ok(
            git(&sandbox, &git_bin, &mock)
                .args(["clone", url])
                .arg(&clone),
            &mock,
        );
        std::fs::write(clone.join("grc.txt"), format!("{url}\n")).expect("write");
        ok(
            git(&sandbox, &git_bin, &mock)
                .arg("-C")
                .arg(&clone)
                .args(["add", "grc.txt"]),
            &mock,
        );
        ok(
            git(&sandbox, &git_bin, &mock)
                .arg("-C")
                .arg(&clone)
                .args(["commit", "-q", "-m", "grc"]),
            &mock,
        );
        // Each call has a mock of its own: one branch per git.
        let branch = format!("grc{i}");
        ok(
            git(&sandbox, &git_bin, &mock).arg("-C").arg(&clone).args([
                "push",
                "origin",
                &format!("HEAD:refs/heads/{branch}"),
            ]),
            &mock,
        );
        let log = mock.log();
        assert!(
            log.iter().any(|e| e.identity.as_deref() == Some("tom")
                && e.service.as_deref() == Some("git-receive-pack")
                && e.status == 200),
            "{}",
            log_text(&log)
        );
        mock.clear_log();
    }
}

/// The workspace's own helper, built from the current sources: a helper left in target/ by
/// another build (a mutant, a branch) must not decide this verdict.
fn workspace_helper() -> PathBuf {
    codecommit_testkit::binary::cargo_bin("git-credential-codecommit", "git-credential-codecommit")
}

#[test]
fn workspace_helper_clone_and_push() {
    let helper = workspace_helper();
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    sandbox.write_aws_credentials(&format!(
        "[default]\naws_access_key_id = {ALICE_KEY}\naws_secret_access_key = {ALICE_SECRET}\n"
    ));
    sandbox.write_aws_config("[default]\nregion = us-east-2\n");
    std::fs::write(
        sandbox.gitconfig_global(),
        format!(
            "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = !'{}'\n\tUseHttpPath = true\n",
            helper.display()
        ),
    )
    .expect("write gitconfig");
    let src = work_tree(&sandbox, git_bin, &mock, "workspace-helper");
    ok(
        git(&sandbox, git_bin, &mock).arg("-C").arg(&src).args([
            "push",
            REPO_URL,
            "HEAD:refs/heads/ws",
        ]),
        &mock,
    );
    ok(
        git(&sandbox, git_bin, &mock)
            .arg("clone")
            .arg(REPO_URL)
            .arg(sandbox.root().join("clone")),
        &mock,
    );
    assert_last(&mock, 200, None);
}

/// Requests the real helpers cannot be made to send: forged passwords, each refused for its reason.
#[test]
fn forged_passwords_are_403_with_their_reason() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    let path = "/v1/repos/MyDemoRepo";
    let good = password(ALICE_SECRET, "us-east-2", HOST, path, &mock);
    let mut tampered = good.clone().into_bytes();
    tampered[20] = if tampered[20] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let old = codecommit_mock::sigv4::password(
        ALICE_SECRET,
        mock.clock().now() - time::Duration::minutes(16),
        "us-east-2",
        HOST,
        path,
    );
    let cases: Vec<(&str, String, String, Reason)> = vec![
        (
            "tampered",
            ALICE_KEY.into(),
            tampered,
            Reason::SignatureMismatch,
        ),
        ("expired", ALICE_KEY.into(), old, Reason::Expired),
        (
            "wrong region",
            ALICE_KEY.into(),
            password(ALICE_SECRET, "us-west-2", HOST, path, &mock),
            Reason::WrongRegion,
        ),
        (
            "wrong path",
            ALICE_KEY.into(),
            password(ALICE_SECRET, "us-east-2", HOST, "/v1/repos/Other", &mock),
            Reason::SignatureMismatch,
        ),
        (
            "host with port",
            ALICE_KEY.into(),
            password(
                ALICE_SECRET,
                "us-east-2",
                &format!("{HOST}:443"),
                path,
                &mock,
            ),
            Reason::SignatureMismatch,
        ),
        (
            "wrong secret",
            ALICE_KEY.into(),
            password("wrong", "us-east-2", HOST, path, &mock),
            Reason::SignatureMismatch,
        ),
        (
            "unknown key",
            "AKIANOBODY0000000000".into(),
            good.clone(),
            Reason::UnknownAccessKey,
        ),
        (
            "bad format",
            ALICE_KEY.into(),
            "hunter2".into(),
            Reason::BadPasswordFormat,
        ),
        (
            "static wrong password",
            "alice-at-111122223333".into(),
            "nope".into(),
            Reason::WrongPassword,
        ),
        (
            "session token missing",
            TOM_KEY.into(),
            password(TOM_SECRET, "us-east-2", HOST, path, &mock),
            Reason::MissingSessionToken,
        ),
        (
            "session token wrong",
            format!("{TOM_KEY}%bogus"),
            password(TOM_SECRET, "us-east-2", HOST, path, &mock),
            Reason::InvalidSessionToken,
        ),
    ];
    for (what, user, pass, reason) in cases {
        mock.clear_log();
        let out = fails(
            git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with(&user, &pass, REPO_URL)]),
            "403",
            &mock,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains(&pass) || pass.is_empty(),
            "{what}: password echoed: {stderr}"
        );
        let log = mock.log();
        // git first probes without credentials (401), then sends them once: exactly one 403.
        let refused: Vec<_> = log.iter().filter(|e| e.status == 403).collect();
        assert_eq!(refused.len(), 1, "{what}:\n{}", log_text(&log));
        assert_eq!(
            refused[0].reason,
            Some(reason),
            "{what}:\n{}",
            log_text(&log)
        );
        assert!(
            !log.iter().any(|e| e.status == 401 && e.user.is_some()),
            "{what}: a 401 after credentials"
        );
    }
    // The good one still works.
    ok(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with(ALICE_KEY, &good, REPO_URL)]),
        &mock,
    );
    assert!(!log_text(&mock.log()).contains(ALICE_SECRET));
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn no_credentials_is_401_with_configured_challenges_and_empty_is_403() {
    let mut config = config();
    config.challenges.www_authenticate =
        vec!["Negotiate".into(), r#"Basic realm="CodeCommit""#.into()];
    let mock = start_with(config);
    let sandbox = Sandbox::new();
    let url = format!("{REPO_URL}/info/refs?service=git-upload-pack");
    let out = run(curl(&sandbox, &mock).args(["-D", "-"]).arg(&url));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("HTTP/1.1 401"), "{text}");
    let negotiate = text
        .find("www-authenticate: Negotiate")
        .unwrap_or(usize::MAX);
    let basic = text
        .find("www-authenticate: Basic realm=\"CodeCommit\"")
        .unwrap_or(usize::MAX);
    assert!(
        negotiate < basic && basic != usize::MAX,
        "challenges in order:\n{text}"
    );
    assert_last(&mock, 401, Some(Reason::NoCredentials));
    // http.emptyAuth's `Basic Og==`.
    assert_eq!(
        curl_status(curl(&sandbox, &mock).args(["-u", ":"]).arg(&url)),
        "403"
    );
    assert_last(&mock, 403, Some(Reason::EmptyCredentials));
    // Git without any helper fails on the prompt, after a 401.
    let git_bin = &gits()[0];
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", REPO_URL]),
        "terminal prompts disabled",
        &mock,
    );
    assert_last(&mock, 401, Some(Reason::NoCredentials));
}

#[test]
fn unknown_repository_and_wrong_region_endpoint_are_404() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    let url = REPO_URL.replace("MyDemoRepo", "NoSuchRepo");
    let pass = password(
        ALICE_SECRET,
        "us-east-2",
        HOST,
        "/v1/repos/NoSuchRepo",
        &mock,
    );
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with(ALICE_KEY, &pass, &url)]),
        "not found",
        &mock,
    );
    assert_last(&mock, 404, Some(Reason::RepositoryNotFound));
    // MyDemoRepo lives in us-east-2; a correct signature for us-west-2's endpoint finds nothing there.
    let west = "git-codecommit.us-west-2.amazonaws.com";
    let pass = password(
        ALICE_SECRET,
        "us-west-2",
        west,
        "/v1/repos/MyDemoRepo",
        &mock,
    );
    let url = REPO_URL.replace(HOST, west);
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with(ALICE_KEY, &pass, &url)]),
        "not found",
        &mock,
    );
    assert_last(&mock, 404, Some(Reason::RepositoryNotFound));
    // The `.git` suffix names another (nonexistent) repository.
    let pass = password(
        ALICE_SECRET,
        "us-east-2",
        HOST,
        "/v1/repos/MyDemoRepo.git",
        &mock,
    );
    let url = format!("{REPO_URL}.git");
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with(ALICE_KEY, &pass, &url)]),
        "not found",
        &mock,
    );
    assert_last(&mock, 404, Some(Reason::RepositoryNotFound));
}

#[test]
fn other_host_shapes_serve_their_region() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    for host in [
        "git-codecommit-fips.us-east-2.amazonaws.com",
        "vpce-0a1b2c3d4e5f-abcdefgh.git-codecommit.us-east-2.vpce.amazonaws.com",
    ] {
        let pass = password(
            ALICE_SECRET,
            "us-east-2",
            host,
            "/v1/repos/MyDemoRepo",
            &mock,
        );
        let url = REPO_URL.replace(HOST, host);
        ok(
            git(&sandbox, git_bin, &mock).args(["ls-remote", &url_with(ALICE_KEY, &pass, &url)]),
            &mock,
        );
    }
    let cn = "git-codecommit.cn-north-1.amazonaws.com.cn";
    let pass = password(
        ALICE_SECRET,
        "cn-north-1",
        cn,
        "/v1/repos/MyDemoRepo",
        &mock,
    );
    fails(
        git(&sandbox, git_bin, &mock).args([
            "ls-remote",
            &url_with(ALICE_KEY, &pass, &REPO_URL.replace(HOST, cn)),
        ]),
        "not found",
        &mock,
    );
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn push_denied_on_advertisement_and_post() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    let url = url_with("bob-at-111122223333", "bob-git-password", REPO_URL);
    ok(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &url]),
        &mock,
    );
    let src = work_tree(&sandbox, git_bin, &mock, "bob");
    fails(
        git(&sandbox, git_bin, &mock).arg("-C").arg(&src).args([
            "push",
            &url,
            "HEAD:refs/heads/bob",
        ]),
        "403",
        &mock,
    );
    assert_last(&mock, 403, Some(Reason::PushDenied));
    // The POST is refused too, whatever git was told before.
    let status = curl_status(
        curl(&sandbox, &mock)
            .args([
                "-u",
                "bob-at-111122223333:bob-git-password",
                "-X",
                "POST",
                "--data-binary",
                "0000",
            ])
            .arg(format!("{REPO_URL}/git-receive-pack")),
    );
    assert_eq!(status, "403");
    assert_last(&mock, 403, Some(Reason::PushDenied));
    // EuRepo grants bob nothing.
    let eu = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/EuRepo";
    fails(
        git(&sandbox, git_bin, &mock).args([
            "ls-remote",
            &url_with("bob-at-111122223333", "bob-git-password", eu),
        ]),
        "403",
        &mock,
    );
    assert_last(&mock, 403, Some(Reason::PullDenied));
}
