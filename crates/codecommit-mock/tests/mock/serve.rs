//! The binary: ready line, clean shutdown on SIGTERM, repositories that survive `kill -9`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use codecommit_testkit::Sandbox;
use codecommit_testkit::env::ChildEnv;

/// The mock binary's environment: built from scratch, with this process's PATH, where the mock
/// finds git (it builds its own children's environments).
fn mock_env() -> ChildEnv {
    ChildEnv::new().path(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ))
}

/// A running `codecommit-mock serve` and what its ready line said.
pub struct Served {
    pub child: Child,
    pub proxy: String,
    pub ca_file: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(config: &Path, data: &Path) -> Served {
    let mut child = mock_env()
        .apply(&mut Command::new(env!("CARGO_BIN_EXE_codecommit-mock")))
        .args(["serve", "--config"])
        .arg(config)
        .arg("--data")
        .arg(data)
        .arg("--log")
        .arg(data.with_extension("log.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start codecommit-mock serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let ready: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("ready line {line:?}: {e}"));
    let proxy = ready["proxy"].as_str().expect("proxy").to_owned();
    let ca_file = PathBuf::from(ready["ca_file"].as_str().expect("ca_file"));
    assert!(
        ca_file.is_file() && proxy.starts_with("http://127.0.0.1:"),
        "{line}"
    );
    Served {
        child,
        proxy,
        ca_file,
    }
}

pub fn git(sandbox: &Sandbox, served: &Served) -> Command {
    let mut cmd = sandbox.command(&crate::support::gits()[0]);
    cmd.args(["-c", &format!("http.proxy={}", served.proxy)])
        .args([
            "-c",
            &format!("http.sslCAInfo={}", served.ca_file.display()),
        ])
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"]);
    cmd
}

#[track_caller]
pub fn check(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn url() -> String {
    crate::support::url_with(
        "alice-at-111122223333",
        "alice-git-password",
        crate::support::REPO_URL,
    )
}

#[test]
fn pushes_survive_kill_9_and_sigterm_exits_cleanly() {
    let sandbox = Sandbox::new();
    let config = sandbox.root().join("mock.toml");
    std::fs::write(&config, crate::support::config_toml()).expect("config");
    let data = sandbox.root().join("data");
    let mut served = serve(&config, &data);
    let src = sandbox.root().join("src");
    check(git(&sandbox, &served).arg("init").arg("-q").arg(&src));
    check(git(&sandbox, &served).arg("-C").arg(&src).args([
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "kept",
    ]));
    check(git(&sandbox, &served).arg("-C").arg(&src).args([
        "push",
        "-q",
        &url(),
        "HEAD:refs/heads/kept",
    ]));
    let pushed = check(
        git(&sandbox, &served)
            .arg("-C")
            .arg(&src)
            .args(["rev-parse", "HEAD"]),
    );
    // SIGKILL: no chance to flush anything.
    served.child.kill().expect("kill -9");
    let _ = served.child.wait();
    let served = serve(&config, &data);
    let refs = check(git(&sandbox, &served).args(["ls-remote", &url(), "refs/heads/kept"]));
    assert!(refs.starts_with(pushed.trim()), "{refs} vs {pushed}");
    assert!(
        std::fs::read_to_string(data.with_extension("log.jsonl"))
            .expect("log file")
            .contains("\"status\":200")
    );
    #[cfg(unix)]
    {
        let mut served = served;
        let pid = served.child.id().to_string();
        // The shell's built-in kill: the `kill` program is procps's, which a minimal Debian
        // (a fresh container, debian:sid-slim) does not have; every POSIX sh has the built-in.
        check(
            ChildEnv::new()
                .apply(&mut Command::new(crate::support::tool("sh")))
                .args(["-c", "kill -TERM \"$1\"", "sh", &pid]),
        );
        let status = served.child.wait().expect("wait");
        assert!(status.success(), "exit after SIGTERM: {status:?}");
    }
}

#[test]
fn bad_config_is_reported_with_the_key() {
    let sandbox = Sandbox::new();
    let config = sandbox.root().join("bad.toml");
    std::fs::write(&config, "[[identity]]\nnmae = \"x\"\n").expect("config");
    let out = mock_env()
        .apply(&mut Command::new(env!("CARGO_BIN_EXE_codecommit-mock")))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nmae"), "{stderr}");
    assert!(out.stdout.is_empty());
}
