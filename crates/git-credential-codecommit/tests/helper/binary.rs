//! The binary as git starts it: a scrubbed environment, shared AWS files, real git.
use assert_cmd::Command;
use codecommit_testkit::Sandbox;
use std::path::{Path, PathBuf};

pub const BIN: &str = env!("CARGO_BIN_EXE_git-credential-codecommit");
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
const REQUEST: &str =
    "protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\n\n";

pub fn helper(sandbox: &Sandbox) -> Command {
    Command::from_std(sandbox.command(BIN))
}

fn sandbox_with_keys() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write_aws_credentials(&format!(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n\n\
         [temp]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    ));
    sandbox
}

pub fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

#[test]
fn get_with_keys_from_the_shared_credentials_file() {
    let sandbox = sandbox_with_keys();
    let assert = helper(&sandbox)
        .arg("get")
        .write_stdin(REQUEST)
        .assert()
        .success()
        .stderr("");
    let out = stdout_of(&assert);
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines.len(), 4, "three lines and a final newline: {out:?}");
    assert_eq!(lines[0], "username=AKIAIOSFODNN7EXAMPLE");
    assert!(
        lines[1].starts_with("password=") && lines[1].len() == 9 + 16 + 64,
        "{out}"
    );
    assert!(lines[2].starts_with("password_expiry_utc="), "{out}");
    assert!(!out.contains('\r'));
}

/// With no AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE, the shared files are found in the
/// home directory, as the AWS CLI finds them: `$HOME/.aws` on Unix, `%USERPROFILE%\.aws` on
/// Windows (ci/cross.sh runs this under Wine).
#[test]
fn shared_files_found_in_the_home_directory() {
    let sandbox = sandbox_with_keys();
    let mut helper = helper(&sandbox);
    helper
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE");
    #[cfg(windows)] // Windows has no HOME: the SDK falls back to %USERPROFILE%.
    helper.env_remove("HOME");
    let assert = helper
        .arg("get")
        .write_stdin(REQUEST)
        .assert()
        .success()
        .stderr("");
    let out = stdout_of(&assert);
    assert!(
        out.starts_with("username=AKIAIOSFODNN7EXAMPLE\npassword="),
        "{out:?}"
    );
    assert!(!out.contains('\r'), "{out:?}");
}

/// The debug log shows the canonical request and string to sign, and never a secret: not the
/// secret key, not the session token, not the password (which works for 15 minutes).
#[test]
fn debug_log_shows_the_signing_stages_and_no_secret() {
    let sandbox = sandbox_with_keys();
    for (var, value) in [
        ("GIT_CREDENTIAL_CODECOMMIT_LOG", "debug"),
        (
            "GIT_CREDENTIAL_CODECOMMIT_LOG",
            "trace,aws_config=trace,aws_smithy_runtime=trace",
        ),
    ] {
        let assert = helper(&sandbox)
            .args(["--profile", "temp", "get"])
            .env(var, value)
            .write_stdin(REQUEST)
            .assert()
            .success();
        let stdout = stdout_of(&assert);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("CanonicalRequest:\nGIT\n/v1/repos/MyDemoRepo\n\nhost:git-codecommit.us-east-2.amazonaws.com\n\nhost\n"), "{stderr}");
        assert!(
            stderr.contains("StringToSign:\nAWS4-HMAC-SHA256\n"),
            "{stderr}"
        );
        assert!(
            stderr.contains("ASIAIOSFODNN7EXAMPLE"),
            "the key id is not secret and helps debugging"
        );
        let password = stdout
            .lines()
            .find_map(|l| l.strip_prefix("password="))
            .expect("a password");
        let signature = &password[16..];
        for secret in [SECRET, TOKEN, password, signature] {
            assert!(
                !stderr.contains(secret),
                "{value}: a secret reached stderr:\n{stderr}"
            );
        }
    }
    // --debug (the AWS CLI's flag) turns the same log on.
    let assert = helper(&sandbox)
        .args(["--debug", "get"])
        .write_stdin(REQUEST)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("StringToSign:"));
}

#[test]
fn missing_profile_is_one_line_naming_profile_and_files() {
    let sandbox = sandbox_with_keys();
    let assert = helper(&sandbox)
        .args(["--profile", "CodeCommitProfile", "get"])
        .write_stdin(REQUEST)
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "git-credential-codecommit: no AWS credentials for profile 'CodeCommitProfile'"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&sandbox.aws_credentials().display().to_string()),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws configure --profile CodeCommitProfile"),
        "{stderr}"
    );
}

