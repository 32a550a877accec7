//! Faults switched at run time: throttling, 500s, dropped connections, latency.

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
