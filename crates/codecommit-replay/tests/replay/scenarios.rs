//! Every scenario, every git, the helpers under test: each variant must come out as its file
//! says, and the transcripts of this workspace's helper must match their snapshots.
use super::support::{edited, gits, replay_on_newest, scenarios, tools, workspace_helper};
use codecommit_replay::contract::Contract;
use codecommit_replay::helper::HelperUnderTest;
use codecommit_replay::replay::{Plan, replay};
use codecommit_replay::result::{Outcome, Report, RunResult};
use codecommit_testkit::require_tool;
use std::fmt::Write;

fn replay_all(helper: &HelperUnderTest, contract: &Contract) -> Report {
    let scenarios = scenarios();
    let gits = gits();
    let tools = tools();
    let plan = Plan {
        scenarios: &scenarios,
        gits: &gits,
        helper,
        contract: Some(contract),
        tools: &tools,
        jobs: 4,
        keep: false,
        progress: false,
    };
    replay(&plan).expect("the replay runs")
}

fn assert_all_pass(report: &Report) {
    let broken: Vec<String> = report
        .contract_rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Fail(why) => Some(why.clone()),
            _ => None,
        })
        .collect();
    assert!(
        broken.is_empty(),
        "the helper breaks its contract:\n{}",
        broken.join("\n")
    );
    let results = &report.results;
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Fail(why) => Some(format!(
                "{} / {} / git {} / {}: {why}",
                r.scenario, r.variant, r.git, r.helper
            )),
            _ => None,
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} runs failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n\n")
    );
    let skipped: Vec<&RunResult> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skip(_)))
        .collect();
    // The test is ignored where libfaketime is missing (build.rs), so here nothing may skip.
    assert!(skipped.is_empty(), "runs were skipped: {skipped:?}");
}

/// The transcript of one scenario with one git: every variant, every step.
fn transcript(results: &[&RunResult]) -> String {
    let mut out = String::new();
    for r in results {
        let _ = writeln!(out, "== {}", r.variant);
        for s in &r.steps {
            let _ = writeln!(out, "-- {}", s.name);
            if let Some(command) = &s.command {
                let _ = writeln!(out, "$ {command}\nexit {}", s.exit.unwrap_or(-1));
                for line in s.stdout.lines() {
                    let _ = writeln!(out, "stdout: {line}");
                }
                for line in s.stderr.lines() {
                    let _ = writeln!(out, "stderr: {line}");
                }
                for p in &s.prompts {
                    let _ = writeln!(out, "prompt: {p:?}");
                }
                for h in &s.helper_transcript {
                    let _ = writeln!(out, "helper: {h}");
                }
                let _ = writeln!(out, "mock: {}", s.mock.join(", "));
                for e in &s.exposed {
                    let _ = writeln!(out, "exposed: {e}");
                }
                if !s.doctor.is_empty() {
                    let _ = writeln!(out, "doctor: {}", s.doctor.join(", "));
                }
            }
            if let Some(e) = &s.expectation {
                let _ = writeln!(out, "expected for: {e}");
            }
        }
    }
    out
}

#[test]
#[cfg_attr(
    missing_faketime,
    ignore = "needs libfaketime for the scenarios that move the clock: apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn every_scenario_with_the_workspace_helper() {
    let helper = workspace_helper();
    let report = replay_all(&helper, &Contract::workspace());
    assert_all_pass(&report);
    // This helper refuses every host but CodeCommit's: nothing may leak anywhere.
    assert_eq!(report.findings(), Vec::new());
    let results = report.results;
    let snapshots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/snapshots");
    let scenarios = scenarios();
    let mut unrecorded = Vec::new();
    for git in gits() {
        let release = format!("git-{}.{}", git.version.major, git.version.minor);
        // A release nobody has recorded yet (another distribution's or platform's git): its
        // outcomes are checked above, its transcripts have nothing to be compared with. A loud,
        // counted skip (the build script warns too), never a comparison with nothing. A release
        // with transcripts must have one for every scenario: a new scenario is recorded for each.
        if !recorded(&snapshots, &release) {
            unrecorded.push(format!("{release} ({} scenarios)", scenarios.len()));
            continue;
        }
        for scenario in &scenarios {
            let runs: Vec<&RunResult> = results
                .iter()
                .filter(|r| r.scenario == scenario.name && r.git == git.version.to_string())
                .collect();
            let name = format!("{}@{release}", scenario.name);
            insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => true, omit_expression => true }, {
                insta::assert_snapshot!(name, transcript(&runs));
            });
        }
    }
    if !unrecorded.is_empty() {
        eprintln!(
            "TRANSCRIPTS NOT COMPARED for {}: none are recorded for these releases (outcomes were checked). Record them with INSTA_UPDATE=always cargo test -p codecommit-replay --test replay every_scenario_with_the_workspace_helper",
            unrecorded.join(", ")
        );
    }
}

