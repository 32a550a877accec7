//! The mock as a service container, used by every git on the host through its published proxy.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use codecommit_matrix::engine::require_docker;
use codecommit_matrix::images::mock_image;
use codecommit_matrix::mock::MockContainer;
use codecommit_matrix::unique_name;
use codecommit_testkit::Sandbox;

use crate::support::{
    ALICE_KEY, ALICE_SECRET, AWS_CONFIG, REPO_URL, assert_authenticated, assert_statuses,
    aws_credentials, config_toml, log_since, workspace_helper,
};

/// Both host gits where present (Debian's and the one under /usr/local).
fn host_gits() -> Vec<PathBuf> {
    ["/usr/bin/git", "/usr/local/bin/git"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect()
}

/// git in `sandbox`, pointed at the container's published proxy; `ca` trusts its CA when given.
fn git(sandbox: &Sandbox, git: &Path, mock: &MockContainer, ca: Option<&Path>) -> Command {
    let mut cmd = sandbox.command(git);
    cmd.arg("-c")
        .arg(format!("http.proxy={}", mock.proxy_url_from_host()));
    if let Some(ca) = ca {
        cmd.arg("-c")
            .arg(format!("http.sslCAInfo={}", ca.display()));
    }
    cmd.args([
        "-c",
        "user.name=Matrix",
        "-c",
        "user.email=matrix@example.com",
        "-c",
        "init.defaultBranch=main",
    ]);
    cmd
}

#[track_caller]
fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn describe(cmd: &Command, out: &Output, mock: &MockContainer) -> String {
    format!(
        "{cmd:?}\nexited with {}\n--- stdout\n{}--- stderr\n{}--- mock container output\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        mock.output()
    )
}

#[track_caller]
fn ok(cmd: &mut Command, mock: &MockContainer) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{}", describe(cmd, &out, mock));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A command that must fail with one of `needles` in its stderr.
#[track_caller]
fn fails(cmd: &mut Command, needles: &[&str], mock: &MockContainer) {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && needles.iter().any(|n| stderr.contains(n)),
        "expected a failure mentioning one of {needles:?}\n{}",
        describe(cmd, &out, mock)
    );
}

/// How git says it does not trust the server's certificate: OpenSSL builds (the git under
/// /usr/local) and GnuTLS builds (Debian's) word it differently.
const UNTRUSTED: &[&str] = &[
    "SSL certificate problem",
    "server certificate verification failed",
];

#[test]
fn host_gits_use_the_mock_container_with_the_workspace_helper() {
    let Some(_engine) = require_docker(&[&mock_image()]) else {
        return;
    };
    let helper = workspace_helper();
    let gits = host_gits();
    assert!(
        !gits.is_empty(),
        "no git at /usr/bin/git or /usr/local/bin/git"
    );
    let network = unique_name("net");
    let mock = MockContainer::start(&config_toml(), &network).expect("start the mock container");

    for git_bin in &gits {
        let sandbox = Sandbox::new();
        let ca = sandbox.root().join("ca.pem");
        std::fs::write(&ca, mock.ca_pem()).expect("write the container's CA");
        let version = ok(git(&sandbox, git_bin, &mock, None).arg("--version"), &mock);
        let label = format!("{} ({version})", git_bin.display());
        let branch = version.replace(|c: char| !c.is_ascii_alphanumeric(), "-");

        // TLS is terminated with the container's own CA: refused until git trusts it. The
        // handshake fails before any HTTP request, so the mock logs nothing.
        let mark = mock.log().expect("read log").len();
        fails(
            git(&sandbox, git_bin, &mock, None).args(["ls-remote", REPO_URL]),
            UNTRUSTED,
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_statuses(&format!("{label}: untrusted CA"), &entries, &whole, &[]);

        // No helper: the 401 makes git ask for a user name, which the sandbox forbids.
        let mark = mock.log().expect("read log").len();
        fails(
            git(&sandbox, git_bin, &mock, Some(&ca)).args(["ls-remote", REPO_URL]),
            &["could not read Username"],
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_statuses(
            &format!("{label}: no helper"),
            &entries,
            &whole,
            &[(401, Some("no_credentials"))],
        );

        // The workspace's helper with a wrong secret: its password is refused with 403, never
        // 401, so git gives up instead of erasing and asking again.
        std::fs::write(
            sandbox.gitconfig_global(),
            format!(
                "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = !'{}'\n\tUseHttpPath = true\n",
                helper.display()
            ),
        )
        .expect("write ~/.gitconfig");
        sandbox.write_aws_config(AWS_CONFIG);
        sandbox.write_aws_credentials(&aws_credentials(ALICE_KEY, "not-alices-secret"));
        let mark = mock.log().expect("read log").len();
        fails(
            git(&sandbox, git_bin, &mock, Some(&ca)).args(["ls-remote", REPO_URL]),
            &["The requested URL returned error: 403"],
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_statuses(
            &format!("{label}: wrong secret"),
            &entries,
            &whole,
            &[
                (401, Some("no_credentials")),
                (403, Some("signature_mismatch")),
            ],
        );

        // The right secret: push a commit, then clone it back.
        sandbox.write_aws_credentials(&aws_credentials(ALICE_KEY, ALICE_SECRET));
        let src = sandbox.root().join("src");
        ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .arg("init")
                .arg(&src),
            &mock,
        );
        std::fs::write(src.join("README"), format!("pushed by {label}\n")).expect("write file");
        ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .arg("-C")
                .arg(&src)
                .args(["add", "README"]),
            &mock,
        );
        ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .arg("-C")
                .arg(&src)
                .args(["commit", "-q", "-m", "matrix"]),
            &mock,
        );
        let pushed = ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .arg("-C")
                .arg(&src)
                .args(["rev-parse", "HEAD"]),
            &mock,
        );
        let mark = mock.log().expect("read log").len();
        ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .arg("-C")
                .arg(&src)
                .args(["push", REPO_URL])
                .arg(format!("HEAD:refs/heads/{branch}")),
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_authenticated(
            &format!("{label}: push"),
            &entries,
            &whole,
            "git-receive-pack",
        );

        let mark = mock.log().expect("read log").len();
        let clone = sandbox.root().join("clone");
        ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .args(["clone", "-q", "--branch", &branch, REPO_URL])
                .arg(&clone),
            &mock,
        );
        let (entries, whole) = log_since(&mock, mark);
        assert_authenticated(
            &format!("{label}: clone"),
            &entries,
            &whole,
            "git-upload-pack",
        );
        let cloned = ok(
            git(&sandbox, git_bin, &mock, Some(&ca))
                .arg("-C")
                .arg(&clone)
                .args(["rev-parse", "HEAD"]),
            &mock,
        );
        assert_eq!(
            cloned, pushed,
            "{label}: the clone's HEAD is not the pushed commit"
        );
    }
}
