//! Reports: a terminal table, JSON, Markdown and JUnit XML.

use crate::result::{Outcome, RunResult};
use crate::scenario::Scenario;
use std::collections::BTreeSet;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
}

/// A whole report in one format. (Contract rows first, then the scenarios.)
pub fn render(format: Format, report: &crate::result::Report, scenarios: &[Scenario]) -> String {
    let header = match &report.contract {
        Some(c) => format!(
            "Helper under test: {}, held to the contract '{c}'.\n",
            report.helper
        ),
        None => format!(
            "Helper under test: {}. Survey run: no contract, so this documents what the helper does and gates nothing.\n",
            report.helper
        ),
    };
    let mut rows = String::new();
    for r in &report.contract_rows {
        let _ = writeln!(
            rows,
            "{} {}: promised {}; observed {}",
            r.outcome.mark(),
            r.promise,
            r.promised,
            r.observed
        );
    }
    match format {
        Format::Table => format!("{header}\n{rows}\n{}", table(&report.results)),
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        Format::Markdown => format!("{header}\n{}", markdown(scenarios, &report.results)),
        Format::Junit => junit(&report.results),
    }
}

fn mark(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail(_) => "FAIL",
        Outcome::Skip(_) => "skip",
    }
}

fn versions(results: &[RunResult]) -> Vec<String> {
    let mut v: Vec<String> = results
        .iter()
        .map(|r| r.git.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    v.sort_by_key(|s| crate::version::GitVersion::parse(s));
    v
}

/// Rows of (scenario, variant) in first-seen order.
fn rows(results: &[RunResult]) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for r in results {
        let key = (r.scenario.clone(), r.variant.clone());
        if !rows.contains(&key) {
            rows.push(key);
        }
    }
    rows
}

fn cell<'a>(
    results: &'a [RunResult],
    scenario: &str,
    variant: &str,
    git: &str,
) -> Option<&'a RunResult> {
    results
        .iter()
        .find(|r| r.scenario == scenario && r.variant == variant && r.git == git)
}

