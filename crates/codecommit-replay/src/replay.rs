//! A whole replay: the helper's contract checked first, then every scenario × every git on a
//! few worker threads, with progress on stderr.

use crate::contract::{self, Contract};
use crate::gits::Git;
use crate::helper::HelperUnderTest;
use crate::result::{Report, RunResult};
use crate::run::VariantRun;
use crate::sandbox::Tools;
use crate::scenario::Scenario;
use codecommit_testkit::env::ChildEnv;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub scenarios: &'a [Scenario],
    pub gits: &'a [Git],
    pub helper: &'a HelperUnderTest,
    /// The promises the helper is held to; `None`: a survey run, which records what the helper
    /// does as its contract and gates nothing.
    pub contract: Option<&'a Contract>,
    pub tools: &'a Tools,
    pub jobs: usize,
    pub keep: bool,
    pub progress: bool,
}

/// Checks the contract, then runs every variant of every scenario with every git; results in a
/// stable order.
pub fn replay(plan: &Plan<'_>) -> Result<Report, String> {
    let seen = contract::observe(plan.helper, plan.gits)?;
    let contract = match plan.contract {
        Some(c) => c.clone(),
        None => seen.as_contract(&plan.helper.name),
    };
    let contract_rows = contract::rows(&contract, &seen);
    if plan.progress {
        for row in &contract_rows {
            let _ = writeln!(
                std::io::stderr(),
                "[contract] {} {}: {}",
                row.outcome.mark(),
                row.promise,
                row.observed
            );
        }
    }
    let helper = HelperUnderTest {
        native_shape: contract.shapes.native,
        ..plan.helper.clone()
    };
    let results = run_scenarios(plan, &helper, &contract)?;
    Ok(Report {
        helper: helper.name.clone(),
        contract: plan.contract.map(|c| c.name.clone()),
        contract_rows,
        results,
    })
}

fn run_scenarios(
    plan: &Plan<'_>,
    helper: &HelperUnderTest,
    contract: &Contract,
) -> Result<Vec<RunResult>, String> {
    let seed_dir = tempfile::tempdir().map_err(|e| format!("seed repository: {e}"))?;
    let seed = make_seed(&plan.gits[0].path, seed_dir.path())?;
    let mut work = Vec::new();
    for scenario in plan.scenarios {
        for (v, variant) in scenario.variants().into_iter().enumerate() {
            for git in plan.gits {
                work.push((scenario, v, variant.clone(), git));
            }
        }
    }
    let total = work.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, RunResult)>> = Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|scope| {
        for _ in 0..plan.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((scenario, _, variant, git)) = work.get(i) else {
                        break;
                    };
                    let result = VariantRun {
                        scenario,
                        variant,
                        git,
                        helper,
                        contract,
                        tools: plan.tools,
                        seed: &seed,
                        keep: plan.keep,
                    }
                    .run();
                    let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                    if plan.progress {
                        let mark = result.outcome.mark();
                        let _ = writeln!(
                            std::io::stderr(),
                            "[{finished:>3}/{total}] {mark} {} / {} / git {} ({:.1} s)",
                            result.scenario,
                            result.variant,
                            result.git,
                            result.seconds
                        );
                    }
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// A repository with one commit on `main`, the same bytes every time.
fn make_seed(git: &Path, dir: &Path) -> Result<PathBuf, String> {
    let repo = dir.join("seed");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let run = |args: &[&str]| -> Result<(), String> {
        let mut command = Command::new(git);
        command.args(args);
        // Nobody's configuration, and the same author and date every time: the same object ids.
        ChildEnv::new()
            .home(&home)
            .git_config(None, &home.join(".gitconfig"))
            .git_identity("Replay", "replay@example.com", "2026-01-01T00:00:00Z")
            .apply(&mut command);
        let out = command
            .output()
            .map_err(|e| format!("making the seed repository: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "making the seed repository: git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let repo_s = repo.to_string_lossy().into_owned();
    run(&["-c", "init.defaultBranch=main", "init", "--quiet", &repo_s])?;
    std::fs::write(repo.join("README.md"), "# MyDemoRepo\n").map_err(|e| e.to_string())?;
    run(&["-C", &repo_s, "add", "README.md"])?;
    run(&["-C", &repo_s, "commit", "--quiet", "-m", "Initial commit"])?;
    Ok(repo)
}
