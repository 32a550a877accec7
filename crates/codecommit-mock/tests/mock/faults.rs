//! Faults switched at run time: throttling (all requests or the first K, with `Retry-After`),
//! 500s, dropped connections, latency, and a clock jump after request K.

use std::time::{Duration, Instant};

use codecommit_mock::Reason;
use codecommit_testkit::Sandbox;

use crate::support::*;

#[test]
fn faults_switch_on_and_off_at_run_time() {
    let mock = start();
    let git_bin = &gits()[0];
    let sandbox = Sandbox::new();
    let url = url_with("alice-at-111122223333", "alice-git-password", REPO_URL);
    let ls_remote = || {
        let mut cmd = git(&sandbox, git_bin, &mock);
        cmd.args(["ls-remote", &url]);
        cmd
    };

    mock.faults().set_throttle(true);
    fails(&mut ls_remote(), "429", &mock);
    assert_last(&mock, 429, Some(Reason::Throttled));
    mock.faults().set_throttle(false);

    mock.faults().set_server_error(true);
    fails(&mut ls_remote(), "500", &mock);
    assert_last(&mock, 500, Some(Reason::ServerError));
    mock.faults().set_server_error(false);

    mock.faults().set_drop_connections(true);
    let out = fails(&mut ls_remote(), "fatal", &mock);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("returned error"));
    assert_last(&mock, 0, Some(Reason::Dropped));
    mock.faults().clear();

    mock.faults().set_latency(Duration::from_millis(400));
    let started = Instant::now();
    ok(&mut ls_remote(), &mock);
    // At least two requests (401 probe, then authenticated), each delayed.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    mock.faults().clear();
    ok(&mut ls_remote(), &mock);
}

#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn faults_from_configuration() {
    let text = config_toml() + "\n[faults]\nthrottle = true\n";
    let mock = start_with(codecommit_mock::Config::from_toml(&text).expect("config"));
    let sandbox = Sandbox::new();
    assert_eq!(
        curl_status(
            curl(&sandbox, &mock).arg(format!("{REPO_URL}/info/refs?service=git-upload-pack"))
        ),
        "429"
    );
}

/// The clock is not a fault: it has its own table, and clearing the faults leaves it alone.
#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn clock_offset_from_configuration_survives_clearing_faults() {
    let text = config_toml() + "\n[clock]\noffset_secs = -60\n[faults]\nthrottle = true\n";
    let mock = start_with(codecommit_mock::Config::from_toml(&text).expect("config"));
    assert_eq!(mock.clock().offset(), -60);
    mock.faults().clear();
    assert_eq!(mock.clock().offset(), -60);
    // And the mock judges passwords by it: signed by the real clock, 16 minutes ahead of it.
    mock.clock().set_offset(-16 * 60);
    let sandbox = Sandbox::new();
    let pw = codecommit_mock::sigv4::password(
        ALICE_SECRET,
        time::OffsetDateTime::now_utc(),
        "us-east-2",
        HOST,
        "/v1/repos/MyDemoRepo",
    );
    assert_eq!(
        curl_status(
            curl(&sandbox, &mock)
                .args(["-u", &format!("{ALICE_KEY}:{pw}")])
                .arg(format!("{REPO_URL}/info/refs?service=git-upload-pack"))
        ),
        "403"
    );
    assert_last(&mock, 403, Some(Reason::NotYetValid));
}

#[test]
fn the_old_clock_key_names_its_new_place() {
    let text = config_toml() + "\n[faults]\nclock_offset_secs = 1200\n";
    let e = codecommit_mock::Config::from_toml(&text)
        .expect_err("the old key is refused")
        .to_string();
    assert_eq!(
        e,
        "`[faults] clock_offset_secs` has moved: write `[clock]` with `offset_secs = 1200`"
    );
}

/// "A long operation outlives the password": git signs one password per command and reuses it.
/// The mock's clock jumps 16 minutes once the authenticated `GET info/refs` is answered, so the
/// `POST git-upload-pack` of the same clone is judged later and refused as expired.
#[test]
fn clock_jump_after_refs_expires_the_password_of_the_same_clone() {
    let mock = start();
    let sandbox = Sandbox::new();
    let signed_now = |mock: &codecommit_mock::MockHandle| {
        let pw = password(
            ALICE_SECRET,
            "us-east-2",
            HOST,
            "/v1/repos/MyDemoRepo",
            mock,
        );
        url_with(ALICE_KEY, &pw, REPO_URL)
    };
    let src = work_tree(&sandbox, &gits()[0], &mock, "long-operation");
    ok(
        git(&sandbox, &gits()[0], &mock).arg("-C").arg(&src).args([
            "push",
            &signed_now(&mock),
            "HEAD:refs/heads/main",
        ]),
        &mock,
    );
    for (i, git_bin) in gits().iter().enumerate() {
        mock.clock().set_offset(0);
        // Without the fault the clone succeeds; its log tells which request K is the
        // authenticated advertisement (git may probe without credentials first).
        mock.clear_log();
        ok(
            git(&sandbox, git_bin, &mock)
                .arg("clone")
                .arg(signed_now(&mock))
                .arg(sandbox.root().join(format!("before-{i}"))),
            &mock,
        );
        let log = mock.log();
        let k = log
            .iter()
            .position(|e| e.path.ends_with("/info/refs") && e.status == 200)
            .unwrap_or_else(|| panic!("no authenticated info/refs:\n{}", log_text(&log)));
        assert!(
            log.get(k + 1).is_some_and(|e| e.method == "POST"
                && e.path.ends_with("/git-upload-pack")
                && e.status == 200),
            "the upload-pack POST follows the advertisement:\n{}",
            log_text(&log)
        );

        mock.clear_log();
        let requests = u64::try_from(k + 1).expect("a small count");
        mock.faults()
            .advance_clock_after(requests, Duration::from_secs(16 * 60));
        let out = fails(
            git(&sandbox, git_bin, &mock)
                .arg("clone")
                .arg(signed_now(&mock))
                .arg(sandbox.root().join(format!("after-{i}"))),
            "403",
            &mock,
        );
        let log = mock.log();
        let why = || {
            format!(
                "git stderr:\n{}\nmock log:\n{}",
                String::from_utf8_lossy(&out.stderr),
                log_text(&log)
            )
        };
        assert!(
            log.get(k)
                .is_some_and(|e| e.path.ends_with("/info/refs") && e.status == 200),
            "request K is judged by the old clock:\n{}",
            why()
        );
        assert_eq!(
            log.get(k + 1)
                .map(|e| (e.method.as_str(), e.status, e.reason)),
            Some(("POST", 403, Some(Reason::Expired))),
            "request K+1 is judged 16 minutes later:\n{}",
            why()
        );
        assert_eq!(mock.faults().clock_jump_pending(), None, "one shot");
        assert_eq!(mock.clock().offset(), 16 * 60);
    }
}

