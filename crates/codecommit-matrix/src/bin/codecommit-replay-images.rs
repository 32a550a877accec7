//! `codecommit-replay-images`: replays every scenario on another helper in the replay images
//! (`codecommit-replay:<release>`, built by docker/build.sh), one container per Debian release,
//! held to the helper's contract; writes each release's reports and the merged JSON, Markdown and
//! JUnit. Exit status: 0 every contract row and variant passed on every release, 1 one failed
//! (the reports and the lines printed say why), 2 the run itself could not be done.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use codecommit_matrix::engine;
use codecommit_matrix::gate::{self, Contract, Helper, Plan};
use codecommit_matrix::images::{releases, replay_image};

/// Gate a credential helper on the replay, on every git release of the image set.
#[derive(Debug, Parser)]
#[command(name = "codecommit-replay-images", version, about)]
struct Cli {
    /// The helper: an executable file here, mounted into each container (a static binary or a
    /// script whose interpreter the images have)
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "helper_command",
        required_unless_present = "helper_command"
    )]
    helper: Option<PathBuf>,
    /// The helper as a command in the container, words split on spaces, its program found on the
    /// container's PATH after the setup (`/opt/aws/bin/aws`)
    #[arg(long, value_name = "COMMAND")]
    helper_command: Option<String>,
    /// The contract: a name pinned in scenarios/helpers/ (aws-cli-v1, git-credential-codecommit)
    /// or a contract file here
    #[arg(long, value_name = "NAME|FILE")]
    contract: String,
    /// A shell command run in each container before the replay, to install the helper
    #[arg(long, value_name = "SHELL")]
    setup: Option<String>,
    /// A directory mounted read-only at /helper in each container (the helper's checkout)
    #[arg(long, value_name = "DIR")]
    helper_dir: Option<PathBuf>,
    /// Debian releases, space-separated (default: CODECOMMIT_MATRIX_RELEASES, else all five)
    #[arg(long, value_name = "LIST")]
    releases: Option<String>,
    /// Where the reports go
    #[arg(long, value_name = "DIR", default_value = "target/replay-images")]
    out: PathBuf,
    /// A CA bundle for the setup's downloads (default: SSL_CERT_FILE, when it names a file)
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// A cache directory kept across runs and releases (pip's downloads)
    #[arg(long, value_name = "DIR", default_value = "target/replay-images-cache")]
    cache: PathBuf,
    /// Variants replayed at once in each container
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Only these scenarios (default: every one)
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let helper = match (cli.helper, cli.helper_command) {
        (Some(file), _) => Helper::File(file),
        (None, Some(command)) => Helper::Command(command),
        (None, None) => unreachable!("clap requires one"),
    };
    let releases = match cli.releases {
        Some(list) => list.split_whitespace().map(str::to_owned).collect(),
        None => releases(),
    };
    let ca_file = cli.ca_file.or_else(|| {
        std::env::var_os("SSL_CERT_FILE")
            .map(PathBuf::from)
            .filter(|p| p.is_file())
    });
    let plan = Plan {
        helper,
        contract: Contract::parse(&cli.contract),
        setup: cli.setup,
        helper_dir: cli.helper_dir,
        releases,
        out: cli.out,
        ca_file,
        cache: Some(cli.cache),
        jobs: cli.jobs,
        scenarios: cli.scenarios,
    };
    let fail = |message: &str| {
        eprintln!("codecommit-replay-images: {message}");
        ExitCode::from(2)
    };
    let plan = match plan.resolve() {
        Ok(plan) => plan,
        Err(e) => return fail(&e.to_string()),
    };
    for release in &plan.releases {
        let image = replay_image(release);
        match engine::image_exists(&image) {
            Ok(true) => {}
            Ok(false) => {
                return fail(&format!(
                    "image {image} is not built (never pulled): run `docker/build.sh` (CODECOMMIT_MATRIX_RELEASES=\"{}\")",
                    plan.releases.join(" ")
                ));
            }
            Err(e) => return fail(&e.to_string()),
        }
    }
    let scenarios = codecommit_replay::default_scenarios_dir();
    let outcomes = gate::run(&plan, &scenarios, |run| {
        eprintln!(
            "codecommit-replay-images: {} exited {} after {:.0} s",
            run.release, run.code, run.seconds
        );
    });
    let outcomes = match outcomes {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    print!("{}", outcomes.summary());
    let failures = outcomes.failures();
    if !failures.is_empty() {
        println!("\n{} failed:", failures.len());
        for line in &failures {
            println!("- {line}");
        }
    }
    if outcomes.merged.is_some() {
        println!(
            "\nreports: {0}/replay.json, {0}/replay.md, {0}/replay.xml (each release's: {0}/<release>.json|md|xml|log)",
            plan.out.display()
        );
    }
    ExitCode::from(outcomes.exit_code())
}
