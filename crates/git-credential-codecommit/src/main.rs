use git_credential_codecommit::aws::SdkSource;
use git_credential_codecommit::program::{self, Context, LOG_ENV};
use std::process::ExitCode;
use std::time::SystemTime;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    init_log(&args);
    let aws = SdkSource::new();
    let context = Context {
        aws: &aws,
        now: &SystemTime::now,
    };
    let code = program::run(
        args,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
        &context,
    );
    ExitCode::from(code)
}

/// Logs go to stderr (stdout belongs to git), only when asked for. A bare level such as `debug`
/// applies to this helper alone; the AWS SDK's own logs need a directive such as `aws_config=debug`.
///
/// `--debug` is a global flag, so it may stand anywhere among the arguments; looking for it here
/// spares a second parse of the command line (`run` parses it) on every call.
fn init_log(args: &[std::ffi::OsString]) {
    let env_value = std::env::var(LOG_ENV).ok();
    let debug_flag = args.iter().skip(1).any(|arg| arg == "--debug");
    let directive = match env_value.as_deref() {
        Some(v) if !v.is_empty() && v.contains('=') => v.to_owned(),
        Some(v) if !v.is_empty() => format!("git_credential_codecommit={v}"),
        _ if debug_flag => "git_credential_codecommit=debug".to_owned(),
        _ => return,
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&directive)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("git_credential_codecommit=debug"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .init();
}
