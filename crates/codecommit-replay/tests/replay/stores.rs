//! The credential stores on a machine that has real ones: a git whose exec path holds
//! `git-credential-osxkeychain` (as Homebrew's and Apple's do) still runs the stand-in, and
//! `--real-stores` runs the machine's program behind the recorder, one variant after another on
//! one shared store, which `compare` then holds against the stand-ins. Linux has no keychain:
//! the "real" program here is git's own `credential-store` under the keychain's name, in a
//! git exec path built for the test (a wrapper git that sets `GIT_EXEC_PATH`, as an install
//! with its own exec path is).
use super::support::{gits, scenarios, tools, workspace_helper};
use codecommit_replay::compare;
use codecommit_replay::contract::Contract;
use codecommit_replay::gits::Git;
use codecommit_replay::replay::{Plan, replay};
use codecommit_replay::result::{Outcome, Report};
use codecommit_replay::sandbox::Stores;
use codecommit_replay::vocabulary::Store;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const SCENARIO: &str = "macos-keychain-expired-password";
const FIXES: [&str; 3] = [
    "allow all applications to access the keychain item",
    "remove git-credential-osxkeychain from the item's access control, and Deny",
    KEEPS_EXPIRY,
];
/// A fix whose keychain (2.45+) keeps `password_expiry_utc`, which `credential-store` does not.
const KEEPS_EXPIRY: &str =
    "not in the guide: a helper that prints password_expiry_utc, and a keychain that keeps it";

/// A git like Homebrew's: the newest git on the machine behind a wrapper whose exec path is a
/// copy (links) of that git's, plus `git-credential-osxkeychain` = `script`.
fn git_with_osxkeychain(dir: &Path, script: &str) -> Git {
    let mut all = gits();
    all.sort_by_key(|g| g.version);
    let real = all.pop().expect("a git");
    let real_exec = real.exec_path.clone().expect("git --exec-path");
    let exec = dir.join("libexec/git-core");
    std::fs::create_dir_all(&exec).expect("exec dir");
    for entry in std::fs::read_dir(&real_exec).expect("exec path").flatten() {
        // Never a link to a real osxkeychain: the script below would be written through it.
        if entry.file_name() != "git-credential-osxkeychain" {
            std::os::unix::fs::symlink(entry.path(), exec.join(entry.file_name())).expect("link");
        }
    }
    write_script(&exec.join("git-credential-osxkeychain"), script);
    let wrapper = dir.join("bin/git");
    std::fs::create_dir_all(wrapper.parent().expect("bin")).expect("bin dir");
    write_script(
        &wrapper,
        &format!(
            "export GIT_EXEC_PATH=\"${{GIT_EXEC_PATH:-{}}}\"\nexec {} \"$@\"\n",
            exec.display(),
            real.path.display()
        ),
    );
    // Another test's fork may still hold the script open for writing a moment (ETXTBSY).
    let mut git = Git::probe(&wrapper);
    for _ in 0..50 {
        match &git {
            Err(e) if e.contains("Text file busy") => {
                std::thread::sleep(std::time::Duration::from_millis(100));
                git = Git::probe(&wrapper);
            }
            _ => break,
        }
    }
    let git = git.expect("the wrapper runs");
    assert_eq!(git.exec_path.as_deref(), Some(exec.as_path()));
    git
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn replay_keychain(git: &Git, stores: Stores) -> Report {
    let mut all = scenarios();
    all.retain(|s| s.name == SCENARIO);
    // The symptom, a fix in which the user deletes the item (`forget`), one that a real store
    // cannot replay (Deny) and one the "real" store here does not behave as modelled: enough for
    // every path, on a machine shared with other builds.
    all[0].fixes.retain(|f| FIXES.contains(&f.name.as_str()));
    assert_eq!(
        all[0].fixes.len(),
        FIXES.len(),
        "the scenario names its fixes so"
    );
    let tools = codecommit_replay::sandbox::Tools { stores, ..tools() };
    let contract = Contract::workspace();
    let plan = Plan {
        scenarios: &all,
        gits: std::slice::from_ref(git),
        helper: &workspace_helper(),
        contract: Some(&contract),
        tools: &tools,
        jobs: if tools.stores.real.is_empty() { 4 } else { 1 },
        keep: false,
        progress: false,
    };
    replay(&plan).expect("the replay runs")
}

#[test]
#[cfg_attr(
    missing_faketime,
    ignore = "needs libfaketime for the keychain scenario's clock: apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn a_git_whose_exec_path_has_osxkeychain_still_runs_the_stand_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("the-real-osxkeychain-ran");
    let git = git_with_osxkeychain(
        dir.path(),
        &format!("echo \"$@\" >>'{}'\n", marker.display()),
    );
    let report = replay_keychain(&git, Stores::default());
    assert!(
        !marker.exists(),
        "git ran its exec path's osxkeychain, not the stand-in: {:?}",
        std::fs::read_to_string(&marker)
    );
    let failed: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(report.results.iter().all(|r| r.real_stores.is_empty()));
}

