//! Being a git credential helper: arguments, one request on stdin, one answer on stdout.
//!
//! [`run`] is the whole program with its inputs passed in (arguments, streams, credentials,
//! clock), so tests drive it in-process; `main` only wires it to the real process.
//!
//! Outcomes, as git sees them:
//! - credentials on stdout, exit 0: git uses them;
//! - no output, exit 0: "not mine" (another host or protocol), git asks its next helper;
//! - no output, a one-line error on stderr, exit 1: something the user must fix. Git ignores a
//!   helper's exit status and moves on too, so the message is what tells the user why.

use crate::aws::{AwsError, AwsSource};
use crate::endpoint::{Endpoint, split_port};
use crate::git::Version;
use crate::protocol::{Form, ParseError, Request, Response, WriteError};
use crate::sign::{self, GitRequest, PASSWORD_LIFETIME};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::{BufRead, Read, Write};
use std::time::SystemTime;

/// The name errors are prefixed with, whatever name the binary was installed under.
pub const NAME: &str = "git-credential-codecommit";

/// Set to a level (`debug`) to log the canonical request and string to sign on stderr.
pub const LOG_ENV: &str = "GIT_CREDENTIAL_CODECOMMIT_LOG";

/// Git credential helper for AWS CodeCommit over HTTPS.
///
/// Use as `git config --global credential.helper codecommit` with
/// `credential.UseHttpPath true`, or in place of `aws` in
/// `helper = !aws codecommit credential-helper $@`.
#[derive(Debug, Parser)]
#[command(name = NAME, version, about, long_about = None)]
pub struct Cli {
    /// AWS profile to take credentials from (instead of the default chain)
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Region to sign for when the host does not name one
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Sign for any host and protocol, not only CodeCommit endpoints over HTTPS
    #[arg(long, global = true)]
    pub ignore_host_check: bool,
    /// Log the canonical request and string to sign on stderr (as the AWS CLI's --debug)
    #[arg(long, global = true)]
    pub debug: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a user name and password for the host and path git sends on stdin
    Get,
    /// Does nothing: passwords are computed on every call, never stored
    Store,
    /// Does nothing: nothing is stored, so nothing is erased
    Erase,
    /// Check this machine's git and AWS configuration for a CodeCommit URL (read-only)
    Doctor(crate::doctor::DoctorArgs),
    /// The AWS CLI's shape: `codecommit credential-helper get|store|erase`
    #[command(name = "codecommit", hide = true)]
    Codecommit {
        #[command(subcommand)]
        helper: AwsCliShape,
    },
    /// Write the recommended configuration for CodeCommit's hosts (see `configure --help`)
    Configure(crate::configure::ConfigureArgs),
    /// Git may add operations; helpers must ignore the ones they do not know.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

#[derive(Debug, Subcommand)]
pub enum AwsCliShape {
    #[command(name = "credential-helper")]
    CredentialHelper {
        #[command(subcommand)]
        operation: Operation,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Operation {
    Get,
    Store,
    Erase,
}

impl Cli {
    /// The operation git asked for, or `None` for one this helper does not know.
    pub fn operation(&self) -> Option<Operation> {
        match &self.command {
            Command::Get => Some(Operation::Get),
            Command::Store => Some(Operation::Store),
            Command::Erase => Some(Operation::Erase),
            Command::Codecommit {
                helper: AwsCliShape::CredentialHelper { operation },
            } => Some(*operation),
            Command::Doctor(_) | Command::Configure(_) | Command::Other(_) => None,
        }
    }

    /// Whether the debug log is on, from `--debug` or [`LOG_ENV`].
    pub fn wants_log(&self, env_value: Option<&str>) -> bool {
        self.debug || env_value.is_some_and(|v| !v.is_empty())
    }
}

/// Everything that stops a `get` from answering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(
        "git sent no repository path for {url}, so there is nothing to sign; run: git config --global credential.{url}.UseHttpPath true"
    )]
    MissingPath { url: String },
    #[error(
        "no region for {host}: the host names none and none is configured; pass --region or run 'aws configure'"
    )]
    NoRegion { host: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The outside world a run sees.
pub struct Context<'a> {
    pub aws: &'a dyn AwsSource,
    /// Read once, right before signing (after any slow credential lookup).
    pub now: &'a dyn Fn() -> SystemTime,
    /// The release of the git that runs the helper ([`crate::git::caller::version`]), asked
    /// only when git offers `capability[]=authtype`; `None` when it cannot be told.
    pub git_version: &'a dyn Fn() -> Option<Version>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").finish_non_exhaustive()
    }
}

