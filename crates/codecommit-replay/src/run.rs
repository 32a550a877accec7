//! Replaying one variant (the symptom or a fix) of a scenario with one git and one helper: a
//! fresh sandbox and mock, then each step's action, its git command and the comparison with
//! what the step expects.

use crate::contract::Contract;
use crate::exec;
use crate::expect::{self, choose, compare};
use crate::gits::Git;
use crate::helper::HelperUnderTest;
use crate::result::{Outcome, RunResult, StepResult};
use crate::sandbox::{RealStore, Sandbox, Tools};
use crate::scenario::{Scenario, Step, Variant, parse_duration};
use crate::standin::{self, HelperCall, Prompt};
use crate::transcript::{Normalizer, collapse};
use crate::vocabulary::{DoctorFinding, Store, VariantKind};
use crate::workload::{self, Commit};
use crate::{skip, world};
use codecommit_testkit::env::ChildEnv;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long one git command may take before it is killed and the step fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything one variant's replay needs: what to replay, with which git, helper and contract.
#[derive(Debug, Clone, Copy)]
pub struct VariantRun<'a> {
    pub scenario: &'a Scenario,
    pub variant: &'a Variant<'a>,
    pub git: &'a Git,
    pub helper: &'a HelperUnderTest,
    pub contract: &'a Contract,
    pub tools: &'a Tools,
    /// The repository every mock repository starts as a clone of.
    pub seed: &'a Path,
    /// Leave the sandbox on disk (its path goes into the result).
    pub keep: bool,
}

impl VariantRun<'_> {
    /// Runs the variant from a fresh sandbox and mock; every failure ends up in the result.
    pub fn run(&self) -> RunResult {
        let started = Instant::now();
        let mut result = RunResult {
            scenario: self.scenario.name.clone(),
            variant: self.variant.name(),
            git: self.git.version.to_string(),
            helper: self.helper.name.clone(),
            outcome: Outcome::Pass,
            seconds: 0.0,
            sandbox: None,
            real_stores: Vec::new(),
            steps: Vec::new(),
        };
        if let Some(why) = skip::reason(self.variant, self.git, self.helper, self.tools) {
            result.outcome = Outcome::Skip(why);
            return result;
        }
        if let Err(error) = self.replay(&mut result) {
            result.outcome = Outcome::Fail(error);
        }
        // Milliseconds are all a report needs.
        result.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        result
    }

    fn replay(&self, result: &mut RunResult) -> Result<(), String> {
        let mut sandbox = Sandbox::new(
            &format!("{}-{}", self.scenario.name, self.git.version),
            self.keep,
        )
        .map_err(|e| e.to_string())?;
        if self.keep {
            result.sandbox = Some(sandbox.root().display().to_string());
        }
        sandbox
            .prepare(&self.variant.setup, self.git, self.helper, self.tools)
            .map_err(|e| e.to_string())?;
        result.real_stores = sandbox
            .real_stores()
            .values()
            .map(|r| format!("{}: {}", r.name, r.program.display()))
            .collect();
        let mock = start_mock(&sandbox, self.variant, self.git, self.seed)?;
        let mut session = Session {
            normalizer: Normalizer::new(sandbox.root(), mock.proxy_addr().port()),
            sandbox,
            mock: Some(mock),
            offset: 0,
            commits: 0,
            served_tags: self.variant.setup.served.tags,
            run: *self,
        };
        // A real keychain outlives the sandbox: each variant starts with nothing stored for the
        // world's hosts (GCM's store is in the sandbox, empty anyway).
        session.clear_real_stores()?;
        for step in self.variant.steps {
            let mut got = session.step(step)?;
            if !step.expect.is_empty() {
                match choose(
                    &step.expect,
                    &self.git.version,
                    self.contract,
                    &self.tools.remote.contract,
                ) {
                    Ok(expect) => {
                        got.expectation = expect::describe(expect);
                        got.mismatch = compare(expect, &got);
                    }
                    Err(why) => got.mismatch = Some(why),
                }
            }
            if let Some(mismatch) = &got.mismatch
                && result.outcome == Outcome::Pass
            {
                result.outcome = Outcome::Fail(format!("step '{}': {mismatch}", step.name));
            }
            result.steps.push(got);
        }
        if result.outcome == Outcome::Pass
            && let Some(why) = self.doctor_rule(&result.steps)
        {
            result.outcome = Outcome::Fail(why);
        }
        Ok(())
    }

    /// The doctor's promise to the variant as a whole: a symptom in which git fails shows a
    /// problem at some step (unless the scenario says why its cause is not on the machine), and a fix that
    /// ends with git succeeding ends with no problem (unless that step expects one, and says
    /// why).
    fn doctor_rule(&self, steps: &[StepResult]) -> Option<String> {
        match self.variant.kind {
            VariantKind::Symptom => {
                let failed = steps.iter().any(|s| s.exit.is_some_and(|e| e != 0));
                // A step without a command has no doctor findings.
                let seen = steps.iter().any(|s| s.doctor_problem());
                (failed && !seen && self.scenario.doctor_sees_no_problem.is_none()).then(|| {
                    "git fails in this symptom, yet the doctor reported no problem at any step; make it find the cause, or say why it cannot (doctor_sees_no_problem)".to_owned()
                })
            }
            VariantKind::Fix(_) => {
                let index = steps.iter().rposition(|s| s.exit.is_some())?;
                let last = &steps[index];
                let declared = choose(
                    &self.variant.steps[index].expect,
                    &self.git.version,
                    self.contract,
                    &self.tools.remote.contract,
                )
                .ok()
                .is_some_and(|e| e.doctor.is_some());
                (last.exit == Some(0) && last.doctor_problem() && !declared).then(|| {
                    format!(
                        "the fix works, but the doctor still reports a problem at its last step: {}",
                        last.doctor.join("; ")
                    )
                })
            }
        }
    }
}

