//! Reports of a replay, one [`Report`] rendered four ways by [`render`]: a terminal table
//! (`table`), JSON (`json`, the `Report` serialized as it is), Markdown for the README
//! (`markdown`) and JUnit XML for CI (`junit`). [`from_json`] reads a JSON report back and
//! [`merge`] combines the reports of several machines without dropping a result.
//!
//! Every format says first who was tested against which contract (or that a survey run gates
//! nothing), then the contract rows, then the scenarios, then the findings.

mod json;
mod junit;
mod markdown;
mod table;

use crate::result::{ContractRow, Outcome, Report, RunResult};
use crate::scenario::Scenario;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
}

/// The one entry point: `report` in `format`. Only Markdown reads `scenarios` (for what the
/// guide says beside each row).
pub fn render(format: Format, report: &Report, scenarios: &[Scenario]) -> String {
    match format {
        Format::Table => table::render(report),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, scenarios),
        Format::Junit => junit::render(report),
    }
}

/// Reads a report written with `--format json` back (to merge reports from several machines).
pub fn from_json(text: &str) -> Result<Report, String> {
    let fix = "write one with `codecommit-replay replay --format json`";
    // serde's words for a list given where a struct is expected ("expected a string") mislead.
    if text.trim_start().starts_with('[') {
        return Err(format!(
            "not a replay JSON report (a bare list, as an older codecommit-replay wrote); {fix}"
        ));
    }
    serde_json::from_str(text).map_err(|e| format!("not a replay JSON report ({e}); {fix}"))
}

/// Merges reports of the same helper held to the same contract (several machines, several git
/// releases) into one. Runs of the same scenario, variant and git that came to the same outcome
/// become one result; runs that disagree become one failure that names each run's outcome, so a
/// merged table never hides a difference. Contract rows merge the same way, by promise.
pub fn merge(reports: Vec<Report>) -> Result<Report, String> {
    let mut reports = reports.into_iter();
    let Some(first) = reports.next() else {
        return Err("no report to merge; give at least one `--input FILE`".into());
    };
    let (helper, contract) = (first.helper.clone(), first.contract.clone());
    let mut results: Vec<Vec<(usize, RunResult)>> = Vec::new();
    let mut rows: Vec<Vec<(usize, ContractRow)>> = Vec::new();
    for (i, report) in std::iter::once(first).chain(reports).enumerate() {
        let number = i + 1;
        if report.helper != helper {
            return Err(format!(
                "report {number} tested the helper `{}`, report 1 `{helper}`: merge the reports of one helper at a time",
                report.helper
            ));
        }
        if report.contract != contract {
            return Err(format!(
                "report {number} was held to {}, report 1 to {}: merge reports held to the same contract",
                contract_words(&report.contract),
                contract_words(&contract)
            ));
        }
        for row in report.contract_rows {
            group(&mut rows, (number, row), |a, b| a.promise == b.promise);
        }
        for result in report.results {
            group(&mut results, (number, result), |a, b| {
                (&a.scenario, &a.variant, &a.git) == (&b.scenario, &b.variant, &b.git)
            });
        }
    }
    Ok(Report {
        helper,
        contract,
        contract_rows: rows
            .into_iter()
            .map(|mut runs| {
                // A row asked only where a git of its releases is found (`authtype`,
                // `large_requests`) is skipped in the other reports: those runs say nothing.
                if runs
                    .iter()
                    .any(|(_, r)| !matches!(r.outcome, Outcome::Skip(_)))
                {
                    runs.retain(|(_, r)| !matches!(r.outcome, Outcome::Skip(_)));
                }
                agree(runs, |r| &mut r.outcome)
            })
            .collect(),
        results: results
            .into_iter()
            .map(|runs| agree(runs, |r| &mut r.outcome))
            .collect(),
    })
}

fn contract_words(contract: &Option<String>) -> String {
    match contract {
        Some(name) => format!("the contract `{name}`"),
        None => "no contract (a survey run)".into(),
    }
}

/// Puts `item` with the items `same` as it, in first-seen order.
fn group<T>(groups: &mut Vec<Vec<(usize, T)>>, item: (usize, T), same: impl Fn(&T, &T) -> bool) {
    match groups.iter_mut().find(|g| same(&g[0].1, &item.1)) {
        Some(g) => g.push(item),
        None => groups.push(vec![item]),
    }
}