/// Logs go to stderr (stdout belongs to git), only when asked for: by `debug_flag` or [`LOG_ENV`].
/// A bare level such as `debug` applies to this crate alone; the AWS SDK's own logs need a
/// directive such as `aws_config=debug`. Both binaries log this way.
pub fn init_log(debug_flag: bool) {
    let env_value = std::env::var(LOG_ENV).ok();
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

/// Runs the helper; returns the process exit code.
pub fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    context: &Context<'_>,
) -> u8 {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let parsed = match plain_operation(&args) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(&args),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => return usage(error, stdout, stderr),
    };
    if let Command::Doctor(args) = &cli.command {
        let dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
        return crate::doctor::run(args, &dir, stdout, stderr, context.aws, (context.now)());
    }
    if let Command::Configure(args) = &cli.command {
        let options = crate::configure::HelperOptions {
            profile: cli.profile.as_deref(),
            region: cli.region.as_deref(),
            ignore_host_check: cli.ignore_host_check,
        };
        return crate::configure::run(args, &options, stdout, stderr);
    }
    let result = match cli.operation() {
        Some(Operation::Get) => get(&cli, stdin, stdout, context),
        // Drain the input so git never writes into a closed pipe.
        Some(Operation::Store | Operation::Erase) | None => {
            let _ = stdin
                .take(crate::protocol::MAX_INPUT as u64)
                .read_to_end(&mut Vec::new());
            Ok(())
        }
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(stderr, "{NAME}: {error}");
            1
        }
    }
}

/// The two command lines git runs on every fetch and push, without options: `get` (`helper =
/// codecommit`) and `codecommit credential-helper get` (in place of `aws`), and their `store` and
/// `erase`. They are read without clap, whose command tree (every subcommand, `doctor` and
/// `configure` included) costs more to build than the rest of a `get`; anything else goes to
/// clap, so both paths give the same [`Cli`].
fn plain_operation(args: &[OsString]) -> Option<Cli> {
    let words: Vec<&str> = args
        .get(1..)?
        .iter()
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let operation = match words.as_slice() {
        [op] | ["codecommit", "credential-helper", op] => match *op {
            "get" => Operation::Get,
            "store" => Operation::Store,
            "erase" => Operation::Erase,
            _ => return None,
        },
        _ => return None,
    };
    let command = if words.len() == 1 {
        match operation {
            Operation::Get => Command::Get,
            Operation::Store => Command::Store,
            Operation::Erase => Command::Erase,
        }
    } else {
        Command::Codecommit {
            helper: AwsCliShape::CredentialHelper { operation },
        }
    };
    Some(Cli {
        profile: None,
        region: None,
        ignore_host_check: false,
        debug: false,
        command,
    })
}

fn usage(error: clap::Error, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(stdout, "{}", error.render());
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = writeln!(
                stderr,
                "{NAME}: no operation given; git runs helpers with get, store or erase (see '{NAME} --help')"
            );
            2
        }
        _ => {
            // clap explains over several lines; git shows helper stderr to the user, so keep
            // the first line, which names the problem, and point at --help.
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let _ = writeln!(stderr, "{NAME}: {first} (see '{NAME} --help')");
            2
        }
    }
}

