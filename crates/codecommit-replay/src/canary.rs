//! Canaries: deliberately broken helpers, each one regression of the kind a real change makes,
//! for showing that the replay catches a broken helper instead of adapting to it.
//!
//! A canary is the real helper with one thing changed: `codecommit-canary KIND HELPER ARGS…`
//! runs `HELPER ARGS…` with git's request on stdin and bends the request or the answer in one
//! way. Where the breakage is in the signature (the wrong region, path or clock), the canary
//! signs again with the standard world's keys and the mock's own signer, so only that one input
//! differs. [`CANARIES`] says, for each, which contract rows and which scenarios must catch it;
//! the replay's tests run every canary and check exactly that.

use crate::version::{AUTHTYPE_ON_PROBE_SINCE, GitVersion};
use crate::world;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

/// A way to break a helper, or (`Unbroken`, `Crlf`) a way that must still pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The real helper, passed through: must pass.
    Unbroken,
    /// Lines end in CR LF, which git reads as LF: must pass.
    Crlf,
    /// Stops printing `password_expiry_utc`.
    NoExpiry,
    /// Claims the password lives an hour longer than CodeCommit allows.
    LyingExpiry,
    /// Answers any host, with a password signed for CodeCommit.
    AnyHost,
    /// Answers `http://` as if it were `https://`.
    PlainHttp,
    /// One hex digit of the signature wrong.
    BadSignature,
    /// Signs for `us-east-1` whatever the host's region.
    WrongRegion,
    /// Signs `/` instead of the repository's path.
    WrongPath,
    /// Leaves the session token out of the user name.
    NoSessionToken,
    /// Its clock is 20 minutes behind.
    StaleClock,
    /// Prints a banner line on stdout before the answer.
    Banner,
    /// Exits 0 with nothing on stdout.
    EmptyAnswer,
    /// Prints credentials for `store` and `erase` too.
    AnswersStore,
    /// No longer answers `PROGRAM get` (only the AWS CLI's shape).
    NoNativeShape,
    /// Ignores git 2.46's `capability[]=authtype`: answers with a user name and password, which
    /// the stores after it keep.
    NoAuthtype,
    /// Answers every `capability[]=authtype` offer with an ephemeral credential, whatever git's
    /// release: git 2.46 to 2.53 leave it off the probe of a request over `http.postBuffer`.
    AlwaysAuthtype,
}

/// A canary, and what must catch it.
#[derive(Debug, Clone, Copy)]
pub struct Canary {
    pub kind: Kind,
    pub name: &'static str,
    /// The regression, as a helper author would describe it.
    pub what: &'static str,
    /// The contract rows that must fail, and no others (empty: it must pass).
    pub rows: &'static [&'static str],
    /// Scenarios at least one variant of which must fail with it on the newest git.
    pub scenarios: &'static [&'static str],
    /// The gits on which the regression shows, where it shows on some only (`None`: every
    /// git): on the others the canary must pass every row and scenario, as the helper does.
    pub only_on: Option<Releases>,
}

/// A span of git releases, and its name for the canary table.
#[derive(Debug, Clone, Copy)]
pub struct Releases {
    pub name: &'static str,
    pub holds: fn(GitVersion) -> bool,
}

/// The rows that judge a signature. `authtype` and `large_requests` are asked only where a git
/// of their releases is found; a canary test expects the rows that were asked.
const SIGNS: [&str; 8] = [
    "authtype",
    "large_requests",
    "signs.long_term",
    "signs.session_token",
    "hosts.codecommit",
    "hosts.fips",
    "hosts.vpc_endpoint",
    "hosts.china",
];

