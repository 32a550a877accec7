//! `codecommit-replay compare`: where the machine's real credential stores (a `--real-store`
//! replay) and the stand-ins that model them (a replay of the same scenarios with the same gits)
//! disagree, run by run and step by step, on what the scenarios assert: the outcome, git's exit
//! code, stdout and stderr, the prompts, which helpers were asked in which order, the stores'
//! own transcript lines, what the mock answered and the doctor's findings.

use crate::result::{Outcome, Report, RunResult, StepResult};
use std::fmt::Write;

/// What the two reports showed, side by side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comparison {
    /// Runs compared: in both reports and skipped in neither.
    pub compared: usize,
    /// Of those, runs in which a real store played (the rest install no store).
    pub with_real_stores: usize,
    /// Runs of the real-store report not compared, and why.
    pub not_compared: Vec<String>,
    pub disagreements: Vec<Disagreement>,
}

/// One thing the stand-in and the real store did differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// `scenario / variant / git N`.
    pub run: String,
    /// The step's name; `None`: the run as a whole.
    pub step: Option<String>,
    /// Which field (`exit`, `helpers`, `outcome`…).
    pub field: &'static str,
    pub stand_in: String,
    pub real: String,
}

/// Compares a replay with the stand-ins against a `--real-store` replay.
pub fn compare(stand_ins: &Report, real: &Report) -> Result<Comparison, String> {
    if let Some(r) = stand_ins.results.iter().find(|r| !r.real_stores.is_empty()) {
        return Err(format!(
            "the stand-in report has a real-store run ({}): give the report of a replay without --real-store first",
            label(r)
        ));
    }
    let mut out = Comparison::default();
    for r in &real.results {
        let Some(s) = stand_ins
            .results
            .iter()
            .find(|s| (&s.scenario, &s.variant, &s.git) == (&r.scenario, &r.variant, &r.git))
        else {
            out.not_compared
                .push(format!("{}: not in the stand-in report", label(r)));
            continue;
        };
        match (&s.outcome, &r.outcome) {
            (Outcome::Skip(why), _) => {
                out.not_compared
                    .push(format!("{}: skipped with the stand-ins: {why}", label(r)));
                continue;
            }
            (_, Outcome::Skip(why)) => {
                out.not_compared
                    .push(format!("{}: skipped with the real stores: {why}", label(r)));
                continue;
            }
            _ => {}
        }
        out.compared += 1;
        if !r.real_stores.is_empty() {
            out.with_real_stores += 1;
        }
        run_disagreements(s, r, &mut out.disagreements);
    }
    if out.with_real_stores == 0 {
        return Err(format!(
            "no run with a real store was compared ({} compared, {} not): was the second report written by `replay --real-store STORE`, with the same scenarios and gits?",
            out.compared,
            out.not_compared.len()
        ));
    }
    Ok(out)
}

fn label(r: &RunResult) -> String {
    format!("{} / {} / git {}", r.scenario, r.variant, r.git)
}