#[test]
fn no_credentials_anywhere_is_one_line_saying_where_it_looked() {
    let sandbox = Sandbox::new();
    let started = std::time::Instant::now();
    let assert = helper(&sandbox)
        .arg("get")
        .write_stdin(REQUEST)
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("git-credential-codecommit: no AWS credentials found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the environment (AWS_ACCESS_KEY_ID)")
            && stderr.contains(&sandbox.aws_config().display().to_string()),
        "{stderr}"
    );
    // Instance metadata is off in the sandbox, so nothing waits on a network timeout.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn environment_keys_work_and_explicit_profile_overrides_them() {
    let sandbox = sandbox_with_keys();
    let env_keys = [
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY00"),
        ("AWS_SECRET_ACCESS_KEY", "envsecret"),
    ];
    let out = stdout_of(
        &helper(&sandbox)
            .arg("get")
            .envs(env_keys)
            .write_stdin(REQUEST)
            .assert()
            .success(),
    );
    assert!(out.starts_with("username=AKIAENVIRONMENTKEY00\n"), "{out}");
    // As in the AWS CLI, --profile names the credentials; the environment does not override it.
    let out = stdout_of(
        &helper(&sandbox)
            .args(["--profile", "temp", "get"])
            .envs(env_keys)
            .write_stdin(REQUEST)
            .assert()
            .success(),
    );
    assert!(
        out.starts_with(&format!("username=ASIAIOSFODNN7EXAMPLE%{TOKEN}\n")),
        "{out}"
    );
}

/// The git binaries on this machine, by path (the harness finds more; these are enough here).
pub fn gits() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    for candidate in ["/usr/bin/git", "/usr/local/bin/git"] {
        let path = Path::new(candidate);
        if path.is_file() && !found.iter().any(|p| same_file(p, path)) {
            found.push(path.to_path_buf());
        }
    }
    if found.is_empty() {
        found.extend(codecommit_testkit::find_tool("git", "CODECOMMIT_TEST_GIT"));
    }
    assert!(!found.is_empty(), "no git found");
    found
}

fn same_file(a: &Path, b: &Path) -> bool {
    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

fn git_version(git: &Path) -> (u32, u32) {
    let out = codecommit_testkit::env::ChildEnv::new()
        .apply(std::process::Command::new(git).arg("--version"))
        .output()
        .expect("git --version");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .trim_start_matches("git version ")
        .split('.')
        .map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Installs the helper into the sandbox under `name` (a hard link or a copy).
pub fn install(sandbox: &Sandbox, name: &str) {
    let target = sandbox
        .bin()
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if std::fs::hard_link(BIN, &target).is_err() {
        std::fs::copy(BIN, &target).expect("copy the helper into the sandbox");
    }
}

/// Real git asks the helper through every configuration shape users write, and hands its answer
/// on; git 2.40 and later also pass the expiry on.
#[test]
fn real_git_uses_the_helper_in_every_configuration_shape() {
    let url = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
    let shapes: &[(&str, &[(&str, &str)])] = &[
        (
            "helper = codecommit",
            &[
                ("credential.helper", "codecommit"),
                ("credential.UseHttpPath", "true"),
            ],
        ),
        (
            "the guide's line, with this helper installed as aws",
            &[
                ("credential.helper", "!aws codecommit credential-helper $@"),
                ("credential.UseHttpPath", "true"),
            ],
        ),
        (
            "host-scoped wildcard section",
            &[
                (
                    "credential.https://git-codecommit.*.amazonaws.com.helper",
                    "!aws --profile temp codecommit credential-helper $@",
                ),
                (
                    "credential.https://git-codecommit.*.amazonaws.com.UseHttpPath",
                    "true",
                ),
            ],
        ),
    ];
    for git in gits() {
        let version = git_version(&git);
        for (what, config) in shapes {
            let sandbox = sandbox_with_keys();
            install(&sandbox, "git-credential-codecommit");
            install(&sandbox, "aws");
            for (key, value) in config.iter() {
                let status = sandbox
                    .command(&git)
                    .args(["config", "--global", key, value])
                    .status()
                    .expect("git config");
                assert!(status.success());
            }
            let out = sandbox
                .command(&git)
                .args(["credential", "fill"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    use std::io::Write;
                    child
                        .stdin
                        .take()
                        .expect("stdin")
                        .write_all(format!("url={url}\n\n").as_bytes())?;
                    child.wait_with_output()
                })
                .expect("git credential fill");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{} {what}: {}",
                git.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                stdout.contains("\nhost=git-codecommit.us-east-2.amazonaws.com\n"),
                "{stdout}"
            );
            assert!(
                stdout.contains("\npassword=20"),
                "{} {what}: {stdout}",
                git.display()
            );
            let expected_user = if what.contains("scoped") {
                format!("username=ASIAIOSFODNN7EXAMPLE%{TOKEN}")
            } else {
                "username=AKIAIOSFODNN7EXAMPLE".into()
            };
            assert!(
                stdout.contains(&expected_user),
                "{} {what}: {stdout}",
                git.display()
            );
            // `password_expiry_utc` arrived in git 2.40; older git drops the attribute.
            assert_eq!(
                stdout.contains("password_expiry_utc="),
                version >= (2, 40),
                "{} {version:?} {what}: {stdout}",
                git.display()
            );
        }
    }
}
