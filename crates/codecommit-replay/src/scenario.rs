//! Scenarios as data: one TOML file per situation in the troubleshooting guide (or one it
//! omits), with the setup, the symptom as steps with expectations, and each fix replayed from a
//! fresh sandbox.
//!
//! A file is `scenarios/<name>.toml`; see `scenarios/README.md` for the format by example.

use crate::expect::Expect;
use crate::vocabulary::{ConfigFile, Install, Store, VariantKind};
use crate::workload::{ClockJump, Commit, MAX_TAGS, Served};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub file: PathBuf,
    /// One line: the situation.
    pub title: String,
    /// The guide's heading this replays, or "not in the guide".
    pub guide: String,
    /// What the guide says happens, in a sentence.
    pub claim: String,
    /// Where real git does not do what the guide says: what it does instead.
    #[serde(default)]
    pub differs_from_guide: Option<String>,
    /// Why `git-credential-codecommit doctor` reports no problem for this symptom, when its
    /// cause is not on the machine (a GUI client's `-c credential.helper=`, a session that
    /// expired at STS, throttling): without it, a symptom in which git fails must show a
    /// problem finding at some step.
    #[serde(default)]
    pub doctor_sees_no_problem: Option<String>,
    pub setup: Setup,
    /// The symptom, replayed from `setup`.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
    /// Each fix, replayed from `setup` with its changes.
    #[serde(default, rename = "fix")]
    pub fixes: Vec<Fix>,
}

/// The sandbox before the first step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// `$GIT_CONFIG_SYSTEM` (Git for macOS puts `helper = osxkeychain` there; Git for Windows
    /// puts `helper = manager`).
    #[serde(default)]
    pub system_gitconfig: String,
    /// `~/.gitconfig`.
    #[serde(default)]
    pub global_gitconfig: String,
    #[serde(default)]
    pub aws_config: String,
    #[serde(default)]
    pub aws_credentials: String,
    /// Programs on the sandbox's PATH: `aws`, `aws.cmd`, `git-credential-codecommit` (the
    /// helper under test), `git-credential-osxkeychain`, `git-credential-manager` (stand-ins).
    /// A name with a directory (`Program Files/Amazon/AWSCLI/bin/aws.cmd`) is installed there,
    /// under the sandbox root and off PATH, for configurations that name a full path (`{root}`).
    #[serde(default)]
    pub install: Vec<Install>,
    /// Extra environment for every git run.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Answers the askpass program gives, by the start of the prompt (`Username`, `Password`).
    /// Without an answer it fails, as a user closing the dialog would.
    #[serde(default)]
    pub askpass: BTreeMap<String, String>,
    #[serde(default)]
    pub keychain: KeychainModel,
    #[serde(default)]
    pub manager: ManagerModel,
    /// Extra mock configuration (TOML tables merged over the standard world).
    #[serde(default)]
    pub mock: Option<toml::Table>,
    /// What the mock's repository holds beyond the seed's one commit (`tags = 2000`).
    #[serde(default)]
    pub served: Served,
}

/// How the macOS keychain stand-in behaves (git's contrib `git-credential-osxkeychain`).
/// The default is the helper of git 2.39, which Apple's git (Xcode) ships.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct KeychainModel {
    /// osxkeychain from git 2.45 keeps `password_expiry_utc`; Apple's git (2.39) does not.
    pub keeps_expiry: bool,
    /// From git 2.45 `store` updates an existing item; before, the duplicate-item error was
    /// ignored and the old (stale) password stayed.
    pub overwrites: bool,
    /// `deny`: the user removed git-credential-osxkeychain from the item's access control and
    /// clicks Deny at every dialog, so the keychain answers nothing and stores nothing.
    pub deny: bool,
}

/// How the Git Credential Manager stand-in behaves.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ManagerModel {
    /// Windows Credential Manager limits (CredWriteW): a user name of at most 513 characters,
    /// a secret of at most 2,560 bytes (UTF-16).
    pub windows_limits: bool,
}