/// Every canary this workspace ships.
pub const CANARIES: &[Canary] = &[
    Canary {
        kind: Kind::Unbroken,
        name: "unbroken",
        what: "the helper as it is",
        rows: &[],
        scenarios: &[],
        only_on: None,
    },
    Canary {
        kind: Kind::Crlf,
        name: "crlf",
        what: "answers with CR LF line ends (git reads them)",
        rows: &[],
        scenarios: &[],
        only_on: None,
    },
    Canary {
        kind: Kind::NoExpiry,
        name: "no-expiry",
        what: "stops printing password_expiry_utc",
        rows: &["expiry"],
        // On git 2.46 and later the helper answers `authtype` with an ephemeral credential that
        // no store keeps, so the expiry changes no replayed outcome there; it matters on git
        // 2.40 to 2.45, which the replay does not have. Only the contract row sees it.
        scenarios: &[],
        only_on: None,
    },
    Canary {
        kind: Kind::LyingExpiry,
        name: "lying-expiry",
        what: "prints an expiry an hour later than CodeCommit's 15 minutes",
        rows: &["expiry"],
        // On git 2.46 and later the helper answers `authtype` with an ephemeral credential that
        // no store keeps, so the expiry changes no replayed outcome there; it matters on git
        // 2.40 to 2.45, which the replay does not have. Only the contract row sees it.
        scenarios: &[],
        only_on: None,
    },
    Canary {
        kind: Kind::AnyHost,
        name: "any-host",
        what: "answers every host, github.com and look-alikes included",
        rows: &["hosts.other_https", "hosts.look_alike", "hosts.plain_http"],
        scenarios: &["unscoped-helper-foreign-hosts"],
        only_on: None,
    },
    Canary {
        kind: Kind::PlainHttp,
        name: "plain-http",
        what: "answers http:// as if it were https://",
        rows: &["hosts.plain_http"],
        scenarios: &["unscoped-helper-foreign-hosts"],
        only_on: None,
    },
    Canary {
        kind: Kind::BadSignature,
        name: "bad-signature",
        what: "one hex digit of the signature wrong",
        rows: &SIGNS,
        scenarios: &["baseline-aws-cli-helper"],
        only_on: None,
    },
    Canary {
        kind: Kind::WrongRegion,
        name: "wrong-region",
        what: "signs for us-east-1 whatever the host's region",
        rows: &SIGNS,
        scenarios: &["baseline-aws-cli-helper"],
        only_on: None,
    },
    Canary {
        kind: Kind::WrongPath,
        name: "wrong-path",
        what: "signs / instead of the repository's path",
        rows: &SIGNS,
        scenarios: &["baseline-aws-cli-helper"],
        only_on: None,
    },
    Canary {
        kind: Kind::NoSessionToken,
        name: "no-session-token",
        what: "leaves the session token out of the user name",
        rows: &["signs.session_token"],
        scenarios: &["temporary-credentials"],
        only_on: None,
    },
    Canary {
        kind: Kind::StaleClock,
        name: "stale-clock",
        what: "signs with a clock 20 minutes behind",
        rows: &SIGNS,
        scenarios: &["baseline-aws-cli-helper"],
        only_on: None,
    },
    Canary {
        kind: Kind::Banner,
        name: "banner",
        what: "prints a banner line on stdout before the answer",
        rows: &["output"],
        scenarios: &["baseline-aws-cli-helper"],
        only_on: None,
    },
    Canary {
        kind: Kind::EmptyAnswer,
        name: "empty-answer",
        what: "exits 0 with nothing on stdout",
        rows: &[
            "authtype",
            "large_requests",
            "shapes.aws_cli",
            "shapes.native",
            "signs.long_term",
            "signs.session_token",
            "expiry",
            "hosts.codecommit",
            "hosts.fips",
            "hosts.vpc_endpoint",
            "hosts.china",
        ],
        scenarios: &["baseline-aws-cli-helper"],
        only_on: None,
    },
    Canary {
        kind: Kind::AnswersStore,
        name: "answers-store",
        what: "prints credentials for store and erase too",
        rows: &["store_erase"],
        scenarios: &[],
        only_on: None,
    },
    Canary {
        kind: Kind::NoNativeShape,
        name: "no-native-shape",
        what: "no longer answers `git-credential-codecommit get`",
        rows: &["shapes.native"],
        scenarios: &["recommended-configuration"],
        only_on: None,
    },
    Canary {
        kind: Kind::NoAuthtype,
        name: "no-authtype",
        what: "ignores git 2.46's capability[]=authtype and answers a user name and password",
        rows: &["authtype"],
        scenarios: &[
            "credential-store-before-helper",
            "macos-keychain-expired-password",
            "windows-gcm-precedence",
        ],
        // The workspace's helper itself answers a user name and password where git loses an
        // `authtype` answer on large requests (2.46 to 2.53), so only newer gits tell them apart.
        only_on: Some(Releases {
            name: "git 2.54 and later",
            holds: |v| v >= AUTHTYPE_ON_PROBE_SINCE,
        }),
    },
    Canary {
        kind: Kind::AlwaysAuthtype,
        name: "always-authtype",
        what: "answers capability[]=authtype with an ephemeral credential on every git that offers it",
        rows: &["large_requests"],
        scenarios: &["large-push", "many-refs-small-post-buffer"],
        // Git 2.54 carries the credential on the probe too: there it is no regression.
        only_on: Some(Releases {
            name: "git 2.46 to 2.53",
            holds: GitVersion::loses_authtype_on_probe,
        }),
    },
];

impl Kind {
    pub fn by_name(name: &str) -> Option<Kind> {
        CANARIES.iter().find(|c| c.name == name).map(|c| c.kind)
    }
}