/// The scenario × git table for a terminal, then the first mismatch of each failure.
pub fn table(results: &[RunResult]) -> String {
    let gits = versions(results);
    let rows = rows(results);
    let label = |(s, v): &(String, String)| {
        if v == "symptom" {
            s.clone()
        } else {
            format!("  {v}")
        }
    };
    let width = rows
        .iter()
        .map(|r| label(r).len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = String::new();
    let _ = write!(out, "{:width$}", "scenario");
    for g in &gits {
        let _ = write!(out, "  git {g:<8}");
    }
    out.push('\n');
    for row in &rows {
        let _ = write!(out, "{:width$}", label(row));
        for g in &gits {
            let m = cell(results, &row.0, &row.1, g)
                .map(|r| mark(&r.outcome))
                .unwrap_or("-");
            let _ = write!(out, "  {m:<12}");
        }
        out.push('\n');
    }
    let (pass, fail, skip) = counts(results);
    let _ = writeln!(out, "\n{pass} passed, {fail} failed, {skip} skipped");
    for r in results {
        if let Outcome::Fail(why) = &r.outcome {
            let _ = writeln!(
                out,
                "\nFAIL {} / {} / git {} / {}:\n  {}",
                r.scenario,
                r.variant,
                r.git,
                r.helper,
                why.replace('\n', "\n  ")
            );
        }
    }
    out
}

pub fn counts(results: &[RunResult]) -> (usize, usize, usize) {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    (
        count(|o| *o == Outcome::Pass),
        count(|o| matches!(o, Outcome::Fail(_))),
        count(|o| matches!(o, Outcome::Skip(_))),
    )
}

/// Reads a report written with `--format json` back (to merge reports from several machines).
pub fn from_json(text: &str) -> Result<Vec<RunResult>, String> {
    serde_json::from_str(text).map_err(|e| format!("not a replay JSON report: {e}"))
}

/// Merges reports: one result per scenario, variant and git version (the first one wins, so
/// two machines with the same git release give one column).
pub fn merge(reports: Vec<Vec<RunResult>>) -> Vec<RunResult> {
    let mut merged: Vec<RunResult> = Vec::new();
    for result in reports.into_iter().flatten() {
        if !merged.iter().any(|m| {
            m.scenario == result.scenario && m.variant == result.variant && m.git == result.git
        }) {
            merged.push(result);
        }
    }
    merged
}

pub fn json(results: &[RunResult]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_default() + "\n"
}

/// The README's table: each scenario with what the guide says, and what each git did.
pub fn markdown(scenarios: &[Scenario], results: &[RunResult]) -> String {
    let gits = versions(results);
    let helper = results.first().map(|r| r.helper.as_str()).unwrap_or("");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Helper under test: `{helper}`. Each cell: whether git did what the scenario expects (`pass`), then what each git command came to, in order: `ok`, the endpoint's refusal (`403 expired`), `prompted` (git asked for a user name or password and got no answer), or git's own error.\n"
    );
    let mut skip_reasons: Vec<String> = Vec::new();
    let _ = write!(out, "| scenario | what the guide says |");
    for g in &gits {
        let _ = write!(out, " git {g} |");
    }
    out.push('\n');
    let _ = write!(out, "|---|---|");
    for _ in &gits {
        out.push_str("---|");
    }
    out.push('\n');
    for scenario in scenarios {
        for variant in scenario.variants() {
            let (name, claim) = if variant.name() == "symptom" {
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
            let _ = write!(out, "| {} | {} |", escape(&name), escape(&claim));
            for g in &gits {
                let text = match cell(results, &scenario.name, &variant.name(), g) {
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
                        format!("{}: {}", mark(&r.outcome), steps.join(" → "))
                    }
                    None => "-".into(),
                };
                let _ = write!(out, " {} |", escape(&text));
            }
            out.push('\n');
        }
    }
    if !skip_reasons.is_empty() {
        let _ = writeln!(out, "\nSkipped:\n");
        for (n, why) in skip_reasons.iter().enumerate() {
            let _ = writeln!(out, "{}. {why}", n + 1);
        }
    }
    let mut release_notes: Vec<String> = Vec::new();
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
                        if !release_notes
                            .iter()
                            .any(|l| l.starts_with(&format!("- git {git}: {because}")))
                        {
                            release_notes.push(line);
                        }
                    }
                }
            }
        }
    }
    if !release_notes.is_empty() {
        let _ = writeln!(out, "\n**Where git releases differ**\n");
        for line in release_notes {
            let _ = writeln!(out, "{line}");
        }
    }
    let differing: Vec<&Scenario> = scenarios
        .iter()
        .filter(|s| {
            s.differs_from_guide.is_some() || s.fixes.iter().any(|f| f.differs_from_guide.is_some())
        })
        .collect();
    if !differing.is_empty() {
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
    out
}

/// What one git command came to, in a few words: `ok`, `403 expired`, `prompted`, or git's
/// last error line.
fn step_summary(step: &crate::result::StepResult) -> String {
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

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a test suite per git version, a test case per scenario variant.
pub fn junit(results: &[RunResult]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"codecommit-replay\">\n",
    );
    for g in versions(results) {
        let suite: Vec<&RunResult> = results.iter().filter(|r| r.git == g).collect();
        let failures = suite
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .count();
        let skipped = suite
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Skip(_)))
            .count();
        let time: f64 = suite.iter().map(|r| r.seconds).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"git {g}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
            suite.len()
        );
        for r in suite {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{} ({})\" time=\"{:.3}\"",
                xml(&r.scenario),
                xml(&r.variant),
                xml(&r.helper),
                r.seconds
            );
            match &r.outcome {
                Outcome::Pass => out.push_str("/>\n"),
                Outcome::Fail(m) => {
                    let _ = write!(
                        out,
                        ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                        xml(m)
                    );
                }
                Outcome::Skip(m) => {
                    let _ = write!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                        xml(m)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