/// 429s say when to retry: `Retry-After`, 1 second unless configured, `0` allowed.
#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn throttled_answers_carry_retry_after() {
    let sandbox = Sandbox::new();
    let url = format!("{REPO_URL}/info/refs?service=git-upload-pack");
    let retry_after = |mock: &codecommit_mock::MockHandle| {
        let out = run(curl(&sandbox, mock).args(["-D", "-"]).arg(&url));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("HTTP/1.1 429"), "{text}");
        assert_last(mock, 429, Some(Reason::Throttled));
        let values: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("retry-after: "))
            .map(str::to_owned)
            .collect();
        values.join(",")
    };

    let mock = start();
    mock.faults().set_throttle(true);
    assert_eq!(retry_after(&mock), "1");
    mock.faults().set_retry_after_secs(0);
    assert_eq!(retry_after(&mock), "0");
    drop(mock);

    let text = config_toml() + "\n[faults]\nthrottle_first = 1\nretry_after_secs = 7\n";
    let mock = start_with(codecommit_mock::Config::from_toml(&text).expect("config"));
    assert_eq!(retry_after(&mock), "7");
}

/// Only the first K requests are throttled: a client that retries gets through, git (which
/// does not retry by default) fails.
#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn throttle_first_lets_the_next_request_through() {
    let text = config_toml() + "\n[faults]\nthrottle_first = 2\n";
    let mock = start_with(codecommit_mock::Config::from_toml(&text).expect("config"));
    let sandbox = Sandbox::new();
    let url = format!("{REPO_URL}/info/refs?service=git-upload-pack");
    let statuses: Vec<String> = (0..4)
        .map(|_| curl_status(curl(&sandbox, &mock).arg(&url)))
        .collect();
    assert_eq!(statuses, ["429", "429", "401", "401"]);
    assert_eq!(
        reasons(&mock),
        [
            Reason::Throttled,
            Reason::Throttled,
            Reason::NoCredentials,
            Reason::NoCredentials
        ]
    );

    let git_bin = &gits()[0];
    let creds = url_with("alice-at-111122223333", "alice-git-password", REPO_URL);
    mock.faults().set_throttle_first(1);
    fails(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &creds]),
        "429",
        &mock,
    );
    assert_last(&mock, 429, Some(Reason::Throttled));
    ok(
        git(&sandbox, git_bin, &mock).args(["ls-remote", &creds]),
        &mock,
    );
}

/// The clock jump from `[faults]` counts from start; `clear()` disarms it.
#[test]
#[cfg_attr(
    missing_curl,
    ignore = "needs curl: set CODECOMMIT_TEST_CURL or put curl on PATH"
)]
fn clock_jump_from_configuration_and_clear() {
    let text =
        config_toml() + "\n[faults]\nadvance_clock_after = { requests = 2, seconds = 960 }\n";
    let mock = start_with(codecommit_mock::Config::from_toml(&text).expect("config"));
    let sandbox = Sandbox::new();
    let url = format!("{REPO_URL}/info/refs?service=git-upload-pack");
    assert_eq!(
        mock.faults().clock_jump_pending(),
        Some((2, Duration::from_secs(960)))
    );
    curl_status(curl(&sandbox, &mock).arg(&url));
    assert_eq!(mock.clock().offset(), 0);
    // A 429 counts too: every request that reaches the front door does.
    mock.faults().set_throttle(true);
    assert_eq!(curl_status(curl(&sandbox, &mock).arg(&url)), "429");
    assert_eq!(mock.clock().offset(), 960);
    mock.faults().set_throttle(false);
    curl_status(curl(&sandbox, &mock).arg(&url));
    assert_eq!(mock.clock().offset(), 960, "one shot");

    mock.faults()
        .advance_clock_after(1, Duration::from_secs(60));
    mock.faults().clear();
    curl_status(curl(&sandbox, &mock).arg(&url));
    assert_eq!(mock.clock().offset(), 960, "cleared");
}
