//! `configure` with real git, in a sandbox: what it writes, that a second run and `--dry-run`
//! change nothing, that `--undo` gives the file back byte for byte, and that what it writes
//! shuts the system file's helpers out of CodeCommit and only CodeCommit.
use crate::binary::{BIN, gits, install};
use codecommit_testkit::Sandbox;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

const STANDARD: &str = "https://git-codecommit.*.amazonaws.com";
const FIPS: &str = "https://git-codecommit-fips.*.amazonaws.com";
const CHINA: &str = "https://git-codecommit.*.amazonaws.com.cn";
const URL: &str = "https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo";

/// A sandbox whose `git` (first on PATH) is `git`; `/usr/bin` and `/bin` follow, for `sh`.
fn sandbox_with_git(git: &Path) -> Sandbox {
    let sandbox = Sandbox::new().with_system_path();
    #[cfg(unix)]
    std::os::unix::fs::symlink(git, sandbox.bin().join("git")).expect("link git");
    #[cfg(not(unix))]
    std::fs::copy(git, sandbox.bin().join("git.exe")).expect("copy git");
    sandbox
}

fn default_sandbox() -> Sandbox {
    sandbox_with_git(&gits()[0])
}

#[track_caller]
fn configure(sandbox: &Sandbox, args: &[&str]) -> Output {
    sandbox
        .command(BIN)
        .arg("configure")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run configure")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs configure, which must succeed with nothing on stderr; returns its stdout.
#[track_caller]
fn ok(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = configure(sandbox, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "configure {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stderr), "", "configure {args:?}");
    text(&out.stdout)
}

/// Runs configure, which must fail with exit 2, one line on stderr and nothing on stdout.
#[track_caller]
fn refused(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = configure(sandbox, args);
    assert_eq!(out.status.code(), Some(2), "configure {args:?}");
    assert_eq!(text(&out.stdout), "", "configure {args:?}");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("git-credential-codecommit: "),
        "{stderr}"
    );
    stderr
}

/// The helper line when `git-credential-codecommit` on PATH is not this executable.
fn full_path_helper() -> String {
    format!("!'{}'", BIN.replace('\\', "/"))
}

/// The section git writes (it leaves a space after an empty value's `=`).
fn section(pattern: &str, helper: &str) -> String {
    format!("[credential \"{pattern}\"]\n\thelper = \n\thelper = {helper}\n\tUseHttpPath = true\n")
}

fn file_in(sandbox: &Sandbox) -> PathBuf {
    sandbox.root().join("tmp").join("codecommit.gitconfig")
}

#[test]
fn without_a_url_writes_the_standard_fips_and_china_patterns_to_the_global_file() {
    let sandbox = default_sandbox();
    let out = ok(&sandbox, &[]);
    let helper = full_path_helper();
    let written = std::fs::read_to_string(sandbox.gitconfig_global()).expect("global file");
    assert_eq!(
        written,
        [STANDARD, FIPS, CHINA]
            .map(|p| section(p, &helper))
            .concat()
    );
    assert!(
        out.starts_with(
            "note: git-credential-codecommit is not on PATH: the helper is named by its full path, "
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "[credential \"{FIPS}\"]: added helper = {helper}\n"
        )),
        "{out}"
    );
    assert_eq!(
        out.lines().count(),
        1 + 9,
        "a note and one line per change: {out}"
    );
}

#[test]
fn a_url_picks_the_pattern_of_its_host_shape() {
    for (url, pattern) in [
        (URL, STANDARD),
        (
            "https://git-codecommit-fips.us-gov-west-1.amazonaws.com/v1/repos/R",
            FIPS,
        ),
        (
            "https://jane-at-1111@git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/R",
            CHINA,
        ),
        (
            "https://vpce-0123456789abcdef0-abcdefgh.git-codecommit.us-east-2.vpce.amazonaws.com/v1/repos/R",
            "https://*.git-codecommit.*.vpce.amazonaws.com",
        ),
        (
            "https://vpce-0123456789abcdef0-abcdefgh.git-codecommit-fips.us-east-2.vpce.amazonaws.com/v1/repos/R",
            "https://*.git-codecommit-fips.*.vpce.amazonaws.com",
        ),
    ] {
        let sandbox = default_sandbox();
        let file = file_in(&sandbox);
        ok(&sandbox, &["--file", file.to_str().expect("utf-8"), url]);
        assert_eq!(
            std::fs::read_to_string(&file).expect("written"),
            section(pattern, &full_path_helper()),
            "{url}"
        );
        assert_eq!(
            std::fs::read_to_string(sandbox.gitconfig_global()).expect("global"),
            "",
            "--file leaves the global file alone"
        );
    }
}

