//! Every canary (a helper broken in one realistic way) is caught, by exactly the contract rows
//! and by the scenarios `canary::CANARIES` names; the unbroken helper and one that answers in
//! CR LF pass everything. This is what shows that the replay gates a helper change instead of
//! adapting to it.
use super::support::{
    CANARY, edited, gits, newest_git, replay_on_newest, scenarios, tools, workspace_helper,
};
use codecommit_replay::canary::{self, CANARIES};
use codecommit_replay::contract::{self, Contract};
use codecommit_replay::helper::HelperUnderTest;
use codecommit_replay::replay::{Plan, replay};
use codecommit_replay::result::{Outcome, Report};
use std::collections::BTreeSet;

fn canary_helper(name: &str, dir: &std::path::Path) -> HelperUnderTest {
    let real = workspace_helper().program;
    let script = canary::install(dir, std::path::Path::new(CANARY), &real, name)
        .expect("the canary script is written");
    HelperUnderTest::new(&script, Contract::workspace().shapes.native).expect("the canary runs")
}

/// The newest git on the machine, and the scenarios named (all of them for an empty list).
fn replay_with(helper: &HelperUnderTest, only: &[&str]) -> Report {
    let mut all = scenarios();
    if !only.is_empty() {
        all.retain(|s| only.contains(&s.name.as_str()));
        assert_eq!(
            all.len(),
            only.len(),
            "a canary names a scenario that does not exist: {only:?}"
        );
    }
    let newest = [newest_git()];
    let tools = tools();
    let contract = Contract::workspace();
    let plan = Plan {
        scenarios: &all,
        gits: &newest,
        helper,
        contract: Some(&contract),
        tools: &tools,
        jobs: 4,
        keep: false,
        progress: false,
    };
    replay(&plan).expect("the replay runs")
}

/// The incremental fetch of `many-refs-small-post-buffer` on its own: with the clone and the
/// first fetch given a 1 MiB post buffer, only the fetch of the 2,000 tags others pushed is over
/// it. On a git that leaves an authtype answer off the probe, the always-authtype canary fails
/// that step; on any other git the edited symptom passes with it.
#[test]
fn the_fetch_of_new_tags_alone_catches_the_always_authtype_canary_where_git_loses_the_probe() {
    const ROOMY: &str = "\"-c\", \"http.postBuffer=1048576\", ";
    let scenario = edited(
        "many-refs-small-post-buffer",
        &[
            (
                "git = [\"clone\", \"{url}\", \"repo\"]",
                &format!("git = [{ROOMY}\"clone\", \"{{url}}\", \"repo\"]"),
            ),
            (
                "name = \"fetch: nothing new\"\ngit = [\"-C\", \"repo\", ",
                &format!("name = \"fetch: nothing new\"\ngit = [\"-C\", \"repo\", {ROOMY}"),
            ),
        ],
    );
    let dir = tempfile::tempdir().expect("a directory for the canary");
    let helper = canary_helper("always-authtype", dir.path());
    let newest = newest_git();
    let results = replay_on_newest(scenario, &helper);
    let symptom = results
        .iter()
        .find(|r| r.variant == "symptom")
        .expect("the symptom ran");
    if newest.version.loses_authtype_on_probe() {
        assert!(
            matches!(&symptom.outcome, Outcome::Fail(why)
                if why.contains("step 'fetch: 2,000 new tags wanted in one request")),
            "git {}: the fetch of new tags must fail with an authtype answer: {symptom:#?}",
            newest.version
        );
    } else {
        assert_eq!(
            symptom.outcome,
            Outcome::Pass,
            "git {} carries the credential on the probe: {symptom:#?}",
            newest.version
        );
    }
}

fn check(name: &str) {
    let spec = CANARIES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no canary {name}"));
    let dir = tempfile::tempdir().expect("a directory for the canary");
    let helper = canary_helper(name, dir.path());
    let contract = Contract::workspace();
    let gits = gits();
    let rows = contract::rows(
        &contract,
        &contract::observe(&helper, &gits).expect("observed"),
    );
    // A regression that shows on some releases only: on the newest git here, if it is not one
    // of them, the canary must get through everything, as the helper does there.
    let newest = gits.iter().map(|g| g.version).max().expect("a git");
    let (wanted_rows, wanted_scenarios): (&[&str], &[&str]) = match spec.only_on {
        Some(releases) if !(releases.holds)(newest) => (&[], &[]),
        _ => (spec.rows, spec.scenarios),
    };
    let failed: BTreeSet<&str> = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
        .map(|r| r.promise.as_str())
        .collect();
    // Rows asked only where a git of their releases is found (`authtype`, `large_requests`)
    // are skipped elsewhere, and cannot catch anything there.
    let asked: BTreeSet<&str> = rows
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Skip(_)))
        .map(|r| r.promise.as_str())
        .collect();
    let wanted: BTreeSet<&str> = wanted_rows
        .iter()
        .copied()
        .filter(|r| asked.contains(r))
        .collect();
    assert_eq!(
        failed, wanted,
        "canary {name} ({}): the contract rows that failed are not the ones that must catch it:\n{rows:#?}",
        spec.what
    );
    if wanted_rows.is_empty() {
        // Must pass: the whole replay (or, for a regression of other releases, the scenarios
        // that catch it there), the newest git.
        let report = replay_with(&helper, spec.scenarios);
        let failures: Vec<String> = report
            .results
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Fail(why) => Some(format!("{} / {}: {why}", r.scenario, r.variant)),
                _ => None,
            })
            .collect();
        assert!(
            failures.is_empty(),
            "canary {name} must pass, but:\n{}",
            failures.join("\n")
        );
        return;
    }
    if wanted_scenarios.is_empty() {
        return;
    }
    let report = replay_with(&helper, wanted_scenarios);
    for scenario in wanted_scenarios {
        assert!(
            report
                .results
                .iter()
                .any(|r| r.scenario == *scenario && matches!(r.outcome, Outcome::Fail(_))),
            "canary {name} ({}) got through every variant of the scenario {scenario}:\n{:#?}",
            spec.what,
            report
                .results
                .iter()
                .filter(|r| r.scenario == *scenario)
                .map(|r| (&r.variant, &r.outcome))
                .collect::<Vec<_>>()
        );
    }
}

macro_rules! canaries {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            #[cfg_attr(
                missing_faketime,
                ignore = "needs libfaketime: the scenarios that catch canaries move the clock (apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1)"
            )]
            fn $test() { check($name); }
        )*

        #[test]
        fn every_canary_has_a_test() {
            let tested: BTreeSet<&str> = [$($name),*].into_iter().collect();
            let all: BTreeSet<&str> = CANARIES.iter().map(|c| c.name).collect();
            assert_eq!(tested, all);
        }
    };
}

canaries! {
    unbroken => "unbroken",
    crlf => "crlf",
    no_expiry => "no-expiry",
    lying_expiry => "lying-expiry",
    any_host => "any-host",
    plain_http => "plain-http",
    bad_signature => "bad-signature",
    wrong_region => "wrong-region",
    wrong_path => "wrong-path",
    no_session_token => "no-session-token",
    stale_clock => "stale-clock",
    banner => "banner",
    empty_answer => "empty-answer",
    answers_store => "answers-store",
    no_native_shape => "no-native-shape",
    no_authtype => "no-authtype",
    always_authtype => "always-authtype",
}
