//! A helper's contract: what it promises, written down and pinned in `scenarios/helpers/*.toml`,
//! checked against the helper before any scenario runs, then trusted by the scenarios'
//! expectations (`when = { helper = { expiry = true } }`).
//!
//! The check asks the helper what git would, in a throwaway sandbox with the standard world's
//! keys, and judges every password with the mock's own CodeCommit check, so a helper that signs
//! the wrong path, region, key or time, drops the session token, lies about the expiry, prints
//! anything but `key=value` lines, or answers a host it promised to refuse, fails a row that
//! names the promise. A survey run (a helper without a contract) records what the helper does as
//! the contract it is replayed with, and gates nothing.

use crate::exec;
use crate::gits::Git;
use crate::helper::HelperUnderTest;
use crate::result::{ContractRow, Outcome};
use crate::version::{AUTHTYPE_ON_PROBE_SINCE, GitVersion};
use crate::world;
use codecommit_testkit::env::ChildEnv;
use serde::Deserialize;
use std::fmt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

/// The contract a replay holds a helper to when none is named: this workspace's helper's.
pub const DEFAULT: &str = "git-credential-codecommit";
const WORKSPACE_TEXT: &str =
    include_str!("../../../scenarios/helpers/git-credential-codecommit.toml");

/// How long one helper call may take (the AWS CLI takes about half a second to start).
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// CodeCommit refuses a password signed more than 15 minutes ago.
const WINDOW_SECS: i64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub name: String,
    pub about: String,
    /// Prints `password_expiry_utc`, after the signing time and at most 15 minutes after it.
    pub expiry: bool,
    /// `store` and `erase` print nothing and exit 0.
    pub store_erase_silent: bool,
    /// Offered `capability[]=authtype` by a git that carries it on every request (2.54 and
    /// later), answers `capability[]=authtype`, `authtype=Basic`, `credential=` (base64 of a user
    /// name and password CodeCommit accepts) and `ephemeral=1`, with no `username`/`password` a
    /// store could keep. `false`: answers the offer as any other request.
    pub authtype: bool,
    /// Requests larger than `http.postBuffer` work on every git: offered `authtype` by git 2.46
    /// to 2.53, whose probe of such a request leaves an `authtype` answer off (a 401, and the
    /// push fails), it answers a user name and password, which reach the probe.
    pub large_requests: bool,
    pub shapes: Shapes,
    pub hosts: Hosts,
    /// What it does when git sends no path (`credential.UseHttpPath` unset).
    pub without_path: Behaviour,
    /// What it does when the AWS credential chain finds nothing.
    pub without_credentials: Behaviour,
}

/// The argument shapes it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shapes {
    /// `PROGRAM codecommit credential-helper get|store|erase`.
    pub aws_cli: bool,
    /// `PROGRAM get|store|erase`.
    pub native: bool,
}

/// What it does for each kind of host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hosts {
    pub codecommit: HostAnswer,
    pub fips: HostAnswer,
    pub vpc_endpoint: HostAnswer,
    pub china: HostAnswer,
    pub other_https: HostAnswer,
    pub look_alike: HostAnswer,
    pub plain_http: HostAnswer,
}

/// `answers`: a user name and a password; `refuses`: nothing, exit 0, so git asks its next helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostAnswer {
    Answers,
    Refuses,
}

impl fmt::Display for HostAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostAnswer::Answers => "answers",
            HostAnswer::Refuses => "refuses",
        })
    }
}

/// What one call comes to, as git sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Does {
    /// A user name and a password on stdout, exit 0.
    Answers,
    /// Nothing on stdout, exit 0.
    Refuses,
    /// Nothing usable on stdout, a non-zero exit.
    Fails,
}

impl fmt::Display for Does {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Does::Answers => "answers",
            Does::Refuses => "refuses",
            Does::Fails => "fails",
        })
    }
}

/// A promised outcome, optionally with the exact exit code and one line of stderr.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    pub does: Does,
    #[serde(default)]
    pub exit: Option<i32>,
    /// A line stderr must contain (never a secret: checked for, and refused, when loaded).
    #[serde(default)]
    pub stderr: Option<String>,
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.does)?;
        if let Some(exit) = self.exit {
            write!(f, ", exit {exit}")?;
        }
        if let Some(line) = &self.stderr {
            write!(f, ", stderr {line:?}")?;
        }
        Ok(())
    }
}

impl Contract {
    /// This workspace's helper's contract, as pinned in the repository.
    pub fn workspace() -> Contract {
        Contract::parse(
            WORKSPACE_TEXT,
            Path::new("scenarios/helpers/git-credential-codecommit.toml"),
        )
        .unwrap_or_else(|e| unreachable!("the pinned contract is checked by a test: {e}"))
    }

