//! Gating another helper on the suite, in containers: the replay images
//! (`codecommit-replay:<release>`, docker/replay/) run every scenario with their release's git
//! on a helper from outside this workspace, held to its contract; this module runs one container
//! per release with `docker run`, keeps each release's reports, and merges them into one JSON,
//! Markdown and JUnit report.
//!
//! The container does the work (docker/replay/entrypoint.sh): the setup command, the helper
//! command's wrapper, the replay, the per-release reports. Here: which files are mounted where,
//! which variables say so, how long each release took, and what the merged report says.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use codecommit_replay::report::{self, Format};
use codecommit_replay::result::{Outcome, Report};
use codecommit_replay::scenario::Scenario;

use crate::images::replay_image;

/// Where things land in the container (docker/replay/entrypoint.sh reads the variables).
pub const OUT_DIR: &str = "/out";
/// A directory of the helper project's (`--helper-dir`), read-only.
pub const HELPER_DIR: &str = "/helper";
/// A helper given as a file is mounted here, under its own name, read-only.
pub const HELPER_FILE_DIR: &str = "/opt/helper-file";
/// A contract given as a file, under its own name, read-only.
pub const CONTRACT_DIR: &str = "/opt/contract";
/// The CA bundle for the setup's downloads.
pub const CA_FILE: &str = "/run/codecommit/ca.pem";
/// A cache kept across runs and releases (pip's downloads and wheels).
pub const CACHE_DIR: &str = "/cache";

/// The helper under test, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Helper {
    /// An executable file on this machine: mounted into every container (it must run on every
    /// release's C library: a static binary, or a script whose interpreter the image has).
    File(PathBuf),
    /// A command run in the container, words split on spaces, its program found on the
    /// container's PATH after the setup (`/opt/aws/bin/aws`, `codecommit-canary any-host
    /// git-credential-codecommit`).
    Command(String),
}

/// The contract: a name pinned in scenarios/helpers/ (baked into the image), or a file here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contract {
    Name(String),
    File(PathBuf),
}

impl Contract {
    /// A path to an existing file is a file; anything else names a pinned contract.
    pub fn parse(text: &str) -> Contract {
        let path = Path::new(text);
        if path.is_file() {
            Contract::File(path.to_path_buf())
        } else {
            Contract::Name(text.to_owned())
        }
    }
}

/// One gating run: a helper, its contract, the releases, where the reports go.
#[derive(Debug, Clone)]
pub struct Plan {
    pub helper: Helper,
    pub contract: Contract,
    /// A shell command run in each container before the replay (installing the helper).
    pub setup: Option<String>,
    /// Mounted read-only at [`HELPER_DIR`] (the helper project's checkout, a wheel, a binary).
    pub helper_dir: Option<PathBuf>,
    pub releases: Vec<String>,
    /// Reports: `<release>.json|md|xml|log`, then `replay.json|md|xml` merged.
    pub out: PathBuf,
    /// A CA bundle for the setup's downloads (a proxy that re-signs TLS); none on a plain runner.
    pub ca_file: Option<PathBuf>,
    /// Kept across runs (pip's cache), mounted at [`CACHE_DIR`].
    pub cache: Option<PathBuf>,
    /// Variants replayed at once in each container.
    pub jobs: usize,
    /// Only these scenarios (all when empty).
    pub scenarios: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Report(String),
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> GateError {
    let path = path.to_path_buf();
    move |source| GateError::Io { what, path, source }
}

fn absolute(path: &Path) -> Result<PathBuf, GateError> {
    std::fs::canonicalize(path).map_err(io("cannot find", path))
}

fn file_name(path: &Path) -> Result<String, GateError> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| GateError::Usage(format!("{} has no file name", path.display())))
}

/// Where a file of this machine is mounted in the container: `dir/<its name>` (`unnamed` for a
/// path without one, which [`Plan::resolve`] refuses anyway).
fn inside(dir: &str, path: &Path, unnamed: &str) -> String {
    let name = path
        .file_name()
        .map_or_else(|| unnamed.into(), |n| n.to_string_lossy().into_owned());
    format!("{dir}/{name}")
}

