//! The `codecommit://` scenarios with each remote helper under test, held to its contract
//! (`scenarios/remotes/`): this workspace's and the Python package's (mandatory in CI). Each held
//! to the other's contract fails, naming the step: the expectations keyed on `profile_at` are
//! seen to fail.
use super::support::{gits, tools, workspace_helper, workspace_remote};
use codecommit_replay::contract::Contract;
use codecommit_replay::remote::{RemoteContract, RemoteUnderTest};
use codecommit_replay::replay::{Plan, replay};
use codecommit_replay::result::{Outcome, Report};
use codecommit_replay::scenario::Scenario;
use codecommit_testkit::require_tool;

fn remote_scenarios() -> Vec<Scenario> {
    let all =
        Scenario::load_dir(&codecommit_replay::default_scenarios_dir()).expect("scenarios load");
    let remote: Vec<Scenario> = all
        .into_iter()
        .filter(|s| s.name.starts_with("codecommit-url-"))
        .collect();
    assert!(
        remote.len() >= 6,
        "the codecommit:// scenarios: {}",
        remote.len()
    );
    remote
}

fn contract(name: &str) -> RemoteContract {
    RemoteContract::load(name, &codecommit_replay::default_scenarios_dir()).expect("loads")
}

fn replay_with(remote: RemoteUnderTest) -> Report {
    let scenarios = remote_scenarios();
    let gits = gits();
    let tools = codecommit_replay::sandbox::Tools { remote, ..tools() };
    let helper = workspace_helper();
    let helper_contract = Contract::workspace();
    replay(&Plan {
        scenarios: &scenarios,
        gits: &gits,
        helper: &helper,
        contract: Some(&helper_contract),
        tools: &tools,
        jobs: 4,
        keep: false,
        progress: false,
    })
    .expect("the replay runs")
}

/// `scenario / variant: why` of every failed run.
fn failures(report: &Report) -> Vec<String> {
    report
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Fail(why) => Some(format!(
                "{} / {} / git {}: {why}",
                r.scenario, r.variant, r.git
            )),
            _ => None,
        })
        .collect()
}

fn python() -> std::path::PathBuf {
    require_tool("git-remote-codecommit", "CODECOMMIT_TEST_GRC")
}

#[test]
#[cfg_attr(
    missing_faketime,
    ignore = "needs libfaketime, the scenarios move the clock: apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1"
)]
fn the_workspace_remote_helper_keeps_its_contract() {
    let report = replay_with(workspace_remote());
    assert_eq!(failures(&report), Vec::<String>::new());
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Pass));
}

#[test]
#[cfg_attr(
    any(missing_grc, missing_faketime),
    ignore = "needs git-remote-codecommit (CODECOMMIT_TEST_GRC) and libfaketime (apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1)"
)]
fn the_python_package_keeps_its_contract() {
    let remote = RemoteUnderTest::new(&python(), contract("python-git-remote-codecommit"))
        .expect("the Python package");
    let report = replay_with(remote);
    assert_eq!(failures(&report), Vec::<String>::new());
}

#[test]
#[cfg_attr(
    any(missing_grc, missing_faketime),
    ignore = "needs git-remote-codecommit (CODECOMMIT_TEST_GRC) and libfaketime (apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1)"
)]
fn each_remote_held_to_the_others_contract_fails_at_the_profile_with_an_at() {
    let ours = RemoteUnderTest {
        contract: contract("python-git-remote-codecommit"),
        ..workspace_remote()
    };
    let theirs = RemoteUnderTest::new(&python(), contract("git-remote-codecommit"))
        .expect("the Python package");
    for (who, remote) in [("ours", ours), ("python", theirs)] {
        let failed = failures(&replay_with(remote));
        let gits = gits().len();
        assert_eq!(failed.len(), gits, "{who}: one run per git: {failed:#?}");
        assert!(
            failed
                .iter()
                .all(|f| f.starts_with("codecommit-url-profile-with-at / symptom /")),
            "{who}: {failed:#?}"
        );
    }
}
