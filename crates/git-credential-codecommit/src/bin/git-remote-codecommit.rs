//! `git-remote-codecommit REMOTE URL`: signs the `codecommit://` URL and hands the transfer to
//! `git remote-http` (see the library's `remote` module).
use git_credential_codecommit::aws::SdkSource;
use git_credential_codecommit::program::{self, Context};
use git_credential_codecommit::remote::{self, ENDPOINT_ENV, NAME};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    if let Some(flag) = args.get(1).filter(|_| args.len() == 2)
        && let Some(text) = about(flag.to_str().unwrap_or(""))
    {
        println!("{text}");
        return ExitCode::SUCCESS;
    }
    program::init_log(false);
    let (remote_name, url) = match remote::remote_args(&args) {
        Ok(parsed) => parsed,
        Err(why) => return fail(&why),
    };
    let aws = SdkSource::new();
    let context = Context {
        aws: &aws,
        now: &SystemTime::now,
        // A remote helper hands git a URL, never a credential answer: no form to choose.
        git_version: &|| None,
    };
    let endpoint = std::env::var(ENDPOINT_ENV).ok();
    let signed = match remote::sign_url(&url, endpoint.as_deref(), &context) {
        Ok(signed) => signed,
        Err(error) => return fail(&error.to_string()),
    };
    // Under the library's target, which the log's directive names (the binary's own would be
    // `git_remote_codecommit`).
    tracing::debug!(
        target: "git_credential_codecommit::remote",
        host = %signed.host,
        region = %signed.region,
        access_key_id = %signed.access_key_id,
        session_token = signed.session_token,
        "signed; handing over to git remote-http"
    );
    let mut git = Command::new("git");
    git.arg("remote-http")
        .arg(&remote_name)
        .arg(signed.url.expose());
    hand_over(git)
}

fn about(flag: &str) -> Option<String> {
    match flag {
        "--version" | "-V" => Some(format!("{NAME} {}", env!("CARGO_PKG_VERSION"))),
        "--help" | "-h" => Some(format!(
            "{NAME}: git's remote helper for AWS CodeCommit's codecommit:// URLs.\n\n\
             git clone codecommit://[PROFILE@]REPOSITORY\n\
             git clone codecommit::REGION://[PROFILE@]REPOSITORY\n\n\
             Git runs it as '{NAME} REMOTE URL'; it signs a password from the AWS credentials of \
             PROFILE (or the default chain) and runs 'git remote-http' with it."
        )),
        _ => None,
    }
}

fn fail(why: &str) -> ExitCode {
    eprintln!("{NAME}: {why}");
    ExitCode::FAILURE
}

/// On Unix the helper becomes `git remote-http` (as the Python package's child would be, minus
/// one process that only waits); Windows has no `exec`, so there it waits and passes the status on.
#[cfg(unix)]
fn hand_over(mut git: Command) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = git.exec();
    fail(&format!(
        "cannot run 'git remote-http' ({error}); git must be on PATH"
    ))
}

#[cfg(not(unix))]
fn hand_over(mut git: Command) -> ExitCode {
    match git.status() {
        Ok(status) => match status.code() {
            Some(0) => ExitCode::SUCCESS,
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => ExitCode::FAILURE,
        },
        Err(error) => fail(&format!(
            "cannot run 'git remote-http' ({error}); git must be on PATH"
        )),
    }
}