/// The `docker run` arguments for one release (without the leading `docker`). Paths on this
/// machine must already be absolute ([`Plan::resolve`]).
pub fn docker_args(plan: &Plan, release: &str, owner: Option<(u32, u32)>) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "run".into(),
        "--rm".into(),
        "--name".into(),
        crate::unique_name(&format!("replay-{release}")),
    ];
    let mut mount = |host: &Path, container: &str, read_only: bool| {
        args.push("--volume".into());
        args.push(format!(
            "{}:{container}{}",
            host.display(),
            if read_only { ":ro" } else { "" }
        ));
    };
    mount(&plan.out, OUT_DIR, false);
    let mut env: Vec<(&str, String)> = vec![("CODECOMMIT_OUT", OUT_DIR.into())];
    match &plan.helper {
        Helper::File(path) => {
            let inside = inside(HELPER_FILE_DIR, path, "helper");
            mount(path, &inside, true);
            env.push(("CODECOMMIT_HELPER", inside));
        }
        Helper::Command(command) => env.push(("CODECOMMIT_HELPER", command.clone())),
    }
    match &plan.contract {
        Contract::Name(name) => env.push(("CODECOMMIT_CONTRACT", name.clone())),
        Contract::File(path) => {
            let inside = inside(CONTRACT_DIR, path, "contract.toml");
            mount(path, &inside, true);
            env.push(("CODECOMMIT_CONTRACT", inside));
        }
    }
    if let Some(dir) = &plan.helper_dir {
        mount(dir, HELPER_DIR, true);
    }
    if let Some(ca) = &plan.ca_file {
        mount(ca, CA_FILE, true);
        env.push(("CODECOMMIT_CA_FILE", CA_FILE.into()));
    }
    if let Some(cache) = &plan.cache {
        mount(cache, CACHE_DIR, false);
        env.push(("CODECOMMIT_CACHE", CACHE_DIR.into()));
    }
    if let Some(setup) = &plan.setup {
        env.push(("CODECOMMIT_SETUP", setup.clone()));
    }
    if let Some((uid, gid)) = owner {
        env.push(("CODECOMMIT_OWNER", format!("{uid}:{gid}")));
    }
    env.push(("CODECOMMIT_JOBS", plan.jobs.to_string()));
    for (name, value) in env {
        args.push("--env".into());
        args.push(format!("{name}={value}"));
    }
    args.push(replay_image(release));
    for scenario in &plan.scenarios {
        args.push("--scenario".into());
        args.push(scenario.clone());
    }
    args
}

impl Plan {
    /// The same plan with every path on this machine absolute (docker needs that), the output and
    /// cache directories created, and the helper file and contract file checked.
    pub fn resolve(mut self) -> Result<Plan, GateError> {
        std::fs::create_dir_all(&self.out).map_err(io("cannot create", &self.out))?;
        self.out = absolute(&self.out)?;
        if let Some(cache) = &self.cache {
            std::fs::create_dir_all(cache).map_err(io("cannot create", cache))?;
            self.cache = Some(absolute(cache)?);
        }
        if let Helper::File(path) = &self.helper {
            let path = absolute(path)?;
            file_name(&path)?;
            self.helper = Helper::File(path);
        }
        if let Contract::File(path) = &self.contract {
            self.contract = Contract::File(absolute(path)?);
        }
        if let Some(dir) = &self.helper_dir {
            self.helper_dir = Some(absolute(dir)?);
        }
        if let Some(ca) = &self.ca_file {
            self.ca_file = Some(absolute(ca)?);
        }
        if self.releases.is_empty() {
            return Err(GateError::Usage("no release to replay on".into()));
        }
        Ok(self)
    }
}

/// What one release's container did.
#[derive(Debug, Clone)]
pub struct ReleaseRun {
    pub release: String,
    /// The container's exit status: 0 all passed, 1 something failed (the report says what), 2
    /// the replay could not run, 3 the setup failed; 125 and up are docker's own.
    pub code: i32,
    pub seconds: f64,
    /// Its report, when it wrote one.
    pub report: Option<Report>,
    /// Everything the container printed.
    pub log: PathBuf,
}

