//! Running one process to its end, or killing it when it takes too long: git in a step, the
//! helper under test in a contract check. Pipes are drained on threads so a chatty process never
//! blocks on a full pipe, and the wait is a real wait with a deadline (no polling).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;
use wait_timeout::ChildExt;

/// What a finished process left: exit code (`-1` when a signal ended it), stdout, stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub exit: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Why a process did not finish.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExecError {
    #[error("cannot start {program}: {reason}")]
    Start { program: String, reason: String },
    #[error("{program} did not finish within {seconds} s and was killed")]
    Timeout { program: String, seconds: u64 },
    #[error("waiting for {program}: {reason}")]
    Wait { program: String, reason: String },
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Starts `command`, again while the program is busy being written: a script written just now
/// (a canary, a stand-in) can still be open for writing in a child that another thread forked
/// before its `exec` closed the descriptor, and Linux refuses to run it (ETXTBSY) until then.
fn spawn(command: &mut Command) -> std::io::Result<std::process::Child> {
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Runs `command` with `stdin` as its input (none: `/dev/null`) and waits at most `timeout`.
pub fn run(
    mut command: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Finished, ExecError> {
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(&mut command).map_err(|e| ExecError::Start {
        program: program.clone(),
        reason: e.to_string(),
    })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A process that exits without reading its input is an answer too, not an error.
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ExecError::Timeout {
                program,
                seconds: timeout.as_secs(),
            });
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ExecError::Wait {
                program,
                reason: e.to_string(),
            });
        }
    };
    Ok(Finished {
        exit: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::Instant;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", script]).env_clear();
        c
    }

    #[test]
    fn collects_exit_code_output_and_input() {
        let done = run(
            sh("cat; echo err >&2; exit 3"),
            Some(b"in\n"),
            Duration::from_secs(10),
        )
        .expect("finishes");
        assert_eq!(
            done,
            Finished {
                exit: 3,
                stdout: b"in\n".to_vec(),
                stderr: b"err\n".to_vec()
            }
        );
    }

    #[test]
    fn kills_a_process_that_outlives_its_deadline_without_waiting_for_it() {
        let started = Instant::now();
        let e = run(sh("sleep 30"), None, Duration::from_millis(300)).expect_err("killed");
        assert!(matches!(e, ExecError::Timeout { .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_program_is_a_start_error() {
        let e = run(
            Command::new("/nonexistent/program"),
            None,
            Duration::from_secs(1),
        )
        .expect_err("cannot start");
        assert!(
            e.to_string()
                .starts_with("cannot start /nonexistent/program"),
            "{e}"
        );
    }

    #[test]
    fn output_larger_than_a_pipe_does_not_block() {
        let done = run(
            sh("head -c 1000000 /dev/zero"),
            None,
            Duration::from_secs(10),
        )
        .expect("finishes");
        assert_eq!(done.stdout.len(), 1_000_000);
    }
}
