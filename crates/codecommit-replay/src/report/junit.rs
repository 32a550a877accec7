//! JUnit XML for CI: a `contract` suite with a test case per promise (and the header in its
//! `<system-out>`), then a suite per git version with a test case per scenario variant and that
//! git's findings in its `<system-out>`: findings are not failures by themselves, whether they
//! are allowed is the contract's business.

use super::{header, versions};
use crate::result::{Outcome, Report, RunResult};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"codecommit-replay\">\n",
    );
    contract(report, &mut out);
    for g in versions(&report.results) {
        let suite: Vec<&RunResult> = report.results.iter().filter(|r| r.git == g).collect();
        let time: f64 = suite.iter().map(|r| r.seconds).sum();
        open_suite(
            &mut out,
            &format!("git {g}"),
            suite.iter().map(|r| &r.outcome),
            time,
        );
        for r in &suite {
            let name = format!("{} ({})", r.variant, r.helper);
            case(&mut out, &r.scenario, &name, r.seconds, &r.outcome, None);
        }
        let findings: Vec<String> = report
            .findings()
            .into_iter()
            .filter(|f| f.git == g)
            .map(|f| format!("{} / {} / {}: {}", f.scenario, f.variant, f.step, f.exposed))
            .collect();
        if !findings.is_empty() {
            let text = format!(
                "Findings: credentials that reached a host that is not CodeCommit or went over plain http\n{}",
                findings.join("\n")
            );
            system_out(&mut out, &text);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The contract suite, present even in a survey run, where it has no cases and its output says
/// the run gates nothing.
fn contract(report: &Report, out: &mut String) {
    let rows = &report.contract_rows;
    open_suite(out, "contract", rows.iter().map(|r| &r.outcome), 0.0);
    for r in rows {
        let detail = format!("promised: {}\nobserved: {}", r.promised, r.observed);
        case(out, "contract", &r.promise, 0.0, &r.outcome, Some(&detail));
    }
    system_out(out, &header(report, str::to_owned));
    out.push_str("  </testsuite>\n");
}

fn open_suite<'a>(
    out: &mut String,
    name: &str,
    outcomes: impl Iterator<Item = &'a Outcome>,
    time: f64,
) {
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for o in outcomes {
        tests += 1;
        match o {
            Outcome::Fail(_) => failures += 1,
            Outcome::Skip(_) => skipped += 1,
            Outcome::Pass => {}
        }
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        xml(name)
    );
}

/// A test case; a failure's message is the first mismatch, `detail` (if any) its body.
fn case(
    out: &mut String,
    class: &str,
    name: &str,
    seconds: f64,
    outcome: &Outcome,
    detail: Option<&str>,
) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{seconds:.3}\"",
        xml(class),
        xml(name)
    );
    let (element, message) = match outcome {
        Outcome::Pass => {
            out.push_str("/>\n");
            return;
        }
        Outcome::Fail(m) => ("failure", m),
        Outcome::Skip(m) => ("skipped", m),
    };
    let _ = write!(out, ">\n      <{element} message=\"{}\"", xml(message));
    match detail.filter(|_| element == "failure") {
        Some(d) => {
            let _ = write!(out, ">{}</{element}>", xml(d));
        }
        None => out.push_str("/>"),
    }
    out.push_str("\n    </testcase>\n");
}

fn system_out(out: &mut String, text: &str) {
    let _ = writeln!(out, "    <system-out>{}</system-out>", xml(text));
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{gating, run, survey};
    use super::*;

    #[test]
    fn contract_rows_are_a_suite_and_findings_go_to_system_out() {
        assert_eq!(
            render(&gating()),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="codecommit-replay">
  <testsuite name="contract" tests="2" failures="1" skipped="0" time="0.000">
    <testcase classname="contract" name="expiry" time="0.000"/>
    <testcase classname="contract" name="hosts.foreign" time="0.000">
      <failure message="answered example.org">promised: hosts.foreign as promised
observed: hosts.foreign as seen</failure>
    </testcase>
    <system-out>Helper under test: helper 1.0, held to the contract workspace: a broken promise or a failed scenario fails the run.</system-out>
  </testsuite>
  <testsuite name="git 2.47.3" tests="2" failures="1" skipped="0" time="0.500">
    <testcase classname="wrong-region" name="symptom (helper 1.0)" time="0.250"/>
    <testcase classname="foreign-host" name="symptom (helper 1.0)" time="0.250">
      <failure message="exit 0, expected 128"/>
    </testcase>
    <system-out>Findings: credentials that reached a host that is not CodeCommit or went over plain http
foreign-host / symptom / fetch: example.org (https): access_key_id, codecommit_password</system-out>
  </testsuite>
</testsuites>
"#
        );
    }

    #[test]
    fn a_survey_has_an_empty_contract_suite_that_says_it_gates_nothing() {
        let text = render(&survey());
        assert!(
            text.contains(r#"  <testsuite name="contract" tests="0" failures="0" skipped="0" time="0.000">
    <system-out>Helper under test: aws-cli/1.45.11, held to no contract: this survey run documents what the helper does and gates nothing.</system-out>
  </testsuite>
"#),
            "{text}"
        );
    }

    #[test]
    fn markup_in_names_and_messages_is_escaped() {
        let mut report = survey();
        report.results = vec![run(
            "a<b>",
            "fix: \"quoted\" & more",
            "2.47.3",
            Outcome::Fail("expected <exit 128> & \"fatal\"".into()),
        )];
        let text = render(&report);
        assert!(
            text.contains(r#"<testcase classname="a&lt;b&gt;" name="fix: &quot;quoted&quot; &amp; more (helper 1.0)" time="0.250">
      <failure message="expected &lt;exit 128&gt; &amp; &quot;fatal&quot;"/>"#),
            "{text}"
        );
    }
}