/// One of several runs of the same thing: the first when all came to the same outcome, else the
/// first failing one (its steps say most), as a failure naming each run's outcome.
fn agree<T>(runs: Vec<(usize, T)>, outcome: impl Fn(&mut T) -> &mut Outcome) -> T {
    let mut runs = runs;
    let first = outcome(&mut runs[0].1).clone();
    if runs.iter_mut().all(|(_, r)| *outcome(r) == first) {
        return runs.swap_remove(0).1;
    }
    let words: Vec<String> = runs
        .iter_mut()
        .map(|(n, r)| {
            let o = outcome(r);
            match o {
                Outcome::Pass => format!("pass (report {n})"),
                Outcome::Fail(why) => format!("fail: {why} (report {n})"),
                Outcome::Skip(why) => format!("skip: {why} (report {n})"),
            }
        })
        .collect();
    let keep = runs
        .iter_mut()
        .position(|(_, r)| matches!(outcome(r), Outcome::Fail(_)))
        .unwrap_or(0);
    let mut kept = runs.swap_remove(keep).1;
    *outcome(&mut kept) = Outcome::Fail(format!("runs disagree: {}", words.join(", ")));
    kept
}

/// The first line of every format: who was tested, against what, and whether the run gates.
fn header(report: &Report, code: impl Fn(&str) -> String) -> String {
    match &report.contract {
        Some(contract) => format!(
            "Helper under test: {}, held to the contract {}: a broken promise or a failed scenario fails the run.",
            code(&report.helper),
            code(contract)
        ),
        None => format!(
            "Helper under test: {}, held to no contract: this survey run documents what the helper does and gates nothing.",
            code(&report.helper)
        ),
    }
}

/// The git versions in the results, oldest first.
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

/// Hand-built reports for the formats' tests.
#[cfg(test)]
pub(crate) mod fixture {
    use crate::result::{ContractRow, Outcome, Report, RunResult, StepResult};

    pub fn run(scenario: &str, variant: &str, git: &str, outcome: Outcome) -> RunResult {
        RunResult {
            scenario: scenario.into(),
            variant: variant.into(),
            git: git.into(),
            helper: "helper 1.0".into(),
            outcome,
            seconds: 0.25,
            sandbox: None,
            real_stores: Vec::new(),
            steps: vec![StepResult {
                name: "fetch".into(),
                command: Some("git fetch".into()),
                exit: Some(0),
                ..StepResult::default()
            }],
        }
    }

    pub fn row(promise: &str, outcome: Outcome) -> ContractRow {
        ContractRow {
            promise: promise.into(),
            promised: format!("{promise} as promised"),
            observed: format!("{promise} as seen"),
            outcome,
        }
    }

    /// A gating report: two contract rows (one broken), a pass, a failure, a finding.
    pub fn gating() -> Report {
        let mut leaky = run(
            "foreign-host",
            "symptom",
            "2.47.3",
            Outcome::Fail("exit 0, expected 128".into()),
        );
        leaky.steps[0].exposed =
            vec!["example.org (https): access_key_id, codecommit_password".into()];
        Report {
            helper: "helper 1.0".into(),
            contract: Some("workspace".into()),
            contract_rows: vec![
                row("expiry", Outcome::Pass),
                row(
                    "hosts.foreign",
                    Outcome::Fail("answered example.org".into()),
                ),
            ],
            results: vec![
                run("wrong-region", "symptom", "2.47.3", Outcome::Pass),
                leaky,
            ],
        }
    }