/// Whether any transcript is recorded for `release` (`git-2.47`).
fn recorded(snapshots: &std::path::Path, release: &str) -> bool {
    let suffix = format!("@{release}.snap");
    std::fs::read_dir(snapshots)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with(&suffix))
}

/// The real `aws codecommit credential-helper` as the helper under test (mandatory in CI).
#[test]
// One `ignore` at most: two would be an unused attribute (a warning, so a clippy error) where
// both are missing, as on macOS.
#[cfg_attr(
    missing_aws,
    ignore = "needs the AWS CLI: set CODECOMMIT_TEST_AWS to a venv's aws, or put one on PATH"
)]
#[cfg_attr(
    all(missing_faketime, not(missing_aws)),
    ignore = "needs libfaketime for the scenarios that move the clock: apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn every_scenario_with_the_aws_cli_helper() {
    let aws = require_tool("aws", "CODECOMMIT_TEST_AWS");
    let contract = Contract::load("aws-cli-v1", &codecommit_replay::default_scenarios_dir())
        .expect("the AWS CLI's contract loads");
    let helper = HelperUnderTest::new(&aws, contract.shapes.native).expect("the AWS CLI is there");
    let report = replay_all(&helper, &contract);
    assert_all_pass(&report);
    // Its contract allows answering look-alike hosts and plain http: what leaked is recorded.
    let findings = report.findings();
    assert!(
        findings.iter().any(|f| f.exposed.contains("evil.example"))
            && findings.iter().any(|f| f.exposed.contains("(http)")),
        "the AWS CLI's leaks are not in the report's findings: {findings:#?}"
    );
}

fn replay_one(scenario: codecommit_replay::scenario::Scenario) -> Vec<RunResult> {
    replay_on_newest(scenario, &workspace_helper())
}

#[test]
fn a_failing_symptom_without_a_problem_finding_fails() {
    // Throttling is not on the machine; without saying so, the symptom fails the doctor's rule.
    let scenario = edited(
        "throttling",
        &[("doctor_sees_no_problem", "# doctor_sees_no_problem")],
    );
    let results = replay_one(scenario);
    let symptom = results
        .iter()
        .find(|r| r.variant == "symptom")
        .expect("the symptom ran");
    assert!(
        matches!(&symptom.outcome, Outcome::Fail(why) if why.contains("the doctor reported no problem at any step")),
        "{symptom:#?}"
    );
}

#[test]
#[cfg_attr(
    missing_faketime,
    ignore = "needs libfaketime for the scenarios that move the clock: apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn a_working_fix_that_still_shows_a_problem_fails_unless_it_says_so() {
    // The keychain's Deny fix works, yet the keychain still runs first: the step says so; without
    // that line, the variant fails.
    let why = deny_fix_with_doctor_line("");
    assert!(
        why.contains("the fix works, but the doctor still reports a problem"),
        "{why}"
    );
    // The declared expectation itself is compared: a wrong list fails too.
    let why = deny_fix_with_doctor_line("doctor = [\"aws-cli-unscoped\"]\n");
    assert!(why.contains("the doctor reported"), "{why}");
}

/// Replays the keychain scenario with its Deny fix's last step declaring `line` instead of the
/// doctor's findings; returns why that fix failed (it must).
fn deny_fix_with_doctor_line(line: &str) -> String {
    const HELPERS: &str =
        "helpers = [\"osxkeychain get\", \"aws get\", \"osxkeychain store\", \"aws store\"]";
    let scenario = edited(
        "macos-keychain-expired-password",
        &[(
            &format!("doctor = [\"storing-helper-first\", \"aws-cli-unscoped\"]\n{HELPERS}"),
            &format!("{line}{HELPERS}"),
        )],
    );
    let results = replay_one(scenario);
    let deny = results
        .iter()
        .find(|r| r.variant.contains("and Deny"))
        .expect("the Deny fix ran");
    match &deny.outcome {
        Outcome::Fail(why) => why.clone(),
        other => panic!("the edited Deny fix must fail, it came out {other:?}: {deny:#?}"),
    }
}