/// A variant in progress: its sandbox, its mock and the clock. Dropping it stops what the
/// variant started, whichever way the replay ended.
struct Session<'a> {
    sandbox: Sandbox,
    mock: Option<codecommit_mock::MockHandle>,
    normalizer: Normalizer,
    /// Seconds the clock has moved since the variant began.
    offset: u64,
    /// Commits the user has made (each adds its own file).
    commits: u32,
    /// Tags the mock's repository holds (`[setup.served]` and the steps' `serve`).
    served_tags: u32,
    run: VariantRun<'a>,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // Best effort, with the same program that stored the items (another git's osxkeychain
        // would be a stranger to their access control).
        let _ = self.clear_real_stores();
        let Some(mock) = self.mock.take() else {
            return;
        };
        // A credential-cache daemon outlives git: stop it with the sandbox.
        let mut exit = Command::new(self.sandbox.git());
        exit.args(["credential-cache", "exit"])
            .current_dir(self.sandbox.work());
        self.apply_git_env(&mock, 0, &mut exit);
        let _ = exec::run(exit, None, Duration::from_secs(10));
        mock.shutdown();
    }
}

impl Session<'_> {
    fn mock(&self) -> &codecommit_mock::MockHandle {
        self.mock
            .as_ref()
            .unwrap_or_else(|| unreachable!("the mock lives as long as the session"))
    }

    /// Gives `command` the environment git gets in this sandbox (the mock's proxy and CA, the
    /// clock `clock_offset` seconds on): one place for git, the tool, real stores and the
    /// credential-cache daemon's `exit`.
    fn apply_git_env(
        &self,
        mock: &codecommit_mock::MockHandle,
        clock_offset: u64,
        command: &mut Command,
    ) {
        self.sandbox
            .env(
                &mock.proxy_url(),
                mock.ca_file(),
                clock_offset,
                self.run.tools,
                self.run.git.version,
            )
            .apply(command);
    }

    /// The step's action (time passes, the user forgets a stored item or edits a file), then
    /// its command (git or the tool), if it has one.
    fn step(&mut self, step: &Step) -> Result<StepResult, String> {
        let fail = |e: String| format!("step '{}': {e}", step.name);
        if let Some(advance) = &step.advance {
            self.offset += parse_duration(advance).map_err(fail)?;
            self.mock()
                .clock()
                .set_offset(i64::try_from(self.offset).unwrap_or(i64::MAX));
        }
        if let Some(forget) = &step.forget
            && let Some(real) = self.sandbox.real_stores().get(&forget.store)
        {
            // The user deletes the item in Keychain Access or Control Panel: here the real
            // program's `erase`, the nearest a job can come.
            let host = world::expand(&forget.host, &self.sandbox.placeholders()).map_err(fail)?;
            self.erase_real(real, &host).map_err(fail)?;
        } else if let Some(forget) = &step.forget {
            let file = match forget.store {
                Store::Osxkeychain => standin::KEYCHAIN_FILE,
                Store::Manager => standin::MANAGER_FILE,
            };
            let path = self.sandbox.standin_dir().join(file);
            let mut items = standin::load_items(&path);
            let host = world::expand(&forget.host, &self.sandbox.placeholders()).map_err(fail)?;
            items.retain(|i| !i.host.eq_ignore_ascii_case(&host));
            standin::save_items(&path, &items);
        }
        if let Some(write) = &step.write {
            self.sandbox
                .write(write.file, &write.text)
                .map_err(|e| fail(e.to_string()))?;
        }
        if let Some(commit) = &step.commit {
            self.commit(commit).map_err(fail)?;
        }
        if let Some(serve) = &step.serve {
            serve_tags(
                &self.sandbox,
                &self.sandbox.git(),
                self.served_tags + 1,
                serve.tags,
            )
            .map_err(fail)?;
            self.served_tags += serve.tags;
        }
        let mut result = StepResult {
            name: step.name.clone(),
            ..StepResult::default()
        };
        if let Some(jump) = &step.clock_jump {
            let by = parse_duration(&jump.by).map_err(fail)?;
            self.mock()
                .faults()
                .advance_clock_after(jump.after_requests, Duration::from_secs(by));
        }
        if step.runs_command() {
            let args = self.command(step, &mut result).map_err(fail)?;
            if step.clock_jump.is_some() {
                // The time that passed inside the command has passed for everyone after it.
                self.offset = u64::try_from(self.mock().clock().offset()).unwrap_or(self.offset);
                self.mock().faults().clear();
            }
            self.doctor(step, &args, &mut result).map_err(fail)?;
        }
        Ok(result)
    }

    /// The user adds a file of `commit.bytes` incompressible bytes to the clone `commit.repo` and
    /// commits it, with git's environment in this sandbox (nothing here talks to the mock).
    fn commit(&mut self, commit: &Commit) -> Result<(), String> {
        self.commits += 1;
        let repo = self.sandbox.work().join(&commit.repo);
        let name = format!("artefact-{}.bin", self.commits);
        std::fs::write(
            repo.join(&name),
            workload::incompressible(&name, commit.bytes.0),
        )
        .map_err(|e| format!("writing {name} in {}: {e}", commit.repo))?;
        let message = format!("Add {name} ({})", commit.bytes);
        for args in [
            vec!["add", name.as_str()],
            vec!["commit", "-q", "-m", &message],
        ] {
            let mut command = Command::new(self.sandbox.git());
            command.arg("-C").arg(&repo).args(&args);
            self.apply_git_env(self.mock(), self.offset, &mut command);
            let out = exec::run(command, None, STEP_TIMEOUT).map_err(|e| e.to_string())?;
            if out.exit != 0 {
                return Err(format!(
                    "git {} in {}: {}",
                    args.join(" "),
                    commit.repo,
                    self.normalizer.text(out.stderr_text().trim())
                ));
            }
        }
        Ok(())
    }

    /// Empties the real stores of a `--real-store` run that outlive the sandbox (a keychain)
    /// for the world's hosts. GCM's store is in the sandbox (`Sandbox::env`): nothing to clear,
    /// and a `get` it cannot prompt for is not worth a process per host.
    fn clear_real_stores(&self) -> Result<(), String> {
        for (_, real) in self
            .sandbox
            .real_stores()
            .iter()
            .filter(|(store, _)| **store == Store::Osxkeychain)
        {
            for host in [world::HOST, world::GITHUB_HOST] {
                self.erase_real(real, host)?;
            }
        }
        Ok(())
    }

    /// Makes a real store forget every item for `host`: `erase` until `get` answers no password
    /// (osxkeychain before git 2.45 erases one item per call), at most eight times.
    fn erase_real(&self, real: &RealStore, host: &str) -> Result<(), String> {
        let query = format!("protocol=https\nhost={host}\n");
        for _ in 0..8 {
            let got = self.run_store(real, "get", &query)?;
            let answer = standin::parse_pairs(&got.stdout);
            if !answer.iter().any(|(k, _)| k == "password") {
                return Ok(());
            }
            let user = answer
                .iter()
                .rev()
                .find(|(k, _)| k == "username")
                .map_or("", |(_, v)| v.as_str());
            self.run_store(real, "erase", &format!("{query}username={user}\n"))?;
        }
        Err(format!(
            "{} still answers for {host} after eight erases",
            real.name
        ))
    }

    /// Runs a real store program with git's environment in this sandbox.
    fn run_store(&self, real: &RealStore, op: &str, input: &str) -> Result<exec::Finished, String> {
        let mut command = Command::new(&real.program);
        command.arg(op).current_dir(self.sandbox.work());
        self.apply_git_env(self.mock(), 0, &mut command);
        exec::run(command, Some(format!("{input}\n").as_bytes()), STEP_TIMEOUT)
            .map_err(|e| format!("{} {op}: {e}", real.name))
    }

    /// Runs `command` with the environment git gets in this sandbox at this moment (the mock's
    /// proxy and CA, the clock's offset) and the step's own variables.
    fn run_in_sandbox(&self, mut command: Command, step: &Step) -> Result<exec::Finished, String> {
        self.apply_git_env(self.mock(), self.offset, &mut command);
        let extra = self.sandbox.placeholders();
        for (k, v) in &step.env {
            command.env(k, world::expand(v, &extra)?);
        }
        exec::run(command, None, STEP_TIMEOUT).map_err(|e| e.to_string())
    }

    /// Runs `git-credential-codecommit doctor --check-stores` in the state the step left, with
    /// the environment git had: for the CodeCommit URL the step used (the scenario's own
    /// otherwise), in the repository the step ran in (`-C`).
    /// `args` are the step's command's, placeholders expanded.
    fn doctor(&self, step: &Step, args: &[String], result: &mut StepResult) -> Result<(), String> {
        // A `codecommit:` URL goes to the doctor as it is (git-remote-codecommit's checks). The
        // repository's remote is looked up here, not left to the doctor (which finds remotes
        // itself): in a repository with none of CodeCommit's (a GitHub one) it stops with exit 2,
        // where the step still wants the scenario's URL examined.
        let remote_repository = args
            .windows(2)
            .find(|w| w[0] == "-C")
            .map(|w| self.sandbox.work().join(&w[1]).join(".git/config"))
            .and_then(|config| std::fs::read_to_string(config).ok())
            .and_then(|config| {
                config.lines().find_map(|line| {
                    line.trim()
                        .strip_prefix("url = ")
                        .filter(|u| u.starts_with("codecommit:"))
                        .map(str::to_owned)
                })
            });
        let url = args
            .iter()
            .find(|a| is_codecommit_url(a) || a.starts_with("codecommit:"))
            .cloned()
            .or(remote_repository)
            .map_or_else(|| world::expand("{url}", &self.sandbox.placeholders()), Ok)?;
        let dir = args
            .windows(2)
            .find(|w| w[0] == "-C")
            .map(|w| self.sandbox.work().join(&w[1]))
            .filter(|d| d.is_dir())
            .unwrap_or_else(|| self.sandbox.work().to_owned());
        let mut command = Command::new(&self.run.tools.tool);
        command
            .args(["doctor", "--format", "json", "--check-stores", &url])
            .current_dir(dir);
        let finished = self.run_in_sandbox(command, step)?;
        if finished.exit == 2 || finished.exit < 0 {
            return Err(format!(
                "the doctor could not run (exit {}): {}",
                finished.exit,
                self.normalizer.text(finished.stderr_text().trim())
            ));
        }
        #[derive(serde::Deserialize)]
        struct Said {
            findings: Vec<SaidFinding>,
        }
        #[derive(serde::Deserialize)]
        struct SaidFinding {
            id: DoctorFinding,
            severity: String,
        }
        let said: Said = serde_json::from_str(&finished.stdout_text()).map_err(|e| {
            format!("the doctor's JSON does not parse ({e}): an id this replay does not know?")
        })?;
        result.doctor = said
            .findings
            .iter()
            .map(|f| format!("{} {}", f.severity, f.id.as_str()))
            .collect();
        let problem = said.findings.iter().any(|f| f.severity == "problem");
        if problem != (finished.exit == 1) {
            return Err(format!(
                "the doctor exited {} with findings {:?}",
                finished.exit, result.doctor
            ));
        }
        Ok(())
    }

    /// Runs the step's git command, or the tool, with the sandbox's environment, and records
    /// what it printed, which helpers it asked and what the mock answered.
    /// Returns the command's arguments, placeholders expanded.
    fn command(&self, step: &Step, result: &mut StepResult) -> Result<Vec<String>, String> {
        let mut extra = self.sandbox.placeholders();
        // Kept for the copies of a parallel step, each of which puts its own number there.
        extra.insert("n", "{n}".to_owned());
        let (program, name, words) = if step.tool.is_empty() {
            (self.sandbox.git(), "git", &step.git)
        } else {
            (
                self.run.tools.tool.clone(),
                "git-credential-codecommit",
                &step.tool,
            )
        };
        let args: Vec<String> = words
            .iter()
            .map(|a| world::expand(a, &extra))
            .collect::<Result<_, _>>()?;
        result.command = Some(format!("{name} {}", args.join(" ")));
        let transcript_file = self.sandbox.standin_dir().join(standin::TRANSCRIPT_FILE);
        let prompts_file = self.sandbox.standin_dir().join(standin::PROMPTS_FILE);
        let (calls_before, prompts_before) =
            (count_lines(&transcript_file), count_lines(&prompts_file));
        let mock = self.mock();
        mock.clear_log();

        let copies = step.parallel.unwrap_or(1);
        let finished: Vec<exec::Finished> = std::thread::scope(|scope| {
            let runs: Vec<_> = (1..=copies)
                .map(|n| {
                    let program = &program;
                    let args = &args;
                    scope.spawn(move || {
                        let mut command = Command::new(program);
                        command
                            .args(args.iter().map(|a| a.replace("{n}", &n.to_string())))
                            .current_dir(self.sandbox.work());
                        self.run_in_sandbox(command, step)
                    })
                })
                .collect();
            runs.into_iter()
                .map(|r| {
                    r.join()
                        .unwrap_or_else(|_| Err("a git run panicked".into()))
                })
                .collect::<Result<_, String>>()
        })?;
        if copies > 1 {
            result.command = Some(format!("{name} {} (x{copies} at once)", args.join(" ")));
        }
        result.exit = Some(
            finished
                .iter()
                .map(|f| f.exit)
                .find(|e| *e != 0)
                .unwrap_or(0),
        );
        result.stdout = finished
            .iter()
            .map(|f| self.normalizer.text(&f.stdout_text()))
            .collect();
        result.stderr = finished
            .iter()
            .map(|f| self.normalizer.text(&f.stderr_text()))
            .collect();
        let calls: Vec<HelperCall> = read_lines(&transcript_file, calls_before);
        result.helpers = calls
            .iter()
            .map(|c| format!("{} {}", c.helper, c.operation))
            .collect();
        result.helper_transcript = calls
            .iter()
            .map(|c| self.normalizer.helper_call(c))
            .collect();
        if copies > 1 {
            // Interleaved by timing: each call once, sorted, is what every run agrees on.
            for list in [&mut result.helpers, &mut result.helper_transcript] {
                list.sort();
                list.dedup();
            }
        }
        let prompts: Vec<Prompt> = read_lines(&prompts_file, prompts_before);
        result.prompts = prompts
            .iter()
            .map(|p| self.normalizer.text(&p.prompt))
            .collect();
        let log = mock.log();
        let mut answers: Vec<String> = log
            .iter()
            .map(|e| match e.reason {
                Some(reason) => format!("{} {}", e.status, reason.as_str()),
                None => e.status.to_string(),
            })
            .collect();
        if copies > 1 {
            answers.sort();
            answers.dedup();
        }
        result.mock = collapse(answers);
        result.exposed = exposed(&log);
        Ok(args)
    }
}

