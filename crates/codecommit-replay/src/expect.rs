//! What a step expects, typed and checked when the scenario is loaded, and the two decisions made
//! with it: which expectation applies ([`choose`]: by git release and by what the helper under
//! test promises in its contract, never by what it happened to do) and whether what happened
//! matches it ([`compare`]).

use crate::contract::{Contract, HostAnswer};
use crate::remote::{ProfileAt, RemoteContract};
use crate::result::StepResult;
use crate::version::{GitVersion, VersionReq};
use crate::vocabulary::DoctorFinding;
use crate::world;
use regex::Regex;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// Expectations of one step. Fields left out are not checked, except `exit`, which every
/// expectation has, and `exposed`, which is `[]` unless it says otherwise: no step may hand
/// credentials to a host that is not CodeCommit, or over plain http, without saying so.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub when: When,
    /// One line: why this git version or helper behaves differently.
    #[serde(default)]
    pub because: Option<String>,
    pub exit: i32,
    /// Lines that must appear in git's stderr, in this order (normalized: see `transcript`).
    #[serde(default)]
    pub stderr: Vec<Line>,
    /// git's whole stdout, line by line (normalized); `[]` means it printed nothing.
    #[serde(default)]
    pub stdout: Option<Vec<String>>,
    /// Every prompt git showed, in order; `[]` means git did not prompt.
    #[serde(default)]
    pub prompts: Option<Vec<Text>>,
    /// Every helper call, in order, as `NAME OPERATION` (`osxkeychain get`, `aws store`).
    #[serde(default)]
    pub helpers: Option<Vec<HelperCallName>>,
    /// The mock's responses with consecutive repeats collapsed, as `STATUS` or `STATUS reason`.
    #[serde(default)]
    pub mock: Option<Vec<MockAnswer>>,
    /// What reached a host that is not CodeCommit, or plain http (`HOST (SCHEME): WHAT`).
    #[serde(default)]
    pub exposed: Vec<Text>,
    /// The problems and warnings `git-credential-codecommit doctor` reports in the state the
    /// step left, in any order (notes are context, not compared); `[]` means none.
    #[serde(default)]
    pub doctor: Option<Vec<DoctorFinding>>,
}

impl Expect {
    /// Whether it says which failure it expects, beyond an exit code.
    pub fn is_specific(&self) -> bool {
        !self.stderr.is_empty()
            || self.stdout.is_some()
            || self.prompts.is_some()
            || self.helpers.is_some()
            || self.mock.is_some()
            || !self.exposed.is_empty()
    }
}

/// When an expectation applies: a git release range and promises of the helper's contract.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// A git version range: `>=2.40`, `<2.40`, `>=2.30, <2.46`.
    #[serde(default)]
    pub git: Option<VersionReq>,
    /// What the helper under test promises (`helper = { expiry = true }`).
    #[serde(default)]
    pub helper: Option<HelperWhen>,
    /// What the remote helper under test promises (`remote = { profile_at = "last" }`).
    #[serde(default)]
    pub remote: Option<RemoteWhen>,
}

/// Promises of the remote helper's contract (`scenarios/remotes/`) an expectation depends on.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RemoteWhen {
    #[serde(default)]
    pub profile_at: Option<ProfileAt>,
}

impl RemoteWhen {
    fn holds(&self, c: &RemoteContract) -> bool {
        self.profile_at.is_none_or(|v| v == c.profile_at)
    }
}

impl fmt::Display for RemoteWhen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.profile_at {
            Some(at) => write!(f, "remote splits PROFILE@ at the {at} @"),
            None => Ok(()),
        }
    }
}

/// Promises an expectation depends on; each one given must be the contract's.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HelperWhen {
    #[serde(default)]
    pub expiry: Option<bool>,
    #[serde(default)]
    pub native: Option<bool>,
    /// Answers git 2.46's `capability[]=authtype` with an ephemeral credential.
    #[serde(default)]
    pub authtype: Option<bool>,
    #[serde(default)]
    pub other_https: Option<HostAnswer>,
    #[serde(default)]
    pub look_alike: Option<HostAnswer>,
    #[serde(default)]
    pub plain_http: Option<HostAnswer>,
}