/// `key=value` lines up to a blank line, as git writes and reads them.
fn pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn write_pairs(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

fn set(pairs: &mut [(String, String)], key: &str, new: String) {
    if let Some(p) = pairs.iter_mut().find(|(k, _)| k == key) {
        p.1 = new;
    }
}

/// The helper's answer: exit code, stdout, stderr.
struct Answer {
    exit: i32,
    stdout: String,
    stderr: Vec<u8>,
}

fn ask(helper: &str, args: &[String], input: &str) -> Answer {
    let child = Command::new(helper)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Answer {
                exit: 127,
                stdout: String::new(),
                stderr: format!("codecommit-canary: cannot start {helper}: {e}\n").into_bytes(),
            };
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) => Answer {
            exit: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: out.stderr,
        },
        Err(e) => Answer {
            exit: 127,
            stdout: String::new(),
            stderr: format!("codecommit-canary: {e}\n").into_bytes(),
        },
    }
}

/// Signs again as the helper did, with one input changed.
fn resign(answer: &mut [(String, String)], host: &str, path: &str, change: Kind) {
    let (Some(user), Some(password)) = (value(answer, "username"), value(answer, "password"))
    else {
        return;
    };
    let key = user.split('%').next().unwrap_or(user);
    let Some(secret) = world::secret_of(key) else {
        return;
    };
    let Ok(signed) = codecommit_mock::sigv4::SignedPassword::parse(password) else {
        return;
    };
    let region = codecommit_mock::host::parse_codecommit(host)
        .map(|h| h.region)
        .unwrap_or_else(|| world::REGION.to_owned());
    let (at, region, path) = match change {
        Kind::WrongRegion => (signed.time, "us-east-1".to_owned(), "/".to_owned() + path),
        Kind::WrongPath => (signed.time, region, "/".to_owned()),
        Kind::StaleClock => (
            signed.time - time::Duration::minutes(20),
            region,
            "/".to_owned() + path,
        ),
        _ => return,
    };
    let new = codecommit_mock::sigv4::password(secret, at, &region, host, &path);
    set(answer, "password", new);
    if change == Kind::StaleClock
        && let Some(expiry) =
            value(answer, "password_expiry_utc").and_then(|e| e.parse::<i64>().ok())
    {
        set(
            answer,
            "password_expiry_utc",
            (expiry - 20 * 60).to_string(),
        );
    }
}

/// Runs the canary: `args` are `KIND HELPER ARGS…`; returns the exit code.
pub fn main(args: Vec<String>) -> i32 {
    let (Some(kind_name), Some(helper)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: codecommit-canary KIND HELPER [ARGS…]; kinds: {}",
            names()
        );
        return 2;
    };
    let Some(kind) = Kind::by_name(kind_name) else {
        eprintln!(
            "codecommit-canary: no canary '{kind_name}'; kinds: {}",
            names()
        );
        return 2;
    };
    let mut rest: Vec<String> = args[2..].to_vec();
    let mut input = String::new();
    let _ = std::io::stdin().take(1 << 20).read_to_string(&mut input);
    let operation = rest.last().cloned().unwrap_or_default();
    let aws_shape = rest.iter().any(|a| a == "credential-helper");
    if kind == Kind::NoNativeShape && !aws_shape {
        eprintln!("codecommit-canary: unrecognized subcommand '{operation}'");
        return 2;
    }
    if !matches!(operation.as_str(), "get" | "store" | "erase") {
        // Not git's protocol (`--version`, which `configure` asks to recognise the helper):
        // the helper's own answer, as it is.
        let answer = ask(helper, &rest, &input);
        let _ = std::io::stdout().write_all(answer.stdout.as_bytes());
        let _ = std::io::stderr().write_all(&answer.stderr);
        return answer.exit;
    }
    let mut request = pairs(&input);
    let host = value(&request, "host").unwrap_or("").to_owned();
    let path = value(&request, "path").unwrap_or("").to_owned();
    match kind {
        Kind::PlainHttp if value(&request, "protocol") == Some("http") => {
            set(&mut request, "protocol", "https".into());
        }
        Kind::AnswersStore if operation == "store" || operation == "erase" => {
            if let Some(last) = rest.last_mut() {
                *last = "get".into();
            }
        }
        _ => {}
    }
    // Git 2.46 and later offer `authtype`, and the helper then answers with a `credential`, not
    // a password. The canaries that bend the password ask without the offer and, where the
    // offer was made, hand the bent password back as the helper would have; `no-authtype`
    // drops the offer and hands the password back as it is.
    let offered = request
        .iter()
        .any(|(k, v)| k == "capability[]" && v == "authtype");
    let reencode = offered
        && matches!(
            kind,
            Kind::BadSignature
                | Kind::WrongRegion
                | Kind::WrongPath
                | Kind::StaleClock
                | Kind::NoSessionToken
        );
    // Whether the helper itself answers this offer with `authtype` (it depends on git's
    // release): asked as it is, before the offer is taken away.
    let helper_types = reencode && {
        let as_offered = ask(helper, &rest, &(write_pairs(&request) + "\n"));
        value(&pairs(&as_offered.stdout), "credential").is_some()
    };
    if reencode || kind == Kind::NoAuthtype {
        request.retain(|(k, _)| k != "capability[]");
    }
    let mut answer = ask(helper, &rest, &(write_pairs(&request) + "\n"));
    if kind == Kind::AnyHost && answer.exit == 0 && answer.stdout.trim().is_empty() {
        // Not a CodeCommit host: answer as if it were the standard one.
        set(&mut request, "host", world::HOST.to_owned());
        set(&mut request, "protocol", "https".into());
        answer = ask(helper, &rest, &(write_pairs(&request) + "\n"));
    }
    let mut out = pairs(&answer.stdout);
    match kind {
        Kind::NoExpiry => out.retain(|(k, _)| k != "password_expiry_utc"),
        Kind::LyingExpiry => {
            if let Some(e) = value(&out, "password_expiry_utc").and_then(|e| e.parse::<i64>().ok())
            {
                set(&mut out, "password_expiry_utc", (e + 3600).to_string());
            }
        }
        Kind::BadSignature => {
            if let Some(p) = value(&out, "password") {
                let mut p = p.to_owned();
                let last = if p.ends_with('0') { '1' } else { '0' };
                p.pop();
                p.push(last);
                set(&mut out, "password", p);
            }
        }
        Kind::WrongRegion | Kind::WrongPath | Kind::StaleClock => {
            resign(&mut out, &host, &path, kind);
        }
        Kind::NoSessionToken => {
            if let Some(u) = value(&out, "username") {
                let key = u.split('%').next().unwrap_or(u).to_owned();
                set(&mut out, "username", key);
            }
        }
        Kind::EmptyAnswer => out.clear(),
        _ => {}
    }
    if helper_types || (kind == Kind::AlwaysAuthtype && offered) {
        out = as_authtype(&out);
    }
    let mut text = write_pairs(&out);
    match kind {
        Kind::Crlf => text = text.replace('\n', "\r\n"),
        Kind::Banner if !text.is_empty() => {
            text = format!("Welcome to the AWS CLI credential helper!\n{text}");
        }
        _ => {}
    }
    let _ = std::io::stdout().write_all(text.as_bytes());
    let _ = std::io::stderr().write_all(&answer.stderr);
    answer.exit
}