/// The whole run: each release, and the merged report.
#[derive(Debug, Clone)]
pub struct Outcomes {
    pub runs: Vec<ReleaseRun>,
    pub merged: Option<Report>,
    /// Why the run cannot count (a release without a report, reports that do not merge).
    pub broken: Vec<String>,
}

impl Outcomes {
    /// 0 when every contract row and variant passed on every release, 1 when one failed (the
    /// reports say why), 2 when a release could not be replayed.
    pub fn exit_code(&self) -> u8 {
        if !self.broken.is_empty() {
            return 2;
        }
        let failed = self.runs.iter().any(|r| r.code != 0)
            || self.merged.as_ref().is_none_or(|m| m.counts().1 > 0);
        u8::from(failed)
    }

    /// What went wrong, one line per broken run, failed contract row and failed variant.
    pub fn failures(&self) -> Vec<String> {
        let mut lines = self.broken.clone();
        if let Some(merged) = &self.merged {
            for row in &merged.contract_rows {
                if let Outcome::Fail(why) = &row.outcome {
                    // The reason names the promise and what the helper did.
                    lines.push(format!("contract row `{}`: {why}", row.promise));
                }
            }
            for r in &merged.results {
                if let Outcome::Fail(why) = &r.outcome {
                    lines.push(format!(
                        "{} / {} on git {}: {why}",
                        r.scenario, r.variant, r.git
                    ));
                }
            }
        }
        lines
    }

    /// One line per release: its git, counts and time.
    pub fn summary(&self) -> String {
        let mut text = String::new();
        for run in &self.runs {
            let _ = write!(text, "{}: ", run.release);
            match &run.report {
                Some(report) => {
                    let (pass, fail, skip) = report.counts();
                    let git = report.results.first().map_or("?", |r| r.git.as_str());
                    let _ = write!(
                        text,
                        "git {git}, {}: {pass} passed, {fail} failed, {skip} skipped",
                        report.helper
                    );
                }
                None => {
                    let _ = write!(text, "no report (exit {})", run.code);
                }
            }
            let _ = writeln!(
                text,
                ", {:.0} s (setup and replay), log {}",
                run.seconds,
                run.log.display()
            );
        }
        text
    }
}

/// Runs the plan: one container per release, one after the other (each replays on several
/// threads), then the merged reports in `plan.out`. `progress` gets a line as each release ends.
pub fn run(
    plan: &Plan,
    scenarios_dir: &Path,
    mut progress: impl FnMut(&ReleaseRun),
) -> Result<Outcomes, GateError> {
    let owner = owner(&plan.out);
    let mut runs = Vec::new();
    let mut broken = Vec::new();
    for release in &plan.releases {
        let json = plan.out.join(format!("{release}.json"));
        // A report left by an earlier run must not stand in for this one.
        for ext in ["json", "md", "xml"] {
            let stale = plan.out.join(format!("{release}.{ext}"));
            if stale.exists() {
                std::fs::remove_file(&stale).map_err(io("cannot remove", &stale))?;
            }
        }
        let log = plan.out.join(format!("{release}.log"));
        let log_file = std::fs::File::create(&log).map_err(io("cannot create", &log))?;
        let err_file = log_file.try_clone().map_err(io("cannot open", &log))?;
        let started = Instant::now();
        let status = Command::new("docker")
            .args(docker_args(plan, release, owner))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .status()
            .map_err(io("cannot run docker for", Path::new(release)))?;
        let code = status.code().unwrap_or(-1);
        let report = match std::fs::read_to_string(&json) {
            Ok(text) => match report::from_json(&text) {
                Ok(report) => Some(report),
                Err(e) => {
                    broken.push(format!("{release}: {}: {e}", json.display()));
                    None
                }
            },
            Err(_) => None,
        };
        if report.is_none() || !(code == 0 || code == 1) {
            broken.push(format!(
                "{release}: the container exited {code}{} (see {})",
                if code == 3 {
                    ", the setup command failed"
                } else {
                    ""
                },
                log.display()
            ));
        }
        let run = ReleaseRun {
            release: release.clone(),
            code,
            seconds: started.elapsed().as_secs_f64(),
            report,
            log,
        };
        progress(&run);
        runs.push(run);
    }
    let reports: Vec<(String, Report)> = runs
        .iter()
        .filter_map(|r| r.report.clone().map(|rep| (r.release.clone(), rep)))
        .collect();
    let merged = if reports.is_empty() {
        None
    } else {
        match report::merge(one_helper_name(reports)) {
            Ok(merged) => Some(merged),
            Err(e) => {
                broken.push(format!("the releases' reports do not merge: {e}"));
                None
            }
        }
    };
    if let Some(merged) = &merged {
        let scenarios = Scenario::load_dir(scenarios_dir).map_err(|e| {
            GateError::Report(format!("scenarios in {}: {e}", scenarios_dir.display()))
        })?;
        for (format, ext) in [
            (Format::Json, "json"),
            (Format::Markdown, "md"),
            (Format::Junit, "xml"),
        ] {
            let path = plan.out.join(format!("replay.{ext}"));
            std::fs::write(&path, report::render(format, merged, &scenarios))
                .map_err(io("cannot write", &path))?;
        }
    }
    Ok(Outcomes {
        runs,
        merged,
        broken,
    })
}