fn get(
    cli: &Cli,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    context: &Context<'_>,
) -> Result<(), Error> {
    let request = Request::read(stdin)?;
    let Some(host_and_port) = request.host.as_deref() else {
        tracing::debug!("no host: not a request this helper answers");
        return Ok(());
    };
    let protocol = request.protocol.as_deref().unwrap_or("");
    let endpoint = Endpoint::parse(host_and_port);
    if !cli.ignore_host_check {
        if protocol != "https" {
            tracing::debug!(protocol, "not https: left to the next helper");
            return Ok(());
        }
        if endpoint.is_none() {
            tracing::debug!(
                host = host_and_port,
                "not a CodeCommit endpoint: left to the next helper"
            );
            return Ok(());
        }
    }
    let Some(path) = request.path.as_deref() else {
        return Err(Error::MissingPath {
            url: format!("{protocol}://{host_and_port}"),
        });
    };
    let (host, _port) = split_port(host_and_port);
    let region = match (&endpoint, &cli.region) {
        (Some(endpoint), _) => endpoint.region.clone(),
        (None, Some(region)) => region.clone(),
        (None, None) => {
            context
                .aws
                .region(cli.profile.as_deref())?
                .ok_or_else(|| Error::NoRegion {
                    host: host.to_owned(),
                })?
        }
    };
    let credentials = context.aws.credentials(cli.profile.as_deref(), &region)?;
    let now = sign::whole_seconds((context.now)());
    let git_request = GitRequest {
        host,
        path,
        region: &region,
        time: now,
    };
    tracing::debug!(
        access_key_id = %credentials.access_key_id,
        temporary = credentials.session_token.is_some(),
        "signing for {host} in {region}\nCanonicalRequest:\n{}\nStringToSign:\n{}",
        git_request.canonical_request(),
        git_request.string_to_sign(),
    );
    let mut expiry = now + PASSWORD_LIFETIME;
    if let Some(credentials_expiry) = credentials.expiry {
        // A password signed with temporary credentials dies with them.
        expiry = expiry.min(credentials_expiry);
    }
    let response = Response {
        username: sign::username(
            &credentials.access_key_id,
            credentials.session_token.as_ref(),
        )
        .into(),
        password: git_request.password(&credentials.secret_access_key),
        password_expiry_utc: Some(unix_seconds(expiry)),
        form: form(&request, context.git_version),
    };
    response.write(stdout)?;
    Ok(())
}

/// The form of the answer: an ephemeral `authtype` credential, which no store can keep, where
/// git carries it on every request; a user name and password everywhere else.
///
/// Git 2.46 to 2.53 offer `authtype` but leave it off the probe of a request larger than
/// `http.postBuffer`, so a push over 1 MiB would fail with a 401 (see
/// [`Version::carries_authtype_on_large_requests`]); they get the user name and password, with
/// `password_expiry_utc`, which expiry-aware stores honour. A git whose release cannot be told
/// gets the form every release understands.
pub fn form(request: &Request, git_version: &dyn Fn() -> Option<Version>) -> Form {
    if !request.offers("authtype") {
        return Form::Password;
    }
    match git_version() {
        Some(version) if version.carries_authtype_on_large_requests() => Form::AuthType,
        _ => Form::Password,
    }
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod plain_operation_tests {
    use super::*;

    /// The fast path and clap agree on every command line it takes, and it takes no other.
    #[test]
    fn the_plain_command_lines_parse_as_clap_parses_them() {
        for line in [
            &["x", "get"][..],
            &["x", "store"],
            &["x", "erase"],
            &["x", "codecommit", "credential-helper", "get"],
            &["x", "codecommit", "credential-helper", "store"],
            &["x", "codecommit", "credential-helper", "erase"],
        ] {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            let fast = plain_operation(&args).expect("a plain command line");
            let clap = Cli::try_parse_from(&args).expect("clap parses it");
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"), "{line:?}");
        }
        for line in [
            &["x"][..],
            &["x", "--profile", "p", "get"],
            &["x", "get", "--debug"],
            &["x", "doctor"],
            &["x", "codecommit", "credential-helper"],
            &["x", "codecommit", "get"],
            &["x", "fill"],
        ] {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            assert!(plain_operation(&args).is_none(), "{line:?} must go to clap");
        }
    }
}
