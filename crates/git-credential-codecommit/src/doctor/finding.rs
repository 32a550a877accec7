//! What the doctor reports: findings with a stable id, and the report's text and JSON forms.

use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Git cannot get a working password for this URL, now or 15 minutes from now.
    Problem,
    /// Works today, but only by luck or at a cost the user should know about.
    Warning,
    /// Context: what the doctor saw, or cannot see.
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Problem => "problem",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding. `id` is stable (scripts and the replay's scenarios key on it); the summary's
/// words may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// What the doctor saw: files, entries, versions, commands. Never a secret.
    pub evidence: Vec<String>,
    /// A command to copy, or what to do.
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(id: &'static str, severity: Severity, summary: impl Into<String>) -> Finding {
        Finding {
            id,
            severity,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
        }
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Finding {
        self.evidence.push(line.into());
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// The whole answer: `{"url", "git", "findings": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The URL examined, without any password.
    pub url: String,
    /// The git release examined (`2.39.5`).
    pub git: String,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn has_problem(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Problem)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "doctor: {} with git {}", self.url, self.git);
        for finding in &self.findings {
            let _ = writeln!(
                out,
                "\n{} [{}]: {}",
                finding.severity.as_str(),
                finding.id,
                finding.summary
            );
            for line in &finding.evidence {
                let _ = writeln!(out, "  seen: {line}");
            }
            if let Some(fix) = &finding.fix {
                let _ = writeln!(out, "  fix:  {fix}");
            }
        }
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        let (p, w, n) = (
            count(Severity::Problem),
            count(Severity::Warning),
            count(Severity::Note),
        );
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let _ = writeln!(
            out,
            "\n{}, {}, {}",
            plural(p, "problem"),
            plural(w, "warning"),
            plural(n, "note")
        );
        out
    }
}
