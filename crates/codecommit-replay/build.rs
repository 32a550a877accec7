//! Marks the tests that need a missing external tool as ignored, with the reason in cargo's
//! summary (`codecommit_testkit::build`), and warns about gits here whose transcripts nobody has
//! recorded: the scenarios test checks their outcomes but has nothing to compare their
//! transcripts with.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    use codecommit_testkit::build::{Tool, probe_tools};
    probe_tools(&[Tool::Aws, Tool::Grc, Tool::Faketime]);
    warn_unrecorded_gits();
}

/// The gits the replay would find (`gits::discover`: CODECOMMIT_REPLAY_GITS, PATH, the usual
/// places), by release, that have no `…@git-M.m.snap` under tests/replay/snapshots.
fn warn_unrecorded_gits() {
    let snapshots = Path::new("tests/replay/snapshots");
    println!("cargo::rerun-if-changed={}", snapshots.display());
    println!("cargo::rerun-if-env-changed=CODECOMMIT_REPLAY_GITS");
    let names: Vec<String> = std::fs::read_dir(snapshots)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut candidates: Vec<PathBuf> = Vec::new();
    for var in ["CODECOMMIT_REPLAY_GITS", "PATH"] {
        if let Some(list) = std::env::var_os(var) {
            candidates.extend(std::env::split_paths(&list).map(|p| {
                if var == "PATH" {
                    p.join(format!("git{}", std::env::consts::EXE_SUFFIX))
                } else {
                    p
                }
            }));
        }
    }
    candidates.extend(
        [
            "/usr/bin/git",
            "/usr/local/bin/git",
            "/opt/homebrew/bin/git",
        ]
        .map(PathBuf::from),
    );
    let mut releases: Vec<String> = candidates
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| Command::new(p).arg("--version").output().ok())
        .filter_map(|out| {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let version = text.strip_prefix("git version ")?.trim().to_owned();
            let mut parts = version.split('.');
            Some(format!("git-{}.{}", parts.next()?, parts.next()?))
        })
        .collect();
    releases.sort();
    releases.dedup();
    for release in releases {
        let suffix = format!("@{release}.snap");
        if !names.iter().any(|n| n.ends_with(&suffix)) {
            println!(
                "cargo::warning=no replay transcripts are recorded for {release}: the scenarios test checks its outcomes but compares no transcript (record them with INSTA_UPDATE=always cargo test -p codecommit-replay --test replay every_scenario_with_the_workspace_helper)"
            );
        }
    }
}