impl Default for ManagerModel {
    fn default() -> Self {
        ManagerModel {
            windows_limits: true,
        }
    }
}

/// A fix from the guide: changes to the setup, then its own steps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub name: String,
    /// The guide's words for the fix.
    pub guide: String,
    #[serde(default)]
    pub differs_from_guide: Option<String>,
    #[serde(default)]
    pub system_gitconfig: Option<String>,
    #[serde(default)]
    pub global_gitconfig: Option<String>,
    #[serde(default)]
    pub aws_config: Option<String>,
    #[serde(default)]
    pub aws_credentials: Option<String>,
    #[serde(default)]
    pub install: Option<Vec<Install>>,
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub askpass: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub keychain: Option<KeychainModel>,
    #[serde(default)]
    pub manager: Option<ManagerModel>,
    /// Mock settings in place of the setup's (`[fix.mock.faults]`).
    #[serde(default)]
    pub mock: Option<toml::Table>,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

impl Fix {
    /// The scenario's setup with this fix's changes.
    pub fn apply(&self, base: &Setup) -> Setup {
        let mut setup = base.clone();
        macro_rules! replace {
            ($($field:ident),*) => {$(
                if let Some(value) = &self.$field {
                    setup.$field = value.clone();
                }
            )*};
        }
        replace!(
            system_gitconfig,
            global_gitconfig,
            aws_config,
            aws_credentials,
            install,
            env,
            askpass
        );
        if let Some(k) = self.keychain {
            setup.keychain = k;
        }
        if let Some(m) = self.manager {
            setup.manager = m;
        }
        if let Some(mock) = &self.mock {
            setup.mock = Some(mock.clone());
        }
        setup
    }
}

/// One thing that happens: time passes, the user does something, git runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    /// Time passes before this step (`16m`, `90s`, `2h`): the mock's clock and the clock of git
    /// and every helper move together (libfaketime), without sleeping.
    #[serde(default)]
    pub advance: Option<String>,
    /// The user deletes what a credential store holds for a host (Keychain Access, Control
    /// Panel's Credential Manager): `{ store = "osxkeychain", host = "…" }`.
    #[serde(default)]
    pub forget: Option<Forget>,
    /// The user edits a file: `{ file = "system_gitconfig", text = "…" }` (also
    /// `global_gitconfig`, `aws_config`, `aws_credentials`).
    #[serde(default)]
    pub write: Option<Write>,
    /// The user commits new content before the command: `{ repo = "repo", bytes = "3MiB" }`
    /// (incompressible, the same bytes every run).
    #[serde(default)]
    pub commit: Option<Commit>,
    /// Someone else pushes to the served repository before the command: `serve = { tags = 2000 }`
    /// adds that many annotated tags (numbered on from those already served), so the next fetch
    /// wants each one.
    #[serde(default)]
    pub serve: Option<Served>,
    /// Runs the step's git command this many times at once (2 to 8), `{n}` in its arguments
    /// standing for 1, 2, …: a build fetching submodules in parallel. Which of them asks which
    /// helper depends on timing, so the step records each helper call and mock answer once,
    /// sorted, and the first failing exit (0 when all succeed).
    #[serde(default)]
    pub parallel: Option<u32>,
    /// Time passes inside the step's git command, after its Nth request (see [`ClockJump`]).
    #[serde(default)]
    pub clock_jump: Option<ClockJump>,
    /// A git command (arguments after `git`), run in the sandbox's work directory.
    #[serde(default)]
    pub git: Vec<String>,
    /// This project's own tool instead of git (arguments after `git-credential-codecommit`,
    /// such as `["configure", "--global"]`), run in the same place with the same environment.
    #[serde(default)]
    pub tool: Vec<String>,
    /// Extra environment for this step only.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// What must happen. With several, the first whose `when` holds applies. A step that runs no
    /// command (git or the tool) has none: there is nothing to check.
    #[serde(default)]
    pub expect: Vec<Expect>,
}