/// A password answer as the helper answers git's `authtype` offer: the same header, ephemeral.
fn as_authtype(answer: &[(String, String)]) -> Vec<(String, String)> {
    use base64::Engine;
    let (Some(user), Some(password)) = (value(answer, "username"), value(answer, "password"))
    else {
        return answer.to_vec();
    };
    let credential = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut out: Vec<(String, String)> = [
        ("capability[]", "authtype".to_owned()),
        ("authtype", "Basic".to_owned()),
        ("credential", credential),
        ("ephemeral", "1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    out.extend(
        answer
            .iter()
            .filter(|(k, _)| k != "username" && k != "password")
            .cloned(),
    );
    out
}

fn names() -> String {
    CANARIES
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes a program that runs `canary KIND helper "$@"`: the helper under test a replay is
/// given. A shell script, so it works only where `/bin/sh` does.
#[cfg(unix)]
pub fn install(
    dir: &std::path::Path,
    canary_binary: &std::path::Path,
    helper: &std::path::Path,
    kind: &str,
) -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(format!("canary-{kind}"));
    let quote =
        |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nexec {} {kind} {} \"$@\"\n",
            quote(canary_binary),
            quote(helper)
        ),
    )?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canary_has_a_unique_name_and_breaks_or_passes_on_purpose() {
        for c in CANARIES {
            assert_eq!(Kind::by_name(c.name), Some(c.kind), "{}", c.name);
            let must_pass = matches!(c.kind, Kind::Unbroken | Kind::Crlf);
            assert_eq!(
                c.rows.is_empty() && c.scenarios.is_empty(),
                must_pass,
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn resigning_changes_only_what_the_canary_names() {
        let host = world::HOST;
        let path = format!("v1/repos/{}", world::REPO);
        let at = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let good = codecommit_mock::sigv4::password(
            world::ALICE_SECRET,
            at,
            world::REGION,
            host,
            &format!("/{path}"),
        );
        let answer = vec![
            ("username".to_owned(), world::ALICE_KEY.to_owned()),
            ("password".to_owned(), good.clone()),
        ];
        for kind in [Kind::WrongRegion, Kind::WrongPath, Kind::StaleClock] {
            let mut bent = answer.clone();
            resign(&mut bent, host, &path, kind);
            let new = value(&bent, "password").expect("a password");
            assert_ne!(new, good, "{kind:?}");
            assert_eq!(
                new.starts_with("20260102T030405Z"),
                kind != Kind::StaleClock,
                "{kind:?}"
            );
        }
    }
}
