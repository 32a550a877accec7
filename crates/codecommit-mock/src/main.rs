//! `codecommit-mock serve --config FILE [--listen ADDR] [--data DIR] [--log FILE]`
//!
//! Prints one JSON line on stdout when ready (`proxy`, `ca_file`, `data_dir`, `pid`), writes the
//! request log as JSON lines to `--log` (default stderr), and serves until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use codecommit_mock::{Config, LogSink, Mock, Options};

#[derive(Debug, Parser)]
#[command(version, about = "A CodeCommit smart-HTTP endpoint for tests")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve until SIGINT or SIGTERM.
    Serve {
        /// TOML configuration (identities, credentials, repositories, faults).
        #[arg(long)]
        config: PathBuf,
        /// Proxy address (loopback only).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Keep repositories here across restarts (default: a temporary directory).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Request log as JSON lines (default: stderr).
        #[arg(long)]
        log: Option<PathBuf>,
        /// The git whose http-backend serves requests.
        #[arg(long, default_value = "git")]
        git: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let Command::Serve {
        config,
        listen,
        data,
        log,
        git,
    } = Cli::parse().command;
    match serve(config, listen, data, log, git) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("codecommit-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(
    config: PathBuf,
    listen: SocketAddr,
    data: Option<PathBuf>,
    log: Option<PathBuf>,
    git: PathBuf,
) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_file(&config)?;
    let options = Options {
        listen,
        data_dir: data,
        git,
        log_sink: Some(log.map_or(LogSink::Stderr, LogSink::File)),
        ..Options::default()
    };
    let mock = Mock::start(config, options)?;
    let ready = serde_json::json!({
        "proxy": mock.proxy_url(),
        "ca_file": mock.ca_file(),
        "data_dir": mock.data_dir(),
        "pid": std::process::id(),
    });
    println!("{ready}");
    wait_for_signal()?;
    mock.shutdown();
    Ok(())
}

fn wait_for_signal() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })
}
