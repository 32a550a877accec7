//! `git-remote-codecommit`, ours beside the Python package (PyPI `git-remote-codecommit`, found
//! through CODECOMMIT_TEST_GRC or PATH), interleaved in one run so machine noise hits both alike:
//!
//! - start-up: the helper alone, as git starts it (`git-remote-codecommit origin URL`), with a
//!   `git` on PATH that exits at once, so the figure is the helper's work up to its hand-over;
//! - `git ls-remote codecommit::us-east-2://MyDemoRepo` through the mock (real git, real TLS,
//!   CodeCommit's SigV4 check), beside `git ls-remote https://…` with the credential helper, the
//!   way the guide's other recommendation reaches the same repository.
//!
//! Ours is the build the README installs (`installed_bin`: on Linux, a static-pie).
//!
//! `cargo bench -p git-credential-codecommit --bench remote`. Figures are printed, not asserted.
use codecommit_mock::{Config, Mock, Options};
use codecommit_testkit::bench::{self, median, ms, timed};
use codecommit_testkit::binary::installed_bin;
use codecommit_testkit::world::{ALICE_KEY, ALICE_SECRET, REGION, REPO};
use codecommit_testkit::{Sandbox, find_tool};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A sandbox whose PATH holds its own `bin`, `dirs` (where the remote helper and git are) and the
/// system's (the Python package's interpreter).
fn sandbox(dirs: &[PathBuf]) -> Sandbox {
    let sandbox = Sandbox::new()
        .with_path(dirs.iter().cloned())
        .with_system_path();
    sandbox.write_aws_credentials(&format!(
        "[default]\naws_access_key_id = {ALICE_KEY}\naws_secret_access_key = {ALICE_SECRET}\n"
    ));
    sandbox.write_aws_config(&format!("[default]\nregion = {REGION}\n"));
    sandbox
}

/// Medians of `programs`, each measured by `run`, interleaved round by round.
fn interleaved(
    rounds: usize,
    programs: &[(&str, &dyn Fn() -> Command)],
) -> Vec<(String, Duration)> {
    for (_, command) in programs {
        timed(command()); // warm the page cache and Python's bytecode cache
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); programs.len()];
    for _ in 0..rounds {
        for (i, (_, command)) in programs.iter().enumerate() {
            samples[i].push(timed(command()));
        }
    }
    programs
        .iter()
        .zip(samples.iter_mut())
        .map(|((name, _), s)| (name.to_string(), median(s)))
        .collect()
}

fn report(title: &str, medians: &[(String, Duration)]) {
    println!("{title}");
    let first = medians[0].1.as_secs_f64();
    for (name, median) in medians {
        println!(
            "  {name}: median {} ({:.2}x the first)",
            ms(*median),
            median.as_secs_f64() / first
        );
    }
}

fn main() {
    if bench::filtered_out("remote") {
        return;
    }
    // Both as the README installs them (on Linux a static-pie), as the `get` benchmark measures.
    let ours = installed_bin("git-credential-codecommit", "git-remote-codecommit");
    let helper = installed_bin("git-credential-codecommit", "git-credential-codecommit");
    let Some(python) = find_tool("git-remote-codecommit", "CODECOMMIT_TEST_GRC") else {
        eprintln!("git-remote-codecommit (the Python package) not found: set CODECOMMIT_TEST_GRC");
        std::process::exit(1);
    };
    let git =
        find_tool("git", "CODECOMMIT_TEST_GIT").unwrap_or_else(|| PathBuf::from("/usr/bin/git"));
    let url = format!("codecommit::{REGION}://{REPO}");

    // Start-up: `git` is /bin/true, so each helper stops where it hands over.
    let startup = sandbox(&[]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("/bin/true", startup.bin().join("git")).expect("link");
    let run_alone = |program: &Path| {
        let mut command = startup.command(program);
        command.args(["origin", url.trim_start_matches("codecommit::")]);
        command
    };
    let medians = interleaved(
        40,
        &[
            ("/bin/true (the spawn floor)", &|| {
                startup.command("/bin/true")
            }),
            ("git-remote-codecommit, ours", &|| run_alone(&ours)),
            ("git-remote-codecommit, Python", &|| run_alone(&python)),
        ],
    );
    report(
        "start-up, up to the hand-over to git remote-http:",
        &medians,
    );

    // Through the mock: each helper's directory on PATH, in its own sandbox.
    let mock = Mock::start(
        Config::from_toml(&codecommit_testkit::world::mock_config())
            .expect("the world's mock config"),
        Options::default(),
    )
    .expect("the mock starts");
    let git_dir = git.parent().map(Path::to_path_buf).unwrap_or_default();
    let through = |dir: PathBuf, target: String, helper: Option<&Path>| {
        let sandbox = sandbox(&[dir, git_dir.clone()]);
        let proxy = mock.proxy_url();
        let ca = mock.ca_file().to_owned();
        let git = git.clone();
        let helper = helper.map(Path::to_path_buf);
        move || {
            let mut command = sandbox.command(&git);
            command
                .arg("-c")
                .arg(format!("http.proxy={proxy}"))
                .arg("-c")
                .arg(format!("http.sslCAInfo={}", ca.display()));
            if let Some(helper) = &helper {
                command
                    .arg("-c")
                    .arg(format!("credential.helper={}", helper.display()))
                    .args(["-c", "credential.UseHttpPath=true"]);
            }
            command.args(["ls-remote", &target]);
            command
        }
    };
    let python_dir = python.parent().map(Path::to_path_buf).unwrap_or_default();
    let ours_dir = ours.parent().map(Path::to_path_buf).unwrap_or_default();
    let https_url = codecommit_testkit::world::url();
    let with_ours = through(ours_dir.clone(), url.clone(), None);
    let with_python = through(python_dir, url.clone(), None);
    let with_helper = through(ours_dir, https_url, Some(&helper));
    let medians = interleaved(
        20,
        &[
            (
                "git ls-remote https://… with git-credential-codecommit",
                &with_helper,
            ),
            ("git ls-remote codecommit::… with ours", &with_ours),
            ("git ls-remote codecommit::… with Python", &with_python),
        ],
    );
    report(&format!("through the mock ({}):", git.display()), &medians);
}