impl HelperWhen {
    fn holds(&self, c: &Contract) -> bool {
        self.expiry.is_none_or(|v| v == c.expiry)
            && self.native.is_none_or(|v| v == c.shapes.native)
            && self.authtype.is_none_or(|v| v == c.authtype)
            && self.other_https.is_none_or(|v| v == c.hosts.other_https)
            && self.look_alike.is_none_or(|v| v == c.hosts.look_alike)
            && self.plain_http.is_none_or(|v| v == c.hosts.plain_http)
    }
}

impl fmt::Display for HelperWhen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(e) = self.expiry {
            parts.push(format!(
                "helper {} password_expiry_utc",
                if e { "prints" } else { "does not print" }
            ));
        }
        if let Some(n) = self.native {
            parts.push(format!(
                "helper {} `PROGRAM get`",
                if n { "answers" } else { "does not answer" }
            ));
        }
        if let Some(a) = self.authtype {
            parts.push(format!(
                "helper {} capability[]=authtype with an ephemeral credential",
                if a { "answers" } else { "does not answer" }
            ));
        }
        for (name, value) in [
            ("other HTTPS hosts", self.other_https),
            ("look-alike hosts", self.look_alike),
            ("plain http", self.plain_http),
        ] {
            if let Some(v) = value {
                parts.push(format!("helper {v} {name}"));
            }
        }
        f.write_str(&parts.join(", "))
    }
}

impl When {
    pub fn holds(&self, git: &GitVersion, contract: &Contract, remote: &RemoteContract) -> bool {
        self.git.as_ref().is_none_or(|req| req.matches(git))
            && self.helper.as_ref().is_none_or(|h| h.holds(contract))
            && self.remote.as_ref().is_none_or(|r| r.holds(remote))
    }

    pub fn is_default(&self) -> bool {
        self.git.is_none() && self.helper.is_none() && self.remote.is_none()
    }
}

/// The expectation that applies to this git and contract: the first whose `when` holds. None
/// holding is a failure of the scenario file, never a silent fallback to another expectation.
pub fn choose<'a>(
    expects: &'a [Expect],
    git: &GitVersion,
    contract: &Contract,
    remote: &RemoteContract,
) -> Result<&'a Expect, String> {
    expects
        .iter()
        .find(|e| e.when.holds(git, contract, remote))
        .ok_or_else(|| {
            format!(
                "no expectation applies to git {git} with the contract '{}' and the remote contract '{}' (add one without `when`, or one whose `when` holds)",
                contract.name, remote.name
            )
        })
}

/// Why an expectation was chosen, for transcripts: `git >=2.40, helper prints …: because`.
pub fn describe(expect: &Expect) -> Option<String> {
    if expect.when.is_default() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(git) = &expect.when.git {
        parts.push(format!("git {git}"));
    }
    if let Some(h) = &expect.when.helper {
        parts.push(h.to_string());
    }
    if let Some(r) = &expect.when.remote {
        parts.push(r.to_string());
    }
    let mut text = parts.join(", ");
    if let Some(because) = &expect.because {
        text.push_str(&format!(": {because}"));
    }
    Some(text)
}

/// Text with the world's placeholders (`{url}`, `{jane.user}`) expanded when it is loaded; an
/// unknown placeholder is a load error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        let raw = String::deserialize(d)?;
        world::expand(&raw, &BTreeMap::new())
            .map(Text)
            .map_err(serde::de::Error::custom)
    }
}

/// A line expected in git's stderr: the exact line (placeholders expanded), or with `re:` a
/// regular expression for the whole line, for messages whose wording is libcurl's and changes
/// with its version. Both are checked when the scenario is loaded.
#[derive(Debug, Clone)]
pub enum Line {
    Exact(String),
    Pattern { source: String, regex: Regex },
}

