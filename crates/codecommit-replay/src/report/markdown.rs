//! Markdown, for the README: the header, the contract as a table, each scenario with what the
//! guide says and what each git did, numbered skip reasons, the findings, and where git releases
//! and real git differ from the guide.

use super::{cell, header, versions};
use crate::result::{Outcome, Report, RunResult, StepResult};
use crate::scenario::Scenario;
use std::fmt::Write;

pub fn render(report: &Report, scenarios: &[Scenario]) -> String {
    let mut out = header(report, |s| format!("`{}`", escape(s)));
    out.push_str("\n\n");
    contract(report, &mut out);
    grid(report, scenarios, &mut out);
    findings(report, &mut out);
    release_notes(scenarios, &mut out);
    differences(scenarios, &mut out);
    out
}

fn contract(report: &Report, out: &mut String) {
    if report.contract_rows.is_empty() {
        return;
    }
    out.push_str("| promise | promised | observed | result |\n|---|---|---|---|\n");
    for r in &report.contract_rows {
        let result = match &r.outcome {
            Outcome::Fail(why) => format!("FAIL: {why}"),
            Outcome::Skip(why) => format!("skip: {why}"),
            Outcome::Pass => "pass".into(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            escape(&r.promise),
            escape(&r.promised),
            escape(&r.observed),
            escape(&result)
        );
    }
    out.push('\n');
}

/// The README's table: each scenario with what the guide says, and what each git did.
fn grid(report: &Report, scenarios: &[Scenario], out: &mut String) {
    let results = &report.results;
    let gits = versions(results);
    out.push_str(
        "Each cell: whether git did what the scenario expects (`pass`), then what each git command came to, in order: `ok`, the endpoint's refusal (`403 expired`), `prompted` (git asked for a user name or password and got no answer), or git's own error.\n\n",
    );
    out.push_str(
        "The doctor column: the problems `git-credential-codecommit doctor` reported at any step, on any git (`-` for none).\n\n",
    );
    let _ = write!(out, "| scenario | what the guide says | doctor |");
    for g in &gits {
        let _ = write!(out, " git {g} |");
    }
    out.push('\n');
    out.push_str("|---|---|---|");
    for _ in &gits {
        out.push_str("---|");
    }
    out.push('\n');
    // (scenario, variant, row label, claim): the scenarios' variants in file order, then any
    // result whose scenario is not in `scenarios`, so no result is left out of the table.
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for scenario in scenarios {
        for variant in scenario.variants() {
            let (label, claim) = if variant.name() == "symptom" {
                (
                    format!("**{}**: {}", scenario.name, scenario.title),
                    scenario.claim.clone(),
                )
            } else {
                let fix = scenario
                    .fixes
                    .iter()
                    .find(|f| format!("fix: {}", f.name) == variant.name());
                (
                    format!("↳ {}", variant.name()),
                    fix.map(|f| f.guide.clone()).unwrap_or_default(),
                )
            };
            rows.push((scenario.name.clone(), variant.name(), label, claim));
        }
    }
    for r in results {
        if !rows
            .iter()
            .any(|(s, v, ..)| *s == r.scenario && *v == r.variant)
        {
            let label = format!("**{}**, {}", r.scenario, r.variant);
            rows.push((r.scenario.clone(), r.variant.clone(), label, String::new()));
        }
    }
    let mut skip_reasons: Vec<String> = Vec::new();
    for (scenario, variant, label, claim) in &rows {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            escape(label),
            escape(claim),
            escape(&doctor_problems(results, scenario, variant))
        );
        for g in &gits {
            let text = match cell(results, scenario, variant, g) {
                Some(RunResult {
                    outcome: Outcome::Skip(why),
                    ..
                }) => {
                    if !skip_reasons.contains(why) {
                        skip_reasons.push(why.clone());
                    }
                    let n = skip_reasons.iter().position(|w| w == why).unwrap_or(0) + 1;
                    format!("skip ({n})")
                }
                Some(r) => {
                    let steps: Vec<String> = r
                        .steps
                        .iter()
                        .filter(|s| s.exit.is_some())
                        .map(step_summary)
                        .collect();
                    format!("{}: {}", r.outcome.mark(), steps.join(" → "))
                }
                None => "-".into(),
            };
            let _ = write!(out, " {} |", escape(&text));
        }
        out.push('\n');
    }
    if !skip_reasons.is_empty() {
        let _ = writeln!(out, "\nSkipped:\n");
        for (n, why) in skip_reasons.iter().enumerate() {
            let _ = writeln!(out, "{}. {why}", n + 1);
        }
    }
}