#[test]
#[cfg_attr(
    missing_faketime,
    ignore = "needs libfaketime for the keychain scenario's clock: apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn real_stores_run_the_machines_program_and_compare_names_what_differs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, log) = (dir.path().join("store"), dir.path().join("calls"));
    let git = git_with_osxkeychain(
        dir.path(),
        &format!(
            "echo \"$1\" >>'{}'\nexec git credential-store --file='{}' \"$@\"\n",
            log.display(),
            file.display()
        ),
    );
    let stand_ins = replay_keychain(&git, Stores::default());
    let real = replay_keychain(&git, Stores::real([Store::Osxkeychain]));
    // The real program ran: for the clearing before each variant and for git.
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        ran.lines().any(|l| l == "get") && ran.lines().any(|l| l == "store"),
        "{ran}"
    );
    let run = |variant: &str| {
        real.results
            .iter()
            .find(|r| r.variant == variant)
            .unwrap_or_else(|| panic!("no run {variant}"))
    };
    for variant in [
        "symptom",
        "fix: allow all applications to access the keychain item",
    ] {
        let r = run(variant);
        // Marked as a real-store run, and passing: the item the user deletes (`forget`) is erased
        // by the real program, and each variant starts with nothing stored by the one before.
        assert_eq!(
            r.real_stores,
            [format!(
                "git-credential-osxkeychain: {}",
                git.exec_path
                    .as_deref()
                    .expect("exec path")
                    .join("git-credential-osxkeychain")
                    .display()
            )]
        );
        assert_eq!(r.outcome, Outcome::Pass, "{variant}: {r:#?}");
    }
    let deny =
        run("fix: remove git-credential-osxkeychain from the item's access control, and Deny");
    assert!(
        matches!(&deny.outcome, Outcome::Skip(why) if why.contains("Deny")),
        "{deny:?}"
    );
    let c = compare::compare(&stand_ins, &real).expect("compares");
    assert_eq!((c.compared, c.with_real_stores), (3, 3), "{c:#?}");
    assert_eq!(c.not_compared.len(), 1, "{c:#?}");
    // Only the fix modelling osxkeychain 2.45+ differs from credential-store: with git 2.46+
    // and this helper's authtype answer, the stand-in's `store` fails as 2.45+ does (`failed
    // to store: -1`) where credential-store says nothing; with older git, the stand-in hands the
    // expiry back and credential-store does not. Either way the store's own lines differ.
    let fix = format!("fix: {KEEPS_EXPIRY}");
    assert!(
        !c.disagreements.is_empty() && c.disagreements.iter().all(|d| d.run.contains(&fix)),
        "{c:#?}"
    );
    assert!(
        c.disagreements
            .iter()
            .any(|d| d.field == "store transcript" && d.step.is_some()),
        "{c:#?}"
    );
}
