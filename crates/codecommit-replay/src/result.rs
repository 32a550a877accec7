//! What a replay produces, in one serde schema: the JSON report is these types as they are, and
//! `report --input` reads them back with the same derive.

use serde::{Deserialize, Serialize};

/// One step of a variant: the git command it ran and everything that command led to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub name: String,
    pub command: Option<String>,
    pub exit: Option<i32>,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub prompts: Vec<String>,
    #[serde(default)]
    pub helpers: Vec<String>,
    #[serde(default)]
    pub helper_transcript: Vec<String>,
    #[serde(default)]
    pub mock: Vec<String>,
    /// What reached a host that is not CodeCommit, or went over plain http: `HOST (SCHEME):
    /// access_key_id, codecommit_password`. Never the values themselves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed: Vec<String>,
    /// What `git-credential-codecommit doctor` reported in the state the step left:
    /// `SEVERITY ID` (`problem storing-helper-first`), problems first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doctor: Vec<String>,
    /// Which expectation applied, and why, when it is not the default one.
    #[serde(default)]
    pub expectation: Option<String>,
    #[serde(default)]
    pub mismatch: Option<String>,
}

impl StepResult {
    /// The ids of the doctor's problems and warnings, sorted: what an expectation compares.
    pub fn doctor_flags(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .doctor
            .iter()
            .filter_map(|f| {
                f.strip_prefix("problem ")
                    .or_else(|| f.strip_prefix("warning "))
                    .map(str::to_owned)
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Whether the doctor reported a problem.
    pub fn doctor_problem(&self) -> bool {
        self.doctor.iter().any(|f| f.starts_with("problem "))
    }
}

/// One variant (the symptom or a fix) of one scenario with one git.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub scenario: String,
    pub variant: String,
    pub git: String,
    pub helper: String,
    #[serde(flatten, with = "outcome_fields")]
    pub outcome: Outcome,
    pub seconds: f64,
    /// Where the sandbox is, when it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<String>,
    /// A `--real-store` run: the machine's programs that played the stores, `NAME: PATH`
    /// (empty: the stand-ins did, or the variant installs no store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real_stores: Vec<String>,
    pub steps: Vec<StepResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

impl Outcome {
    /// `pass`, `FAIL`, `skip`: failures stand out in a column of results.
    pub fn mark(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skip(_) => "skip",
        }
    }
}

/// An outcome as three flat fields, `outcome` (`pass`, `fail`, `skip`), `first_mismatch` and
/// `skipped_because`, so a report row reads without nesting.
mod outcome_fields {
    use super::Outcome;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Fields {
        outcome: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_mismatch: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skipped_because: Option<String>,
    }

    pub fn serialize<S: Serializer>(outcome: &Outcome, s: S) -> Result<S::Ok, S::Error> {
        let (name, first_mismatch, skipped_because) = match outcome {
            Outcome::Pass => ("pass", None, None),
            Outcome::Fail(m) => ("fail", Some(m.clone()), None),
            Outcome::Skip(m) => ("skip", None, Some(m.clone())),
        };
        Fields {
            outcome: name.to_owned(),
            first_mismatch,
            skipped_because,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
        let f = Fields::deserialize(d)?;
        match f.outcome.as_str() {
            "pass" => Ok(Outcome::Pass),
            "fail" => Ok(Outcome::Fail(f.first_mismatch.unwrap_or_default())),
            "skip" => Ok(Outcome::Skip(f.skipped_because.unwrap_or_default())),
            other => Err(serde::de::Error::custom(format!(
                "unknown outcome '{other}' (pass, fail or skip)"
            ))),
        }
    }
}

/// One promise of the helper's contract, as checked against the helper before any scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractRow {
    /// The trait's name in the contract file (`expiry`, `hosts.look_alike`…).
    pub promise: String,
    /// What the contract says, in words.
    pub promised: String,
    /// What the helper did, in words (never a secret).
    pub observed: String,
    #[serde(flatten, with = "outcome_fields")]
    pub outcome: Outcome,
}

/// A whole replay: who was tested against which promises, the contract rows, every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// How the helper names itself (`aws-cli/1.45.11 python/3.11.7`, `git-credential-codecommit 0.1.0`).
    pub helper: String,
    /// The contract the helper was held to; `None` for a survey run, which gates nothing.
    pub contract: Option<String>,
    #[serde(default)]
    pub contract_rows: Vec<ContractRow>,
    pub results: Vec<RunResult>,
}

impl Report {
    /// Whether this report gates: a contract was named, so its failures fail the run.
    pub fn gates(&self) -> bool {
        self.contract.is_some()
    }

    /// Passed, failed and skipped, over the contract rows and the runs.
    pub fn counts(&self) -> (usize, usize, usize) {
        let outcomes = self
            .contract_rows
            .iter()
            .map(|r| &r.outcome)
            .chain(self.results.iter().map(|r| &r.outcome));
        let (mut pass, mut fail, mut skip) = (0, 0, 0);
        for o in outcomes {
            match o {
                Outcome::Pass => pass += 1,
                Outcome::Fail(_) => fail += 1,
                Outcome::Skip(_) => skip += 1,
            }
        }
        (pass, fail, skip)
    }

    /// Every step whose credentials reached a host that is not CodeCommit, or plain http.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in &self.results {
            for s in &r.steps {
                for exposed in &s.exposed {
                    out.push(Finding {
                        scenario: r.scenario.clone(),
                        variant: r.variant.clone(),
                        git: r.git.clone(),
                        step: s.name.clone(),
                        exposed: exposed.clone(),
                    });
                }
            }
        }
        out
    }
}

/// Credentials that went where they should not: recorded, whether or not the contract allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub scenario: String,
    pub variant: String,
    pub git: String,
    pub step: String,
    pub exposed: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(outcome: Outcome) -> RunResult {
        RunResult {
            scenario: "s".into(),
            variant: "symptom".into(),
            git: "2.47.3".into(),
            helper: "h".into(),
            outcome,
            seconds: 0.5,
            sandbox: None,
            real_stores: Vec::new(),
            steps: vec![StepResult::default()],
        }
    }

    #[test]
    fn a_report_reads_back_as_it_was_written() {
        let report = Report {
            helper: "h".into(),
            contract: Some("workspace".into()),
            contract_rows: vec![ContractRow {
                promise: "expiry".into(),
                promised: "prints".into(),
                observed: "none".into(),
                outcome: Outcome::Fail("no expiry".into()),
            }],
            results: vec![
                run(Outcome::Pass),
                run(Outcome::Fail("exit 128".into())),
                run(Outcome::Skip("no faketime".into())),
            ],
        };
        let text = serde_json::to_string(&report).expect("serializes");
        assert!(
            text.contains(r#""outcome":"fail","first_mismatch":"exit 128""#),
            "{text}"
        );
        assert!(
            text.contains(r#""outcome":"skip","skipped_because":"no faketime""#),
            "{text}"
        );
        let back: Report = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, report);
        assert_eq!(report.counts(), (1, 2, 1));
    }

    #[test]
    fn an_unknown_outcome_is_refused_by_name() {
        let text = r#"{"scenario":"s","variant":"v","git":"2.47.3","helper":"h","outcome":"maybe","seconds":0,"steps":[]}"#;
        let e = serde_json::from_str::<RunResult>(text).expect_err("refused");
        assert!(e.to_string().contains("unknown outcome 'maybe'"), "{e}");
    }
}
