use git_credential_codecommit::aws::SdkSource;
use git_credential_codecommit::program::{self, Context};
use std::process::ExitCode;
use std::time::SystemTime;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    // `--debug` is a global flag, so it may stand anywhere among the arguments; looking for it here
    // spares a second parse of the command line (`run` parses it) on every call.
    program::init_log(args.iter().skip(1).any(|arg| arg == "--debug"));
    let aws = SdkSource::new();
    let git_version = || {
        git_credential_codecommit::git::caller::version(
            std::env::var_os(git_credential_codecommit::git::caller::EXEC_PATH_ENV).as_deref(),
        )
    };
    let context = Context {
        aws: &aws,
        now: &SystemTime::now,
        git_version: &git_version,
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
