//! Another helper gated on the suite in the replay images (`codecommit-replay:<release>`), as a
//! helper project's CI does it (`codecommit_matrix::gate`, the `codecommit-replay-images`
//! program): the real AWS CLI, installed in the container by the setup command, passes its
//! contract and every scenario on the oldest and the newest release; a canary (this workspace's helper broken in one
//! way) fails, and the reports name the promise it broke.

use std::path::{Path, PathBuf};

use codecommit_matrix::engine::require_docker;
use codecommit_matrix::gate::{self, Contract, Helper, Plan};
use codecommit_matrix::images::{releases, replay_image};
use codecommit_replay::canary::CANARIES;
use codecommit_replay::result::Outcome;

/// The AWS CLI the contract `aws-cli-v1` was measured with, where the release's Python can run
/// it: awscli 1.44.88 and later need Python 3.10, and bullseye has 3.9, so there the last release
/// for 3.9 (pip reads the markers).
const AWS_CLI: [(&str, &str); 2] = [
    ("1.46.3", "python_version >= '3.10'"),
    ("1.44.87", "python_version < '3.10'"),
];

/// `pip install` arguments for [`AWS_CLI`], quoted for the shell.
fn aws_cli_requirements() -> String {
    AWS_CLI
        .iter()
        .map(|(version, marker)| format!("\"awscli=={version}; {marker}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fresh report directory for `test`, kept after the run (CI uploads `target/tmp`).
fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("replay-images")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn plan(
    helper: Helper,
    contract: &str,
    setup: Option<&str>,
    releases: Vec<String>,
    test: &str,
) -> Plan {
    Plan {
        helper,
        contract: Contract::Name(contract.into()),
        setup: setup.map(str::to_owned),
        helper_dir: None,
        releases,
        out: out_dir(test),
        // Behind a proxy that re-signs TLS, pip needs the machine's CA bundle.
        ca_file: std::env::var_os("SSL_CERT_FILE")
            .map(PathBuf::from)
            .filter(|p| p.is_file()),
        // pip's downloads, shared by the releases and kept across runs.
        cache: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-images-cache")),
        jobs: 2,
        scenarios: Vec::new(),
    }
}

fn require_replay_images(releases: &[String]) {
    let images: Vec<String> = releases.iter().map(|r| replay_image(r)).collect();
    let refs: Vec<&str> = images.iter().map(String::as_str).collect();
    require_docker(&refs);
}

/// The scenarios of what users move (large requests, many refs, long and parallel commands):
/// where git's handling changes from release to release (2.46 to 2.53 leave an authtype answer
/// off the probe of a large request), so the AWS CLI replays them on every release.
const WORKLOADS: [&str; 4] = [
    "large-push",
    "many-refs-small-post-buffer",
    "push-outlives-password",
    "parallel-clones-share-credential-cache",
];

/// Installs the AWS CLI in the replay images of `releases` and replays `scenarios` (all when
/// empty) on it, held to `aws-cli-v1`; checks that it passed, that the helper was the AWS CLI
/// and that every report was written. Returns the reports.
fn aws_cli_passes(releases: Vec<String>, scenarios: &[&str], test: &str) -> gate::Outcomes {
    require_replay_images(&releases);
    let mut plan = plan(
        Helper::Command("/opt/aws/bin/aws".into()),
        "aws-cli-v1",
        Some(&format!(
            "python3 -m venv /opt/aws && /opt/aws/bin/pip install --quiet --disable-pip-version-check {}",
            aws_cli_requirements()
        )),
        releases.clone(),
        test,
    );
    plan.scenarios = scenarios.iter().map(|s| (*s).to_owned()).collect();
    let plan = plan.resolve().expect("the plan");
    let outcomes = gate::run(&plan, &codecommit_replay::default_scenarios_dir(), |run| {
        eprintln!(
            "{}: exit {} after {:.0} s",
            run.release, run.code, run.seconds
        )
    })
    .expect("the replay images ran");
    eprint!("{}", outcomes.summary());
    assert_eq!(
        (outcomes.exit_code(), outcomes.failures()),
        (0, Vec::<String>::new()),
        "the AWS CLI does not pass its contract in the replay images; reports in {}",
        plan.out.display()
    );
    assert_eq!(outcomes.runs.len(), releases.len());
    for run in &outcomes.runs {
        let report = run.report.as_ref().expect("a report per release");
        // The helper really is the AWS CLI the setup installed, held to its contract.
        assert!(
            AWS_CLI
                .iter()
                .any(|(version, _)| report.helper.starts_with(&format!("aws-cli/{version} "))),
            "{}: {}",
            run.release,
            report.helper
        );
        assert_eq!(report.contract.as_deref(), Some("aws-cli-v1"));
        assert!(!report.contract_rows.is_empty() && !report.results.is_empty());
        // Every scenario asked for ran, and each passed on this release.
        for scenario in scenarios {
            assert!(
                report
                    .results
                    .iter()
                    .any(|r| r.scenario == *scenario && r.outcome == Outcome::Pass),
                "{}: {scenario} did not pass",
                run.release
            );
        }
        assert!(
            report.results.iter().any(|r| r.outcome == Outcome::Pass),
            "{}: nothing passed",
            run.release
        );
        for ext in ["json", "md", "xml"] {
            assert!(plan.out.join(format!("{}.{ext}", run.release)).is_file());
        }
    }
    let markdown = std::fs::read_to_string(plan.out.join("replay.md")).expect("replay.md");
    assert!(
        markdown.contains("held to the contract `aws-cli-v1`"),
        "{markdown}"
    );
    let junit = std::fs::read_to_string(plan.out.join("replay.xml")).expect("replay.xml");
    assert!(junit.contains("<testsuite name=\"contract\"") && !junit.contains("<failure"));
    outcomes
}

#[test]
#[cfg_attr(
    missing_docker,
    ignore = "needs a Docker engine with the images of docker/build.sh (CODECOMMIT_TEST_DOCKER=1 makes it mandatory)"
)]
fn the_aws_cli_installed_in_the_oldest_and_newest_replay_images_passes_its_contract() {
    // The oldest release (git 2.30, Python 3.9: the other pin) and the newest (the newest git),
    // every scenario: each release costs a minute or two of pip and Python start-ups in .ci/run.
    // The releases in between replay the workloads (the next test); the rest of their harness is
    // the same, which the matrix's own replay covers with this workspace's helper.
    let all = releases();
    let mut releases = vec![all[0].clone()];
    releases.extend(all.last().filter(|r| **r != all[0]).cloned());
    let outcomes = aws_cli_passes(releases, &[], "aws-cli");
    for run in &outcomes.runs {
        let report = run.report.as_ref().expect("a report per release");
        // What the AWS CLI is known for: the guide's unscoped section hands it the look-alike
        // host's request, and it answers (a finding, allowed by its contract).
        assert!(
            report
                .findings()
                .iter()
                .any(|f| f.scenario == "unscoped-helper-foreign-hosts"),
            "{}: no finding recorded for the AWS CLI's answers to foreign hosts",
            run.release
        );
    }
}

#[test]
#[cfg_attr(
    missing_docker,
    ignore = "needs a Docker engine with the images of docker/build.sh (CODECOMMIT_TEST_DOCKER=1 makes it mandatory)"
)]
fn the_aws_cli_passes_the_workload_scenarios_on_the_releases_in_between() {
    let all = releases();
    let between: Vec<String> = all
        .iter()
        .skip(1)
        .take(all.len().saturating_sub(2))
        .cloned()
        .collect();
    assert!(
        !between.is_empty(),
        "no release between the oldest and the newest in {all:?}: set CODECOMMIT_MATRIX_RELEASES to three or more"
    );
    let scenarios = codecommit_replay::scenario::Scenario::load_dir(
        &codecommit_replay::default_scenarios_dir(),
    )
    .expect("the scenarios load");
    for name in WORKLOADS {
        assert!(
            scenarios.iter().any(|s| s.name == name),
            "no scenario {name}: update WORKLOADS"
        );
    }
    aws_cli_passes(between, &WORKLOADS, "aws-cli-workloads");
}