#[test]
fn the_helper_is_codecommit_when_git_would_run_this_program() {
    let sandbox = default_sandbox();
    install(&sandbox, "git-credential-codecommit");
    let out = ok(&sandbox, &[URL]);
    assert!(!out.contains("note:"), "{out}");
    assert_eq!(
        std::fs::read_to_string(sandbox.gitconfig_global()).expect("global"),
        section(STANDARD, "codecommit")
    );
}

#[test]
fn aws_cli_writes_the_aws_cli_line_with_the_profile() {
    let sandbox = default_sandbox();
    ok(&sandbox, &["--aws-cli", URL]);
    assert_eq!(
        std::fs::read_to_string(sandbox.gitconfig_global()).expect("global"),
        section(STANDARD, "!aws codecommit credential-helper $@")
    );
    let sandbox = default_sandbox();
    install(&sandbox, "git-credential-codecommit");
    let out = sandbox
        .command(BIN)
        .args(["--profile", "Code Commit", "configure", URL])
        .output()
        .expect("configure --profile");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(sandbox.gitconfig_global()).expect("global"),
        section(STANDARD, "codecommit --profile 'Code Commit'")
    );
}

/// The printed commands are the ones a real run makes, and the lines are what git writes.
#[test]
fn dry_run_prints_the_commands_and_lines_and_changes_nothing() {
    let sandbox = default_sandbox();
    install(&sandbox, "git-credential-codecommit");
    let file = file_in(&sandbox);
    let before = "# mine\n[user]\n\tname = Jane\n";
    std::fs::write(&file, before).expect("file");
    let f = file.to_str().expect("utf-8");
    let out = ok(&sandbox, &["--file", f, "--dry-run", URL]);
    assert_eq!(std::fs::read_to_string(&file).expect("file"), before);
    let expected = format!(
        "git config --file {f} --add 'credential.{STANDARD}.helper' ''\n\
         git config --file {f} --add 'credential.{STANDARD}.helper' codecommit\n\
         git config --file {f} --add 'credential.{STANDARD}.UseHttpPath' true\n\
         # [credential \"{STANDARD}\"] then reads:\n\
         # \thelper =\n\
         # \thelper = codecommit\n\
         # \tUseHttpPath = true\n"
    );
    assert_eq!(out, expected);
    // Running the printed commands writes exactly the printed lines.
    for command in out.lines().filter(|l| l.starts_with("git ")) {
        let status = sandbox
            .command("/bin/sh")
            .args(["-c", command])
            .status()
            .expect("sh");
        assert!(status.success(), "{command}");
    }
    let after = std::fs::read_to_string(&file).expect("file");
    let printed: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("# \t")).collect();
    let written: Vec<&str> = after
        .lines()
        .skip(before.lines().count() + 1)
        .map(|l| l.trim_start_matches('\t').trim_end())
        .collect();
    assert_eq!(written, printed);
    assert_eq!(
        ok(&sandbox, &["--file", f, "--dry-run", URL]),
        format!("# [credential \"{STANDARD}\"]: nothing to change\n")
    );
}

/// On every git: a second run leaves the file's bytes as they were, and `--undo` gives back the
/// bytes from before the first run, comments and other sections included.
#[test]
fn idempotent_and_undone_byte_for_byte_on_every_git() {
    for git in gits() {
        let sandbox = sandbox_with_git(&git);
        let file = file_in(&sandbox);
        let f = file.to_str().expect("utf-8");
        let before = "# my settings\n[user]\n\tname = Jane ; keep this\n[credential \"https://github.com\"]\n\thelper = osxkeychain\n";
        std::fs::write(&file, before).expect("file");
        ok(&sandbox, &["--file", f]);
        let once = std::fs::read(&file).expect("file");
        let again = ok(&sandbox, &["--file", f]);
        assert_eq!(
            std::fs::read(&file).expect("file"),
            once,
            "{}",
            git.display()
        );
        assert!(
            again.ends_with(&format!(
                "[credential \"{CHINA}\"]: already configured, nothing to change\n"
            )),
            "{again}"
        );
        let undone = ok(&sandbox, &["--file", f, "--undo"]);
        assert_eq!(
            std::fs::read_to_string(&file).expect("file"),
            before,
            "{}: {undone}",
            git.display()
        );
        assert!(
            undone.contains(&format!(
                "[credential \"{FIPS}\"]: removed the section, now empty\n"
            )),
            "{undone}"
        );
        let nothing = ok(&sandbox, &["--file", f, "--undo"]);
        assert!(
            nothing.contains(&format!(
                "[credential \"{STANDARD}\"]: nothing this command writes is there\n"
            )),
            "{nothing}"
        );
        assert_eq!(std::fs::read_to_string(&file).expect("file"), before);
    }
}