fn run_disagreements(s: &RunResult, r: &RunResult, out: &mut Vec<Disagreement>) {
    let run = label(r);
    let outcome = |o: &Outcome| match o {
        Outcome::Fail(why) => format!("fail: {why}"),
        other => other.mark().to_owned(),
    };
    if s.outcome.mark() != r.outcome.mark() {
        out.push(Disagreement {
            run: run.clone(),
            step: None,
            field: "outcome",
            stand_in: outcome(&s.outcome),
            real: outcome(&r.outcome),
        });
    }
    let names = |steps: &[StepResult]| steps.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    if names(&s.steps) != names(&r.steps) {
        // A run that stopped early (a step could not run) has fewer steps: say which ran.
        out.push(Disagreement {
            run: run.clone(),
            step: None,
            field: "steps run",
            stand_in: names(&s.steps).join("; "),
            real: names(&r.steps).join("; "),
        });
    }
    // The stores' own lines of the transcript: `osxkeychain get (…) -> …`, `manager store (…)`.
    let stores: Vec<String> = r
        .real_stores
        .iter()
        .filter_map(|line| line.split(':').next())
        .map(|name| {
            name.strip_prefix("git-credential-")
                .unwrap_or(name)
                .to_owned()
        })
        .collect();
    for (a, b) in s.steps.iter().zip(&r.steps) {
        let store_lines = |step: &StepResult| {
            step.helper_transcript
                .iter()
                .filter(|l| stores.iter().any(|n| l.starts_with(&format!("{n} "))))
                .cloned()
                .collect::<Vec<_>>()
        };
        let fields: [(&'static str, Vec<String>, Vec<String>); 8] = [
            ("exit", vec![show_exit(a.exit)], vec![show_exit(b.exit)]),
            ("stdout", vec![a.stdout.clone()], vec![b.stdout.clone()]),
            ("stderr", vec![a.stderr.clone()], vec![b.stderr.clone()]),
            ("prompts", a.prompts.clone(), b.prompts.clone()),
            ("helpers", a.helpers.clone(), b.helpers.clone()),
            ("store transcript", store_lines(a), store_lines(b)),
            ("mock", a.mock.clone(), b.mock.clone()),
            ("doctor", a.doctor.clone(), b.doctor.clone()),
        ];
        for (field, x, y) in fields {
            if x != y {
                out.push(Disagreement {
                    run: run.clone(),
                    step: Some(a.name.clone()),
                    field,
                    stand_in: x.join(" | "),
                    real: y.join(" | "),
                });
            }
        }
    }
}

fn show_exit(exit: Option<i32>) -> String {
    exit.map_or_else(|| "(no command)".to_owned(), |e| e.to_string())
}

/// A value on one line of inline code: line ends shown as `\n`.
fn inline(text: &str) -> String {
    text.replace('`', "'").replace('\n', "\\n")
}

/// The comparison as Markdown (for a job's summary).
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Real stores against their stand-ins\n\n{} runs compared ({} with a real store), {} not compared, {} disagreements.\n",
        c.compared,
        c.with_real_stores,
        c.not_compared.len(),
        c.disagreements.len()
    );
    if !c.disagreements.is_empty() {
        let _ = writeln!(out, "## Disagreements\n");
        for d in &c.disagreements {
            let at = d
                .step
                .as_deref()
                .map_or_else(String::new, |s| format!(", step '{s}'"));
            let _ = writeln!(
                out,
                "- {}{at}: {}\n  - stand-in: `{}`\n  - real: `{}`",
                d.run,
                d.field,
                inline(&d.stand_in),
                inline(&d.real)
            );
        }
        out.push('\n');
    }
    if !c.not_compared.is_empty() {
        let _ = writeln!(out, "## Not compared\n");
        for n in &c.not_compared {
            let _ = writeln!(out, "- {n}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, exit: i32, helpers: &[&str], transcript: &[&str]) -> StepResult {
        StepResult {
            name: name.into(),
            exit: Some(exit),
            helpers: helpers.iter().map(|h| (*h).to_owned()).collect(),
            helper_transcript: transcript.iter().map(|h| (*h).to_owned()).collect(),
            ..StepResult::default()
        }
    }

    fn run(variant: &str, outcome: Outcome, real: bool, steps: Vec<StepResult>) -> RunResult {
        RunResult {
            scenario: "macos-keychain".into(),
            variant: variant.into(),
            git: "2.50.1".into(),
            helper: "h".into(),
            outcome,
            seconds: 0.0,
            sandbox: None,
            real_stores: if real {
                vec![
                    "git-credential-osxkeychain: /git/libexec/git-core/git-credential-osxkeychain"
                        .into(),
                ]
            } else {
                Vec::new()
            },
            steps,
        }
    }

    fn report(results: Vec<RunResult>) -> Report {
        Report {
            helper: "h".into(),
            contract: None,
            contract_rows: Vec::new(),
            results,
        }
    }

    const KEPT: &str = "osxkeychain get (protocol=https) -> username=AKIA password=[PASSWORD]";

    #[test]
    fn agreeing_runs_give_no_disagreement_and_a_differing_store_is_named_by_step_and_field() {
        let clone = || {
            step(
                "clone",
                0,
                &["osxkeychain get", "aws get"],
                &[KEPT, "aws get ()"],
            )
        };
        let stand_ins = report(vec![
            run("symptom", Outcome::Pass, false, vec![clone()]),
            run("fix: a", Outcome::Pass, false, vec![clone()]),
        ]);
        let real = report(vec![
            run("symptom", Outcome::Pass, true, vec![clone()]),
            run(
                "fix: a",
                Outcome::Fail("step 'clone': exit 128".into()),
                true,
                vec![step(
                    "clone",
                    128,
                    &["osxkeychain get"],
                    &["osxkeychain get (protocol=https) -> ", "aws get (other)"],
                )],
            ),
        ]);
        let c = compare(&stand_ins, &real).expect("compares");
        assert_eq!((c.compared, c.with_real_stores), (2, 2));
        let fields: Vec<(&str, Option<&str>)> = c
            .disagreements
            .iter()
            .map(|d| (d.field, d.step.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("outcome", None),
                ("exit", Some("clone")),
                ("helpers", Some("clone")),
                ("store transcript", Some("clone")),
            ]
        );
        // Only the store's own transcript lines are compared: the helper under test's differ here.
        let store = &c.disagreements[3];
        assert_eq!(store.stand_in, KEPT);
        assert_eq!(store.real, "osxkeychain get (protocol=https) -> ");
        assert_eq!(c.disagreements[0].real, "fail: step 'clone': exit 128");
        let text = render(&c);
        assert!(
            text.contains("2 runs compared (2 with a real store), 0 not compared, 4 disagreements"),
            "{text}"
        );
        assert!(text.contains("- macos-keychain / fix: a / git 2.50.1, step 'clone': exit\n  - stand-in: `0`\n  - real: `128`"), "{text}");
    }

    #[test]
    fn skipped_and_missing_runs_are_listed_not_compared() {
        let s = step("clone", 0, &[], &[]);
        let stand_ins = report(vec![
            run("symptom", Outcome::Pass, false, vec![s.clone()]),
            run(
                "fix: clock",
                Outcome::Skip("moves the clock".into()),
                false,
                vec![],
            ),
        ]);
        let real = report(vec![
            run("symptom", Outcome::Pass, true, vec![s.clone()]),
            run(
                "fix: clock",
                Outcome::Skip("moves the clock".into()),
                false,
                vec![],
            ),
            run("fix: deny", Outcome::Skip("Deny".into()), false, vec![]),
            run("fix: new", Outcome::Pass, true, vec![s]),
        ]);
        let c = compare(&stand_ins, &real).expect("compares");
        assert_eq!(c.compared, 1);
        assert!(c.disagreements.is_empty(), "{:?}", c.disagreements);
        assert_eq!(
            c.not_compared,
            [
                "macos-keychain / fix: clock / git 2.50.1: skipped with the stand-ins: moves the clock",
                "macos-keychain / fix: deny / git 2.50.1: not in the stand-in report",
                "macos-keychain / fix: new / git 2.50.1: not in the stand-in report",
            ]
        );
    }

    #[test]
    fn reports_in_the_wrong_order_or_without_a_real_store_are_refused() {
        let s = || vec![step("clone", 0, &[], &[])];
        let stand_ins = report(vec![run("symptom", Outcome::Pass, false, s())]);
        let real = report(vec![run("symptom", Outcome::Pass, true, s())]);
        let e = compare(&real, &stand_ins).expect_err("swapped");
        assert!(
            e.contains("the stand-in report has a real-store run"),
            "{e}"
        );
        let e = compare(&stand_ins, &stand_ins).expect_err("nothing real");
        assert!(e.contains("no run with a real store was compared"), "{e}");
        // Every real run skipped: nothing was compared, which is not a success.
        let skipped = report(vec![run(
            "symptom",
            Outcome::Skip("clock".into()),
            true,
            s(),
        )]);
        assert!(compare(&stand_ins, &skipped).is_err());
    }
}