#[test]
#[cfg_attr(
    missing_docker,
    ignore = "needs a Docker engine with the images of docker/build.sh (CODECOMMIT_TEST_DOCKER=1 makes it mandatory)"
)]
fn a_broken_helper_fails_and_the_reports_name_the_promise_it_broke() {
    // The newest release: its glibc runs the dynamically linked helper, whose clock libfaketime
    // moves, so every scenario runs.
    let release = releases().last().expect("a release").clone();
    require_replay_images(std::slice::from_ref(&release));
    let canary = CANARIES
        .iter()
        .find(|c| c.name == "any-host")
        .expect("the any-host canary");
    let plan = plan(
        Helper::Command(format!(
            "codecommit-canary {} /usr/local/lib/codecommit/git-credential-codecommit",
            canary.name
        )),
        "git-credential-codecommit",
        None,
        vec![release.clone()],
        "broken",
    )
    .resolve()
    .expect("the plan");
    let outcomes = gate::run(&plan, &codecommit_replay::default_scenarios_dir(), |_| {})
        .expect("the replay image ran");
    eprint!("{}", outcomes.summary());
    assert_eq!(
        outcomes.exit_code(),
        1,
        "a broken helper must fail the gate, not break it: {:?}",
        outcomes.failures()
    );
    let merged = outcomes.merged.as_ref().expect("a merged report");
    // Exactly the rows the canary table names fail, each with the reason.
    let failed: Vec<&str> = merged
        .contract_rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
        .map(|r| r.promise.as_str())
        .collect();
    assert_eq!(failed, canary.rows, "{:#?}", merged.contract_rows);
    let failures = outcomes.failures();
    for row in canary.rows {
        assert!(
            failures
                .iter()
                .any(|l| l.starts_with(&format!("contract row `{row}`: "))
                    && l.contains("promised it refuses")),
            "{row} missing from {failures:#?}"
        );
    }
    for scenario in canary.scenarios {
        assert!(
            merged
                .results
                .iter()
                .any(|r| r.scenario == *scenario && matches!(r.outcome, Outcome::Fail(_))),
            "{scenario} did not fail"
        );
    }
    // The reports a CI keeps say the same: the Markdown row and the JUnit failure.
    let markdown = std::fs::read_to_string(plan.out.join("replay.md")).expect("replay.md");
    assert!(
        markdown
            .lines()
            .any(|l| l.starts_with("| `hosts.look_alike` | refuses ") && l.contains("FAIL: ")),
        "{markdown}"
    );
    let junit = std::fs::read_to_string(plan.out.join("replay.xml")).expect("replay.xml");
    assert!(
        junit.contains("<testcase classname=\"contract\" name=\"hosts.look_alike\"")
            && junit.contains("<failure"),
        "{junit}"
    );
}