/// The same helper names itself differently on each release when its version line carries the
/// release's interpreter (`aws-cli/1.46.3 python/3.11.2`): the merged report names each, once.
fn one_helper_name(reports: Vec<(String, Report)>) -> Vec<Report> {
    let mut names: Vec<(String, Vec<String>)> = Vec::new();
    for (release, report) in &reports {
        match names.iter_mut().find(|(n, _)| n == &report.helper) {
            Some((_, releases)) => releases.push(release.clone()),
            None => names.push((report.helper.clone(), vec![release.clone()])),
        }
    }
    let name = if names.len() == 1 {
        names.remove(0).0
    } else {
        names
            .iter()
            .map(|(n, releases)| format!("{n} ({})", releases.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    reports
        .into_iter()
        .map(|(_, mut report)| {
            report.helper.clone_from(&name);
            report
        })
        .collect()
}

/// Who owns the output directory here: the container, running as root, gives the reports and
/// the cache back to them.
#[cfg(unix)]
fn owner(dir: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.uid(), m.gid()))
}

#[cfg(not(unix))]
fn owner(_: &Path) -> Option<(u32, u32)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(helper: Helper, contract: Contract) -> Plan {
        Plan {
            helper,
            contract,
            setup: Some("python3 -m venv /opt/aws && /opt/aws/bin/pip install awscli".into()),
            helper_dir: None,
            releases: vec!["bookworm".into()],
            out: PathBuf::from("/work/out"),
            ca_file: Some(PathBuf::from("/etc/ssl/ca.pem")),
            cache: Some(PathBuf::from("/work/cache")),
            jobs: 2,
            scenarios: vec!["baseline-aws-cli-helper".into()],
        }
    }

    fn after<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
        args.windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn a_helper_command_and_a_pinned_contract_travel_as_variables() {
        let args = docker_args(
            &plan(
                Helper::Command("/opt/aws/bin/aws".into()),
                Contract::Name("aws-cli-v1".into()),
            ),
            "bookworm",
            Some((1000, 1000)),
        );
        assert_eq!(args[..2], ["run", "--rm"]);
        assert_eq!(
            after(&args, "--volume"),
            [
                "/work/out:/out",
                "/etc/ssl/ca.pem:/run/codecommit/ca.pem:ro",
                "/work/cache:/cache"
            ]
        );
        assert_eq!(
            after(&args, "--env"),
            [
                "CODECOMMIT_OUT=/out",
                "CODECOMMIT_HELPER=/opt/aws/bin/aws",
                "CODECOMMIT_CONTRACT=aws-cli-v1",
                "CODECOMMIT_CA_FILE=/run/codecommit/ca.pem",
                "CODECOMMIT_CACHE=/cache",
                "CODECOMMIT_SETUP=python3 -m venv /opt/aws && /opt/aws/bin/pip install awscli",
                "CODECOMMIT_OWNER=1000:1000",
                "CODECOMMIT_JOBS=2",
            ]
        );
        // The image, then the entrypoint's arguments (passed on to `codecommit-replay replay`).
        let image = args
            .iter()
            .position(|a| a == "codecommit-replay:bookworm")
            .expect("the release's replay image");
        assert_eq!(args[image + 1..], ["--scenario", "baseline-aws-cli-helper"]);
    }

    #[test]
    fn a_helper_file_and_a_contract_file_are_mounted_read_only_under_their_names() {
        let mut p = plan(
            Helper::File("/src/target/release/my-helper".into()),
            Contract::File("/src/ci/my-helper.toml".into()),
        );
        p.helper_dir = Some("/src".into());
        (p.setup, p.ca_file, p.cache) = (None, None, None);
        let args = docker_args(&p, "sid", None);
        assert_eq!(
            after(&args, "--volume"),
            [
                "/work/out:/out",
                "/src/target/release/my-helper:/opt/helper-file/my-helper:ro",
                "/src/ci/my-helper.toml:/opt/contract/my-helper.toml:ro",
                "/src:/helper:ro",
            ]
        );
        let env = after(&args, "--env");
        assert!(env.contains(&"CODECOMMIT_HELPER=/opt/helper-file/my-helper"));
        assert!(env.contains(&"CODECOMMIT_CONTRACT=/opt/contract/my-helper.toml"));
        assert!(!env.iter().any(|e| e.starts_with("CODECOMMIT_SETUP=")
            || e.starts_with("CODECOMMIT_OWNER=")
            || e.starts_with("CODECOMMIT_CACHE=")));
        assert!(args.contains(&"codecommit-replay:sid".to_owned()));
    }

    fn report(helper: &str, fail: bool) -> Report {
        let mut r: Report = report::from_json(&format!(
            r#"{{"helper":"{helper}","contract":"aws-cli-v1","contract_rows":[
                {{"promise":"expiry","promised":"no expiry","observed":"no expiry","outcome":"{}"{}}}],
                "results":[]}}"#,
            if fail { "fail" } else { "pass" },
            if fail {
                r#","first_mismatch":"it printed one""#
            } else {
                ""
            }
        ))
        .expect("a report");
        r.results.clear();
        r
    }

    #[test]
    fn one_helper_named_differently_per_release_merges_under_every_name() {
        let merged = report::merge(one_helper_name(vec![
            (
                "bullseye".into(),
                report("aws-cli/1.46.3 python/3.9.2", false),
            ),
            (
                "bookworm".into(),
                report("aws-cli/1.46.3 python/3.11.2", false),
            ),
            (
                "trixie".into(),
                report("aws-cli/1.46.3 python/3.11.2", false),
            ),
        ]))
        .expect("merges");
        assert_eq!(
            merged.helper,
            "aws-cli/1.46.3 python/3.9.2 (bullseye); aws-cli/1.46.3 python/3.11.2 (bookworm, trixie)"
        );
        let same = one_helper_name(vec![("sid".into(), report("h 1.0", false))]);
        assert_eq!(same[0].helper, "h 1.0");
    }

    #[test]
    fn a_failed_row_fails_the_run_and_says_why_and_a_missing_report_breaks_it() {
        let run = |code, report: Option<Report>| ReleaseRun {
            release: "trixie".into(),
            code,
            seconds: 1.0,
            report,
            log: "/work/out/trixie.log".into(),
        };
        let failed = Outcomes {
            runs: vec![run(1, Some(report("h", true)))],
            merged: Some(report("h", true)),
            broken: vec![],
        };
        assert_eq!(failed.exit_code(), 1);
        assert_eq!(failed.failures(), ["contract row `expiry`: it printed one"]);
        let passed = Outcomes {
            runs: vec![run(0, Some(report("h", false)))],
            merged: Some(report("h", false)),
            broken: vec![],
        };
        assert_eq!(passed.exit_code(), 0);
        assert!(passed.failures().is_empty());
        // A container that exited 1 fails the run even if its report were to say nothing failed.
        let disagreeing = Outcomes {
            runs: vec![run(1, Some(report("h", false)))],
            ..passed.clone()
        };
        assert_eq!(disagreeing.exit_code(), 1);
        let broken = Outcomes {
            runs: vec![run(3, None)],
            merged: None,
            broken: vec!["trixie: the container exited 3".into()],
        };
        assert_eq!(broken.exit_code(), 2);
        assert_eq!(broken.failures(), ["trixie: the container exited 3"]);
    }
}
