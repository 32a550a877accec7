//! The whole scenario suite inside each git client image: the image's git, the workspace's
//! helper, and the harness (mock, sandboxes, stand-ins) all in the container. Every variant must
//! come out as its scenario file says for that git version, or be skipped with a reason; the
//! JSON reports are kept for the README's table (`codecommit-replay report`).

use codecommit_matrix::client::GitClient;
use codecommit_matrix::engine::require_docker;
use codecommit_matrix::images::{git_image, releases};
use codecommit_matrix::unique_name;
use codecommit_replay::report;
use codecommit_replay::result::Outcome;

/// The helper the image carries twice: dynamically linked (libfaketime can move its clock) where
/// the release's glibc runs it, else statically linked.
const DYNAMIC_HELPER: &str = "/usr/local/lib/codecommit/git-credential-codecommit";
const STATIC_HELPER: &str = "/usr/local/bin/git-credential-codecommit";

/// Every scenario file and every helper and remote helper contract, at the paths the container
/// reads them from.
fn scenario_files() -> Vec<(String, Vec<u8>)> {
    let dir = codecommit_replay::default_scenarios_dir();
    let mut files = Vec::new();
    for (sub, target) in [
        ("", "/scenarios"),
        ("helpers", "/scenarios/helpers"),
        ("remotes", "/scenarios/remotes"),
    ] {
        for entry in std::fs::read_dir(dir.join(sub))
            .expect("the scenarios directory")
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let name = path
                    .file_name()
                    .expect("a file name")
                    .to_string_lossy()
                    .into_owned();
                files.push((
                    format!("{target}/{name}"),
                    std::fs::read(&path).expect("a scenario file"),
                ));
            }
        }
    }
    assert!(
        files
            .iter()
            .any(|(p, _)| p.starts_with("/scenarios/helpers/")),
        "no helper contracts in {}",
        dir.join("helpers").display()
    );
    files
}

#[test]
#[cfg_attr(
    missing_docker,
    ignore = "needs a Docker engine with the images of docker/build.sh (CODECOMMIT_TEST_DOCKER=1 makes it mandatory)"
)]
fn the_replay_inside_every_git_image() {
    let releases = releases();
    let images: Vec<String> = releases.iter().map(|r| git_image(r)).collect();
    let image_refs: Vec<&str> = images.iter().map(String::as_str).collect();
    let _engine = require_docker(&image_refs);
    let files = scenario_files();
    let out_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay");
    std::fs::create_dir_all(&out_dir).expect("report directory");
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for release in &releases {
        let network = unique_name("replay");
        let client = GitClient::start(release, &network, &files)
            .unwrap_or_else(|e| panic!("start {}: {e}", git_image(release)));
        let dynamic_runs = client
            .run("", &[DYNAMIC_HELPER, "--version"])
            .is_ok_and(|o| o.success());
        let helper = if dynamic_runs {
            DYNAMIC_HELPER
        } else {
            STATIC_HELPER
        };
        let out = client
            .run(
                "",
                &[
                    "codecommit-replay",
                    "replay",
                    "--format",
                    "json",
                    "--quiet",
                    "--jobs",
                    "2",
                    "--scenarios",
                    "/scenarios",
                    "--git",
                    "/usr/bin/git",
                    "--helper",
                    helper,
                    // The doctor reads the clock too: the binary libfaketime can move.
                    "--tool",
                    helper,
                    // Held to its contract: without one the run would be a survey, gating nothing.
                    "--contract",
                    "git-credential-codecommit",
                ],
            )
            .unwrap_or_else(|e| panic!("{release}: run the replay: {e}"));
        // Exit 1 means some variant failed, which the report says; anything else is a broken run.
        assert!(
            out.code == 0 || out.code == 1,
            "{}: the replay did not run: {out}",
            git_image(release)
        );
        let report =
            report::from_json(&out.stdout).unwrap_or_else(|e| panic!("{release}: {e}\n{out}"));
        let results = &report.results;
        assert!(!results.is_empty(), "{release}: empty report");
        assert_eq!(
            report.contract.as_deref(),
            Some("git-credential-codecommit"),
            "{release}: the replay was not held to the helper's contract"
        );
        for row in &report.contract_rows {
            if let Outcome::Fail(why) = &row.outcome {
                failures.push(format!("{release}: the helper breaks its contract: {why}"));
            }
        }
        std::fs::write(out_dir.join(format!("{release}.json")), &out.stdout)
            .expect("keep the report");
        let (pass, fail, skip) = report.counts();
        summary.push(format!(
            "{release}: git {} with the {} helper: {pass} passed, {fail} failed, {skip} skipped",
            results[0].git,
            if dynamic_runs { "dynamic" } else { "static" }
        ));
        for r in results {
            match &r.outcome {
                Outcome::Fail(why) => failures.push(format!(
                    "{release} (git {}): {} / {}: {why}",
                    r.git, r.scenario, r.variant
                )),
                // Each skip must say why (an old git's missing GIT_CONFIG_SYSTEM, a static helper).
                Outcome::Skip(why) => assert!(
                    !why.is_empty(),
                    "{release}: {} / {} skipped without a reason",
                    r.scenario,
                    r.variant
                ),
                Outcome::Pass => {}
            }
        }
    }
    eprintln!("{}\nreports in {}", summary.join("\n"), out_dir.display());
    assert!(
        failures.is_empty(),
        "{} variants did not do what their scenario expects:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
