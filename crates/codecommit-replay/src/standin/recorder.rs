//! The recorder in front of the helper under test, installed under any other name (`aws`,
//! `git-credential-codecommit`). It passes arguments, input, output and exit status through
//! unchanged and writes down what git sent and got ([`super::TRANSCRIPT_FILE`]), operations it
//! does not know included, as they came.

use super::{HelperCall, StandinConfig, TRANSCRIPT_FILE, append_json_line, operation};
use super::{parse_pairs, read_stdin};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs the real helper behind `name` and writes down the exchange.
pub(super) fn main(dir: &Path, config: &StandinConfig, name: &str, args: &[String]) -> i32 {
    let input_bytes = read_stdin();
    let Some(target) = config.helpers.get(name) else {
        eprintln!("{name}: no helper under test is installed under this name in this sandbox");
        return 127;
    };
    let mut real_args: Vec<String> = args.to_vec();
    if !target.before_operation.is_empty() && !real_args.is_empty() {
        let op = real_args.pop().unwrap_or_default();
        real_args.extend(target.before_operation.iter().cloned());
        real_args.push(op);
    }
    let child = Command::new(&target.program)
        .args(&real_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let (stdout, stderr, exit) = match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(&input_bytes);
            }
            match child.wait_with_output() {
                Ok(out) => (out.stdout, out.stderr, out.status.code().unwrap_or(-1)),
                Err(e) => (Vec::new(), format!("{name}: {e}\n").into_bytes(), 127),
            }
        }
        Err(e) => (
            Vec::new(),
            format!("{name}: cannot start {}: {e}\n", target.program.display()).into_bytes(),
            127,
        ),
    };
    let _ = std::io::stdout().write_all(&stdout);
    let _ = std::io::stderr().write_all(&stderr);
    append_json_line(
        &dir.join(TRANSCRIPT_FILE),
        &HelperCall {
            helper: display_name(name),
            operation: operation(args),
            args: args.to_vec(),
            input: parse_pairs(&input_bytes),
            output: parse_pairs(&stdout),
            exit,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        },
    );
    exit
}

/// The name in git's configuration: `git-credential-codecommit` is `codecommit`.
fn display_name(installed: &str) -> String {
    installed
        .strip_prefix("git-credential-")
        .unwrap_or(installed)
        .to_owned()
}