fn findings(report: &Report, out: &mut String) {
    let findings = report.findings();
    if findings.is_empty() {
        return;
    }
    out.push_str("\n**Findings**: credentials that reached a host that is not CodeCommit or went over plain http.\n\n");
    out.push_str("| scenario | variant | git | step | exposed |\n|---|---|---|---|---|\n");
    for f in findings {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            escape(&f.scenario),
            escape(&f.variant),
            escape(&f.git),
            escape(&f.step),
            escape(&f.exposed)
        );
    }
}

/// One line for each difference between git releases the scenarios record.
fn release_notes(scenarios: &[Scenario], out: &mut String) {
    let mut notes: Vec<String> = Vec::new();
    for scenario in scenarios {
        for variant in scenario.variants() {
            for step in variant.steps {
                for e in step.expect.iter().filter(|e| e.when.git.is_some()) {
                    if let (Some(git), Some(because)) = (&e.when.git, &e.because) {
                        let line = format!(
                            "- git {git}: {because} (`{}`, {}, step \"{}\")",
                            scenario.name,
                            variant.name(),
                            step.name
                        );
                        if !notes
                            .iter()
                            .any(|l| l.starts_with(&format!("- git {git}: {because}")))
                        {
                            notes.push(line);
                        }
                    }
                }
            }
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "\n**Where git releases differ**\n");
        for line in notes {
            let _ = writeln!(out, "{line}");
        }
    }
}

fn differences(scenarios: &[Scenario], out: &mut String) {
    let differing: Vec<&Scenario> = scenarios
        .iter()
        .filter(|s| {
            s.differs_from_guide.is_some() || s.fixes.iter().any(|f| f.differs_from_guide.is_some())
        })
        .collect();
    if differing.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n**Where real git differs from the guide**\n");
    for s in differing {
        if let Some(d) = &s.differs_from_guide {
            let _ = writeln!(out, "- `{}`: {}", s.name, d.trim());
        }
        for f in &s.fixes {
            if let Some(d) = &f.differs_from_guide {
                let _ = writeln!(out, "- `{}`, fix \"{}\": {}", s.name, f.name, d.trim());
            }
        }
    }
}

