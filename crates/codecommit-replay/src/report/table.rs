//! The terminal table: header, contract rows, the scenario × git grid, counts, findings, then
//! each failure's first mismatch.

use super::{cell, header, rows, versions};
use crate::result::{Outcome, Report};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = header(report, str::to_owned);
    out.push_str("\n\n");
    contract(report, &mut out);
    grid(report, &mut out);
    let (pass, fail, skip) = report.counts();
    let _ = writeln!(out, "\n{pass} passed, {fail} failed, {skip} skipped");
    findings(report, &mut out);
    for row in &report.contract_rows {
        if let Outcome::Fail(why) = &row.outcome {
            let _ = writeln!(
                out,
                "\nFAIL contract / {}:\n  {}",
                row.promise,
                why.replace('\n', "\n  ")
            );
        }
    }
    for r in &report.results {
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

/// One line per promise: what was promised, what the helper did, and whether they match.
fn contract(report: &Report, out: &mut String) {
    let rows = &report.contract_rows;
    if rows.is_empty() {
        return;
    }
    let width = |f: fn(&crate::result::ContractRow) -> &str, title: &str| {
        rows.iter()
            .map(|r| f(r).chars().count())
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let (p, d, o) = (
        width(|r| &r.promise, "contract"),
        width(|r| &r.promised, "promised"),
        width(|r| &r.observed, "observed"),
    );
    let _ = writeln!(
        out,
        "{:p$}  {:d$}  {:o$}  result",
        "contract", "promised", "observed"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:p$}  {:d$}  {:o$}  {}",
            r.promise,
            r.promised,
            r.observed,
            r.outcome.mark()
        );
    }
    out.push('\n');
}

fn grid(report: &Report, out: &mut String) {
    let results = &report.results;
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
    let _ = write!(out, "{:width$}", "scenario");
    for g in &gits {
        let _ = write!(out, "  git {g:<8}");
    }
    out.push('\n');
    for row in &rows {
        let _ = write!(out, "{:width$}", label(row));
        for g in &gits {
            let m = cell(results, &row.0, &row.1, g)
                .map(|r| r.outcome.mark())
                .unwrap_or("-");
            let _ = write!(out, "  {m:<12}");
        }
        out.push('\n');
    }
}

fn findings(report: &Report, out: &mut String) {
    let findings = report.findings();
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "\nFindings: none (no step's credentials reached a host that is not CodeCommit or went over plain http)"
        );
        return;
    }
    let _ = writeln!(
        out,
        "\nFindings: credentials that reached a host that is not CodeCommit or went over plain http"
    );
    for f in findings {
        let _ = writeln!(
            out,
            "  {} / {} / git {} / {}: {}",
            f.scenario, f.variant, f.git, f.step, f.exposed
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{gating, survey};
    use super::*;

    #[test]
    fn a_gating_report_shows_contract_rows_before_the_scenarios() {
        let text = render(&gating());
        assert_eq!(
            text,
            "\
Helper under test: helper 1.0, held to the contract workspace: a broken promise or a failed scenario fails the run.

contract       promised                   observed               result
expiry         expiry as promised         expiry as seen         pass
hosts.foreign  hosts.foreign as promised  hosts.foreign as seen  FAIL

scenario      git 2.47.3  
wrong-region  pass        
foreign-host  FAIL        

2 passed, 2 failed, 0 skipped

Findings: credentials that reached a host that is not CodeCommit or went over plain http
  foreign-host / symptom / git 2.47.3 / fetch: example.org (https): access_key_id, codecommit_password

FAIL contract / hosts.foreign:
  answered example.org

FAIL foreign-host / symptom / git 2.47.3 / helper 1.0:
  exit 0, expected 128
"
        );
    }

    #[test]
    fn a_survey_says_it_gates_nothing_and_that_nothing_leaked() {
        let text = render(&survey());
        assert!(
            text.starts_with("Helper under test: aws-cli/1.45.11, held to no contract: this survey run documents what the helper does and gates nothing.\n\nscenario"),
            "{text}"
        );
        assert!(text.contains("\nFindings: none ("), "{text}");
    }
}
