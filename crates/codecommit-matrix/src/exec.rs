//! Running a command in a container and getting everything back: exit code, stdout, stderr.

use testcontainers::core::{CmdWaitFor, ExecCommand};
use testcontainers::{Container, GenericImage};

use crate::Error;

/// What a command in a container did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub code: i64,
    pub stdout: String,
    pub stderr: String,
}

impl ExecOutput {
    pub fn success(&self) -> bool {
        self.code == 0
    }
}

impl std::fmt::Display for ExecOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `argv` in `container` and waits for it to exit.
pub fn exec(container: &Container<GenericImage>, argv: &[String]) -> Result<ExecOutput, Error> {
    let what = || argv.join(" ");
    let mut result = container
        .exec(ExecCommand::new(argv.iter().cloned()).with_cmd_ready_condition(CmdWaitFor::exit()))
        .map_err(|source| Error::Exec {
            command: what(),
            source: Box::new(source),
        })?;
    let stdout = result.stdout_to_vec().map_err(|source| Error::Exec {
        command: what(),
        source: Box::new(source),
    })?;
    let stderr = result.stderr_to_vec().map_err(|source| Error::Exec {
        command: what(),
        source: Box::new(source),
    })?;
    let code = result
        .exit_code()
        .map_err(|source| Error::Exec {
            command: what(),
            source: Box::new(source),
        })?
        .ok_or_else(|| Error::NoExitCode(what()))?;
    Ok(ExecOutput {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}
