//! `--check-stores`: asks each storing helper ahead of the CodeCommit helper what it would hand
//! git for the URL, as git asks it (`get`, the same fields), and reads the CodeCommit password's
//! signing time from the password itself (`YYYYMMDDTHHMMSSZ<signature>`). The password is read
//! into memory, decoded and dropped: it is never printed.
//!
//! Opt-in because asking a keychain may show the user a dialog; prompts are turned off
//! (`GIT_TERMINAL_PROMPT=0`, `GCM_INTERACTIVE=never`) and a store that does not answer within
//! [`TIMEOUT`] is stopped.

use super::checks::{EXPIRY_SINCE, Target, age};
use super::finding::{Finding, Severity};
use super::gitconfig::Version;
use super::helpers::Helper;
#[cfg(not(unix))]
use super::helpers::which;
use crate::secret::Secret;
use crate::sign::PASSWORD_LIFETIME;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

pub const TIMEOUT: Duration = Duration::from_secs(15);

/// What one store answered.
#[derive(Debug, Clone)]
pub struct StoreAnswer {
    pub store: String,
    /// The command that erases the item, to copy.
    pub erase: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Nothing,
    /// A password CodeCommit signed at this time; the store's `password_expiry_utc`, if any.
    Signed {
        at: SystemTime,
        expiry: Option<u64>,
    },
    /// A password that is not a signature (HTTPS Git credentials, say).
    Static,
    Failed(String),
}

/// Asks `helper` for the URL's credentials.
pub fn ask(helper: &Helper, target: &Target, with_path: bool) -> StoreAnswer {
    let mut input = format!("protocol=https\nhost={}\n", target.parts.host_and_port());
    if with_path {
        input.push_str(&format!(
            "path={}\n",
            target.parts.path.trim_start_matches('/')
        ));
    }
    if let Some(user) = &target.parts.user {
        input.push_str(&format!("username={user}\n"));
    }
    let command = shell_command(helper);
    let erase = format!(
        "printf '{}\\n' | {command} erase",
        input.replace('\n', "\\n").trim_end_matches("\\n")
    );
    let outcome = match run(&format!("{command} get"), &input, &[]) {
        Err(why) => Outcome::Failed(why),
        Ok(output) => read_answer(&output),
    };
    StoreAnswer {
        store: helper.short_name(),
        erase,
        outcome,
    }
}

/// The shell command git runs for a helper (credential.c): `git credential-NAME ARGS`, or the
/// value itself for `!cmd` and absolute paths.
pub(super) fn shell_command(helper: &Helper) -> String {
    if helper.via_git {
        format!("git credential-{}", helper.value)
    } else {
        helper
            .value
            .strip_prefix('!')
            .unwrap_or(&helper.value)
            .to_owned()
    }
}

fn read_answer(output: &Secret<String>) -> Outcome {
    let mut password = None;
    let mut expiry = None;
    for line in output.expose().lines() {
        if let Some(p) = line.strip_prefix("password=") {
            password = Some(p);
        } else if let Some(e) = line.strip_prefix("password_expiry_utc=") {
            expiry = e.trim().parse().ok();
        }
    }
    match password {
        None => Outcome::Nothing,
        Some(p) => match signed_at(p) {
            Some(at) => Outcome::Signed { at, expiry },
            None => Outcome::Static,
        },
    }
}

