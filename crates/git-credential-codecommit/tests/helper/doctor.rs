//! `doctor` (issue 9): the real binary and real git, in a sandbox per test, on every git of this
//! machine. Each finding id is produced from a machine state the troubleshooting guide describes,
//! and is absent from its healthy counterpart; the library's reading of `[credential "<url>"]`
//! sections is held against what git really runs (git wins).
//!
//! To rerun one by hand: the sandbox is a `codecommit-test-*` directory under `$TMPDIR`; the
//! doctor runs with `HOME=<sandbox>/home`, `GIT_CONFIG_SYSTEM=<sandbox>/gitconfig-system` and
//! `PATH=<sandbox>/bin:<git's directory>:/usr/bin:/bin`.
use super::binary::{BIN, SECRET, TOKEN};
use super::chain::{runtime, unasked_instance_metadata};
use codecommit_testkit::Sandbox;
use git_credential_codecommit::doctor::checks::applied_helpers;
use git_credential_codecommit::doctor::gitconfig::{ENTRIES_QUERY, Version, parse_entries};
use git_credential_codecommit::doctor::urlmatch::UrlParts;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const URL: &str = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
const FIPS_URL: &str = "https://git-codecommit-fips.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
const AWS_HELPER: &str = "!aws codecommit credential-helper $@";
/// The guide's Windows section, copied as the guide prints it.
const GUIDE_WINDOWS_LINE: &str = r#"helper = !"\C:\\Program Files\\Amazon\\AWSCLI\\bin\\aws.cmd\" codecommit credential-helper $@"#;
/// The guide's Windows 403 fix: a section for every standard CodeCommit host.
const SCOPED: &str = "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = !aws codecommit credential-helper $@\n\tUseHttpPath = true\n";

/// The directories of the gits on this machine (Debian's 2.39 and a newer one built from source).
fn gits() -> Vec<PathBuf> {
    let found: Vec<PathBuf> = ["/usr/bin", "/usr/local/bin"]
        .iter()
        .map(PathBuf::from)
        .filter(|d| d.join("git").is_file())
        .collect();
    assert!(!found.is_empty(), "no git in /usr/bin or /usr/local/bin");
    found
}

/// One user's machine: a sandbox whose PATH has the chosen git's directory, the system's tools,
/// long-term keys in `~/.aws/credentials` and `region = us-east-2`.
struct Machine {
    sandbox: Sandbox,
    git: Version,
}

