//! Replaying one variant (the symptom or a fix) of a scenario with one git and one helper.

use crate::gits::Git;
use crate::helper::HelperUnderTest;
use crate::result::{Outcome, RunResult, StepResult};
use crate::sandbox::{Sandbox, Tools};
use crate::scenario::{Expect, Scenario, Step, Variant, parse_duration};
use crate::standin::{self, HelperCall, Prompt};
use crate::transcript::{Normalizer, collapse};
use crate::world;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_GLOBAL` arrived in git 2.32.
pub const GIT_CONFIG_SYSTEM_SINCE: crate::version::GitVersion = crate::version::GitVersion {
    major: 2,
    minor: 32,
    patch: 0,
};

/// Whether a variant's story involves the system configuration file.
fn uses_system_config(variant: &Variant<'_>) -> bool {
    !variant.setup.system_gitconfig.trim().is_empty()
        || variant.steps.iter().any(|s| {
            s.write
                .as_ref()
                .is_some_and(|w| w.file == "system_gitconfig")
                || s.git.iter().any(|a| a == "--system")
        })
}

/// How long one git command may take before it is killed and the step fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one variant from a fresh sandbox and mock.
pub fn run_variant(
    scenario: &Scenario,
    variant: &Variant<'_>,
    git: &Git,
    helper: &HelperUnderTest,
    tools: &Tools,
    seed: &Path,
    keep: bool,
) -> RunResult {
    let started = Instant::now();
    let mut result = RunResult {
        scenario: scenario.name.clone(),
        variant: variant.name.clone(),
        git: git.version.to_string(),
        helper: helper.name.clone(),
        outcome: Outcome::Pass,
        steps: Vec::new(),
        seconds: 0.0,
        sandbox: None,
    };
    if git.version < GIT_CONFIG_SYSTEM_SINCE && uses_system_config(variant) {
        result.outcome = Outcome::Skip(
            "needs a system configuration of its own, and git before 2.32 has no GIT_CONFIG_SYSTEM to give it one".into(),
        );
        return result;
    }
    let moves_clock = variant.steps.iter().any(|s| s.advance.is_some());
    if moves_clock && helper.static_executable {
        result.outcome = Outcome::Skip(
            "moves the clock, and the helper under test is statically linked, which libfaketime cannot reach".into(),
        );
        return result;
    }
    if tools.faketime.is_none() && moves_clock {
        result.outcome = Outcome::Skip(
            "moves the clock, and libfaketime is not installed (set CODECOMMIT_REPLAY_FAKETIME)"
                .into(),
        );
        return result;
    }
    match replay(
        scenario,
        variant,
        git,
        helper,
        tools,
        seed,
        keep,
        &mut result,
    ) {
        Ok(()) => {}
        Err(error) => result.outcome = Outcome::Fail(error),
    }
    // Milliseconds are all a report needs, and they keep reports stable to read.
    result.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    result
}

#[allow(clippy::too_many_arguments)]
fn replay(
    scenario: &Scenario,
    variant: &Variant<'_>,
    git: &Git,
    helper: &HelperUnderTest,
    tools: &Tools,
    seed: &Path,
    keep: bool,
    result: &mut RunResult,
) -> Result<(), String> {
    let sandbox = Sandbox::new(&format!("{}-{}", scenario.name, git.version), keep)
        .map_err(|e| e.to_string())?;
    if keep {
        result.sandbox = Some(sandbox.root().display().to_string());
    }
    sandbox
        .prepare(&variant.setup, &git.path, helper, tools)
        .map_err(|e| e.to_string())?;
    let mock = start_mock(&sandbox, variant, git, seed)?;
    let normalizer = Normalizer::new(sandbox.root(), mock.proxy_addr().port());
    let mut offset: u64 = 0;
    let mut failed = false;
    for step in variant.steps {
        if let Some(advance) = &step.advance {
            offset += parse_duration(advance)?;
            mock.clock()
                .set_offset(i64::try_from(offset).unwrap_or(i64::MAX));
        }
        if let Some(forget) = &step.forget {
            let file = match forget.store.as_str() {
                "osxkeychain" => standin::KEYCHAIN_FILE,
                "manager" => standin::MANAGER_FILE,
                other => {
                    return Err(format!(
                        "step '{}': cannot forget from '{other}' (osxkeychain or manager)",
                        step.name
                    ));
                }
            };
            let path = sandbox.standin_dir().join(file);
            let mut items = standin::load_items(&path);
            let host = world::expand(&forget.host, &sandbox.placeholders())?;
            items.retain(|i| !i.host.eq_ignore_ascii_case(&host));
            standin::save_items(&path, &items);
        }
        if let Some(write) = &step.write {
            sandbox
                .write(&write.file, &write.text)
                .map_err(|e| format!("step '{}': {e}", step.name))?;
        }
        let mut step_result = run_step(
            step,
            &sandbox,
            &mock,
            &normalizer,
            offset,
            tools,
            git.version,
        )?;
        let expect = choose(&step.expect, git, helper);
        if expect.when.git.is_some() || expect.when.helper_expiry.is_some() {
            step_result.expectation = Some(describe_when(expect));
        }
        step_result.mismatch = compare(expect, &step_result);
        if let Some(mismatch) = &step_result.mismatch
            && !failed
        {
            failed = true;
            result.outcome = Outcome::Fail(format!("step '{}': {mismatch}", step.name));
        }
        result.steps.push(step_result);
    }
    // A credential-cache daemon outlives git: stop it with the sandbox.
    let _ = Command::new(sandbox.git())
        .args(["credential-cache", "exit"])
        .current_dir(sandbox.work())
        .env_clear()
        .envs(sandbox.env(&mock.proxy_url(), mock.ca_file(), 0, tools, git.version))
        .output();
    mock.shutdown();
    Ok(())
}

fn describe_when(expect: &Expect) -> String {
    let mut parts = Vec::new();
    if let Some(git) = &expect.when.git {
        parts.push(format!("git {git}"));
    }
    if let Some(e) = expect.when.helper_expiry {
        parts.push(format!(
            "helper {} password_expiry_utc",
            if e { "prints" } else { "does not print" }
        ));
    }
    let mut text = parts.join(", ");
    if let Some(because) = &expect.because {
        text.push_str(&format!(": {because}"));
    }
    text
}

fn choose<'a>(expects: &'a [Expect], git: &Git, helper: &HelperUnderTest) -> &'a Expect {
    expects
        .iter()
        .find(|e| e.when.holds(&git.version, helper.expiry))
        .unwrap_or_else(|| {
            expects
                .last()
                .expect("validated: every step has an expectation")
        })
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
        data.join("codecommit")
            .join(world::REGION)
            .join(format!("{}.git", world::REPO)),
        data.join("hosts")
            .join(world::GITHUB_HOST)
            .join(world::GITHUB_REPO),
    ] {
        let out = Command::new(&git.path)
            .args(["clone", "--bare", "--quiet"])
            .arg(seed)
            .arg(&target)
            .env_clear()
            .env("HOME", sandbox.root().join("tmp"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .map_err(|e| format!("seeding {}: {e}", target.display()))?;
        if !out.status.success() {
            return Err(format!(
                "seeding {}: {}",
                target.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    let options = codecommit_mock::Options {
        data_dir: Some(data),
        git: git.path.clone(),
        threads: 1,
        ..Default::default()
    };
    codecommit_mock::Mock::start(config, options).map_err(|e| format!("starting the mock: {e}"))
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

fn run_step(
    step: &Step,
    sandbox: &Sandbox,
    mock: &codecommit_mock::MockHandle,
    normalizer: &Normalizer,
    offset: u64,
    tools: &Tools,
    git: crate::version::GitVersion,
) -> Result<StepResult, String> {
    let mut result = StepResult {
        name: step.name.clone(),
        command: None,
        exit: None,
        stdout: String::new(),
        stderr: String::new(),
        prompts: Vec::new(),
        helpers: Vec::new(),
        helper_transcript: Vec::new(),
        mock: Vec::new(),
        exposed: Vec::new(),
        expectation: None,
        mismatch: None,
    };
    if step.git.is_empty() {
        return Ok(result);
    }
    let extra = sandbox.placeholders();
    let args: Vec<String> = step
        .git
        .iter()
        .map(|a| world::expand(a, &extra))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("step '{}': {e}", step.name))?;
    result.command = Some(format!("git {}", args.join(" ")));
    let transcript_file = sandbox.standin_dir().join(standin::TRANSCRIPT_FILE);
    let prompts_file = sandbox.standin_dir().join(standin::PROMPTS_FILE);
    let (calls_before, prompts_before) =
        (count_lines(&transcript_file), count_lines(&prompts_file));
    mock.clear_log();

    let mut command = Command::new(sandbox.git());
    command
        .args(&args)
        .current_dir(sandbox.work())
        .env_clear()
        .envs(sandbox.env(&mock.proxy_url(), mock.ca_file(), offset, tools, git))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &step.env {
        command.env(
            k,
            world::expand(v, &extra).map_err(|e| format!("step '{}': {e}", step.name))?,
        );
    }
    let finished = run_with_timeout(command, STEP_TIMEOUT)
        .map_err(|e| format!("step '{}': {e}", step.name))?;
    result.exit = Some(finished.exit);
    result.stdout = normalizer.text(&finished.stdout);
    result.stderr = normalizer.text(&finished.stderr);
    let calls: Vec<HelperCall> = read_lines(&transcript_file, calls_before);
    result.helpers = calls
        .iter()
        .map(|c| format!("{} {}", c.helper, c.operation))
        .collect();
    result.helper_transcript = calls.iter().map(|c| normalizer.helper_call(c)).collect();
    let prompts: Vec<Prompt> = read_lines(&prompts_file, prompts_before);
    result.prompts = prompts.iter().map(|p| normalizer.text(&p.prompt)).collect();
    result.mock = collapse(mock.log().iter().map(|e| match e.reason {
        Some(reason) => format!("{} {}", e.status, reason.as_str()),
        None => e.status.to_string(),
    }));
    Ok(result)
}

/// Reads a pipe to its end on a thread, so a chatty git never blocks on a full pipe.
fn drain(pipe: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// What a finished git command left: exit code, stdout, stderr.
struct Finished {
    exit: i32,
    stdout: String,
    stderr: String,
}

/// Runs a command to its end, or kills it after `timeout`.
fn run_with_timeout(mut command: Command, timeout: Duration) -> Result<Finished, String> {
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start git: {e}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "git did not finish within {} s and was killed",
                    timeout.as_secs()
                ));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let text = |h: std::thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned()
    };
    Ok(Finished {
        exit: status.code().unwrap_or(-1),
        stdout: text(stdout),
        stderr: text(stderr),
    })
}

/// The first difference between what a step expected and what happened.
pub fn compare(expect: &Expect, got: &StepResult) -> Option<String> {
    let exit = got.exit?;
    if exit != expect.exit {
        let last = got
            .stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Some(format!(
            "exit {exit}, expected {} (stderr: {last})",
            expect.exit
        ));
    }
    let lines: Vec<&str> = got.stderr.lines().collect();
    let mut from = 0;
    for wanted in &expect.stderr {
        let wanted = world::expand(wanted, &BTreeMap::new()).unwrap_or_else(|e| e);
        // `re:` makes the line a regular expression matched against the whole line, for
        // messages whose wording is libcurl's and changes with its version.
        let pattern = match wanted.strip_prefix("re:") {
            Some(re) => match regex::Regex::new(&format!("^(?:{})$", re.trim())) {
                Ok(p) => Some(p),
                Err(e) => return Some(format!("bad regular expression {re:?}: {e}")),
            },
            None => None,
        };
        let matches = |line: &str| match &pattern {
            Some(p) => p.is_match(line.trim_end()),
            None => line.trim_end() == wanted.trim_end(),
        };
        match lines[from..].iter().position(|l| matches(l)) {
            Some(i) => from += i + 1,
            None => {
                return Some(format!(
                    "stderr lacks {wanted:?} (in order); it was:\n{}",
                    got.stderr.trim_end()
                ));
            }
        }
    }
    if let Some(stdout) = &expect.stdout {
        let got_lines: Vec<&str> = got.stdout.lines().collect();
        if *stdout != got_lines {
            return Some(format!("stdout {got_lines:?}, expected {stdout:?}"));
        }
    }
    if let Some(prompts) = &expect.prompts {
        let prompts: Vec<String> = prompts
            .iter()
            .map(|p| world::expand(p, &BTreeMap::new()).unwrap_or_else(|e| e))
            .collect();
        if prompts != got.prompts {
            return Some(format!("prompts {:?}, expected {prompts:?}", got.prompts));
        }
    }
    if let Some(helpers) = &expect.helpers
        && *helpers != got.helpers
    {
        return Some(format!(
            "helper calls {:?}, expected {helpers:?}",
            got.helpers
        ));
    }
    if let Some(mock) = &expect.mock
        && *mock != got.mock
    {
        return Some(format!("mock saw {:?}, expected {mock:?}", got.mock));
    }
    None
}