impl Step {
    /// Whether time passes in this step (`advance`, or a `clock_jump` inside its command, after
    /// which git and the helpers must see the later time too): libfaketime must reach them.
    pub fn moves_clock(&self) -> bool {
        self.advance.is_some() || self.clock_jump.is_some()
    }

    /// Whether the step runs git or the tool, whose outcome its expectations check.
    pub fn runs_command(&self) -> bool {
        !self.git.is_empty() || !self.tool.is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Write {
    pub file: ConfigFile,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forget {
    pub store: Store,
    pub host: String,
}

/// A scenario file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

impl Scenario {
    pub fn parse(name: &str, file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let invalid = |message: String| ScenarioError::Invalid {
            file: file.display().to_string(),
            message,
        };
        let mut scenario: Scenario =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim().replace('\n', " ")))?;
        scenario.name = name.to_owned();
        scenario.file = file.to_owned();
        let all_steps = scenario.steps.iter().map(|s| ("symptom", s)).chain(
            scenario
                .fixes
                .iter()
                .flat_map(|f| f.steps.iter().map(move |s| (f.name.as_str(), s))),
        );
        for (variant, step) in all_steps {
            let step_error =
                |message: String| invalid(format!("{variant}: step '{}' {message}", step.name));
            if !step.git.is_empty() && !step.tool.is_empty() {
                return Err(step_error(
                    "has both git and tool: a step runs one command; split it in two".into(),
                ));
            }
            if !step.runs_command() && !step.expect.is_empty() {
                return Err(step_error(
                    "runs no git command, so its expectations could never be checked: move them to a step that runs git".into(),
                ));
            }
            if step.runs_command() && step.expect.is_empty() {
                return Err(step_error("runs a command without an [[...expect]]".into()));
            }
            if let Some(advance) = &step.advance {
                parse_duration(advance).map_err(&step_error)?;
            }
            if let Some(n) = step.parallel
                && (!(2..=8).contains(&n) || step.git.is_empty() || step.clock_jump.is_some())
            {
                return Err(step_error(format!(
                    "has parallel = {n}: it takes 2 to 8 copies of a git command, without a clock_jump"
                )));
            }
            if let Some(jump) = &step.clock_jump {
                parse_duration(&jump.by).map_err(&step_error)?;
                if jump.after_requests == 0 || step.git.is_empty() {
                    return Err(step_error(
                        "has a clock_jump without a git command to jump inside, or after 0 requests (use advance)".into(),
                    ));
                }
            }
            for e in &step.expect {
                // An expected failure must also say which failure it is.
                if e.exit != 0 && !e.is_specific() {
                    return Err(step_error(format!(
                        "expects exit {} without saying which failure (add stderr, stdout, prompts, helpers, mock or exposed)",
                        e.exit
                    )));
                }
            }
            if !step.runs_command()
                && step.advance.is_none()
                && step.forget.is_none()
                && step.write.is_none()
                && step.commit.is_none()
                && step.serve.is_none()
            {
                return Err(step_error(
                    "does nothing (no git, tool, advance, forget, write, commit or serve)".into(),
                ));
            }
        }
        if scenario.steps.is_empty() {
            return Err(invalid("no [[step]]: a scenario needs its symptom".into()));
        }
        let served: u64 = std::iter::once(scenario.setup.served.tags)
            .chain(
                scenario
                    .steps
                    .iter()
                    .filter_map(|s| s.serve.map(|s| s.tags)),
            )
            .map(u64::from)
            .sum();
        if served > u64::from(MAX_TAGS) {
            return Err(invalid(format!(
                "served.tags and the steps' serve add up to {served} tags, more than the {MAX_TAGS} a replay serves"
            )));
        }
        Ok(scenario)
    }

    /// Loads every `*.toml` in a directory, sorted by name.
    pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, ScenarioError> {
        let io = |source| ScenarioError::Io {
            file: dir.display().to_string(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(file).map_err(|source| ScenarioError::Io {
                    file: file.display().to_string(),
                    source,
                })?;
                let name = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Scenario::parse(&name, file, &text)
            })
            .collect()
    }

    /// The symptom and each fix, as runnable variants.
    pub fn variants(&self) -> Vec<Variant<'_>> {
        let mut variants = vec![Variant {
            kind: VariantKind::Symptom,
            setup: self.setup.clone(),
            steps: &self.steps,
        }];
        variants.extend(self.fixes.iter().map(|fix| Variant {
            kind: VariantKind::Fix(fix.name.clone()),
            setup: fix.apply(&self.setup),
            steps: &fix.steps,
        }));
        variants
    }
}

