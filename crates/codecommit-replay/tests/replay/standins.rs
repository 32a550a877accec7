//! The stand-ins, driven as git drives them: by name, with the protocol on stdin.
// Most of these tests are Unix-only; elsewhere their shared pieces go unused.
#![cfg_attr(not(unix), allow(unused_imports, dead_code))]
use super::support::STANDIN;
use codecommit_replay::scenario::{KeychainModel, ManagerModel};
use codecommit_replay::standin::{self, HelperCall, StandinConfig};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Box_ {
    dir: tempfile::TempDir,
}

impl Box_ {
    fn new(keychain: KeychainModel, manager: ManagerModel) -> Box_ {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = StandinConfig {
            keychain,
            manager,
            ..Default::default()
        };
        std::fs::write(
            dir.path().join(standin::CONFIG_FILE),
            serde_json::to_vec(&config).expect("json"),
        )
        .expect("config");
        #[cfg(unix)]
        for name in [
            "git-credential-osxkeychain",
            "git-credential-manager",
            "askpass",
        ] {
            std::os::unix::fs::symlink(STANDIN, dir.path().join(name)).expect("link");
        }
        Box_ { dir }
    }

    fn call(&self, name: &str, op: &str, input: &str) -> (String, String, i32) {
        let mut child = Command::new(self.dir.path().join(name))
            .arg(op)
            .env_clear()
            .env(standin::DIR_ENV, self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the stand-in");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    fn transcript(&self) -> Vec<HelperCall> {
        std::fs::read_to_string(self.dir.path().join(standin::TRANSCRIPT_FILE))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a transcript line"))
            .collect()
    }
}

const HOST: &str = "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/R\n";

fn store(password: &str, expiry: &str) -> String {
    format!("{HOST}username=AKIA\npassword={password}\npassword_expiry_utc={expiry}\n\n")
}

#[cfg(unix)]
#[test]
fn keychain_before_245_keeps_the_first_password_and_no_expiry() {
    let k = Box_::new(KeychainModel::default(), ManagerModel::default());
    assert_eq!(k.call("git-credential-osxkeychain", "get", HOST).0, "");
    k.call(
        "git-credential-osxkeychain",
        "store",
        &store("first", "100"),
    );
    k.call(
        "git-credential-osxkeychain",
        "store",
        &store("second", "200"),
    );
    // The duplicate-item error was ignored: the stale password stays.
    assert_eq!(
        k.call("git-credential-osxkeychain", "get", HOST).0,
        "username=AKIA\npassword=first\n"
    );
    // Without a path, the query matches the item stored with one (unset attributes match anything).
    assert_eq!(
        k.call(
            "git-credential-osxkeychain",
            "get",
            "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\n"
        )
        .0,
        "username=AKIA\npassword=first\n"
    );
    // Another path is another item.
    assert_eq!(
        k.call(
            "git-credential-osxkeychain",
            "get",
            "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/Other\n"
        )
        .0,
        ""
    );
    k.call("git-credential-osxkeychain", "erase", HOST);
    assert_eq!(k.call("git-credential-osxkeychain", "get", HOST).0, "");
    let ops: Vec<String> = k
        .transcript()
        .iter()
        .map(|c| format!("{} {}", c.helper, c.operation))
        .collect();
    assert_eq!(ops.first().map(String::as_str), Some("osxkeychain get"));
    assert_eq!(ops.len(), 8);
}

#[cfg(unix)]
#[test]
fn keychain_from_245_updates_and_keeps_the_expiry() {
    let k = Box_::new(
        KeychainModel {
            keeps_expiry: true,
            overwrites: true,
            deny: false,
        },
        ManagerModel::default(),
    );
    k.call(
        "git-credential-osxkeychain",
        "store",
        &store("first", "100"),
    );
    k.call(
        "git-credential-osxkeychain",
        "store",
        &store("second", "200"),
    );
    assert_eq!(
        k.call("git-credential-osxkeychain", "get", HOST).0,
        "username=AKIA\npassword=second\npassword_expiry_utc=200\n"
    );
}

#[cfg(unix)]
#[test]
fn keychain_denied_neither_answers_nor_stores() {
    let k = Box_::new(
        KeychainModel {
            deny: true,
            ..KeychainModel::default()
        },
        ManagerModel::default(),
    );
    k.call(
        "git-credential-osxkeychain",
        "store",
        &store("first", "100"),
    );
    assert_eq!(k.call("git-credential-osxkeychain", "get", HOST).0, "");
    assert!(!k.dir.path().join(standin::KEYCHAIN_FILE).exists());
}

#[cfg(unix)]
#[test]
fn manager_stores_without_expiry_and_refuses_what_windows_cannot_hold() {
    let m = Box_::new(
        KeychainModel::default(),
        ManagerModel {
            windows_limits: true,
        },
    );
    m.call("git-credential-manager", "store", &store("pw", "100"));
    assert_eq!(
        m.call("git-credential-manager", "get", HOST).0,
        "username=AKIA\npassword=pw\n"
    );
    let long_user = format!("{HOST}username=ASIA%{}\npassword=pw\n\n", "t".repeat(600));
    let (_, stderr, code) = m.call("git-credential-manager", "store", &long_user);
    assert_eq!(
        (stderr.as_str(), code),
        (
            "fatal: Failed to write item to store. [0x6c6]\nfatal: The array bounds are invalid\n",
            1
        )
    );
    let unlimited = Box_::new(
        KeychainModel::default(),
        ManagerModel {
            windows_limits: false,
        },
    );
    assert_eq!(
        unlimited
            .call("git-credential-manager", "store", &long_user)
            .2,
        0
    );
}

#[cfg(unix)]
#[test]
fn askpass_records_and_fails_without_an_answer() {
    let a = Box_::new(KeychainModel::default(), ManagerModel::default());
    let out = Command::new(a.dir.path().join("askpass"))
        .arg("Username for 'https://h': ")
        .env_clear()
        .env(standin::DIR_ENV, a.dir.path())
        .output()
        .expect("askpass");
    assert_eq!((out.status.code(), out.stdout.is_empty()), (Some(1), true));
    let prompts =
        std::fs::read_to_string(a.dir.path().join(standin::PROMPTS_FILE)).expect("prompts");
    assert_eq!(
        prompts,
        "{\"prompt\":\"Username for 'https://h': \",\"answered\":false}\n"
    );
}

#[cfg(unix)]
#[test]
fn the_recorder_passes_everything_through_and_records_unknown_operations_as_they_came() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A "helper" that reads git's input and answers with its own arguments: `sh -c SCRIPT OP`.
    let mut helpers = std::collections::BTreeMap::new();
    helpers.insert(
        "aws".to_owned(),
        standin::HelperTarget {
            program: "/bin/sh".into(),
            before_operation: vec![
                "-c".into(),
                "cat >/dev/null; echo \"op=$0\"; echo oops >&2; exit 3".into(),
            ],
        },
    );
    let config = StandinConfig {
        helpers,
        ..Default::default()
    };
    std::fs::write(
        dir.path().join(standin::CONFIG_FILE),
        serde_json::to_vec(&config).expect("json"),
    )
    .expect("config");
    std::os::unix::fs::symlink(STANDIN, dir.path().join("aws")).expect("link");
    let recorder = Box_ { dir };
    let (stdout, stderr, code) = recorder.call("aws", "capability", HOST);
    assert_eq!(
        (stdout.as_str(), stderr.as_str(), code),
        ("op=capability\n", "oops\n", 3)
    );
    let calls = recorder.transcript();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].operation,
        standin::HelperOperation::Other("capability".into())
    );
    assert_eq!(
        (calls[0].output.clone(), calls[0].exit),
        (vec![("op".to_owned(), "capability".to_owned())], 3)
    );
    let line = std::fs::read_to_string(recorder.dir.path().join(standin::TRANSCRIPT_FILE))
        .expect("transcript");
    assert!(line.contains(r#""operation":"capability""#), "{line}");
}

#[test]
fn a_stand_in_outside_a_sandbox_says_so() {
    let out = Command::new(STANDIN)
        .arg("get")
        .env_clear()
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CODECOMMIT_STANDIN_DIR is not set"));
    let _ = Path::new(STANDIN);
}