/// The guide's own section is kept, not clobbered: ours is appended after it and its helper,
/// reset by our empty `helper =`, no longer runs; the output says so.
#[test]
fn a_section_holding_another_helper_is_kept_and_named() {
    let sandbox = default_sandbox();
    install(&sandbox, "git-credential-codecommit");
    let guide = format!(
        "[credential \"{STANDARD}\"]\n\thelper = !aws codecommit credential-helper $@\n\tUseHttpPath = true\n"
    );
    std::fs::write(sandbox.gitconfig_global(), &guide).expect("global");
    let out = ok(&sandbox, &[URL]);
    assert_eq!(
        out,
        format!(
            "[credential \"{STANDARD}\"]: added helper =\n\
             [credential \"{STANDARD}\"]: added helper = codecommit\n\
             [credential \"{STANDARD}\"]: kept helper = !aws codecommit credential-helper $@, which no longer runs for these hosts: the empty helper = added after it resets the list\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.gitconfig_global()).expect("global"),
        format!("{guide}\thelper = \n\thelper = codecommit\n")
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let sandbox = default_sandbox();
    let e = refused(&sandbox, &["https://github.com/octo/hello"]);
    assert!(
        e.contains("'https://github.com/octo/hello' is not a CodeCommit repository URL"),
        "{e}"
    );
    let e = refused(
        &sandbox,
        &["https://git-codecommit.us-east-2.amazonaws.com.evil.example/v1/repos/R"],
    );
    assert!(e.contains("is not a CodeCommit repository URL"), "{e}");
    let e = refused(
        &sandbox,
        &["http://git-codecommit.us-east-2.amazonaws.com/v1/repos/R"],
    );
    assert!(e.contains("is not a CodeCommit repository URL"), "{e}");
    let e = refused(&sandbox, &["--global", "--system"]);
    assert!(
        e.contains("'--global' cannot be used with '--system'"),
        "{e}"
    );
    let e = refused(&sandbox, &["--local", "--file", "x"]);
    assert!(e.contains("cannot be used with"), "{e}");
    let missing = sandbox.root().join("no-such-dir").join("config");
    let e = refused(&sandbox, &["--file", missing.to_str().expect("utf-8")]);
    assert!(e.contains("its directory does not exist; create"), "{e}");
    assert!(!missing.parent().expect("parent").exists());
    let e = {
        let out = sandbox
            .command(BIN)
            .args(["--ignore-host-check", "configure"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        text(&out.stderr)
    };
    assert!(e.contains("--ignore-host-check does not belong"), "{e}");
    // No git at all.
    let bare = Sandbox::new();
    let e = refused(&bare, &[]);
    assert!(e.contains("cannot run git (not found); install git"), "{e}");
    assert_eq!(
        std::fs::read_to_string(sandbox.gitconfig_global()).expect("global"),
        "",
        "nothing was written"
    );
}

/// The point of it all: with a keychain and GCM in the system file, after `configure` git asks
/// only this helper for CodeCommit, and still the system's helpers for GitHub.
#[test]
fn after_configure_git_asks_only_this_helper_for_codecommit_on_every_git() {
    for git in gits() {
        let sandbox = sandbox_with_git(&git);
        sandbox.write_aws_credentials(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        );
        let log = sandbox.root().join("tmp").join("helpers.log");
        let recording = |name: &str| {
            format!(
                "\thelper = \"!f() {{ echo {name} $1 >> '{}'; }}; f\"\n",
                log.display()
            )
        };
        std::fs::write(
            sandbox.gitconfig_system(),
            format!(
                "[credential]\n{}{}",
                recording("osxkeychain"),
                recording("manager")
            ),
        )
        .expect("system file");
        let global = sandbox.gitconfig_global();
        ok(&sandbox, &["--file", global.to_str().expect("utf-8")]);

        let fill = |url: &str| {
            let mut child = sandbox
                .command("git")
                .args(["credential", "fill"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("git credential fill");
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("url={url}\n\n").as_bytes())
                .expect("write");
            let out = child.wait_with_output().expect("wait");
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = std::fs::remove_file(sandbox.root().join("tmp").join("helpers.log"));
            (out, log)
        };
        let (out, asked) = fill(URL);
        assert!(
            out.status.success(),
            "{}: {}",
            git.display(),
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("username=AKIAIOSFODNN7EXAMPLE\npassword=20"),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(asked, "", "{}: the system's helpers ran", git.display());

        let (out, asked) = fill("https://github.com/octo/hello");
        assert!(!out.status.success(), "no helper has a GitHub password");
        assert_eq!(asked, "osxkeychain get\nmanager get\n", "{}", git.display());
    }
}