/// The symptom or one fix: a setup and its steps.
#[derive(Debug, Clone)]
pub struct Variant<'a> {
    pub kind: VariantKind,
    pub setup: Setup,
    pub steps: &'a [Step],
}

impl Variant<'_> {
    /// `symptom` or `fix: NAME`, as reports name it.
    pub fn name(&self) -> String {
        self.kind.to_string()
    }
}

/// `16m`, `90s`, `2h` → seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 16m, 90s or 2h"))?;
    match unit {
        "s" => Ok(n),
        "m" => Ok(n * 60),
        "h" => Ok(n * 3600),
        _ => Err(format!("'{text}' is not a duration such as 16m, 90s or 2h")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "title = \"t\"\nguide = \"g\"\nclaim = \"c\"\n[setup]\n";

    fn parse(body: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse("s", Path::new("s.toml"), &format!("{HEAD}{body}"))
    }

    fn error(body: &str) -> String {
        parse(body).expect_err("refused").to_string()
    }

    #[test]
    fn a_well_formed_scenario_loads() {
        let s = parse(
            "[[step]]\nname = \"later\"\nadvance = \"16m\"\n[[step]]\nname = \"fetch\"\ngit = [\"fetch\"]\n[[step.expect]]\nexit = 0\n",
        )
        .expect("loads");
        assert_eq!(s.variants().len(), 1);
        assert_eq!(s.variants()[0].name(), "symptom");
    }

    #[test]
    fn an_expectation_on_a_step_without_git_is_refused() {
        let e = error("[[step]]\nname = \"later\"\nadvance = \"16m\"\n[[step.expect]]\nexit = 0\n");
        assert!(e.contains("step 'later' runs no git command"), "{e}");
    }

    #[test]
    fn a_git_step_without_an_expectation_is_refused() {
        let e = error("[[step]]\nname = \"fetch\"\ngit = [\"fetch\"]\n");
        assert!(e.contains("runs a command without an [[...expect]]"), "{e}");
        let e = error("[[step]]\nname = \"c\"\ntool = [\"configure\"]\n");
        assert!(e.contains("runs a command without an [[...expect]]"), "{e}");
    }

    #[test]
    fn a_tool_step_loads_and_a_step_with_git_and_tool_is_refused() {
        let s = parse(
            "[[step]]\nname = \"configure\"\ntool = [\"configure\", \"--global\"]\n[[step.expect]]\nexit = 0\n",
        )
        .expect("loads");
        assert_eq!(s.steps[0].tool, ["configure", "--global"]);
        let e = error(
            "[[step]]\nname = \"both\"\ngit = [\"fetch\"]\ntool = [\"configure\"]\n[[step.expect]]\nexit = 0\n",
        );
        assert!(e.contains("step 'both' has both git and tool"), "{e}");
    }

    #[test]
    fn an_unknown_placeholder_in_an_expected_line_is_refused() {
        let e = error(
            "[[step]]\nname = \"f\"\ngit = [\"fetch\"]\n[[step.expect]]\nexit = 128\nstderr = [\"fatal: {urll}\"]\n",
        );
        assert!(e.contains("unknown placeholder {urll}"), "{e}");
    }

    #[test]
    fn misspelt_vocabulary_is_refused_when_loaded() {
        for (body, wanted) in [
            (
                "install = [\"aws-cli\"]\n[[step]]\nname = \"f\"\ngit = [\"fetch\"]\n[[step.expect]]\nexit = 0\n",
                "cannot install 'aws-cli'",
            ),
            (
                "[[step]]\nname = \"w\"\nwrite = { file = \"gitconfig\", text = \"\" }\n",
                "gitconfig",
            ),
            (
                "[[step]]\nname = \"f\"\nforget = { store = \"keychain\", host = \"h\" }\n",
                "keychain",
            ),
            (
                "[[step]]\nname = \"f\"\ngit = [\"fetch\"]\n[[step.expect]]\nexit = 128\nmock = [\"403 expird\"]\n",
                "unknown reason \"expird\"",
            ),
        ] {
            let e = error(body);
            assert!(e.contains(wanted), "{body:?}: {e}");
        }
    }

    #[test]
    fn a_workload_loads_and_a_bad_size_or_too_many_tags_is_refused() {
        let s = parse(
            "[setup.served]\ntags = 2000\n[[step]]\nname = \"push\"\ncommit = { repo = \"repo\", bytes = \"3MiB\" }\ngit = [\"-C\", \"repo\", \"push\"]\n[[step.expect]]\nexit = 0\n",
        )
        .expect("loads");
        assert_eq!(s.setup.served.tags, 2000);
        assert_eq!(s.steps[0].commit.as_ref().map(|c| c.bytes.0), Some(3 << 20));
        let e = error("[[step]]\nname = \"c\"\ncommit = { repo = \"repo\", bytes = \"3 MB\" }\n");
        assert!(e.contains("'3 MB' is not a size"), "{e}");
        let e = error(
            "[setup.served]\ntags = 20001\n[[step]]\nname = \"f\"\ngit = [\"fetch\"]\n[[step.expect]]\nexit = 0\n",
        );
        assert!(e.contains("add up to 20001 tags"), "{e}");
        // What the steps serve counts too.
        let e = error(
            "[setup.served]\ntags = 15000\n[[step]]\nname = \"s\"\nserve = { tags = 5001 }\n",
        );
        assert!(e.contains("add up to 20001 tags"), "{e}");
        // A commit alone is an action, like advance; so is serving tags.
        parse("[[step]]\nname = \"c\"\ncommit = { repo = \"repo\", bytes = \"1KiB\" }\n")
            .expect("loads");
        let s = parse("[[step]]\nname = \"s\"\nserve = { tags = 2000 }\n").expect("loads");
        assert_eq!(s.steps[0].serve.map(|s| s.tags), Some(2000));
    }

    #[test]
    fn a_parallel_step_takes_two_to_eight_copies_of_a_git_command() {
        let step = |n: u32| {
            format!(
                "[[step]]\nname = \"p\"\nparallel = {n}\ngit = [\"clone\", \"{{url}}\", \"r-{{n}}\"]\n[[step.expect]]\nexit = 0\n"
            )
        };
        assert_eq!(parse(&step(4)).expect("loads").steps[0].parallel, Some(4));
        for n in [1, 9] {
            let e = error(&step(n));
            assert!(e.contains(&format!("has parallel = {n}")), "{e}");
        }
        let e = error(
            "[[step]]\nname = \"p\"\nparallel = 2\ntool = [\"configure\"]\n[[step.expect]]\nexit = 0\n",
        );
        assert!(e.contains("has parallel = 2"), "{e}");
    }

    #[test]
    fn an_unspecific_expected_failure_is_refused() {
        let e = error("[[step]]\nname = \"f\"\ngit = [\"fetch\"]\n[[step.expect]]\nexit = 128\n");
        assert!(e.contains("without saying which failure"), "{e}");
    }
}