/// The answer the helper gave before the large-request fix (`always-authtype`) is a regression on
/// exactly the releases that leave an `authtype` credential off the probe of a large request:
/// caught on forky (git 2.53), by the contract row and the large-request scenarios; not on sid
/// (git 2.55), which carries it, where the same helper passes. The canary table says so.
#[test]
#[cfg_attr(
    missing_docker,
    ignore = "needs a Docker engine with the images of docker/build.sh (CODECOMMIT_TEST_DOCKER=1 makes it mandatory)"
)]
fn the_always_authtype_canary_is_caught_where_git_loses_the_probe_and_only_there() {
    let canary = CANARIES
        .iter()
        .find(|c| c.name == "always-authtype")
        .expect("the always-authtype canary");
    let releases = releases();
    for (release, caught) in [("forky", true), ("sid", false)] {
        assert!(
            releases.iter().any(|r| r == release),
            "{release} is not among the matrix releases {releases:?}"
        );
        require_replay_images(&[release.to_owned()]);
        let mut plan = plan(
            Helper::Command(format!(
                "codecommit-canary {} /usr/local/lib/codecommit/git-credential-codecommit",
                canary.name
            )),
            "git-credential-codecommit",
            None,
            vec![release.to_owned()],
            &format!("always-authtype-{release}"),
        );
        plan.scenarios = canary.scenarios.iter().map(|s| (*s).to_owned()).collect();
        let plan = plan.resolve().expect("the plan");
        let outcomes = gate::run(&plan, &codecommit_replay::default_scenarios_dir(), |_| {})
            .expect("the replay image ran");
        eprint!("{}", outcomes.summary());
        let merged = outcomes.merged.as_ref().expect("a merged report");
        let git = merged
            .results
            .first()
            .map(|r| r.git.clone())
            .unwrap_or_default();
        let holds = canary.only_on.is_some_and(|r| {
            codecommit_replay::version::GitVersion::parse(&git).is_some_and(|v| (r.holds)(v))
        });
        assert_eq!(
            holds, caught,
            "the canary table and git {git} on {release} disagree"
        );
        let failed_rows: Vec<&str> = merged
            .contract_rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .map(|r| r.promise.as_str())
            .collect();
        let failed_scenarios: Vec<&str> = canary
            .scenarios
            .iter()
            .copied()
            .filter(|s| {
                merged
                    .results
                    .iter()
                    .any(|r| r.scenario == *s && matches!(r.outcome, Outcome::Fail(_)))
            })
            .collect();
        if caught {
            assert_eq!(outcomes.exit_code(), 1, "{:?}", outcomes.failures());
            assert_eq!(failed_rows, canary.rows, "{:#?}", merged.contract_rows);
            assert_eq!(failed_scenarios, canary.scenarios, "git {git}");
        } else {
            assert_eq!(
                (outcomes.exit_code(), failed_rows, failed_scenarios),
                (0, Vec::new(), Vec::new()),
                "git {git}: {:?}",
                outcomes.failures()
            );
        }
    }
}