    /// A survey report: no contract, no rows.
    pub fn survey() -> Report {
        Report {
            helper: "aws-cli/1.45.11".into(),
            contract: None,
            contract_rows: Vec::new(),
            results: vec![run("wrong-region", "symptom", "2.39.5", Outcome::Pass)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{gating, run, survey};
    use super::*;

    #[test]
    fn json_reads_back_as_the_same_report() {
        let report = gating();
        let text = render(Format::Json, &report, &[]);
        assert_eq!(from_json(&text), Ok(report));
    }

    #[test]
    fn anything_but_a_report_is_refused_with_the_way_to_write_one() {
        // The JSON of older releases: a bare list of results.
        assert_eq!(
            from_json("[]"),
            Err("not a replay JSON report (a bare list, as an older codecommit-replay wrote); write one with `codecommit-replay replay --format json`".into())
        );
        for text in ["scenario | git", r#"{"results": []}"#] {
            let e = from_json(text).expect_err("not a report");
            assert!(
                e.starts_with("not a replay JSON report (")
                    && e.ends_with("write one with `codecommit-replay replay --format json`")
                    && !e.contains('\n'),
                "{e}"
            );
        }
        assert!(
            from_json(r#"{"results": []}"#)
                .expect_err("no helper")
                .contains("missing field `helper`")
        );
    }

    #[test]
    fn the_header_names_the_contract_or_says_the_run_gates_nothing() {
        assert_eq!(
            header(&gating(), |s| format!("`{s}`")),
            "Helper under test: `helper 1.0`, held to the contract `workspace`: a broken promise or a failed scenario fails the run."
        );
        assert_eq!(
            header(&survey(), str::to_owned),
            "Helper under test: aws-cli/1.45.11, held to no contract: this survey run documents what the helper does and gates nothing."
        );
    }

    fn report(results: Vec<RunResult>) -> Report {
        Report {
            results,
            ..gating()
        }
    }

    #[test]
    fn runs_that_agree_merge_into_one() {
        let merged = merge(vec![
            report(vec![run("s", "symptom", "2.47.3", Outcome::Pass)]),
            report(vec![
                run("s", "symptom", "2.47.3", Outcome::Pass),
                run("s", "symptom", "2.39.5", Outcome::Pass),
            ]),
        ])
        .expect("merges");
        let cells: Vec<(&str, &Outcome)> = merged
            .results
            .iter()
            .map(|r| (r.git.as_str(), &r.outcome))
            .collect();
        assert_eq!(
            cells,
            [("2.47.3", &Outcome::Pass), ("2.39.5", &Outcome::Pass)]
        );
        assert_eq!(merged.contract_rows, gating().contract_rows);
    }

    // Seen failing before the fix: `merge` kept the first result (`Pass`) and dropped the second.
    #[test]
    fn runs_that_disagree_become_one_failure_naming_each_outcome() {
        let mut failing = run(
            "s",
            "symptom",
            "2.47.3",
            Outcome::Fail("exit 128, expected 0".into()),
        );
        failing.steps[0].stderr = "fatal: the failing run's own words".into();
        let merged = merge(vec![
            report(vec![run("s", "symptom", "2.47.3", Outcome::Pass)]),
            report(vec![failing]),
            report(vec![run(
                "s",
                "symptom",
                "2.47.3",
                Outcome::Skip("no faketime".into()),
            )]),
        ])
        .expect("merges");
        assert_eq!(merged.results.len(), 1);
        assert_eq!(
            merged.results[0].outcome,
            Outcome::Fail(
                "runs disagree: pass (report 1), fail: exit 128, expected 0 (report 2), skip: no faketime (report 3)"
                    .into()
            )
        );
        // The failing run's steps are kept: they show what went wrong.
        assert_eq!(
            merged.results[0].steps[0].stderr,
            "fatal: the failing run's own words"
        );
    }

    #[test]
    fn a_row_skipped_where_no_git_could_ask_it_takes_the_outcome_of_the_reports_that_did() {
        let mut asked = gating();
        asked.contract_rows[0].outcome = Outcome::Fail("no expiry".into());
        let mut not_asked = gating();
        not_asked.contract_rows[0].outcome = Outcome::Skip("no git 2.54 here".into());
        let merged = merge(vec![not_asked.clone(), asked]).expect("merges");
        assert_eq!(
            merged.contract_rows[0].outcome,
            Outcome::Fail("no expiry".into())
        );
        let merged = merge(vec![not_asked.clone(), not_asked]).expect("merges");
        assert!(matches!(merged.contract_rows[0].outcome, Outcome::Skip(_)));
    }

    #[test]
    fn contract_rows_merge_by_promise() {
        let mut other = gating();
        other.contract_rows[0].outcome = Outcome::Fail("no expiry".into());
        let merged = merge(vec![gating(), other]).expect("merges");
        let rows: Vec<(&str, &Outcome)> = merged
            .contract_rows
            .iter()
            .map(|r| (r.promise.as_str(), &r.outcome))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "expiry",
                    &Outcome::Fail(
                        "runs disagree: pass (report 1), fail: no expiry (report 2)".into()
                    )
                ),
                (
                    "hosts.foreign",
                    &Outcome::Fail("answered example.org".into())
                ),
            ]
        );
    }

    #[test]
    fn reports_of_other_helpers_or_contracts_refuse_to_merge() {
        let mut other_helper = gating();
        other_helper.helper = "aws-cli/1.45.11".into();
        assert_eq!(
            merge(vec![gating(), other_helper]),
            Err("report 2 tested the helper `aws-cli/1.45.11`, report 1 `helper 1.0`: merge the reports of one helper at a time".into())
        );
        let mut survey = gating();
        survey.contract = None;
        assert_eq!(
            merge(vec![gating(), survey]),
            Err("report 2 was held to no contract (a survey run), report 1 to the contract `workspace`: merge reports held to the same contract".into())
        );
        assert!(merge(Vec::new()).is_err());
    }

    #[test]
    fn versions_sort_as_versions() {
        let results = ["2.47.3", "2.9.0", "2.39.5"]
            .map(|g| run("s", "symptom", g, Outcome::Pass))
            .to_vec();
        assert_eq!(versions(&results), ["2.9.0", "2.39.5", "2.47.3"]);
    }
}