    pub fn parse(text: &str, file: &Path) -> Result<Contract, String> {
        crate::pinned::parse(text, file)
    }

    /// A contract by name (`scenarios/helpers/NAME.toml`) or by file.
    pub fn load(name_or_file: &str, scenarios: &Path) -> Result<Contract, String> {
        crate::pinned::load("contract", &scenarios.join("helpers"), name_or_file)
    }

    /// The contracts pinned in `scenarios/helpers/`.
    pub fn names(scenarios: &Path) -> Vec<String> {
        crate::pinned::names(&scenarios.join("helpers"))
    }
}

/// The hosts the check asks about, by the contract's names.
fn host_cases() -> [(&'static str, &'static str, &'static str); 7] {
    [
        ("codecommit", "https", world::HOST),
        (
            "fips",
            "https",
            "git-codecommit-fips.us-east-2.amazonaws.com",
        ),
        (
            "vpc_endpoint",
            "https",
            "vpce-0123456789abcdef0-abcdefgh.git-codecommit.us-east-2.vpce.amazonaws.com",
        ),
        (
            "china",
            "https",
            "git-codecommit.cn-north-1.amazonaws.com.cn",
        ),
        ("other_https", "https", world::GITHUB_HOST),
        ("look_alike", "https", world::LOOK_ALIKE_HOST),
        ("plain_http", "http", world::HOST),
    ]
}

fn hosts_field(hosts: &Hosts, name: &str) -> HostAnswer {
    match name {
        "codecommit" => hosts.codecommit,
        "fips" => hosts.fips,
        "vpc_endpoint" => hosts.vpc_endpoint,
        "china" => hosts.china,
        "other_https" => hosts.other_https,
        "look_alike" => hosts.look_alike,
        _ => hosts.plain_http,
    }
}

/// One call of the helper and what came of it.
#[derive(Debug, Clone)]
struct Call {
    /// `None`: it could not be started or did not finish (the reason is in `stderr`).
    exit: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Call {
    /// A call whose thread died: a failure, with the reason where a message would be.
    fn lost() -> Call {
        Call {
            exit: None,
            stdout: String::new(),
            stderr: "the thread asking the helper panicked".into(),
        }
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        self.stdout
            .lines()
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once('='))
            .collect()
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs()
            .into_iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    fn does(&self) -> Does {
        let answered = self.get("username").is_some() && self.get("password").is_some();
        match self.exit {
            Some(0) if answered => Does::Answers,
            Some(0) if self.stdout.trim().is_empty() => Does::Refuses,
            _ => Does::Fails,
        }
    }

    /// In words, without a secret: `answers`, `refuses`, `fails (exit 255: 'path')`.
    fn describe(&self) -> String {
        let first_error = self.stderr.lines().find(|l| !l.trim().is_empty());
        match (self.does(), self.exit) {
            (Does::Fails, Some(code)) => match first_error {
                Some(line) => format!("fails (exit {code}: {})", short(line)),
                None => format!("fails (exit {code})"),
            },
            (Does::Fails, None) => format!("fails ({})", short(&self.stderr)),
            (does, _) => does.to_string(),
        }
    }
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let cut: String = line.chars().take(100).collect();
    if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// A throwaway HOME with the standard world's keys: alice's long-term keys as the default
/// profile, bob's temporary ones as the profile `bob`.
struct CheckSandbox {
    dir: tempfile::TempDir,
}

impl CheckSandbox {
    fn new() -> Result<CheckSandbox, String> {
        let dir = tempfile::Builder::new()
            .prefix("replay-contract-")
            .tempdir()
            .map_err(|e| format!("contract check sandbox: {e}"))?;
        let aws = dir.path().join("home/.aws");
        std::fs::create_dir_all(&aws).map_err(|e| format!("contract check sandbox: {e}"))?;
        std::fs::create_dir_all(dir.path().join("tmp"))
            .map_err(|e| format!("contract check sandbox: {e}"))?;
        std::fs::write(
            aws.join("credentials"),
            format!(
                "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[bob]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
                world::ALICE_KEY,
                world::ALICE_SECRET,
                world::BOB_KEY,
                world::BOB_SECRET,
                world::bob_token()
            ),
        )
        .map_err(|e| format!("contract check sandbox: {e}"))?;
        std::fs::write(aws.join("config"), "")
            .map_err(|e| format!("contract check sandbox: {e}"))?;
        Ok(CheckSandbox { dir })
    }

    /// Asks the helper once: the shape's words, then the operation, `input` on stdin.
    fn call(
        &self,
        helper: &HelperUnderTest,
        shape: &[&str],
        operation: &str,
        input: &str,
        who: Asker<'_>,
    ) -> Call {
        let Asker {
            profile,
            credentials,
            git,
        } = who;
        let home = self.dir.path().join("home");
        let credentials_file = if credentials {
            home.join(".aws/credentials")
        } else {
            home.join(".aws/none")
        };
        let mut command = Command::new(&helper.program);
        command.args(shape).arg(operation);
        let mut env = helper_env(&home, &credentials_file, &self.dir.path().join("tmp"));
        if let Some(p) = profile {
            // The temporary key is the profile `bob`: chosen as a user would choose it.
            env = env.set("AWS_PROFILE", p);
        }
        if let Some(exec_path) = git.and_then(|g| g.exec_path.as_deref()) {
            // As git runs every helper: with its exec path, where the helper may find the git
            // that calls it.
            env = env.set("GIT_EXEC_PATH", exec_path);
        }
        env.apply(&mut command);
        match exec::run(command, Some(input.as_bytes()), CALL_TIMEOUT) {
            Ok(done) => Call {
                exit: Some(done.exit),
                stdout: done.stdout_text(),
                stderr: done.stderr_text(),
            },
            Err(e) => Call {
                exit: None,
                stdout: String::new(),
                stderr: e.to_string(),
            },
        }
    }
}

/// Who asks a check's question: which profile, whether any keys exist, which git (its exec path
/// is what git gives every helper).
#[derive(Debug, Clone, Copy, Default)]
struct Asker<'a> {
    profile: Option<&'a str>,
    credentials: bool,
    git: Option<&'a Git>,
}

/// The helper's whole environment for a check: its HOME and AWS files, and nothing of ours.
fn helper_env(home: &Path, credentials: &Path, tmp: &Path) -> ChildEnv {
    ChildEnv::new()
        .home(home)
        .aws_files(&home.join(".aws/config"), credentials)
        .tmp(tmp)
}

fn request(protocol: &str, host: &str, path: Option<&str>) -> String {
    let mut text = format!("protocol={protocol}\nhost={host}\n");
    if let Some(p) = path {
        text.push_str(&format!("path={p}\n"));
    }
    text.push('\n');
    text
}

fn repo_path() -> String {
    format!("v1/repos/{}", world::REPO)
}

/// Everything the helper did when asked what a contract promises.
#[derive(Debug, Clone)]
pub struct Observation {
    aws_cli_get: Call,
    /// `get` with the offer (`capability[]=authtype`, `capability[]=state`) from the newest git
    /// here that carries an `authtype` answer on every request (2.54 and later), if any.
    authtype_get: Option<(GitVersion, Call)>,
    /// The same offer from the newest git here that loses it on the probe of a large request
    /// (2.46 to 2.53), if any.
    lossy_authtype_get: Option<(GitVersion, Call)>,
    native_get: Call,
    session_get: Call,
    hosts: Vec<(&'static str, Call)>,
    without_path: Call,
    without_credentials: Call,
    store: Call,
    erase: Call,
    /// The shape the other calls were made in.
    shape: &'static [&'static str],
    /// When the calls were made: the mock judges each password at this time.
    at: SystemTime,
}

/// Asks the helper everything a contract can promise, on a few threads (the AWS CLI takes about
/// half a second a call). What depends on git's release is asked as the newest of `gits` on
/// each side of the change would ask it.
pub fn observe(helper: &HelperUnderTest, gits: &[Git]) -> Result<Observation, String> {
    const AWS_CLI: &[&str] = &["codecommit", "credential-helper"];
    const NATIVE: &[&str] = &[];
    let sandbox = CheckSandbox::new()?;
    let at = SystemTime::now();
    let standard = request("https", world::HOST, Some(&repo_path()));
    let keys = Asker {
        credentials: true,
        ..Asker::default()
    };
    let (aws_cli_get, native_get) = std::thread::scope(|s| {
        let aws_cli = s.spawn(|| sandbox.call(helper, AWS_CLI, "get", &standard, keys));
        let native = sandbox.call(helper, NATIVE, "get", &standard, keys);
        (aws_cli.join().unwrap_or_else(|_| Call::lost()), native)
    });
    // The other promises are asked in the shape the helper answers (the AWS CLI's first).
    let shape = if aws_cli_get.does() == Does::Answers {
        AWS_CLI
    } else {
        NATIVE
    };
    let no_path = request("https", world::HOST, None);
    let offered = format!("{AUTHTYPE_OFFER}{standard}");
    let call = |op: &str, input: &str, profile: Option<&str>, credentials: bool| {
        let who = Asker {
            profile,
            credentials,
            git: None,
        };
        sandbox.call(helper, shape, op, input, who)
    };
    let newest = |wanted: fn(GitVersion) -> bool| {
        gits.iter()
            .filter(|g| wanted(g.version) && g.exec_path.is_some())
            .max_by_key(|g| g.version)
    };
    let carrier = newest(|v| v >= AUTHTYPE_ON_PROBE_SINCE);
    let lossy = newest(GitVersion::loses_authtype_on_probe);
    let offer_from = |git: Option<&Git>| {
        git.map(|g| {
            (
                g.version,
                sandbox.call(
                    helper,
                    shape,
                    "get",
                    &offered,
                    Asker {
                        profile: None,
                        credentials: true,
                        git: Some(g),
                    },
                ),
            )
        })
    };
    let stored = format!(
        "protocol=https\nhost={}\npath={}\nusername={}\npassword=20260101T000000Z{}\n\n",
        world::HOST,
        repo_path(),
        world::ALICE_KEY,
        "0".repeat(64)
    );
    Ok(std::thread::scope(|s| {
        let authtype = s.spawn(|| offer_from(carrier));
        let lossy_authtype = s.spawn(|| offer_from(lossy));
        let session = s.spawn(|| call("get", &standard, Some("bob"), true));
        let without_path = s.spawn(|| call("get", &no_path, None, true));
        let without_credentials = s.spawn(|| call("get", &standard, None, false));
        let store = s.spawn(|| call("store", &stored, None, true));
        let erase = s.spawn(|| call("erase", &stored, None, true));
        let hosts: Vec<(&'static str, Call)> = host_cases()
            .into_iter()
            .map(|(name, protocol, host)| {
                let input = request(protocol, host, Some(&repo_path()));
                (name, call("get", &input, None, true))
            })
            .collect();
        let join =
            |h: std::thread::ScopedJoinHandle<'_, Call>| h.join().unwrap_or_else(|_| Call::lost());
        Observation {
            aws_cli_get: aws_cli_get.clone(),
            native_get: native_get.clone(),
            authtype_get: authtype
                .join()
                .unwrap_or_else(|_| carrier.map(|g| (g.version, Call::lost()))),
            lossy_authtype_get: lossy_authtype
                .join()
                .unwrap_or_else(|_| lossy.map(|g| (g.version, Call::lost()))),
            session_get: join(session),
            hosts,
            without_path: join(without_path),
            without_credentials: join(without_credentials),
            store: join(store),
            erase: join(erase),
            shape,
            at,
        }
    }))
}

/// What git 2.46 and later (2.47.3 here) send first over HTTP, before the attributes.
const AUTHTYPE_OFFER: &str = "capability[]=authtype\ncapability[]=state\n";

/// The mock's CodeCommit check with the standard world's identities, built once per check.
fn standard_gate() -> Result<codecommit_mock::auth::Gate, String> {
    codecommit_mock::Config::from_toml(&world::mock_config())
        .map(|config| codecommit_mock::auth::Gate::new(&config))
        .map_err(|e| format!("the standard world: {e}"))
}

/// What the mock's CodeCommit check says of an answer for `host` and the standard path.
fn judge(
    gate: &Result<codecommit_mock::auth::Gate, String>,
    call: &Call,
    host: &str,
    at: SystemTime,
) -> Result<String, String> {
    let (Some(user), Some(password)) = (call.get("username"), call.get("password")) else {
        return Err("no user name and password".into());
    };
    let header = format!(
        "Basic {}",
        base64_encode(format!("{user}:{password}").as_bytes())
    );
    judge_header(gate, &header, host, at)
}

/// What the mock's CodeCommit check says of an `Authorization` header for `host` and the
/// standard path: the header curl builds from a user name and password, or the one git 2.46
/// sends as it is from `authtype` and `credential`.
fn judge_header(
    gate: &Result<codecommit_mock::auth::Gate, String>,
    header: &str,
    host: &str,
    at: SystemTime,
) -> Result<String, String> {
    let gate = gate.as_ref().map_err(Clone::clone)?;
    let Some(endpoint) = codecommit_mock::host::parse_codecommit(host) else {
        return Err(format!("{host} is not a CodeCommit host"));
    };
    let now = time::OffsetDateTime::from(at);
    let authn = gate.codecommit(
        Some(header.as_bytes()),
        host,
        &endpoint.region,
        &repo_path(),
        now,
    );
    authn
        .result
        .map_err(|reason| format!("CodeCommit refuses it: {}", reason.as_str()))
}

/// HTTP Basic's base64 (RFC 4648 §4, with padding).
fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The promise rows: each promise of `contract` against what the helper did.
pub fn rows(contract: &Contract, seen: &Observation) -> Vec<ContractRow> {
    let gate = standard_gate();
    // Shared by `row` and `skipped`, which both add rows in the table's order.
    let rows = std::cell::RefCell::new(Vec::new());
    let row = |promise: &str, promised: String, observed: String, ok: Result<(), String>| {
        rows.borrow_mut().push(ContractRow {
            promise: promise.to_owned(),
            promised,
            observed,
            outcome: match ok {
                Ok(()) => Outcome::Pass,
                Err(why) => {
                    Outcome::Fail(format!("contract '{}', {promise}: {why}", contract.name))
                }
            },
        });
    };
    let answers = |b: bool| if b { Does::Answers } else { Does::Fails };
    for (promise, call, promised) in [
        ("shapes.aws_cli", &seen.aws_cli_get, contract.shapes.aws_cli),
        ("shapes.native", &seen.native_get, contract.shapes.native),
    ] {
        let does = call.does();
        let ok = if (does == Does::Answers) == promised {
            Ok(())
        } else {
            Err(format!(
                "promised it {} `get` in this shape; it {}",
                if promised {
                    "answers"
                } else {
                    "does not answer"
                },
                call.describe()
            ))
        };
        row(
            promise,
            answers(promised)
                .to_string()
                .replace("fails", "does not answer"),
            call.describe(),
            ok,
        );
    }
    let main = if seen.shape.is_empty() {
        &seen.native_get
    } else {
        &seen.aws_cli_get
    };

    // Only `key=value` lines: git stops reading at a line without `=` (and warns), so a banner or
    // a prompt on stdout loses the answer. CR LF line ends are fine: git reads them as LF.
    let mut calls: Vec<(&str, &Call)> = vec![
        ("get", main),
        ("get with a session token", &seen.session_get),
        ("store", &seen.store),
        ("erase", &seen.erase),
    ];
    for (what, offer) in [
        ("get offered authtype", &seen.authtype_get),
        (
            "get offered authtype by a git that loses it on the probe",
            &seen.lossy_authtype_get,
        ),
    ] {
        if let Some((_, call)) = offer {
            calls.push((what, call));
        }
    }
    calls.extend(seen.hosts.iter().map(|(n, c)| (*n, c)));
    let bad_line = calls.iter().find_map(|(what, c)| {
        c.stdout
            .lines()
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .enumerate()
            .find(|(_, l)| {
                !l.is_empty()
                    && l.split_once('=').is_none_or(|(k, _)| {
                        k.is_empty()
                            || !k
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "_[]".contains(c))
                    })
            })
            .map(|(n, _)| format!("{what}: line {} of stdout is not key=value", n + 1))
    });
    row(
        "output",
        "only key=value lines on stdout".into(),
        bad_line
            .clone()
            .unwrap_or_else(|| "only key=value lines".into()),
        bad_line.map_or(Ok(()), Err),
    );

    for (promise, call, user) in [
        ("signs.long_term", main, world::ALICE_KEY.to_owned()),
        (
            "signs.session_token",
            &seen.session_get,
            format!("{}%[BOB_TOKEN]", world::BOB_KEY),
        ),
    ] {
        let verdict = judge(&gate, call, world::HOST, seen.at);
        let sent_user = call
            .get("username")
            .map(|u| u.replace(&world::bob_token(), "[BOB_TOKEN]"));
        let (observed, ok) = match (&verdict, &sent_user) {
            (Ok(_), Some(u)) if *u == user => ("accepted by CodeCommit's check".to_owned(), Ok(())),
            (Ok(_), other) => (
                format!("accepted, as user {other:?}"),
                Err(format!("the user name is not {user}")),
            ),
            (Err(why), _) => (format!("{} ({why})", call.describe()), Err(why.clone())),
        };
        row(
            promise,
            format!("user {user}, a password CodeCommit accepts for the host and path"),
            observed,
            ok,
        );
    }

    let expiry = main.get("password_expiry_utc");
    let signed_at = main
        .get("password")
        .and_then(|p| codecommit_mock::sigv4::SignedPassword::parse(p).ok())
        .map(|p| p.time.unix_timestamp());
    let (observed, ok) = match (expiry, contract.expiry) {
        (None, false) => ("does not print password_expiry_utc".to_owned(), Ok(())),
        (None, true) => (
            format!("no password_expiry_utc ({})", main.describe()),
            Err("password_expiry_utc is missing".to_owned()),
        ),
        (Some(_), false) => (
            "prints password_expiry_utc".to_owned(),
            Err("it prints password_expiry_utc, which the contract says it does not: update the contract".to_owned()),
        ),
        (Some(text), true) => match (text.parse::<i64>(), signed_at) {
            (Ok(e), Some(s)) if e > s && e - s <= WINDOW_SECS => {
                (format!("expires {} s after signing", e - s), Ok(()))
            }
            (Ok(e), Some(s)) => (
                format!("expires {} s after signing", e - s),
                Err(format!("the expiry is {} s after the signing time, not within (0, {WINDOW_SECS}]", e - s)),
            ),
            (Ok(_), None) => ("a password with no signing time".to_owned(), Err("the password has no signing time".to_owned())),
            (Err(_), _) => ("an expiry that is not a Unix time".to_owned(), Err("password_expiry_utc is not seconds since the epoch".to_owned())),
        },
    };
    row(
        "expiry",
        if contract.expiry {
            "prints password_expiry_utc, at most 15 minutes after signing".into()
        } else {
            "does not print password_expiry_utc".into()
        },
        observed,
        ok,
    );

    match &seen.authtype_get {
        Some((git, call)) => {
            let (observed, ok) = authtype_row(contract.authtype, call, &gate, seen.at);
            row(
                "authtype",
                if contract.authtype {
                    format!(
                        "offered capability[]=authtype by git {git}: authtype=Basic, a credential CodeCommit accepts, ephemeral=1, no username or password"
                    )
                } else {
                    format!(
                        "offered capability[]=authtype by git {git}: username and password, as without it"
                    )
                },
                observed,
                ok,
            );
        }
        None => skipped(
            &mut rows.borrow_mut(),
            "authtype",
            "offered capability[]=authtype by git 2.54 or later",
            format!("no git {AUTHTYPE_ON_PROBE_SINCE} or later here to offer it"),
        ),
    }
    match &seen.lossy_authtype_get {
        Some((git, call)) => {
            let (observed, ok) = large_requests_row(contract.large_requests, call, &gate, seen.at);
            row(
                "large_requests",
                if contract.large_requests {
                    format!(
                        "offered capability[]=authtype by git {git}, which leaves an authtype answer off the probe of a request over http.postBuffer: a user name and password CodeCommit accepts"
                    )
                } else {
                    format!(
                        "offered capability[]=authtype by git {git}: answers with authtype, so pushes over http.postBuffer fail with 401"
                    )
                },
                observed,
                ok,
            );
        }
        None => skipped(
            &mut rows.borrow_mut(),
            "large_requests",
            "offered capability[]=authtype by git 2.46 to 2.53",
            "no git from 2.46 to 2.53 here to offer it".to_owned(),
        ),
    }

    for (name, call) in &seen.hosts {
        let promised = hosts_field(&contract.hosts, name);
        let (_, protocol, host) = host_cases()
            .into_iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or(("", "", ""));
        let does = call.does();
        let mut observed = call.describe();
        let ok = match (promised, does) {
            (HostAnswer::Answers, Does::Answers)
                if protocol == "https"
                    && codecommit_mock::host::parse_codecommit(host).is_some() =>
            {
                match judge(&gate, call, host, seen.at) {
                    Ok(_) => Ok(()),
                    Err(why) => {
                        observed = format!("answers ({why})");
                        Err(why)
                    }
                }
            }
            (HostAnswer::Answers, Does::Answers) | (HostAnswer::Refuses, Does::Refuses) => Ok(()),
            (p, _) => Err(format!(
                "promised it {p} {protocol}://{host}; it {}",
                call.describe()
            )),
        };
        row(
            &format!("hosts.{name}"),
            format!("{promised} {protocol}://{host}"),
            observed,
            ok,
        );
    }

    for (promise, call, promised) in [
        ("without_path", &seen.without_path, &contract.without_path),
        (
            "without_credentials",
            &seen.without_credentials,
            &contract.without_credentials,
        ),
    ] {
        let mut why = Vec::new();
        if call.does() != promised.does {
            why.push(format!("it {}", call.does()));
        }
        if let Some(exit) = promised.exit
            && call.exit != Some(exit)
        {
            why.push(format!("exit {:?}, not {exit}", call.exit));
        }
        if let Some(line) = &promised.stderr
            && !call.stderr.lines().any(|l| l.trim() == line.trim())
        {
            why.push(format!("stderr lacks {line:?}"));
        }
        if promised.does != Does::Answers && !call.pairs().is_empty() {
            why.push("it printed key=value lines".into());
        }
        row(
            promise,
            promised.to_string(),
            call.describe(),
            if why.is_empty() {
                Ok(())
            } else {
                Err(why.join("; "))
            },
        );
    }

    let silent = |c: &Call| c.exit == Some(0) && c.stdout.trim().is_empty();
    let observed = format!(
        "store {}, erase {}",
        if silent(&seen.store) {
            "silent".to_owned()
        } else {
            describe_store(&seen.store)
        },
        if silent(&seen.erase) {
            "silent".to_owned()
        } else {
            describe_store(&seen.erase)
        }
    );
    let is_silent = silent(&seen.store) && silent(&seen.erase);
    row(
        "store_erase",
        if contract.store_erase_silent {
            "store and erase print nothing and exit 0".into()
        } else {
            "store or erase print something or fail".into()
        },
        observed.clone(),
        if is_silent == contract.store_erase_silent {
            Ok(())
        } else {
            Err(observed)
        },
    );
    rows.into_inner()
}

/// A row that cannot be checked with the gits here: skipped, saying why, never passed.
fn skipped(rows: &mut Vec<ContractRow>, promise: &str, promised: &str, why: String) {
    rows.push(ContractRow {
        promise: promise.to_owned(),
        promised: promised.to_owned(),
        observed: "not asked".to_owned(),
        outcome: Outcome::Skip(why),
    });
}

/// The `large_requests` row: offered `authtype` by a git that loses it on the probe of a large
/// request, the answer must be a user name and password that CodeCommit accepts (git's probe
/// carries those on every release).
fn large_requests_row(
    promised: bool,
    call: &Call,
    gate: &Result<codecommit_mock::auth::Gate, String>,
    at: SystemTime,
) -> (String, Result<(), String>) {
    let typed = call.get("authtype").is_some() || call.get("credential").is_some();
    let password = match (call.get("username"), call.get("password")) {
        (Some(user), Some(password)) => Some(judge_header(
            gate,
            &format!(
                "Basic {}",
                base64_encode(format!("{user}:{password}").as_bytes())
            ),
            world::HOST,
            at,
        )),
        _ => None,
    };
    match (promised, typed, password) {
        (true, false, Some(Ok(_))) => ("a user name and password CodeCommit accepts".into(), Ok(())),
        (true, false, Some(Err(e))) => (e.clone(), Err(e)),
        (true, true, _) => (
            "answers with authtype".into(),
            Err("it answers with authtype, which this git sends without the probe of a request over http.postBuffer: every push over 1 MiB fails with HTTP 401".into()),
        ),
        (true, false, None) => (call.describe(), Err(format!("it {}", call.describe()))),
        (false, true, _) => ("answers with authtype".into(), Ok(())),
        (false, false, _) => (
            call.describe(),
            Err("it answers in a form the probe carries, which the contract says it does not: update the contract".into()),
        ),
    }
}

/// The `authtype` row: what the helper answered when git offered the capability.
fn authtype_row(
    promised: bool,
    call: &Call,
    gate: &Result<codecommit_mock::auth::Gate, String>,
    at: SystemTime,
) -> (String, Result<(), String>) {
    let announces = call
        .pairs()
        .iter()
        .any(|(k, v)| *k == "capability[]" && *v == "authtype");
    let typed = call.get("authtype").is_some() || call.get("credential").is_some();
    if !promised {
        return match (call.does(), announces || typed) {
            (Does::Answers, false) => ("username and password".into(), Ok(())),
            (_, true) => (
                "answers with authtype".into(),
                Err("it answers the capability, which the contract says it does not: update the contract".into()),
            ),
            (_, false) => (call.describe(), Err(format!("it {}", call.describe()))),
        };
    }
    let mut why = Vec::new();
    if !announces {
        why.push("no capability[]=authtype".to_owned());
    }
    if call.get("authtype") != Some("Basic") {
        why.push(format!("authtype is {:?}, not Basic", call.get("authtype")));
    }
    if call.get("ephemeral") != Some("1") {
        why.push("no ephemeral=1".to_owned());
    }
    if call.get("username").is_some() || call.get("password").is_some() {
        why.push("it also prints username or password, which a store would keep".to_owned());
    }
    match call.get("credential") {
        None => why.push("no credential".to_owned()),
        Some(credential) => {
            if let Err(e) = judge_header(gate, &format!("Basic {credential}"), world::HOST, at) {
                why.push(e);
            }
        }
    }
    if call.exit != Some(0) {
        why.push(call.describe());
    }
    if why.is_empty() {
        (
            "an ephemeral Basic credential CodeCommit accepts".into(),
            Ok(()),
        )
    } else {
        let text = why.join("; ");
        (text.clone(), Err(text))
    }
}

fn describe_store(c: &Call) -> String {
    if c.pairs().is_empty() {
        c.describe()
    } else {
        format!(
            "prints {}",
            c.pairs()
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl Observation {
    /// What the helper did, written as the contract it would have to promise: the contract of a
    /// survey run, which documents and gates nothing.
    pub fn as_contract(&self, name: &str) -> Contract {
        let host = |n: &str| {
            self.hosts
                .iter()
                .find(|(h, _)| *h == n)
                .map(|(_, c)| {
                    if c.does() == Does::Answers {
                        HostAnswer::Answers
                    } else {
                        HostAnswer::Refuses
                    }
                })
                .unwrap_or(HostAnswer::Refuses)
        };
        let main = if self.shape.is_empty() {
            &self.native_get
        } else {
            &self.aws_cli_get
        };
        let behaviour = |c: &Call| Behaviour {
            does: c.does(),
            exit: c.exit,
            stderr: None,
        };
        let silent = |c: &Call| c.exit == Some(0) && c.stdout.trim().is_empty();
        Contract {
            name: format!("{name} (observed)"),
            about: "What the helper did when asked, recorded by a survey run.".into(),
            expiry: main.get("password_expiry_utc").is_some(),
            store_erase_silent: silent(&self.store) && silent(&self.erase),
            authtype: self
                .authtype_get
                .as_ref()
                .is_some_and(|(_, c)| c.get("credential").is_some()),
            large_requests: self
                .lossy_authtype_get
                .as_ref()
                .is_none_or(|(_, c)| c.get("credential").is_none()),
            shapes: Shapes {
                aws_cli: self.aws_cli_get.does() == Does::Answers,
                native: self.native_get.does() == Does::Answers,
            },
            hosts: Hosts {
                codecommit: host("codecommit"),
                fips: host("fips"),
                vpc_endpoint: host("vpc_endpoint"),
                china: host("china"),
                other_https: host("other_https"),
                look_alike: host("look_alike"),
                plain_http: host("plain_http"),
            },
            without_path: behaviour(&self.without_path),
            without_credentials: behaviour(&self.without_credentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_contracts_load() {
        let dir = crate::default_scenarios_dir();
        let names = Contract::names(&dir);
        assert!(
            names.contains(&"git-credential-codecommit".to_owned()),
            "{names:?}"
        );
        assert!(names.contains(&"aws-cli-v1".to_owned()), "{names:?}");
        for name in names {
            let c = Contract::load(&name, &dir).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.name, name, "a contract's name is its file's");
        }
        assert_eq!(
            Contract::workspace(),
            Contract::load(DEFAULT, &dir).expect("loads")
        );
    }

    #[test]
    fn an_unknown_contract_names_the_known_ones() {
        let e = Contract::load("aws-cli-v9", &crate::default_scenarios_dir()).expect_err("unknown");
        assert!(e.contains("no contract 'aws-cli-v9'"), "{e}");
        assert!(e.contains("aws-cli-v1, git-credential-codecommit"), "{e}");
    }

    #[test]
    fn a_misspelt_promise_fails_when_loaded() {
        let text = WORKSPACE_TEXT.replace("look_alike = \"refuses\"", "look_alike = \"refuse\"");
        let e = Contract::parse(&text, Path::new("x.toml")).expect_err("a typo");
        assert!(e.contains("refuse"), "{e}");
        let text = WORKSPACE_TEXT.replace("expiry = true", "expiry = true\nexpires = true");
        assert!(Contract::parse(&text, Path::new("x.toml")).is_err());
    }

    fn call(exit: Option<i32>, stdout: &str) -> Call {
        Call {
            exit,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[test]
    fn a_call_is_an_answer_a_refusal_or_a_failure() {
        assert_eq!(
            call(Some(0), "username=a\npassword=b\n").does(),
            Does::Answers
        );
        assert_eq!(
            call(Some(0), "username=a\r\npassword=b\r\n").does(),
            Does::Answers
        );
        assert_eq!(call(Some(0), "").does(), Does::Refuses);
        assert_eq!(call(Some(0), "\n").does(), Does::Refuses);
        assert_eq!(call(Some(0), "username=a\n").does(), Does::Fails);
        assert_eq!(
            call(Some(1), "username=a\npassword=b\n").does(),
            Does::Fails
        );
        assert_eq!(call(None, "").does(), Does::Fails);
    }
}