/// The doctor's problem ids over every step of a variant on every git, in the order first seen.
fn doctor_problems(results: &[RunResult], scenario: &str, variant: &str) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for r in results
        .iter()
        .filter(|r| r.scenario == scenario && r.variant == variant)
    {
        for said in r.steps.iter().flat_map(|s| &s.doctor) {
            if let Some(id) = said.strip_prefix("problem ")
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        "-".to_owned()
    } else {
        ids.iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What one git command came to, in a few words: `ok`, `403 expired`, `prompted`, or git's
/// last error line.
fn step_summary(step: &StepResult) -> String {
    if step.exit == Some(0) {
        return "ok".into();
    }
    if let Some(last) = step
        .mock
        .last()
        .filter(|m| *m != "200" && !m.starts_with("401"))
    {
        return last.clone();
    }
    if !step.prompts.is_empty() {
        return "prompted".into();
    }
    let line = step
        .stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let line = line.strip_prefix("fatal: ").unwrap_or(line);
    let short: String = line.chars().take(48).collect();
    if short.len() < line.len() {
        format!("`{short}…`")
    } else {
        format!("`{short}`")
    }
}

/// A table cell: a `|` would end the cell, a line break the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{gating, run, survey};
    use super::*;
    use std::path::Path;

    fn scenario() -> Scenario {
        let text = r#"
title = "The region | the key disagree"
guide = "Wrong region"
claim = "git gets a 403"
[setup]
[[step]]
name = "fetch"
git = ["fetch"]
[[step.expect]]
exit = 0
[[fix]]
name = "set the region"
guide = "Set `region`"
[[fix.step]]
name = "fetch"
git = ["fetch"]
[[fix.step.expect]]
exit = 0
"#;
        Scenario::parse("wrong-region", Path::new("wrong-region.toml"), text).expect("scenario")
    }

    #[test]
    fn the_contract_is_a_table_before_the_scenarios() {
        let text = render(&gating(), &[scenario()]);
        assert!(
            text.starts_with(
                "Helper under test: `helper 1.0`, held to the contract `workspace`: a broken promise or a failed scenario fails the run.\n\n\
| promise | promised | observed | result |\n|---|---|---|---|\n\
| `expiry` | expiry as promised | expiry as seen | pass |\n\
| `hosts.foreign` | hosts.foreign as promised | hosts.foreign as seen | FAIL: answered example.org |\n\nEach cell:"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_survey_says_it_gates_nothing_and_has_no_contract_table() {
        let text = render(&survey(), &[scenario()]);
        assert!(
            text.starts_with("Helper under test: `aws-cli/1.45.11`, held to no contract: this survey run documents what the helper does and gates nothing.\n\nEach cell:"),
            "{text}"
        );
        assert!(
            !text.contains("| promise |") && !text.contains("Findings"),
            "{text}"
        );
    }

    #[test]
    fn pipes_are_escaped_and_results_of_unknown_scenarios_still_shown() {
        let text = render(&gating(), &[scenario()]);
        assert!(
            text.contains("| **wrong-region**: The region \\| the key disagree | git gets a 403 | - | pass: ok |\n"),
            "{text}"
        );
        assert!(
            text.contains("| ↳ fix: set the region | Set `region` | - | - |\n"),
            "{text}"
        );
        // Not among the scenarios given: still a row, not silently left out.
        assert!(
            text.contains("| **foreign-host**, symptom |  | - | FAIL: ok |\n"),
            "{text}"
        );
    }

    #[test]
    fn the_doctor_column_lists_each_problem_once_and_no_note() {
        let mut report = gating();
        let mut a = run("wrong-region", "symptom", "2.39.5", Outcome::Pass);
        let mut b = run("wrong-region", "symptom", "2.47.3", Outcome::Pass);
        for r in [&mut a, &mut b] {
            for s in &mut r.steps {
                s.doctor = vec![
                    "problem storing-helper-first".into(),
                    "warning aws-cli-unscoped".into(),
                    "note region-differs".into(),
                ];
            }
        }
        b.steps[0]
            .doctor
            .push("problem stored-password-expired".into());
        report.results = vec![a, b];
        let text = render(&report, &[scenario()]);
        assert!(
            text.contains("| git gets a 403 | `storing-helper-first`, `stored-password-expired` | pass: ok | pass: ok |\n"),
            "{text}"
        );
    }

    #[test]
    fn findings_are_a_table() {
        let text = render(&gating(), &[]);
        assert!(
            text.contains("\n**Findings**: credentials that reached a host that is not CodeCommit or went over plain http.\n\n\
| scenario | variant | git | step | exposed |\n|---|---|---|---|---|\n\
| `foreign-host` | symptom | 2.47.3 | fetch | example.org (https): access_key_id, codecommit_password |\n"),
            "{text}"
        );
    }

    #[test]
    fn skip_reasons_are_numbered_once_each() {
        let mut report = survey();
        report.results = vec![
            run(
                "wrong-region",
                "symptom",
                "2.30.2",
                Outcome::Skip("no faketime".into()),
            ),
            run(
                "wrong-region",
                "symptom",
                "2.39.5",
                Outcome::Skip("static | helper".into()),
            ),
            run(
                "wrong-region",
                "fix: set the region",
                "2.30.2",
                Outcome::Skip("no faketime".into()),
            ),
            run(
                "wrong-region",
                "fix: set the region",
                "2.39.5",
                Outcome::Pass,
            ),
        ];
        let text = render(&report, &[scenario()]);
        assert!(
            text.contains("| git gets a 403 | - | skip (1) | skip (2) |\n"),
            "{text}"
        );
        assert!(
            text.contains("| Set `region` | - | skip (1) | pass: ok |\n"),
            "{text}"
        );
        assert!(
            text.contains("\nSkipped:\n\n1. no faketime\n2. static | helper\n"),
            "{text}"
        );
    }
}
