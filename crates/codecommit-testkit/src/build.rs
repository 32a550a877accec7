//! For build scripts: which external tools this machine lacks, as `cfg`s that tests turn into
//! `#[ignore = "needs ..."]`, so a test that cannot run shows in cargo's own summary as
//! `ignored, needs the AWS CLI: ...` instead of passing after an early return.
//!
//! A crate's `build.rs` calls [`probe_tools`] with the tools its tests use; a test that needs one
//! carries, for example,
//!
//! ```text
//! #[cfg_attr(missing_aws, ignore = "needs the AWS CLI: set CODECOMMIT_TEST_AWS or put aws on PATH")]
//! ```
//!
//! With `CODECOMMIT_TEST_STRICT=1` (CI) no tool but Docker is ever missing: the test runs, and
//! fails loudly when the tool is not there. Docker is required by `CODECOMMIT_TEST_DOCKER=1`
//! alone, as before this module: CI's strict workspace jobs run where the images are not built.
//! Each tool is decided like this:
//!
//! | cfg | tool | present when |
//! |---|---|---|
//! | `missing_aws` | the AWS CLI | `CODECOMMIT_TEST_AWS` or `aws` on `PATH` runs `aws --version` in an environment built from scratch with an empty `PATH`, as the sandboxes start it (a pyenv shim, `#!/usr/bin/env bash`, does not: point `CODECOMMIT_TEST_AWS` at a venv's `aws`) |
//! | `missing_grc` | git-remote-codecommit | `CODECOMMIT_TEST_GRC` or `git-remote-codecommit` on `PATH` is a file |
//! | `missing_curl` | curl | `CODECOMMIT_TEST_CURL` or `curl` on `PATH` is a file |
//! | `missing_faketime` | libfaketime, the library the tests and the replay preload (`libfaketime.so.1`) | [`crate::faketime::find_libfaketime`]: `CODECOMMIT_LIBFAKETIME` is a file, else the library is where the distributions' packages put it; never on macOS or Windows |
//! | `missing_docker` | a Docker engine with the images `docker/build.sh` makes | `CODECOMMIT_TEST_DOCKER=1` (never `CODECOMMIT_TEST_STRICT`), or the engine at `DOCKER_HOST` (default `unix:///var/run/docker.sock`) answers `/_ping` and has every image the crate names |
//!
//! The answer is kept until an input changes: `PATH`, the override variables, `DOCKER_HOST`,
//! `CODECOMMIT_TEST_DOCKER`, `CODECOMMIT_TEST_STRICT`, or the file of a tool that was found. After
//! installing a tool into a directory already on `PATH`, or building the Docker images, run
//! `touch crates/*/build.rs` so the next build asks again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::env::ChildEnv;
use crate::{STRICT_ENV, find_tool};

/// An external tool some tests need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tool {
    /// The AWS CLI (`aws`), overridden by `CODECOMMIT_TEST_AWS`.
    Aws,
    /// `git-remote-codecommit`, overridden by `CODECOMMIT_TEST_GRC`.
    Grc,
    /// curl, overridden by `CODECOMMIT_TEST_CURL`.
    Curl,
    /// libfaketime, the library, overridden by `CODECOMMIT_LIBFAKETIME`
    /// ([`crate::faketime::find_libfaketime`]).
    Faketime,
    /// A Docker engine holding all these images (`name:tag`); never pulled.
    Docker { images: Vec<String> },
}

/// Variable that makes Docker tests mandatory (and the engine presumed there).
pub const DOCKER_ENV: &str = "CODECOMMIT_TEST_DOCKER";