impl<'de> Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Line, D::Error> {
        let raw = String::deserialize(d)?;
        Line::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl Line {
    pub fn parse(raw: &str) -> Result<Line, String> {
        let text = world::expand(raw, &BTreeMap::new())?;
        match text.strip_prefix("re:") {
            Some(re) => Regex::new(&format!("^(?:{})$", re.trim()))
                .map(|regex| Line::Pattern {
                    source: re.trim().to_owned(),
                    regex,
                })
                .map_err(|e| format!("bad regular expression {re:?}: {e}")),
            None => Ok(Line::Exact(text)),
        }
    }

    fn matches(&self, line: &str) -> bool {
        let line = line.trim_end();
        match self {
            Line::Exact(want) => line == want.trim_end(),
            Line::Pattern { regex, .. } => regex.is_match(line),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Line::Exact(text) => write!(f, "{text:?}"),
            Line::Pattern { source, .. } => write!(f, "re:{source:?}"),
        }
    }
}

/// `NAME OPERATION`: a helper as git's configuration names it, and what git asked of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperCallName(pub String);

impl<'de> Deserialize<'de> for HelperCallName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<HelperCallName, D::Error> {
        let raw = String::deserialize(d)?;
        match raw.split_once(' ') {
            Some((name, "get" | "store" | "erase")) if !name.is_empty() => Ok(HelperCallName(raw)),
            _ => Err(serde::de::Error::custom(format!(
                "helper call {raw:?} is not `NAME get|store|erase` (`aws get`, `osxkeychain store`)"
            ))),
        }
    }
}

/// One of the mock's answers: a status, and the reason it gives for refusing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockAnswer {
    pub status: u16,
    pub reason: Option<codecommit_mock::Reason>,
}

impl<'de> Deserialize<'de> for MockAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MockAnswer, D::Error> {
        let raw = String::deserialize(d)?;
        MockAnswer::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl MockAnswer {
    pub fn parse(raw: &str) -> Result<MockAnswer, String> {
        let (status, reason) = match raw.split_once(' ') {
            Some((s, r)) => (s, Some(r)),
            None => (raw, None),
        };
        let status: u16 = status
            .parse()
            .ok()
            .filter(|s| (100..600).contains(s))
            .ok_or_else(|| format!("mock answer {raw:?} does not start with an HTTP status"))?;
        let reason = reason
            .map(|r| {
                r.parse::<codecommit_mock::Reason>()
                    .map_err(|e| format!("mock answer {raw:?}: {e}"))
            })
            .transpose()?;
        Ok(MockAnswer { status, reason })
    }
}

impl fmt::Display for MockAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Some(r) => write!(f, "{} {}", self.status, r.as_str()),
            None => write!(f, "{}", self.status),
        }
    }
}