/// The signing time of a CodeCommit password, `None` for anything else.
pub fn signed_at(password: &str) -> Option<SystemTime> {
    let (stamp, signature) = password.split_once('Z')?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (date, time) = stamp.split_once('T')?;
    if date.len() != 8
        || time.len() != 6
        || !(date.bytes().chain(time.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n = |s: &str| s.parse::<i64>().ok();
    let (y, m, d) = (n(&date[..4])?, n(&date[4..6])?, n(&date[6..])?);
    let (hh, mm, ss) = (n(&time[..2])?, n(&time[2..4])?, n(&time[4..])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl StoreAnswer {
    pub fn finding(&self, git: Version, now: SystemTime, target: &Target) -> Option<Finding> {
        let store = &self.store;
        let host = &target.parts.host;
        match &self.outcome {
            Outcome::Nothing => None,
            Outcome::Failed(why) => Some(Finding::new(
                "store-not-checked",
                Severity::Note,
                format!("could not ask {store} what it holds for {host}: {why}"),
            )),
            Outcome::Static => Some(Finding::new(
                "stored-password",
                Severity::Note,
                format!(
                    "{store} hands back a password for {host} that is not a signed CodeCommit password (HTTPS Git credentials?): git uses it without asking the CodeCommit helper"
                ),
            )),
            Outcome::Signed { at, expiry } => {
                let unix_now = now
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let dropped = git >= EXPIRY_SINCE && expiry.is_some_and(|e| e <= unix_now);
                let stale = now.duration_since(*at).is_ok_and(|a| a > PASSWORD_LIFETIME);
                if dropped {
                    Some(Finding::new(
                        "stored-password",
                        Severity::Note,
                        format!(
                            "{store} holds a CodeCommit password for {host} signed {} ago, with its expiry: git {git} drops it and asks the next helper",
                            age(now, *at)
                        ),
                    ))
                } else if stale {
                    Some(
                        Finding::new(
                            "stored-password-expired",
                            Severity::Problem,
                            format!("{store} hands back a CodeCommit password for {host} signed {} ago: CodeCommit refuses it after 15 minutes (403)", age(now, *at)),
                        )
                        .evidence(match expiry {
                            Some(_) => format!("its password_expiry_utc is ignored by git {git}"),
                            None => format!("{store} keeps no password_expiry_utc"),
                        })
                        .fix(self.erase.clone()),
                    )
                } else {
                    Some(Finding::new(
                        "stored-password",
                        Severity::Note,
                        format!(
                            "{store} holds a CodeCommit password for {host} signed {} ago; it stops working 15 minutes after signing",
                            age(now, *at)
                        ),
                    ))
                }
            }
        }
    }
}

/// Runs `command` with `sh`, as git runs helpers, feeding `input`; stdout is returned as a
/// secret, stderr is dropped (a store may print the item there).
/// Runs `command` through the shell as git runs a helper, `input` on stdin, with `env` added;
/// what it prints on stdout, read as a secret.
pub(super) fn run(
    command: &str,
    input: &str,
    env: &[(&str, &std::path::Path)],
) -> Result<Secret<String>, String> {
    // git runs helpers with the shell it was built with: /bin/sh on Unix, Git Bash's sh on
    // Windows (on PATH in Git for Windows' shells).
    #[cfg(unix)]
    let sh = std::path::PathBuf::from("/bin/sh");
    #[cfg(not(unix))]
    let sh = which("sh").ok_or("no sh on PATH to run it with (Git Bash's usr\\bin)")?;
    let mut child = Command::new(sh)
        .args(["-c", command])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(1 << 20).read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it did not answer within {} s (waiting for you to unlock it?)",
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let text = reader.join().unwrap_or_default();
    // A store that is not installed (`git credential-osxkeychain` on Linux: "not a git
    // command") answers nothing and fails: that is not "holds nothing".
    if !status.success() && text.trim().is_empty() {
        return Err(match status.code() {
            Some(code) => format!(
                "'{command}' exited with status {code} and printed nothing (is it installed?)"
            ),
            None => format!("'{command}' was stopped by a signal"),
        });
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_codecommit_password_tells_when_it_was_signed() {
        let password = format!("20261127T170000Z{}", "a".repeat(64));
        let at = signed_at(&password).expect("valid");
        assert_eq!(
            at.duration_since(SystemTime::UNIX_EPOCH)
                .expect("valid")
                .as_secs(),
            1_795_798_800
        );
        assert_eq!(signed_at("hunter2"), None);
        assert_eq!(
            signed_at(&format!("20261127T170000Z{}", "a".repeat(63))),
            None
        );
        assert_eq!(
            signed_at(&format!("20261327T170000Z{}", "a".repeat(64))),
            None
        );
    }
}
