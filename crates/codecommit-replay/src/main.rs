use clap::{Parser, Subcommand};
use codecommit_replay::contract::{self, Contract};
use codecommit_replay::helper::{HELPER_ENV, HelperUnderTest, workspace_binary};
use codecommit_replay::remote::{self, RemoteContract, RemoteUnderTest};
use codecommit_replay::report::{self, Format};
use codecommit_replay::sandbox::{Stores, Tools, find_faketime};
use codecommit_replay::scenario::Scenario;
use codecommit_replay::vocabulary::Store;
use codecommit_replay::{compare, gits, replay};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Replays the AWS CodeCommit HTTPS troubleshooting guide against real git.
#[derive(Debug, Parser)]
#[command(name = "codecommit-replay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay every scenario (symptom and fixes) with every git found
    Replay(ReplayArgs),
    /// Merge JSON reports (this machine's, the containers') into one report
    Report {
        /// Reports written by `replay --format json`
        #[arg(long = "input", value_name = "FILE", required = true)]
        inputs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        #[arg(long, value_name = "DIR")]
        scenarios: Option<PathBuf>,
    },
    /// Compare a replay with the stand-ins and a `replay --real-store STORE` of the same scenarios:
    /// exits 1 when they disagree, 2 when nothing could be compared
    Compare {
        /// The JSON report of the replay with the stand-ins
        #[arg(long = "stand-ins", value_name = "FILE")]
        stand_ins: PathBuf,
        /// The JSON report of the replay with --real-store
        #[arg(long = "real-stores", value_name = "FILE")]
        real_stores: PathBuf,
        /// Also write the comparison (Markdown) here
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the scenarios and their fixes
    List {
        #[arg(long, value_name = "DIR")]
        scenarios: Option<PathBuf>,
    },
    /// Check a helper against a contract only (no scenarios): one row per promise
    Contract {
        /// The helper to check (default: this workspace's git-credential-codecommit)
        #[arg(long, value_name = "PROGRAM")]
        helper: Option<PathBuf>,
        /// The contract: a name in scenarios/helpers/ or a file (default: git-credential-codecommit)
        #[arg(long, value_name = "NAME|FILE")]
        contract: Option<String>,
        #[arg(long, value_name = "DIR")]
        scenarios: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct ReplayArgs {
    /// Directory of scenario files (default: the workspace's scenarios/)
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// Only these scenarios (file names without .toml)
    #[arg(long = "scenario", value_name = "NAME")]
    only: Vec<String>,
    /// Git binaries to replay with (default: every git found; also CODECOMMIT_REPLAY_GITS)
    #[arg(long = "git", value_name = "PATH")]
    gits: Vec<PathBuf>,
    /// The helper under test: answers `PROGRAM codecommit credential-helper get` (default: this
    /// workspace's git-credential-codecommit; also CODECOMMIT_REPLAY_HELPER). Without
    /// --contract, a survey run: it records what the helper does and gates nothing
    #[arg(long, value_name = "PROGRAM")]
    helper: Option<PathBuf>,
    /// This project's git-credential-codecommit, for the doctor and `tool` steps (default: the
    /// one beside this program). In a container whose static binary libfaketime cannot move, the
    /// dynamic one.
    #[arg(long, value_name = "PROGRAM")]
    tool: Option<PathBuf>,
    /// The contract the helper is held to: a name in scenarios/helpers/ or a file (default:
    /// git-credential-codecommit when no --helper is given; also CODECOMMIT_REPLAY_CONTRACT)
    #[arg(long, value_name = "NAME|FILE")]
    contract: Option<String>,
    /// The remote helper under test, installed as git-remote-codecommit for `codecommit://`
    /// URLs (default: this workspace's, beside --tool); needs --remote-contract
    #[arg(long, value_name = "PROGRAM", requires = "remote_contract")]
    remote: Option<PathBuf>,
    /// The contract the remote helper is held to: a name in scenarios/remotes/ or a file
    /// (default: git-remote-codecommit)
    #[arg(long, value_name = "NAME|FILE")]
    remote_contract: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report here instead of stdout
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Variants replayed at once
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Keep each sandbox on disk (paths are in the JSON report) to rerun git by hand
    #[arg(long)]
    keep: bool,
    /// No progress lines on stderr
    #[arg(long)]
    quiet: bool,
    /// Where a scenario installs this store (osxkeychain, manager; repeatable), run this
    /// machine's real git-credential-osxkeychain or git-credential-manager (git's exec path,
    /// then PATH) behind the recorder instead of the stand-in; a variant fails when there is
    /// none. Isolation is the caller's: a throw-away default keychain (ci/real-stores.sh); GCM
    /// keeps its items in the sandbox (GCM_CREDENTIAL_STORE=dpapi). Variants run one at a time,
    /// since a keychain is shared. Expectations are the stand-ins': compare the report with a
    /// replay without this option (`compare`)
    #[arg(long = "real-store", value_name = "STORE", value_parser = parse_store)]
    real_stores: Vec<Store>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List { scenarios } => {
            let dir = scenarios.unwrap_or_else(codecommit_replay::default_scenarios_dir);
            match Scenario::load_dir(&dir) {
                Ok(all) => {
                    for s in all {
                        println!("{:<32} {}", s.name, s.title);
                        for f in &s.fixes {
                            println!("{:<32}   fix: {}", "", f.name);
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::Contract {
            helper,
            contract,
            scenarios,
        } => match contract_command(helper, contract, scenarios) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => fail(&e),
        },
        Command::Report {
            inputs,
            format,
            scenarios,
        } => match report_command(&inputs, format, scenarios) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Compare {
            stand_ins,
            real_stores,
            output,
        } => match compare_command(&stand_ins, &real_stores, output.as_deref()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => fail(&e),
        },
        Command::Replay(args) => match replay_command(args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => fail(&e),
        },
    }
}

fn report_command(
    inputs: &[PathBuf],
    format: Format,
    scenarios: Option<PathBuf>,
) -> Result<String, String> {
    let mut reports = Vec::new();
    for input in inputs {
        let text = std::fs::read_to_string(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        reports.push(report::from_json(&text).map_err(|e| format!("{}: {e}", input.display()))?);
    }
    let merged = report::merge(reports)?;
    let dir = scenarios.unwrap_or_else(codecommit_replay::default_scenarios_dir);
    let scenarios = Scenario::load_dir(&dir).map_err(|e| e.to_string())?;
    Ok(report::render(format, &merged, &scenarios))
}

fn parse_store(text: &str) -> Result<Store, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("'{text}' is not a store: osxkeychain or manager"))
}

fn compare_command(stand_ins: &Path, real: &Path, output: Option<&Path>) -> Result<bool, String> {
    let read = |path: &Path| {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        report::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let comparison = compare::compare(&read(stand_ins)?, &read(real)?)?;
    let text = compare::render(&comparison);
    print!("{text}");
    if let Some(path) = output {
        std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(comparison.disagreements.is_empty())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("codecommit-replay: {message}");
    ExitCode::from(2)
}

fn replay_command(args: ReplayArgs) -> Result<bool, String> {
    let dir = args
        .scenarios
        .clone()
        .unwrap_or_else(codecommit_replay::default_scenarios_dir);
    let mut scenarios = Scenario::load_dir(&dir).map_err(|e| e.to_string())?;
    if !args.only.is_empty() {
        if let Some(unknown) = args
            .only
            .iter()
            .find(|n| !scenarios.iter().any(|s| &s.name == *n))
        {
            return Err(format!(
                "no scenario '{unknown}' in {}; see `codecommit-replay list`",
                dir.display()
            ));
        }
        scenarios.retain(|s| args.only.contains(&s.name));
    }
    let gits = gits::discover(&args.gits)?;
    let helper_arg = args
        .helper
        .clone()
        .or_else(|| std::env::var_os(HELPER_ENV).map(PathBuf::from));
    let contract_arg = args
        .contract
        .clone()
        .or_else(|| std::env::var(CONTRACT_ENV).ok().filter(|c| !c.is_empty()));
    // This workspace's helper is held to its own contract; another helper named without a
    // contract is surveyed: its report documents and gates nothing.
    let contract = match (&helper_arg, contract_arg) {
        (_, Some(name)) => Some(Contract::load(&name, &dir)?),
        (None, None) => Some(Contract::load(contract::DEFAULT, &dir)?),
        (Some(_), None) => None,
    };
    let helper_path = match helper_arg {
        Some(path) => path,
        None => workspace_binary("git-credential-codecommit", "git-credential-codecommit")?,
    };
    let helper = HelperUnderTest::new(&helper_path, false)?;
    let tool = match &args.tool {
        Some(tool) => tool.clone(),
        None => workspace_binary("git-credential-codecommit", "git-credential-codecommit")?,
    };
    let remote_contract = RemoteContract::load(
        args.remote_contract.as_deref().unwrap_or(remote::DEFAULT),
        &dir,
    )?;
    let remote = match (&args.remote, &args.tool) {
        (Some(program), _) => RemoteUnderTest::new(program, remote_contract)?,
        // One build, two binaries: the remote helper is the one beside the tool.
        (None, Some(tool)) => RemoteUnderTest::beside(tool, remote_contract)?,
        (None, None) => RemoteUnderTest::new(
            &workspace_binary("git-credential-codecommit", remote::PROGRAM)?,
            remote_contract,
        )?,
    };
    let tools = Tools {
        standin: workspace_binary("codecommit-replay", "codecommit-standin")?,
        tool,
        faketime: find_faketime(),
        stores: Stores::real(args.real_stores.iter().copied()),
        remote,
    };
    if !args.quiet {
        eprintln!(
            "replaying {} scenarios with git {} and {}, {}",
            scenarios.len(),
            gits.iter()
                .map(|g| g.version.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            helper.name,
            match &contract {
                Some(c) => format!("held to the contract '{}'", c.name),
                None => "a survey run (no contract: it gates nothing)".to_owned(),
            }
        );
        eprintln!(
            "codecommit:// URLs: {}, held to the remote contract '{}'",
            tools.remote.program.display(),
            tools.remote.contract.name
        );
        if !args.real_stores.is_empty() {
            eprintln!(
                "real stores: this machine's {:?} (one variant at a time; other stores are stand-ins)",
                args.real_stores
            );
        }
    }
    let started = std::time::Instant::now();
    let plan = replay::Plan {
        scenarios: &scenarios,
        gits: &gits,
        helper: &helper,
        contract: contract.as_ref(),
        tools: &tools,
        // One keychain is shared by every variant of a real-store run.
        jobs: if args.real_stores.is_empty() {
            args.jobs
        } else {
            1
        },
        keep: args.keep,
        progress: !args.quiet,
    };
    let report = replay::replay(&plan)?;
    let text = report::render(args.format, &report, &scenarios);
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    let (pass, fail, skip) = report.counts();
    if !args.quiet {
        eprintln!(
            "{pass} passed, {fail} failed, {skip} skipped in {:.1} s{}",
            started.elapsed().as_secs_f64(),
            if report.gates() {
                ""
            } else {
                " (survey: gates nothing)"
            }
        );
    }
    Ok(fail == 0 || !report.gates())
}

/// `CODECOMMIT_REPLAY_CONTRACT`: the contract, as `--contract` names it.
const CONTRACT_ENV: &str = "CODECOMMIT_REPLAY_CONTRACT";

fn contract_command(
    helper: Option<PathBuf>,
    contract: Option<String>,
    scenarios: Option<PathBuf>,
) -> Result<bool, String> {
    let dir = scenarios.unwrap_or_else(codecommit_replay::default_scenarios_dir);
    let contract = Contract::load(contract.as_deref().unwrap_or(contract::DEFAULT), &dir)?;
    let path = match helper {
        Some(p) => p,
        None => workspace_binary("git-credential-codecommit", "git-credential-codecommit")?,
    };
    let helper = HelperUnderTest::new(&path, contract.shapes.native)?;
    // The promises that depend on git's release are asked as the gits found would ask them.
    let gits = gits::discover(&[])?;
    let rows = contract::rows(&contract, &contract::observe(&helper, &gits)?);
    println!("{} held to the contract '{}':", helper.name, contract.name);
    for row in &rows {
        println!(
            "{:<4} {:<24} {}",
            row.outcome.mark(),
            row.promise,
            row.observed
        );
        if let codecommit_replay::result::Outcome::Fail(why) = &row.outcome {
            println!("     {why}");
        }
    }
    Ok(rows
        .iter()
        .all(|r| !matches!(r.outcome, codecommit_replay::result::Outcome::Fail(_))))
}