impl Tool {
    /// The `cfg` set when the tool is missing.
    pub fn cfg(&self) -> &'static str {
        match self {
            Tool::Aws => "missing_aws",
            Tool::Grc => "missing_grc",
            Tool::Curl => "missing_curl",
            Tool::Faketime => "missing_faketime",
            Tool::Docker { .. } => "missing_docker",
        }
    }

    /// The program name and its override variable, for tools found as files.
    fn program(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Tool::Aws => Some(("aws", "CODECOMMIT_TEST_AWS")),
            Tool::Grc => Some(("git-remote-codecommit", "CODECOMMIT_TEST_GRC")),
            Tool::Curl => Some(("curl", "CODECOMMIT_TEST_CURL")),
            Tool::Faketime | Tool::Docker { .. } => None,
        }
    }

    /// Every variable the decision reads.
    fn inputs(&self) -> Vec<&'static str> {
        match (self, self.program()) {
            (_, Some((_, override_env))) => vec!["PATH", override_env],
            (Tool::Faketime, None) => vec![crate::faketime::LIBFAKETIME_ENV],
            (_, None) => vec!["DOCKER_HOST", DOCKER_ENV],
        }
    }

    /// `Ok(the tool's file, if it is one)` when the tool is usable, `Err(why)` when not.
    fn check(&self) -> Result<Option<PathBuf>, String> {
        match self {
            Tool::Aws => {
                let aws = found(self)?;
                runs_scrubbed(&aws)?;
                Ok(Some(aws))
            }
            Tool::Grc | Tool::Curl => found(self).map(Some),
            Tool::Faketime => crate::faketime::find_libfaketime().map(Some),
            Tool::Docker { images } => docker_has(images).map(|()| None),
        }
    }
}

fn found(tool: &Tool) -> Result<PathBuf, String> {
    let (name, override_env) = tool.program().unwrap_or(("?", "?"));
    find_tool(name, override_env)
        .ok_or_else(|| format!("`{name}` not found (set {override_env} or put it on PATH)"))
}

/// The AWS CLI runs as the sandboxes start it: environment from scratch, and a `PATH` without
/// the machine's directories (a pyenv shim, `#!/usr/bin/env bash`, does not).
fn runs_scrubbed(aws: &Path) -> Result<(), String> {
    let mut command = std::process::Command::new(aws);
    ChildEnv::new().path([]).apply(command.arg("--version"));
    match command.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "{} --version fails in a scrubbed environment ({}): set CODECOMMIT_TEST_AWS to a venv's aws",
            aws.display(),
            out.status
        )),
        Err(e) => Err(format!("cannot run {}: {e}", aws.display())),
    }
}

/// What a tool probe decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub tool: Tool,
    /// Why the tool is missing; `None` when it is there (or must be: strict mode).
    pub missing: Option<String>,
    /// The tool's file when it was found: a change to it (an upgrade, a removal) re-probes.
    pub file: Option<PathBuf>,
}

/// Decides, for each tool, whether it is missing (see [`decide`] for when a tool is required).
pub fn probe(tools: &[Tool]) -> Vec<Probe> {
    let strict = crate::strict();
    let docker_required = crate::strict_var(DOCKER_ENV);
    tools
        .iter()
        .map(|tool| decide(tool, tool.check(), strict, docker_required))
        .collect()
}

/// One tool's verdict from its check: a failed check is a missing tool, unless the tool is
/// required: under `CODECOMMIT_TEST_STRICT=1` every tool but Docker, and Docker under
/// `CODECOMMIT_TEST_DOCKER=1` only, because CI's workspace jobs are strict on runners where the
/// images are not built (they are built and tested by the container job, which sets both).
fn decide(
    tool: &Tool,
    checked: Result<Option<PathBuf>, String>,
    strict: bool,
    docker_required: bool,
) -> Probe {
    let required = match tool {
        Tool::Docker { .. } => docker_required,
        _ => strict,
    };
    let (missing, file) = match checked {
        Ok(file) => (None, file),
        Err(_) if required => (None, None),
        Err(why) => (Some(why), None),
    };
    Probe {
        tool: tool.clone(),
        missing,
        file,
    }
}

/// For `build.rs`: probes `tools` and prints the instructions cargo reads: a `cfg` for each
/// missing tool, `check-cfg` for all of them (so a misspelt `cfg` in a test is a warning), and
/// what to watch to probe again.
pub fn probe_tools(tools: &[Tool]) {
    print!("{}", instructions(tools, &probe(tools)));
}