/// What one doctor run printed.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    /// The severity of the finding `id`, if reported.
    fn severity(&self, id: &str) -> Option<String> {
        self.finding(id)
            .map(|f| f["severity"].as_str().unwrap_or("?").to_owned())
    }

    fn finding(&self, id: &str) -> Option<Value> {
        self.json()["findings"]
            .as_array()
            .and_then(|all| all.iter().find(|f| f["id"] == id).cloned())
    }

    /// `id` at `severity` (or absent for `None`), and the exit status.
    #[track_caller]
    fn expect(&self, id: &str, severity: Option<&str>, code: i32) -> &Self {
        assert_eq!(
            (self.severity(id).as_deref(), self.code),
            (severity, code),
            "finding {id} and exit status:\n{}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Exit 2 with one line on stderr that contains `says`, and nothing on stdout.
    #[track_caller]
    fn refused(&self, says: &str) {
        assert_eq!(self.code, 2, "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "one line: {self:?}");
        assert!(self.stderr.ends_with('\n'), "{self:?}");
        assert!(self.stderr.contains(says), "{says:?} in {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
    }
}

impl Machine {
    fn new(git_dir: &Path) -> Machine {
        let sandbox = Sandbox::new()
            .with_path([git_dir.to_path_buf()])
            .with_system_path();
        sandbox.write_aws_credentials(&format!(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
        ));
        sandbox.write_aws_config("[default]\nregion = us-east-2\n");
        let out = sandbox
            .command("git")
            .arg("--version")
            .output()
            .expect("git --version");
        let git = Version::parse(&String::from_utf8_lossy(&out.stdout)).expect("a git version");
        Machine { sandbox, git }
    }

    /// On every git of this machine.
    fn each() -> Vec<Machine> {
        gits().iter().map(|d| Machine::new(d)).collect()
    }

    fn system(&self, text: &str) -> &Self {
        std::fs::write(self.sandbox.gitconfig_system(), text).expect("write system gitconfig");
        self
    }

    fn global(&self, text: &str) -> &Self {
        std::fs::write(self.sandbox.gitconfig_global(), text).expect("write global gitconfig");
        self
    }

    /// A program in the sandbox's `bin`, first on PATH.
    fn program(&self, name: &str, script: &str) -> &Self {
        let path = self.sandbox.bin().join(name);
        std::fs::write(&path, script).expect("write program");
        make_executable(&path);
        self
    }

    /// An `aws` that does nothing: enough for the doctor, which only looks it up.
    fn with_aws(&self) -> &Self {
        self.program("aws", "#!/bin/sh\ncat >/dev/null\n")
    }

    /// The native helper, where `git credential-codecommit` finds it.
    fn with_native(&self) -> &Self {
        #[cfg(unix)]
        std::os::unix::fs::symlink(BIN, self.sandbox.bin().join("git-credential-codecommit"))
            .expect("link the helper");
        // No symbolic links without privileges on Windows: a copy, under the name git runs.
        #[cfg(not(unix))]
        std::fs::copy(
            BIN,
            self.sandbox.bin().join("git-credential-codecommit.exe"),
        )
        .expect("copy the helper");
        self
    }

    fn command(&self, program: &str) -> Command {
        self.sandbox.command(program)
    }

    fn doctor_in(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(BIN);
        command.arg("doctor").args(args).current_dir(dir);
        for (key, value) in env {
            command.env(key, value);
        }
        let out = command.output().expect("run the doctor");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `doctor URL --format json` in the sandbox.
    fn json(&self, url: &str) -> Run {
        self.doctor_in(self.sandbox.root(), &[url, "--format", "json"], &[])
    }

    #[track_caller]
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self
            .command("git")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A repository with these remotes.
    fn repo(&self, remotes: &[(&str, &str)]) -> PathBuf {
        let dir = self.sandbox.root().join("repo");
        self.git(self.sandbox.root(), &["init", "-q", "repo"]);
        for (name, url) in remotes {
            self.git(&dir, &["remote", "add", name, url]);
        }
        dir
    }

    /// Stores a CodeCommit-shaped password signed `ago` before now, with git's own
    /// `credential-store`, in `~/.git-credentials`.
    fn store_password(&self, ago: time::Duration) -> String {
        let at = time::OffsetDateTime::now_utc() - ago;
        let password = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z{}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            "7f3a".repeat(16)
        );
        let mut command = self.command("git");
        command
            .args(["credential-store", "store"])
            .stdin(std::process::Stdio::piped());
        let mut child = command.spawn().expect("git credential-store");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(
                format!("protocol=https\nhost=git-codecommit.us-east-2.amazonaws.com\npath=v1/repos/MyDemoRepo\nusername=AKIAIOSFODNN7EXAMPLE\npassword={password}\n\n")
                    .as_bytes(),
            )
            .expect("write");
        assert!(child.wait().expect("wait").success());
        password
    }
}

fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    // Windows has no execute bit: Git for Windows' sh runs a script by its `#!` line.
    #[cfg(not(unix))]
    let _ = path;
}

// ---------------------------------------------------------------------------------------------
// 1. One test per finding id.

#[test]
fn healthy_machine_has_no_finding() {
    // Healthy: the scoped helper, keys, and retries for throttled requests, which git 2.54 and
    // later make and the doctor notes when they are off.
    let healthy =
        format!("{SCOPED}[http \"https://git-codecommit.*.amazonaws.com\"]\n\tmaxRetries = 3\n");
    for m in Machine::each() {
        m.global(&healthy).with_aws();
        let run = m.json(URL);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.json()["findings"], Value::Array(Vec::new()), "{run:?}");
        // Without the retries: nothing before git 2.54, only the http-max-retries note after.
        m.global(SCOPED);
        let run = m.json(URL);
        assert_eq!(run.code, 0, "{run:?}");
        let version = run.json()["git"].as_str().unwrap_or_default().to_owned();
        let retries =
            git_credential_codecommit::git::Version::parse(&format!("git version {version}"))
                .is_some_and(|v| v.retries_throttled_requests());
        let ids: Vec<String> = run.json()["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["id"].as_str().map(str::to_owned))
            .collect();
        let expected: Vec<String> = if retries {
            vec!["http-max-retries".into()]
        } else {
            Vec::new()
        };
        assert_eq!(ids, expected, "git {version}: {run:?}");
    }
}

#[test]
fn codecommit_helper_missing() {
    for m in Machine::each() {
        m.with_aws();
        // Nothing configured: git prompts for a user name.
        m.json(URL)
            .expect("codecommit-helper-missing", Some("problem"), 1);
        // Only the guide's wildcard section, which misses a FIPS host.
        m.global(SCOPED);
        m.json(FIPS_URL)
            .expect("codecommit-helper-missing", Some("problem"), 1)
            .expect("section-does-not-match", Some("warning"), 1);
        m.json(URL)
            .expect("codecommit-helper-missing", None, 0)
            .expect("section-does-not-match", None, 0);
    }
}

#[test]
fn helper_not_found() {
    for m in Machine::each() {
        // `aws` is not on PATH: the guide's "aws: command not found".
        m.global(SCOPED);
        m.json(URL).expect("helper-not-found", Some("problem"), 1);
        // A full path that does not exist.
        m.global(&SCOPED.replace("!aws ", "!/opt/aws-cli/bin/aws "));
        let run = m.json(URL);
        run.expect("helper-not-found", Some("problem"), 1);
        assert!(
            run.stdout.contains("/opt/aws-cli/bin/aws"),
            "{}",
            run.stdout
        );
        // Healthy: aws is on PATH.
        m.global(SCOPED).with_aws();
        m.json(URL).expect("helper-not-found", None, 0);
    }
}

#[test]
fn config_unreadable_names_file_and_line() {
    for m in Machine::each() {
        m.with_aws();
        m.global(&format!(
            "[credential]\n      {GUIDE_WINDOWS_LINE}\n      UseHttpPath = true\n"
        ));
        let run = m.json(URL);
        run.expect("config-unreadable", Some("problem"), 1);
        let finding = run.finding("config-unreadable").expect("reported");
        let evidence = finding["evidence"].to_string();
        let file = m.sandbox.gitconfig_global().display().to_string();
        assert!(evidence.contains(&file), "{evidence}");
        assert!(evidence.contains("line 2"), "{evidence}");
        assert!(finding["fix"].as_str().is_some_and(|f| f.contains(&file)));
        // The guide's other fix, `!aws.cmd ...` through git config, reads fine.
        m.global("[credential]\n\thelper = \"!aws.cmd codecommit credential-helper $@\"\n\tUseHttpPath = true\n");
        m.json(URL).expect("config-unreadable", None, 1);
    }
}

#[test]
fn storing_helper_first() {
    for m in Machine::each() {
        m.global(SCOPED).with_aws().with_native();
        for store in ["osxkeychain", "manager", "store"] {
            m.system(&format!("[credential]\n\thelper = {store}\n"));
            m.json(URL)
                .expect("storing-helper-first", Some("problem"), 1);
        }
        // The native helper prints password_expiry_utc, which `cache` keeps from git 2.40.
        m.system("[credential]\n\thelper = cache --timeout 900\n");
        m.global("[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = codecommit\n\tUseHttpPath = true\n");
        let expected = if m.git >= Version(2, 40, 0) {
            ("warning", 0)
        } else {
            ("problem", 1)
        };
        m.json(URL)
            .expect("storing-helper-first", Some(expected.0), expected.1);
        // ... but not a store that drops it (`store`), nor with the AWS CLI (no expiry printed),
        // unless git carries an `authtype` answer on every request (2.54): the native helper's
        // answer is then an ephemeral credential that no store keeps. Git 2.46 to 2.53 get a
        // user name and password, which credential-store keeps.
        m.system("[credential]\n\thelper = store\n");
        let expected = if m.git >= Version(2, 54, 0) {
            ("warning", 0)
        } else {
            ("problem", 1)
        };
        m.json(URL)
            .expect("storing-helper-first", Some(expected.0), expected.1);
        m.system("[credential]\n\thelper = cache\n");
        m.global(SCOPED);
        m.json(URL)
            .expect("storing-helper-first", Some("problem"), 1);
        // The guide's fix: an empty helper before ours clears the list.
        m.global(&format!(
            "[credential]\n\thelper =\n\thelper = {AWS_HELPER}\n\tUseHttpPath = true\n"
        ));
        m.json(URL).expect("storing-helper-first", None, 0);
    }
}

/// The native helper's section, scoped to CodeCommit's hosts.
const NATIVE_SECTION: &str = "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper =\n\thelper = codecommit\n\tUseHttpPath = true\n";

/// A `git-credential-codecommit` of the release before the large-request fix: offered
/// `authtype`, it answers with an authtype credential on every git.
const ALWAYS_AUTHTYPE: &str = "#!/bin/sh\nif [ \"$1\" = get ] && grep -q '^capability\\[\\]=authtype$'; then\n  printf 'capability[]=authtype\\nauthtype=Basic\\ncredential=QQ==\\nephemeral=1\\n'\nfi\n";

#[test]
fn authtype_lost_on_probe() {
    for m in Machine::each() {
        let loses = m.git >= Version(2, 46, 0) && m.git < Version(2, 54, 0);
        m.global(NATIVE_SECTION)
            .program("git-credential-codecommit", ALWAYS_AUTHTYPE);
        let check = |m: &Machine| {
            m.doctor_in(
                m.sandbox.root(),
                &[URL, "--format", "json", "--check-stores"],
                &[],
            )
        };
        // An older helper that answers authtype: every push over 1 MiB fails on 2.46 to 2.53.
        let expected = if loses {
            (Some("problem"), 1)
        } else {
            (None, 0)
        };
        check(&m).expect("authtype-lost-on-probe", expected.0, expected.1);
        // Without --check-stores the helper is not asked.
        m.json(URL).expect("authtype-lost-on-probe", None, 0);
        // A raised post buffer only moves the limit: still a problem, and said so.
        m.global(&format!(
            "{NATIVE_SECTION}[http]\n\tpostBuffer = 524288000\n"
        ));
        let run = check(&m);
        run.expect("authtype-lost-on-probe", expected.0, expected.1);
        if loses {
            let finding = run.finding("authtype-lost-on-probe").expect("reported");
            assert!(
                finding["summary"]
                    .as_str()
                    .unwrap_or("")
                    .contains("over 524288000 bytes"),
                "{finding}"
            );
        }
    }
    // This release answers a user name and password there: nothing to report.
    for m in Machine::each() {
        m.global(NATIVE_SECTION).with_native();
        m.doctor_in(
            m.sandbox.root(),
            &[URL, "--format", "json", "--check-stores"],
            &[],
        )
        .expect("authtype-lost-on-probe", None, 0);
    }
}

#[test]
fn post_buffer_raised() {
    for m in Machine::each() {
        m.with_native();
        for (config, note) in [
            (
                format!("{NATIVE_SECTION}[http]\n\tpostBuffer = 10m\n"),
                true,
            ),
            (
                format!("{NATIVE_SECTION}[http]\n\tpostBuffer = 1048576\n"),
                false,
            ),
            (NATIVE_SECTION.to_owned(), false),
            (
                format!("{NATIVE_SECTION}[http \"https://github.com\"]\n\tpostBuffer = 10m\n"),
                false,
            ),
        ] {
            m.global(&config);
            let run = m.doctor_in(
                m.sandbox.root(),
                &[URL, "--format", "json", "--check-stores"],
                &[],
            );
            run.expect("post-buffer-raised", note.then_some("note"), 0);
        }
    }
}

#[test]
fn use_http_path_missing() {
    for m in Machine::each() {
        m.with_aws();
        m.global("[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = !aws codecommit credential-helper $@\n");
        m.json(URL)
            .expect("use-http-path-missing", Some("problem"), 1);
        m.global(&format!("{SCOPED}[credential]\n\tUseHttpPath = false\n"));
        m.json(URL)
            .expect("use-http-path-missing", Some("problem"), 1);
        m.global(SCOPED);
        m.json(URL).expect("use-http-path-missing", None, 0);
    }
}

#[test]
fn aws_credentials_missing() {
    for m in Machine::each() {
        m.with_aws();
        // The guide's profile, named on the helper line, that this machine does not have.
        m.global(&SCOPED.replace("!aws ", "!aws --profile CodeCommitProfile "));
        let run = m.json(URL);
        run.expect("aws-credentials-missing", Some("problem"), 1);
        assert!(run.stdout.contains("CodeCommitProfile"), "{}", run.stdout);
        // Healthy once it exists.
        m.sandbox.write_aws_credentials(&format!(
            "[CodeCommitProfile]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
        ));
        m.json(URL).expect("aws-credentials-missing", None, 0);
        // AWS_PROFILE names a profile that does not exist.
        m.global(SCOPED);
        let run = m.doctor_in(
            m.sandbox.root(),
            &[URL, "--format", "json"],
            &[("AWS_PROFILE", "nosuchprofile")],
        );
        run.expect("aws-credentials-missing", Some("problem"), 1);
        assert!(run.stdout.contains("nosuchprofile"), "{}", run.stdout);
        // No credentials at all.
        m.sandbox.write_aws_credentials("");
        m.json(URL)
            .expect("aws-credentials-missing", Some("problem"), 1);
    }
}

/// A `credential_process` printing temporary credentials: expired, current, and without expiry.
fn credential_process(m: &Machine, expiration: Option<&str>) {
    let expiration = expiration
        .map(|e| format!(",\"Expiration\":\"{e}\""))
        .unwrap_or_default();
    m.program(
        "creds",
        &format!(
            "#!/bin/sh\nprintf '%s' '{{\"Version\":1,\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\",\"SecretAccessKey\":\"{SECRET}\",\"SessionToken\":\"{TOKEN}\"{expiration}}}'\n"
        ),
    );
    m.sandbox.write_aws_credentials("");
    m.sandbox.write_aws_config(&format!(
        "[default]\nregion = us-east-2\ncredential_process = {}\n",
        m.sandbox.bin().join("creds").display()
    ));
}

#[test]
fn aws_credentials_expired() {
    for m in Machine::each() {
        m.global(SCOPED).with_aws();
        credential_process(&m, Some("2020-01-01T00:00:00Z"));
        let run = m.json(URL);
        run.expect("aws-credentials-expired", Some("problem"), 1);
        credential_process(&m, Some("2999-01-01T00:00:00Z"));
        m.json(URL).expect("aws-credentials-expired", None, 0);
    }
}

#[test]
fn aws_session_expiry_unknown() {
    for m in Machine::each() {
        m.global(SCOPED).with_aws();
        m.sandbox.write_aws_credentials(&format!(
            "[default]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
        ));
        m.json(URL)
            .expect("aws-session-expiry-unknown", Some("note"), 0);
        credential_process(&m, None);
        m.json(URL)
            .expect("aws-session-expiry-unknown", Some("note"), 0);
        credential_process(&m, Some("2999-01-01T00:00:00Z"));
        m.json(URL).expect("aws-session-expiry-unknown", None, 0);
    }
}

#[test]
fn region_differs() {
    for m in Machine::each() {
        m.global(SCOPED).with_aws();
        m.sandbox
            .write_aws_config("[default]\nregion = eu-west-1\n");
        let run = m.json(URL);
        run.expect("region-differs", Some("note"), 0);
        assert!(run.stdout.contains("eu-west-1"), "{}", run.stdout);
        m.sandbox
            .write_aws_config("[default]\nregion = us-east-2\n");
        m.json(URL).expect("region-differs", None, 0);
    }
}

/// No region configured anywhere, instance metadata on (the sandbox turns it off) at a loopback
/// stand-in: the doctor finds nothing to say about the region (the helper signs for the URL's)
/// and asks instance metadata nothing, for the region or for the keys in the shared file.
/// Off EC2 each question would wait for the metadata client's timeout.
#[test]
fn no_region_configured_asks_no_instance_metadata() {
    let rt = runtime();
    let server = unasked_instance_metadata(&rt);
    for Machine { sandbox, git } in Machine::each() {
        let m = Machine {
            sandbox: sandbox.with_instance_metadata(server.uri()),
            git,
        };
        m.global(SCOPED).with_aws();
        m.sandbox.write_aws_config("");
        m.json(URL).expect("region-differs", None, 0);
    }
}

#[test]
fn username_with_at() {
    let unencoded =
        "https://jane@example.com@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
    let encoded =
        "https://jane%40example.com@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
    for m in Machine::each() {
        m.global(SCOPED).with_aws();
        m.json(unencoded)
            .expect("username-with-at", Some("problem"), 1);
        m.json(encoded)
            .expect("username-with-at", Some("problem"), 1);
        m.global(&format!("{SCOPED}[http]\n\temptyAuth = true\n"));
        m.json(encoded).expect("username-with-at", Some("note"), 0);
        m.global(&format!("{SCOPED}[http]\n\tproactiveAuth = basic\n"));
        if m.git >= Version(2, 46, 0) {
            m.json(encoded).expect("username-with-at", Some("note"), 0);
        } else {
            m.json(encoded)
                .expect("username-with-at", Some("problem"), 1);
        }
        m.global(SCOPED);
        m.json(URL).expect("username-with-at", None, 0);
        m.json("https://jane@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo")
            .expect("username-with-at", None, 0);
    }
}

#[test]
fn section_does_not_match() {
    for m in Machine::each() {
        m.with_aws();
        // The guide's section and a FIPS host, a VPC endpoint, China.
        m.global(SCOPED);
        for url in [
            FIPS_URL,
            "https://vpce-0a1b2c3d-4e5f6a7b.git-codecommit.us-east-2.vpce.amazonaws.com/v1/repos/MyDemoRepo",
            "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/MyDemoRepo",
        ] {
            m.json(url)
                .expect("section-does-not-match", Some("warning"), 1);
        }
        m.global(&format!(
            "[credential \"https://git-codecommit.us-east-1.amazonaws\\.com\"]\n\thelper = {AWS_HELPER}\n\tUseHttpPath = true\n"
        ));
        // The guide's header with an escaped dot does apply: git's config parser reads `\.` in
        // a subsection as `.`.
        m.json("https://git-codecommit.us-east-1.amazonaws.com/v1/repos/MyDemoRepo")
            .expect("section-does-not-match", None, 0)
            .expect("codecommit-helper-missing", None, 0);
        m.global(SCOPED);
        m.json(URL).expect("section-does-not-match", None, 0);
    }
}

#[test]
fn aws_cli_unscoped() {
    for m in Machine::each() {
        m.with_aws();
        m.global(&format!(
            "[credential]\n\thelper = {AWS_HELPER}\n\tUseHttpPath = true\n"
        ));
        m.json(URL).expect("aws-cli-unscoped", Some("warning"), 0);
        m.global(SCOPED);
        m.json(URL).expect("aws-cli-unscoped", None, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The remotes of the repository the doctor runs in.

#[test]
fn remotes_of_the_repository_here() {
    let other = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/Backup";
    for m in Machine::each() {
        m.global(SCOPED).with_aws();
        let repo = m.repo(&[("backup", other), ("origin", URL)]);
        let run = m.doctor_in(&repo, &["--format", "json"], &[]);
        assert_eq!(run.json()["url"], URL, "origin first: {run:?}");
        run.expect("other-remotes", Some("note"), 0);
        let note = run.finding("other-remotes").expect("reported");
        assert!(
            note["evidence"].to_string().contains("remote backup: "),
            "{note}"
        );
        // One CodeCommit remote: no note.
        m.git(&repo, &["remote", "remove", "backup"]);
        let run = m.doctor_in(&repo, &["--format", "json"], &[]);
        run.expect("other-remotes", None, 0);
        assert_eq!(run.json()["url"], URL);
        // No remote: it says how to pass the URL.
        m.git(&repo, &["remote", "remove", "origin"]);
        m.doctor_in(&repo, &[], &[])
            .refused("git-credential-codecommit doctor https://");
    }
}

// ---------------------------------------------------------------------------------------------
// `--check-stores`, with git's real credential-store.

#[test]
fn stored_password_expired_until_the_fix_is_run() {
    for m in Machine::each() {
        m.with_aws();
        m.system("[credential]\n\thelper = store\n");
        m.global(SCOPED);
        let password = m.store_password(time::Duration::hours(3));
        let args = [URL, "--format", "json", "--check-stores"];
        let run = m.doctor_in(m.sandbox.root(), &args, &[]);
        run.expect("stored-password-expired", Some("problem"), 1);
        assert!(!run.stdout.contains(&password));
        let fix = run.finding("stored-password-expired").expect("reported")["fix"]
            .as_str()
            .expect("a fix")
            .to_owned();
        assert!(fix.contains("erase"), "{fix}");
        let out = m.command("sh").args(["-c", &fix]).output().expect("sh");
        assert!(out.status.success(), "{fix}: {out:?}");
        let run = m.doctor_in(m.sandbox.root(), &args, &[]);
        run.expect("stored-password-expired", None, 1)
            .expect("stored-password", None, 1);
        let stored =
            std::fs::read_to_string(m.sandbox.home().join(".git-credentials")).unwrap_or_default();
        assert!(!stored.contains(&password), "{stored}");

        // A fresh one: a note.
        m.store_password(time::Duration::minutes(2));
        m.doctor_in(m.sandbox.root(), &args, &[])
            .expect("stored-password-expired", None, 1)
            .expect("stored-password", Some("note"), 1);
    }
}

/// A store that cannot run (osxkeychain on Linux) is not a store that holds nothing.
#[test]
fn a_store_that_cannot_run_is_not_checked() {
    for m in Machine::each() {
        m.with_aws();
        m.system("[credential]\n\thelper = osxkeychain\n");
        m.global(SCOPED);
        let run = m.doctor_in(
            m.sandbox.root(),
            &[URL, "--format", "json", "--check-stores"],
            &[],
        );
        run.expect("store-not-checked", Some("note"), 1).expect(
            "storing-helper-first",
            Some("problem"),
            1,
        );
        let note = run.finding("store-not-checked").expect("reported");
        assert!(
            note["summary"]
                .to_string()
                .contains("credential-osxkeychain"),
            "{note}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Input the doctor cannot work with.

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for m in Machine::each() {
        m.global(SCOPED).with_aws();
        let root = m.sandbox.root();
        for (url, says) in [
            (
                "https://github.com/octocat/Hello-World",
                "is not a CodeCommit Git endpoint",
            ),
            (
                "http://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
                "is not an HTTPS URL",
            ),
            // codecommit:// URLs are examined (codecommit_urls_get_the_remote_helpers_checks).
            ("not a url", "is not a URL"),
            (
                "git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
                "is not a URL",
            ),
            ("https://", "no host"),
        ] {
            m.doctor_in(root, &[url], &[]).refused(says);
            m.doctor_in(root, &[url, "--format", "json"], &[])
                .refused(says);
        }
    }
}

#[test]
fn git_not_on_path() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .command(BIN)
        .args(["doctor", URL])
        .output()
        .expect("run the doctor");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    run.refused("git is not on PATH");
}

// ---------------------------------------------------------------------------------------------
// 4. The JSON schema.

#[test]
fn json_has_exactly_the_documented_keys() {
    for m in Machine::each() {
        // Something of every severity: store first (problem), unscoped CLI (warning), region (note).
        m.with_aws();
        m.system("[credential]\n\thelper = osxkeychain\n");
        m.global(&format!(
            "[credential]\n\thelper = {AWS_HELPER}\n\tUseHttpPath = true\n"
        ));
        m.sandbox
            .write_aws_config("[default]\nregion = eu-west-1\n");
        let run = m.json(URL);
        let json = run.json();
        let object = json.as_object().expect("an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["findings", "git", "url"]);
        assert_eq!(json["url"], URL);
        assert_eq!(json["git"].as_str(), Some(m.git.to_string().as_str()));
        let findings = json["findings"].as_array().expect("an array");
        let rank = |s: &str| match s {
            "problem" => 0,
            "warning" => 1,
            "note" => 2,
            other => panic!("severity {other} in {json}"),
        };
        let mut ranks = Vec::new();
        for finding in findings {
            let finding = finding.as_object().expect("a finding is an object");
            let mut keys: Vec<&str> = finding.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["evidence", "fix", "id", "severity", "summary"]);
            let id = finding["id"].as_str().expect("id is a string");
            assert!(
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{id}"
            );
            ranks.push(rank(finding["severity"].as_str().expect("a string")));
            assert!(
                finding["summary"]
                    .as_str()
                    .is_some_and(|s| !s.contains('\n'))
            );
            assert!(
                finding["evidence"]
                    .as_array()
                    .expect("an array")
                    .iter()
                    .all(Value::is_string)
            );
            assert!(finding["fix"].is_string() || finding["fix"].is_null());
        }
        assert_eq!(ranks.iter().min(), Some(&0), "{json}");
        assert!(ranks.contains(&1) && ranks.contains(&2), "{json}");
        assert!(ranks.is_sorted(), "problems first: {json}");
        assert_eq!(run.code, 1);
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Secrets never printed.

#[test]
fn secrets_never_in_output() {
    for m in Machine::each() {
        m.with_aws();
        m.sandbox.write_aws_credentials(&format!(
            "[default]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
        ));
        m.system("[credential]\n\thelper = store\n");
        m.global(SCOPED);
        let stale = m.store_password(time::Duration::hours(3));
        let with_password =
            "https://user:s3cret@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";
        let mut runs = Vec::new();
        for format in ["text", "json"] {
            for url in [
                URL,
                with_password,
                "https://user:s3cret@github.com/octocat/Hello-World",
                "user:s3cret@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
                "https://user:s3cret@git-codecommit.us-east-2.amazonaws.com:x1/v1/repos/R",
                "https://user:s3cret@/v1/repos/MyDemoRepo",
                "codecommit://user:s3cret@MyDemoRepo",
            ] {
                runs.push(m.doctor_in(
                    m.sandbox.root(),
                    &[url, "--format", format, "--check-stores"],
                    &[],
                ));
            }
        }
        // The remotes of a repository, with passwords in their URLs.
        let repo = m.repo(&[
            ("origin", with_password),
            (
                "backup",
                "https://jane:s3cret@git-codecommit.eu-west-1.amazonaws.com/v1/repos/B",
            ),
        ]);
        for format in ["text", "json"] {
            runs.push(m.doctor_in(&repo, &["--format", format, "--check-stores"], &[]));
        }
        let fresh = m.store_password(time::Duration::minutes(1));
        for format in ["text", "json"] {
            runs.push(m.doctor_in(
                m.sandbox.root(),
                &[URL, "--format", format, "--check-stores"],
                &[],
            ));
        }
        for run in &runs {
            for secret in [
                SECRET,
                TOKEN,
                stale.as_str(),
                fresh.as_str(),
                "s3cret",
                &stale[16..],
            ] {
                assert!(
                    !run.stdout.contains(secret) && !run.stderr.contains(secret),
                    "{secret} printed: {run:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Git wins: which helpers git runs, against `applied_helpers`.

/// The sections of the conformance table: each gets a recording helper named `s<index>`.
const PATTERNS: &[&str] = &[
    "",
    "https://git-codecommit.us-east-2.amazonaws.com",
    "https://git-codecommit.*.amazonaws.com",
    "https://*.amazonaws.com",
    "https://*.*.amazonaws.com",
    "https://git-codecommit-fips.*.amazonaws.com",
    "https://*.git-codecommit.*.vpce.amazonaws.com",
    "https://git-codecommit.*.amazonaws.com.cn",
    "https://git-codecommit.us-east-2.amazonaws.com:443",
    "https://git-codecommit.us-east-2.amazonaws.com:8443",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/rep",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/mydemorepo",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/./MyDemoRepo",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/My%44emoRepo",
    "https://jane@git-codecommit.us-east-2.amazonaws.com",
    "https://jane%40example.com@git-codecommit.us-east-2.amazonaws.com",
    "https://JANE@git-codecommit.us-east-2.amazonaws.com",
    "HTTPS://GIT-CODECOMMIT.US-EAST-2.AMAZONAWS.COM",
    "http://git-codecommit.us-east-2.amazonaws.com",
    "https://git-codecommit.us-east-2.amazonaws.com.evil.example",
    "https://git-codecommit.us-east-1.amazonaws\\.com",
    "git-codecommit.us-east-2.amazonaws.com",
    "GIT-CODECOMMIT.US-EAST-2.AMAZONAWS.COM",
    "git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
    "git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo/",
    "git-codecommit.us-east-2.amazonaws.com/v1/repos",
    "git-codecommit.us-east-2.amazonaws.com:8443",
    "jane@git-codecommit.us-east-2.amazonaws.com",
    "https://git-codecommit.*.amazonaws.com/v1/repos/My*",
];

const URLS: &[&str] = &[
    URL,
    "https://git-codecommit.us-east-2.amazonaws.com",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo/",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/mydemorepo",
    "https://git-codecommit.us-east-2.amazonaws.com:443/v1/repos/MyDemoRepo",
    "https://git-codecommit.us-east-2.amazonaws.com:8443/v1/repos/MyDemoRepo",
    "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/MyDemoRepo",
    "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/MyDemoRepo",
    FIPS_URL,
    "https://vpce-0a1b2c3d-4e5f6a7b.git-codecommit.us-east-2.vpce.amazonaws.com/v1/repos/MyDemoRepo",
    "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/MyDemoRepo",
    "https://jane@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
    "https://JANE@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
    "https://jane%40example.com@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
    "https://GIT-CODECOMMIT.US-EAST-2.AMAZONAWS.COM/v1/repos/MyDemoRepo",
    "http://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo",
    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/My%44emoRepo",
];

/// A section whose helper writes its name to the log and answers nothing.
fn recording_section(pattern: &str, name: &str, log: &Path) -> String {
    let header = if pattern.is_empty() {
        "[credential]".to_owned()
    } else {
        format!("[credential \"{pattern}\"]")
    };
    let helper = if name.is_empty() {
        String::new()
    } else {
        format!(
            "\"!f() {{ echo {name} >> {}; cat >/dev/null; }}; f\"",
            log.display()
        )
    };
    format!("{header}\n\thelper = {helper}\n")
}

/// The helpers git runs for `url` (`git credential fill`), and those the library says it runs.
fn git_and_library(m: &Machine, url: &str, log: &Path) -> (Vec<String>, Vec<String>) {
    let _ = std::fs::remove_file(log);
    let mut fill = m.command("git");
    fill.args(["credential", "fill"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = fill.spawn().expect("git credential fill");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("url={url}\n\n").as_bytes())
            .expect("write url");
    }
    let _ = child.wait();
    let ran: Vec<String> = std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();

    let out = m
        .command("git")
        .args(ENTRIES_QUERY)
        .output()
        .expect("git config");
    let entries = parse_entries(&out.stdout);
    let parts = UrlParts::parse(url).expect("a URL");
    let said: Vec<String> = applied_helpers(&parts, &entries)
        .iter()
        .map(|a| {
            a.helper
                .value
                .split_whitespace()
                .skip_while(|w| *w != "echo")
                .nth(1)
                .unwrap_or("?")
                .to_owned()
        })
        .collect();
    (ran, said)
}

#[test]
fn applied_helpers_agree_with_git() {
    for m in Machine::each() {
        let log = m.sandbox.root().join("helpers.log");
        let config: String = PATTERNS
            .iter()
            .enumerate()
            .map(|(i, p)| recording_section(p, &format!("s{i}"), &log))
            .collect();
        m.system("").global(&config);
        let mut disagree = Vec::new();
        for url in URLS {
            let (ran, said) = git_and_library(&m, url, &log);
            assert!(
                !ran.is_empty(),
                "git {} ran no helper for {url}: the test is broken",
                m.git
            );
            if ran != said {
                let name = |n: &String| {
                    let i: usize = n[1..].parse().unwrap_or(0);
                    format!("{n}={:?}", PATTERNS.get(i).unwrap_or(&"?"))
                };
                disagree.push(format!(
                    "{url}\n    git runs {:?}\n    doctor says {:?}",
                    ran.iter().map(name).collect::<Vec<_>>(),
                    said.iter().map(name).collect::<Vec<_>>()
                ));
            }
        }
        assert!(
            disagree.is_empty(),
            "git {} disagrees with applied_helpers:\n{}",
            m.git,
            disagree.join("\n")
        );
    }
}

/// Empty `helper =` values: system and global files, matching sections and not.
#[test]
fn resets_agree_with_git() {
    /// `(pattern, helper name)`, `""` for `[credential]` and for an empty `helper =`.
    type Sections<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(Sections, Sections)] = &[
        // The guide's fix: an empty helper before the CodeCommit helper.
        (
            &[("", "keychain")],
            &[("", ""), ("https://git-codecommit.*.amazonaws.com", "aws")],
        ),
        // A reset in a section that does not match clears nothing.
        (
            &[("", "keychain")],
            &[
                ("https://github.com", ""),
                ("https://git-codecommit.*.amazonaws.com", "aws"),
            ],
        ),
        // A reset in a matching section clears what came before it, also from the system file.
        (
            &[
                ("", "keychain"),
                ("https://git-codecommit.us-east-2.amazonaws.com", "early"),
            ],
            &[
                ("https://git-codecommit.*.amazonaws.com", ""),
                ("", "late"),
                ("git-codecommit.us-east-2.amazonaws.com", "partial"),
            ],
        ),
        // A reset after every helper: none runs.
        (
            &[("", "keychain")],
            &[
                ("", "aws"),
                (
                    "https://git-codecommit.us-east-2.amazonaws.com/v1/repos",
                    "",
                ),
            ],
        ),
    ];
    for m in Machine::each() {
        let log = m.sandbox.root().join("helpers.log");
        let write = |sections: &[(&str, &str)]| -> String {
            sections
                .iter()
                .map(|(p, n)| recording_section(p, n, &log))
                .collect()
        };
        for (system, global) in cases {
            m.system(&write(system)).global(&write(global));
            let (ran, said) = git_and_library(&m, URL, &log);
            assert_eq!(
                said, ran,
                "git {}: doctor says (left), git runs (right), for system {system:?} global {global:?}",
                m.git
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `codecommit://` URLs: git-remote-codecommit's checks (the replay's codecommit-url-* scenarios
// cover the others).

#[test]
fn codecommit_urls_get_the_remote_helpers_checks() {
    for m in Machine::each() {
        m.with_aws();
        // Nothing installed: git cannot run the remote helper.
        m.json("codecommit::us-east-2://MyDemoRepo").expect(
            "remote-helper-missing",
            Some("problem"),
            1,
        );
        let run = m.json("codecommit://my repo");
        run.expect("remote-url-malformed", Some("problem"), 1);
        assert!(
            run.finding("codecommit-helper-missing").is_none(),
            "{run:?}"
        );
        // The repository's codecommit:// remote is the one examined.
        let repo = m.repo(&[("origin", "codecommit://ops@MyDemoRepo")]);
        let run = m.doctor_in(&repo, &["--format", "json"], &[]);
        assert_eq!(run.json()["url"], "codecommit://ops@MyDemoRepo", "{run:?}");
        run.expect("remote-profile-missing", Some("problem"), 1);
    }
}