/// The first difference between what a step expected and what happened.
pub fn compare(expect: &Expect, got: &StepResult) -> Option<String> {
    let Some(exit) = got.exit else {
        return Some("the step ran no git command, yet it has an expectation".into());
    };
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
        match lines[from..].iter().position(|l| wanted.matches(l)) {
            Some(i) => from += i + 1,
            None => {
                return Some(format!(
                    "stderr lacks {wanted} (in order); it was:\n{}",
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
        let prompts: Vec<&str> = prompts.iter().map(|p| p.0.as_str()).collect();
        if prompts != got.prompts {
            return Some(format!("prompts {:?}, expected {prompts:?}", got.prompts));
        }
    }
    if let Some(helpers) = &expect.helpers {
        let helpers: Vec<&str> = helpers.iter().map(|h| h.0.as_str()).collect();
        if helpers != got.helpers {
            return Some(format!(
                "helper calls {:?}, expected {helpers:?}",
                got.helpers
            ));
        }
    }
    if let Some(mock) = &expect.mock {
        let mock: Vec<String> = mock.iter().map(MockAnswer::to_string).collect();
        if mock != got.mock {
            return Some(format!("mock saw {:?}, expected {mock:?}", got.mock));
        }
    }
    if let Some(wanted) = &expect.doctor {
        let mut wanted: Vec<String> = wanted.iter().map(|f| f.as_str()).collect();
        wanted.sort();
        wanted.dedup();
        let said = got.doctor_flags();
        if wanted != said {
            return Some(format!(
                "the doctor reported {said:?}, expected {wanted:?} ({})",
                got.doctor.join("; ")
            ));
        }
    }
    let exposed: Vec<&str> = expect.exposed.iter().map(|e| e.0.as_str()).collect();
    if exposed != got.exposed {
        return Some(format!(
            "credentials exposed {:?}, expected {exposed:?}",
            got.exposed
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(toml_text: &str) -> Expect {
        toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn remote() -> RemoteContract {
        RemoteContract::load(crate::remote::DEFAULT, &crate::default_scenarios_dir())
            .expect("the workspace's remote contract")
    }

    #[test]
    fn remote_promises_choose_the_expectation() {
        let expects: Vec<Expect> = toml::from_str::<BTreeMap<String, Vec<Expect>>>(
            "e = [{ when = { remote = { profile_at = \"first\" } }, exit = 128 }, { when = { remote = { profile_at = \"last\" } }, exit = 0 }]",
        )
        .expect("parses")
        .remove("e")
        .expect("e");
        let ours = remote();
        let python = RemoteContract {
            profile_at: ProfileAt::First,
            ..ours.clone()
        };
        let chosen = choose(&expects, &v("2.47.3"), &contract(true), &ours).expect("one applies");
        assert_eq!(chosen.exit, 0);
        let chosen = choose(&expects, &v("2.47.3"), &contract(true), &python).expect("one applies");
        assert_eq!(chosen.exit, 128);
        assert_eq!(
            describe(chosen).as_deref(),
            Some("remote splits PROFILE@ at the first @")
        );
    }

    fn contract(expiry: bool) -> Contract {
        let mut c = Contract::workspace();
        c.expiry = expiry;
        c
    }

    fn got(exit: i32, stderr: &str) -> StepResult {
        StepResult {
            name: "step".into(),
            command: Some("git fetch".into()),
            exit: Some(exit),
            stderr: stderr.into(),
            ..StepResult::default()
        }
    }

    fn v(text: &str) -> GitVersion {
        GitVersion::parse(text).expect("a version")
    }

    #[test]
    fn choose_takes_the_first_expectation_whose_when_holds() {
        let expects: Vec<Expect> = vec![
            expect("when = { git = \">=2.40\", helper = { expiry = true } }\nexit = 0"),
            expect("exit = 128\nhelpers = []"),
        ];
        let chosen =
            choose(&expects, &v("2.47.3"), &contract(true), &remote()).expect("one applies");
        assert_eq!(chosen.exit, 0);
        let chosen =
            choose(&expects, &v("2.39.5"), &contract(true), &remote()).expect("one applies");
        assert_eq!(chosen.exit, 128);
        // Keyed on the contract, not on a probe: the same git, a contract without expiry.
        let chosen =
            choose(&expects, &v("2.47.3"), &contract(false), &remote()).expect("one applies");
        assert_eq!(chosen.exit, 128);
    }

    #[test]
    fn the_doctors_problems_and_warnings_are_compared_as_a_set_and_notes_are_not() {
        // Named twice: the list is a set.
        let e = expect(
            "exit = 128\ndoctor = [\"storing-helper-first\", \"aws-cli-unscoped\", \"storing-helper-first\"]",
        );
        let mut step = got(128, "");
        step.doctor = vec![
            "problem storing-helper-first".into(),
            "warning aws-cli-unscoped".into(),
            "note region-differs".into(),
        ];
        assert_eq!(compare(&e, &step), None);
        step.doctor.push("problem stored-password-expired".into());
        let why = compare(&e, &step).expect("an extra problem is a mismatch");
        assert!(
            why.contains("the doctor reported [\"aws-cli-unscoped\", \"stored-password-expired\", \"storing-helper-first\"]"),
            "{why}"
        );
        step.doctor = vec!["warning aws-cli-unscoped".into()];
        assert!(
            compare(&e, &step).is_some(),
            "a missing problem is a mismatch"
        );
        // `[]`: the doctor must report no problem and no warning.
        let none = expect("exit = 0\ndoctor = []");
        let mut quiet = got(0, "");
        quiet.doctor = vec!["note region-differs".into()];
        assert_eq!(compare(&none, &quiet), None);
    }

    #[test]
    fn a_misspelt_doctor_finding_fails_when_the_scenario_loads() {
        let error = toml::from_str::<Expect>("exit = 0\ndoctor = [\"storing-helper-frist\"]")
            .expect_err("not a finding id");
        assert!(
            error.to_string().contains("storing-helper-first"),
            "{error}"
        );
    }

    #[test]
    fn choose_keys_on_the_authtype_promise() {
        let expects: Vec<Expect> = vec![
            expect("when = { git = \">=2.46\", helper = { authtype = true } }\nexit = 0"),
            expect("exit = 128\nhelpers = []"),
        ];
        let mut answers = Contract::workspace();
        answers.authtype = true;
        let chosen = choose(&expects, &v("2.47.3"), &answers, &remote()).expect("one applies");
        assert_eq!(chosen.exit, 0);
        let mut silent = answers.clone();
        silent.authtype = false;
        let chosen = choose(&expects, &v("2.47.3"), &silent, &remote()).expect("one applies");
        assert_eq!(chosen.exit, 128);
    }

    #[test]
    fn choose_never_falls_back_when_no_when_holds() {
        let expects: Vec<Expect> = vec![
            expect("when = { git = \">=2.40\" }\nexit = 0"),
            expect("when = { git = \"<2.30\" }\nexit = 128\nhelpers = []"),
        ];
        let e = choose(&expects, &v("2.39.5"), &contract(true), &remote()).expect_err("none holds");
        assert!(e.contains("no expectation applies to git 2.39.5"), "{e}");
    }

    #[test]
    fn describe_says_which_when_applied_and_why() {
        let e = expect(
            "when = { git = \">=2.40\", helper = { expiry = true } }\nbecause = \"git drops it\"\nexit = 0",
        );
        assert_eq!(
            describe(&e).as_deref(),
            Some("git >=2.40, helper prints password_expiry_utc: git drops it")
        );
        assert_eq!(describe(&expect("exit = 0")), None);
    }

    #[test]
    fn compare_checks_exit_then_stderr_in_order() {
        let e = expect("exit = 128\nstderr = [\"first\", \"re: sec.nd\"]");
        assert_eq!(compare(&e, &got(128, "x\nfirst\ny\nsecond\n")), None);
        let m = compare(&e, &got(0, "fatal: nope\n")).expect("exit differs");
        assert_eq!(m, "exit 0, expected 128 (stderr: fatal: nope)");
        let m = compare(&e, &got(128, "second\nfirst\n")).expect("out of order");
        assert!(
            m.starts_with("stderr lacks re:\"sec.nd\" (in order)"),
            "{m}"
        );
        let m = compare(&e, &got(128, "first\n")).expect("missing line");
        assert!(m.contains("stderr lacks"), "{m}");
        let twice = expect("exit = 128\nstderr = [\"retry\", \"retry\"]");
        assert_eq!(compare(&twice, &got(128, "retry\nx\nretry\n")), None);
        assert!(
            compare(&twice, &got(128, "retry\n")).is_some(),
            "one line matches once"
        );
        let exact = expect("exit = 128\nstderr = [\"fatal: one\"]");
        assert_eq!(compare(&exact, &got(128, "fatal: one  \n")), None);
        let m = compare(&exact, &got(128, "fatal: two\n")).expect("another line");
        assert!(m.starts_with("stderr lacks \"fatal: one\""), "{m}");
    }

    #[test]
    fn compare_checks_stdout_prompts_helpers_mock_and_exposure() {
        let e = expect(
            "exit = 0\nstdout = [\"a\"]\nprompts = [\"Username for '{url}': \"]\nhelpers = [\"aws get\"]\nmock = [\"401 no_credentials\", \"200\"]",
        );
        let mut ok = got(0, "");
        ok.stdout = "a\n".into();
        ok.prompts = vec![format!(
            "Username for 'https://{}/v1/repos/{}': ",
            world::HOST,
            world::REPO
        )];
        ok.helpers = vec!["aws get".into()];
        ok.mock = vec!["401 no_credentials".into(), "200".into()];
        assert_eq!(compare(&e, &ok), None);
        for (change, wanted) in [
            (
                Box::new(|s: &mut StepResult| s.stdout = "b\n".into())
                    as Box<dyn Fn(&mut StepResult)>,
                "stdout",
            ),
            (Box::new(|s: &mut StepResult| s.prompts.clear()), "prompts"),
            (
                Box::new(|s: &mut StepResult| s.helpers.push("aws store".into())),
                "helper calls",
            ),
            (
                Box::new(|s: &mut StepResult| s.mock = vec!["200".into()]),
                "mock saw",
            ),
            (
                Box::new(|s: &mut StepResult| {
                    s.exposed = vec!["evil.example (https): access_key_id".into()]
                }),
                "credentials exposed",
            ),
        ] {
            let mut bad = ok.clone();
            change(&mut bad);
            let m = compare(&e, &bad).unwrap_or_else(|| panic!("{wanted} must differ"));
            assert!(m.starts_with(wanted), "{m}");
        }
    }

    #[test]
    fn an_expectation_is_specific_by_any_one_of_its_checks() {
        assert!(!expect("exit = 128").is_specific());
        for field in [
            "stderr = [\"x\"]",
            "stdout = []",
            "prompts = []",
            "helpers = []",
            "mock = []",
            "exposed = [\"h (http): access_key_id\"]",
        ] {
            assert!(
                expect(&format!("exit = 128\n{field}")).is_specific(),
                "{field}"
            );
        }
    }

    #[test]
    fn every_promise_in_a_when_must_be_the_contracts() {
        let aws_cli = Contract::load("aws-cli-v1", &crate::default_scenarios_dir()).expect("loads");
        let workspace = Contract::workspace();
        // (the promises named, whether they are the workspace helper's, the AWS CLI's)
        for (when, workspace_holds, aws_cli_holds) in [
            ("native = true", true, false),
            ("native = false", false, true),
            ("other_https = \"refuses\"", true, true),
            ("look_alike = \"refuses\"", true, false),
            ("look_alike = \"answers\"", false, true),
            ("plain_http = \"refuses\"", true, false),
            ("plain_http = \"answers\"", false, true),
            ("expiry = false", false, true),
            ("expiry = true, look_alike = \"answers\"", false, false),
        ] {
            let e = expect(&format!("when = {{ helper = {{ {when} }} }}\nexit = 0"));
            let v = v("2.47.3");
            assert_eq!(
                e.when.holds(&v, &workspace, &remote()),
                workspace_holds,
                "{when}"
            );
            assert_eq!(
                e.when.holds(&v, &aws_cli, &remote()),
                aws_cli_holds,
                "{when} (aws-cli-v1)"
            );
        }
    }

    #[test]
    fn a_when_on_the_helper_alone_is_described() {
        let e = expect(
            "when = { helper = { look_alike = \"answers\" } }\nbecause = \"it leaks\"\nexit = 0",
        );
        assert!(!e.when.is_default());
        assert_eq!(
            describe(&e).as_deref(),
            Some("helper answers look-alike hosts: it leaks")
        );
    }

    #[test]
    fn compare_refuses_an_expectation_on_a_step_without_git() {
        let mut nothing_ran = got(0, "");
        nothing_ran.exit = None;
        assert!(compare(&expect("exit = 0"), &nothing_ran).is_some());
    }

    #[test]
    fn bad_vocabulary_fails_when_loaded() {
        for (text, wanted) in [
            (
                "exit = 0\nstderr = [\"{nosuch}\"]",
                "unknown placeholder {nosuch}",
            ),
            ("exit = 0\nprompts = [\"{url\"]", ""),
            ("exit = 0\nstderr = [\"re: (\"]", "bad regular expression"),
            (
                "exit = 0\nhelpers = [\"aws fetch\"]",
                "is not `NAME get|store|erase`",
            ),
            (
                "exit = 0\nhelpers = [\" get\"]",
                "is not `NAME get|store|erase`",
            ),
            (
                "exit = 0\nhelpers = [\"aws\"]",
                "is not `NAME get|store|erase`",
            ),
            (
                "exit = 0\nmock = [\"OK\"]",
                "does not start with an HTTP status",
            ),
            ("exit = 0\nmock = [\"403 expird\"]", "403 expird"),
            (
                "exit = 0\nwhen = { helper = { expiry = \"yes\" } }",
                "expiry",
            ),
            (
                "exit = 0\nwhen = { helper = { look_alike = \"leaks\" } }",
                "leaks",
            ),
        ] {
            match toml::from_str::<Expect>(text) {
                Ok(_) if wanted.is_empty() => {}
                Ok(_) => panic!("{text:?} loaded"),
                Err(e) => assert!(e.to_string().contains(wanted), "{text:?}: {e}"),
            }
        }
    }
}
