//! Shared fixtures: the mock's configuration, the workspace's helper, reading the log by step.

use std::path::PathBuf;

use codecommit_matrix::mock::{LogLine, MockContainer};

// The standard world's repository and alice; bob here is a long-term key with pull rights only.
pub use codecommit_testkit::world::{ALICE_KEY, ALICE_SECRET};
use codecommit_testkit::world::{REGION, REPO};
pub const REPO_URL: &str = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";

/// alice may pull and push MyDemoRepo (us-east-2); bob may only pull.
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

[[repository]]
region = "{REGION}"
name = "{REPO}"
pull = ["alice", "bob"]
push = ["alice"]
"#
    )
}

#[test]
fn the_repository_url_is_the_standard_worlds() {
    assert_eq!(REPO_URL, codecommit_testkit::world::url());
}

/// `~/.aws/credentials` for an access key.
pub fn aws_credentials(key: &str, secret: &str) -> String {
    format!("[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
}

pub const AWS_CONFIG: &str = "[default]\nregion = us-east-2\n";

/// The workspace's helper, built from the current sources by the cargo running this test.
pub fn workspace_helper() -> PathBuf {
    codecommit_testkit::binary::cargo_bin("git-credential-codecommit", "git-credential-codecommit")
}

/// The log entries written since `mark` entries, and the whole log for failure messages.
pub fn log_since(mock: &MockContainer, mark: usize) -> (Vec<LogLine>, String) {
    let log = mock.log().expect("read the mock container's request log");
    let text = log
        .iter()
        .enumerate()
        .map(|(i, l)| format!("  {i:>3} {l}\n"))
        .collect::<String>();
    (log.into_iter().skip(mark).collect(), text)
}

/// Asserts the exact statuses and reasons the mock logged for one step.
#[track_caller]
pub fn assert_statuses(
    step: &str,
    entries: &[LogLine],
    whole: &str,
    expected: &[(u16, Option<&str>)],
) {
    let got: Vec<(u16, Option<&str>)> = entries
        .iter()
        .map(|e| (e.status, e.reason.as_deref()))
        .collect();
    assert_eq!(
        got, expected,
        "{step}: the mock's log does not show the expected statuses\nwhole log:\n{whole}"
    );
}

/// Asserts one successful git operation as CodeCommit sees it: the first request goes without
/// credentials (401 `no_credentials`), every later one is alice's and gets 200, and one of them
/// is a POST to `service`. How many requests there are depends on git's version and protocol.
#[track_caller]
pub fn assert_authenticated(step: &str, entries: &[LogLine], whole: &str, service: &str) {
    let ok = entries.len() >= 2
        && entries[0].status == 401
        && entries[0].reason.as_deref() == Some("no_credentials")
        && entries[1..]
            .iter()
            .all(|e| e.status == 200 && e.identity.as_deref() == Some("alice"))
        && entries
            .iter()
            .any(|e| e.method == "POST" && e.service.as_deref() == Some(service));
    assert!(
        ok,
        "{step}: expected 401 no_credentials, then only 200s for alice including a POST to {service}\nwhole log:\n{whole}"
    );
}