/// The build-script output for `probes`: pure, so it can be tested.
pub fn instructions(tools: &[Tool], probes: &[Probe]) -> String {
    let mut out = String::new();
    let mut watched: Vec<&str> = vec![STRICT_ENV];
    for tool in tools {
        out.push_str(&format!("cargo::rustc-check-cfg=cfg({})\n", tool.cfg()));
        watched.extend(tool.inputs());
    }
    watched.sort_unstable();
    watched.dedup();
    for var in watched {
        out.push_str(&format!("cargo::rerun-if-env-changed={var}\n"));
    }
    for probe in probes {
        if let Some(why) = &probe.missing {
            out.push_str(&format!("cargo::rustc-cfg={}\n", probe.tool.cfg()));
            // Cargo ignores other lines; this one stays in target/*/build/*/output for the curious.
            out.push_str(&format!("# {}: {why}\n", probe.tool.cfg()));
        }
        if let Some(file) = &probe.file {
            out.push_str(&format!("cargo::rerun-if-changed={}\n", file.display()));
        }
    }
    out
}

/// The engine answers and holds every image.
fn docker_has(images: &[String]) -> Result<(), String> {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| default_docker_host().to_owned());
    match docker_get(&host, "/_ping")? {
        200 => {}
        status => {
            return Err(format!(
                "the Docker engine at {host} answers /_ping with {status}"
            ));
        }
    }
    for image in images {
        match docker_get(&host, &format!("/images/{image}/json"))? {
            200 => {}
            404 => {
                return Err(format!(
                    "image {image} is not built (docker/build.sh builds it)"
                ));
            }
            status => return Err(format!("the Docker engine answers {status} for {image}")),
        }
    }
    Ok(())
}

fn default_docker_host() -> &'static str {
    if cfg!(windows) {
        "npipe:////./pipe/docker_engine"
    } else {
        "unix:///var/run/docker.sock"
    }
}

/// The status of `GET path` on the engine; unix sockets and plain TCP only.
fn docker_get(host: &str, path: &str) -> Result<u16, String> {
    use std::io::{Read, Write};
    let request = format!("GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n");
    let timeout = Some(Duration::from_secs(3));
    let mut response = Vec::new();
    let unreachable = |e: std::io::Error| format!("no Docker engine reachable at {host}: {e}");
    if let Some(addr) = host.strip_prefix("tcp://") {
        let mut stream = std::net::TcpStream::connect(addr).map_err(unreachable)?;
        stream.set_read_timeout(timeout).map_err(unreachable)?;
        stream.write_all(request.as_bytes()).map_err(unreachable)?;
        stream.read_to_end(&mut response).map_err(unreachable)?;
    } else if let Some(socket) = host.strip_prefix("unix://") {
        unix_get(socket, &request, timeout, &mut response).map_err(unreachable)?;
    } else {
        return Err(format!(
            "DOCKER_HOST={host} cannot be probed from a build script; set {DOCKER_ENV}=1 to run the Docker tests"
        ));
    }
    let head = String::from_utf8_lossy(&response[..response.len().min(64)]).into_owned();
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("the Docker engine at {host} answered {head:?}"))
}

#[cfg(unix)]
fn unix_get(
    socket: &str,
    request: &str,
    timeout: Option<Duration>,
    response: &mut Vec<u8>,
) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(socket)?;
    stream.set_read_timeout(timeout)?;
    stream.write_all(request.as_bytes())?;
    stream.read_to_end(response)?;
    Ok(())
}

