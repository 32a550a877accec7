use codecommit_replay::contract::Contract;
use codecommit_replay::gits::{self, Git};
use codecommit_replay::helper::HelperUnderTest;
use codecommit_replay::replay::{Plan, replay};
use codecommit_replay::result::RunResult;
use codecommit_replay::sandbox::{Tools, find_faketime};
use codecommit_replay::scenario::Scenario;
use std::path::PathBuf;

pub const STANDIN: &str = env!("CARGO_BIN_EXE_codecommit-standin");
pub const REPLAY: &str = env!("CARGO_BIN_EXE_codecommit-replay");
#[cfg(unix)] // Only the canaries use it, and they are Unix-only (main.rs).
pub const CANARY: &str = env!("CARGO_BIN_EXE_codecommit-canary");

pub fn scenarios() -> Vec<Scenario> {
    Scenario::load_dir(&codecommit_replay::default_scenarios_dir()).expect("the scenarios load")
}

pub fn gits() -> Vec<Git> {
    gits::discover(&[]).expect("at least one git")
}

pub fn tools() -> Tools {
    let faketime = find_faketime();
    if faketime.is_none() {
        // Scenarios that move the clock need libfaketime; CI installs it.
        assert!(
            !codecommit_testkit::strict(),
            "libfaketime not found (apt-get install libfaketime, or set CODECOMMIT_LIBFAKETIME to libfaketime.so.1); CODECOMMIT_TEST_STRICT is set"
        );
        eprintln!("libfaketime not found: scenarios that move the clock are skipped");
    }
    Tools {
        standin: PathBuf::from(STANDIN),
        tool: codecommit_testkit::binary::cargo_bin(
            "git-credential-codecommit",
            "git-credential-codecommit",
        ),
        faketime,
        stores: codecommit_replay::sandbox::Stores::default(),
        remote: workspace_remote(),
    }
}

/// This workspace's `git-remote-codecommit`, built from the current sources, held to its contract.
pub fn workspace_remote() -> codecommit_replay::remote::RemoteUnderTest {
    codecommit_replay::remote::RemoteUnderTest::new(
        &codecommit_testkit::binary::cargo_bin(
            "git-credential-codecommit",
            "git-remote-codecommit",
        ),
        codecommit_replay::remote::RemoteContract::load(
            codecommit_replay::remote::DEFAULT,
            &codecommit_replay::default_scenarios_dir(),
        )
        .expect("the workspace's remote contract"),
    )
    .expect("the workspace's git-remote-codecommit")
}

/// This workspace's helper, built beside the test binaries (`cargo test --workspace` builds it;
/// `cargo test -p codecommit-replay` builds it on demand).
pub fn workspace_helper() -> HelperUnderTest {
    // Built from the current sources: a helper left in target/ by another build must not decide.
    let path = codecommit_testkit::binary::cargo_bin(
        "git-credential-codecommit",
        "git-credential-codecommit",
    );
    HelperUnderTest::new(&path, true).expect("the workspace helper is there")
}

/// A scenario file from `scenarios/`, edited: each `(from, to)` replaces the first `from`, which
/// must be there (a test of an edited scenario must not pass because the file moved on).
pub fn edited(name: &str, edits: &[(&str, &str)]) -> Scenario {
    let dir = codecommit_replay::default_scenarios_dir();
    let file = dir.join(format!("{name}.toml"));
    let mut text = std::fs::read_to_string(&file).expect("the scenario is there");
    for (from, to) in edits {
        assert!(text.contains(from), "{name}.toml no longer has {from:?}");
        text = text.replacen(from, to, 1);
    }
    Scenario::parse(name, &file, &text).expect("the edited scenario loads")
}

/// The newest git on the machine: where the one-git tests replay.
pub fn newest_git() -> Git {
    gits()
        .into_iter()
        .max_by_key(|g| g.version)
        .expect("at least one git")
}

/// Replays one scenario with the newest git and `helper`, held to this workspace's contract.
pub fn replay_on_newest(scenario: Scenario, helper: &HelperUnderTest) -> Vec<RunResult> {
    let scenarios = [scenario];
    let gits = [newest_git()];
    let tools = tools();
    let contract = Contract::workspace();
    let plan = Plan {
        scenarios: &scenarios,
        gits: &gits,
        helper,
        contract: Some(&contract),
        tools: &tools,
        jobs: 2,
        keep: false,
        progress: false,
    };
    replay(&plan).expect("the replay runs").results
}
