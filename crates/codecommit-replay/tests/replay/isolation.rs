//! The replay must not read or write the caller's HOME, git configuration or AWS files, nor
//! use their environment: run it with a hostile HOME and AWS variables and get the same results.
use super::support::REPLAY;
use codecommit_replay::platform::Platform;
use codecommit_replay::sandbox::find_faketime;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn snapshot_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(root)
                        .expect("inside")
                        .display()
                        .to_string(),
                    std::fs::read(&path).unwrap_or_default(),
                );
            }
        }
    }
    files
}

/// Each row: scenario, variant, git, outcome, and why it was skipped (empty unless skipped).
fn outcomes(json: &[u8]) -> Vec<(String, String, String, String, String)> {
    let report: serde_json::Value = serde_json::from_slice(json).expect("a JSON report");
    let rows = report["results"].as_array().expect("results in the report");
    rows.iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            (
                s("scenario"),
                s("variant"),
                s("git"),
                s("outcome"),
                s("skipped_because"),
            )
        })
        .collect()
}

#[test]
fn hostile_home_and_environment_change_nothing_and_are_not_touched() {
    // Every binary the replay runs is built now, by this test's cargo under the real HOME, and
    // the replay runs without `CARGO` (below), so it never runs cargo itself: under the hostile
    // HOME a cargo without CARGO_HOME exported (Debian's, not rustup's proxy) would find an empty
    // registry there and try crates.io through the hostile proxy.
    let _ = super::support::workspace_helper();
    let _ = super::support::tools();
    let hostile = tempfile::tempdir().expect("hostile home");
    let home = hostile.path();
    std::fs::write(
        home.join(".gitconfig"),
        "[credential]\n\thelper = !echo username=evil; echo password=evil\n[url \"https://evil.example/\"]\n\tinsteadOf = https://\n[http]\n\tproxy = http://192.0.2.1:9\n\tsslVerify = false\n",
    )
    .expect("hostile .gitconfig");
    std::fs::create_dir_all(home.join(".aws")).expect(".aws");
    std::fs::write(
        home.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIAHOSTILE000000000\naws_secret_access_key = hostile\n",
    )
    .expect("credentials");
    std::fs::create_dir_all(home.join(".config/git")).expect("xdg");
    std::fs::write(
        home.join(".config/git/config"),
        "[credential]\n\thelper = hostile-xdg\n",
    )
    .expect("xdg config");
    let before = snapshot_tree(home);

    let run = |hostile_env: bool| {
        let mut cmd = Command::new(REPLAY);
        cmd.args(["replay", "--format", "json", "--quiet"])
            .env_remove("CARGO");
        if hostile_env {
            cmd.env("HOME", home)
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("AWS_ACCESS_KEY_ID", "AKIAHOSTILEENV000000")
                .env("AWS_SECRET_ACCESS_KEY", "hostile")
                .env("AWS_PROFILE", "hostile")
                .env("AWS_REGION", "eu-west-3")
                .env(
                    "GIT_CONFIG_PARAMETERS",
                    "'credential.helper'='!echo password=evil'",
                )
                .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
                .env("GIT_SSL_NO_VERIFY", "1")
                .env("HTTPS_PROXY", "http://192.0.2.1:9")
                .env("GIT_ASKPASS", "/bin/false");
        }
        let out = cmd.output().expect("run the replay");
        assert!(
            out.status.success(),
            "replay failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outcomes(&out.stdout)
    };
    let hostile_results = run(true);
    // Everything passes, but for the variants that move the clock where libfaketime cannot
    // (not installed, or macOS and Windows, which never have it): those skip with exactly
    // that reason. The others, most of them, must still pass.
    let clock_skip = Platform::HOST.clock_skip(find_faketime().is_some());
    let allowed = |r: &(String, String, String, String, String)| {
        r.3 == "pass" || (r.3 == "skip" && clock_skip.as_deref() == Some(r.4.as_str()))
    };
    assert!(
        hostile_results.iter().all(allowed),
        "{:?}",
        hostile_results
            .iter()
            .filter(|r| !allowed(r))
            .collect::<Vec<_>>()
    );
    let passed = hostile_results.iter().filter(|r| r.3 == "pass").count();
    assert!(passed > 0, "no row passes: {hostile_results:?}");
    assert_eq!(
        hostile_results,
        run(false),
        "the caller's HOME and environment changed the results"
    );
    assert_eq!(
        snapshot_tree(home),
        before,
        "the replay wrote into the caller's HOME"
    );
}