#[cfg(not(unix))]
fn unix_get(
    _socket: &str,
    _request: &str,
    _timeout: Option<Duration>,
    _response: &mut Vec<u8>,
) -> std::io::Result<()> {
    Err(std::io::Error::other("unix sockets need a Unix host"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_is_a_cfg_and_every_input_is_watched() {
        let tools = [
            Tool::Aws,
            Tool::Curl,
            Tool::Faketime,
            Tool::Docker { images: vec![] },
        ];
        let probes = [
            Probe {
                tool: Tool::Aws,
                missing: Some("`aws` not found".into()),
                file: None,
            },
            Probe {
                tool: Tool::Curl,
                missing: Some("`curl` not found".into()),
                file: None,
            },
            Probe {
                tool: Tool::Faketime,
                missing: None,
                file: Some(PathBuf::from(
                    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                )),
            },
            Probe {
                tool: Tool::Docker { images: vec![] },
                missing: None,
                file: None,
            },
        ];
        let out = instructions(&tools, &probes);
        let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "cargo::rustc-check-cfg=cfg(missing_aws)",
                "cargo::rustc-check-cfg=cfg(missing_curl)",
                "cargo::rustc-check-cfg=cfg(missing_faketime)",
                "cargo::rustc-check-cfg=cfg(missing_docker)",
                "cargo::rerun-if-env-changed=CODECOMMIT_LIBFAKETIME",
                "cargo::rerun-if-env-changed=CODECOMMIT_TEST_AWS",
                "cargo::rerun-if-env-changed=CODECOMMIT_TEST_CURL",
                "cargo::rerun-if-env-changed=CODECOMMIT_TEST_DOCKER",
                "cargo::rerun-if-env-changed=CODECOMMIT_TEST_STRICT",
                "cargo::rerun-if-env-changed=DOCKER_HOST",
                "cargo::rerun-if-env-changed=PATH",
                "cargo::rustc-cfg=missing_aws",
                "cargo::rustc-cfg=missing_curl",
                "cargo::rerun-if-changed=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
            ]
        );
        assert!(out.contains("# missing_aws: `aws` not found\n"), "{out}");
    }

    #[test]
    fn docker_answers_are_read_from_the_status_line() {
        // No engine listens on a closed loopback port: a reason, not a panic or a hang.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let err = docker_get(&format!("tcp://127.0.0.1:{port}"), "/_ping").expect_err("an error");
        assert!(
            err.starts_with("no Docker engine reachable at tcp://127.0.0.1:"),
            "{err}"
        );
        let err = docker_get("ssh://host", "/_ping").expect_err("an error");
        assert!(err.contains("CODECOMMIT_TEST_DOCKER=1"), "{err}");

        // A fake engine on loopback: 200 for /_ping, 404 for an image.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let host = format!("tcp://{}", listener.local_addr().expect("addr"));
        let server = std::thread::spawn(move || {
            use std::io::{BufRead, BufReader, Write};
            for status in ["200 OK", "404 Not Found"] {
                let (mut stream, _) = listener.accept().expect("accept");
                let mut line = String::new();
                BufReader::new(&stream)
                    .read_line(&mut line)
                    .expect("request line");
                write!(stream, "HTTP/1.0 {status}\r\n\r\n").expect("answer");
            }
        });
        assert_eq!(docker_get(&host, "/_ping"), Ok(200));
        assert_eq!(docker_get(&host, "/images/x:y/json"), Ok(404));
        server.join().expect("fake engine");
    }

    #[test]
    fn a_required_tool_is_never_missing() {
        let docker = Tool::Docker { images: vec![] };
        let absent = || Err::<Option<PathBuf>, String>("not there".into());
        assert_eq!(
            decide(&Tool::Grc, absent(), false, false)
                .missing
                .as_deref(),
            Some("not there")
        );
        // Strict mode: every tool but Docker runs, and fails in the test if it is absent.
        assert_eq!(decide(&Tool::Grc, absent(), true, false).missing, None);
        assert!(decide(&docker, absent(), true, false).missing.is_some());
        // CODECOMMIT_TEST_DOCKER=1 requires Docker only.
        assert_eq!(decide(&docker, absent(), false, true).missing, None);
        assert!(decide(&Tool::Aws, absent(), false, true).missing.is_some());
        let found = decide(
            &Tool::Faketime,
            Ok(Some(
                "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1".into(),
            )),
            false,
            false,
        );
        assert_eq!(found.missing, None);
        assert_eq!(
            found.file,
            Some(PathBuf::from(
                "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
            ))
        );
    }

    /// A pyenv shim needs its own variables: found, but unusable where the tests start it.
    #[cfg(unix)]
    #[test]
    fn an_aws_that_needs_the_parents_environment_is_missing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temporary directory");
        let script = |name: &str, body: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .expect("make it executable");
            path
        };
        // What a pyenv shim does first: find its interpreter on PATH.
        let shim = script("shim", "command -v sh >/dev/null || exit 3");
        let err = runs_scrubbed(&shim).expect_err("an error");
        assert!(err.contains("fails in a scrubbed environment"), "{err}");
        assert!(err.contains("CODECOMMIT_TEST_AWS"), "{err}");
        let venv = script("venv-aws", "exit 0");
        assert_eq!(runs_scrubbed(&venv), Ok(()));
        let err = runs_scrubbed(Path::new("/nonexistent/aws")).expect_err("an error");
        assert!(err.starts_with("cannot run /nonexistent/aws"), "{err}");
    }
}