/// What the mock saw handed to hosts that are not CodeCommit or over plain http, once per host
/// and scheme: `HOST (SCHEME): access_key_id, codecommit_password`. Names of what arrived, never
/// the values.
fn exposed(log: &[codecommit_mock::LogEntry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in log.iter().filter(|e| !e.exposed.is_empty()) {
        let what: Vec<String> = entry
            .exposed
            .iter()
            .map(|x| {
                serde_json::to_value(x)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("{x:?}"))
            })
            .collect();
        let line = format!("{} ({}): {}", entry.host, entry.scheme, what.join(", "));
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

fn start_mock(
    sandbox: &Sandbox,
    variant: &Variant<'_>,
    git: &Git,
    seed: &Path,
) -> Result<codecommit_mock::MockHandle, String> {
    let mut text = world::mock_config();
    if let Some(extra) = &variant.setup.mock {
        text.push('\n');
        text.push_str(&toml::to_string(extra).map_err(|e| format!("mock settings: {e}"))?);
    }
    let config = codecommit_mock::Config::from_toml(&text)
        .map_err(|e| format!("mock configuration: {e}"))?;
    // The repositories start with one commit, cloned from the seed.
    let data = sandbox.mock_dir();
    for target in [
        served_repo(sandbox),
        data.join("hosts")
            .join(world::GITHUB_HOST)
            .join(world::GITHUB_REPO),
    ] {
        let mut clone = Command::new(&git.path);
        clone
            .args(["clone", "--bare", "--quiet"])
            .arg(seed)
            .arg(&target);
        plumbing(sandbox, clone, None).map_err(|e| format!("seeding {}: {e}", target.display()))?;
    }
    serve_tags(sandbox, &git.path, 1, variant.setup.served.tags)?;
    let options = codecommit_mock::Options {
        data_dir: Some(data),
        git: git.path.clone(),
        threads: 1,
        ..Default::default()
    };
    codecommit_mock::Mock::start(config, options).map_err(|e| format!("starting the mock: {e}"))
}

/// The repository the mock serves at `{url}`.
fn served_repo(sandbox: &Sandbox) -> PathBuf {
    sandbox
        .mock_dir()
        .join("codecommit")
        .join(world::REGION)
        .join(format!("{}.git", world::REPO))
}

/// Adds `count` annotated tags, numbered from `first`, to the repository the mock serves, as
/// someone else's push would (one `git fast-import`, with `git` of the variant).
fn serve_tags(sandbox: &Sandbox, git: &Path, first: u32, count: u32) -> Result<(), String> {
    if count == 0 {
        return Ok(());
    }
    let served = served_repo(sandbox);
    let git_dir = |args: &[&str]| {
        let mut command = Command::new(git);
        command.arg("--git-dir").arg(&served).args(args);
        command
    };
    let serving = |e: String| format!("serving {count} tags: {e}");
    let head = plumbing(sandbox, git_dir(&["rev-parse", "HEAD"]), None).map_err(serving)?;
    let stream = workload::tags_stream(head.trim(), first, count);
    plumbing(
        sandbox,
        git_dir(&["fast-import", "--quiet"]),
        Some(stream.as_bytes()),
    )
    .map_err(serving)?;
    Ok(())
}

/// Runs a git command of the harness's own (seeding the mock's repositories, adding the tags it
/// serves) with no configuration of anyone's and the sandbox's scratch space; its stdout, or
/// what it printed on stderr when it failed.
fn plumbing(
    sandbox: &Sandbox,
    mut command: Command,
    input: Option<&[u8]>,
) -> Result<String, String> {
    let tmp = sandbox.root().join("tmp");
    ChildEnv::new()
        .home(&tmp)
        .git_config(None, &tmp.join(".gitconfig"))
        .tmp(&tmp)
        .apply(&mut command);
    let words: Vec<String> = command
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let out = exec::run(command, input, STEP_TIMEOUT).map_err(|e| e.to_string())?;
    if out.exit != 0 {
        return Err(format!(
            "git {}: {}",
            words.join(" "),
            out.stderr_text().trim()
        ));
    }
    Ok(out.stdout_text())
}

/// A CodeCommit HTTPS URL (the host, after any user name, is one of CodeCommit's).
fn is_codecommit_url(arg: &str) -> bool {
    let Some(rest) = arg.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    (host.starts_with("git-codecommit") || host.contains(".git-codecommit"))
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"))
}

fn read_lines<T: serde::de::DeserializeOwned>(path: &Path, skip: usize) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .skip(skip)
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn count_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}
