//! Starting and stopping a mock: [`Mock::start`] owns a tokio runtime on a background thread, so
//! synchronous code (a harness that runs git processes) can use it without async.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::backend::{Backend, BackendError};
use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::faults::Faults;
use crate::log::{LogEntry, RequestLog};
use crate::repo::{RepoStore, StoreError};
use crate::server::State;
use crate::tls::{Authority, TlsError};

/// Where the JSON-lines request log goes, besides the in-memory log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSink {
    Stderr,
    File(PathBuf),
}

/// How to run a mock.
#[derive(Debug, Clone)]
pub struct Options {
    /// Proxy address; loopback only. Default `127.0.0.1:0` (any free port).
    pub listen: SocketAddr,
    /// Repositories persist here; `None` uses a temporary directory removed on shutdown.
    pub data_dir: Option<PathBuf>,
    /// The git whose `http-backend` serves requests (`git --exec-path`). Default `git` on PATH.
    pub git: PathBuf,
    /// Also write each log entry as a JSON line here.
    pub log_sink: Option<LogSink>,
    /// How long shutdown waits for open requests.
    pub grace: Duration,
    /// Worker threads of the mock's runtime.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            git: PathBuf::from("git"),
            log_sink: None,
            grace: Duration::from_secs(5),
            threads: 2,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("listen address {0} is not a loopback address; the mock serves loopback only")]
    NotLoopback(SocketAddr),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let what = what.into();
    move |source| Error::Io { what, source }
}

/// Entry point.
#[derive(Debug)]
pub struct Mock;

impl Mock {
    /// Validates `config`, creates missing repositories, writes the CA file, binds the proxy and
    /// serves on a background thread until the handle is shut down or dropped.
    pub fn start(config: Config, options: Options) -> Result<MockHandle, Error> {
        config.validate()?;
        if !options.listen.ip().is_loopback() {
            return Err(Error::NotLoopback(options.listen));
        }
        let workdir = tempfile::Builder::new()
            .prefix("codecommit-mock-")
            .tempdir()
            .map_err(io("temporary directory"))?;
        let data_dir = match &options.data_dir {
            Some(dir) => dir.clone(),
            None => workdir.path().join("data"),
        };
        std::fs::create_dir_all(&data_dir).map_err(io(format!("create {}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(io(format!("resolve {}", data_dir.display())))?;
        let store = RepoStore::new(data_dir.clone());
        for r in &config.repositories {
            store.ensure(
                &options.git,
                &store.region_root(&r.region).join(format!("{}.git", r.name)),
            )?;
        }
        for h in &config.static_hosts {
            for path in &h.repositories {
                store.ensure(
                    &options.git,
                    &store.host_root(&h.host.to_ascii_lowercase()).join(path),
                )?;
            }
        }
        let backend = Backend::locate(&options.git, store.home())?;

        let authority = Arc::new(Authority::new()?);
        let ca_file = workdir.path().join("ca.pem");
        std::fs::write(&ca_file, authority.ca_pem())
            .map_err(io(format!("write {}", ca_file.display())))?;

        let sink: Option<Box<dyn std::io::Write + Send>> = match &options.log_sink {
            None => None,
            Some(LogSink::Stderr) => Some(Box::new(std::io::stderr())),
            Some(LogSink::File(path)) => Some(Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(io(format!("open log {}", path.display())))?,
            )),
        };
        let state = Arc::new(State::new(&config, store, backend, RequestLog::new(sink)));

        let listener = std::net::TcpListener::bind(options.listen)
            .map_err(io(format!("bind {}", options.listen)))?;
        listener
            .set_nonblocking(true)
            .map_err(io("set_nonblocking"))?;
        let addr = listener.local_addr().map_err(io("local_addr"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads.max(1))
            .thread_name("codecommit-mock")
            .enable_all()
            .build()
            .map_err(io("tokio runtime"))?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(io("register listener"))?
        };
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let serve = crate::proxy::serve(
            listener,
            state.clone(),
            authority.clone(),
            shutdown_rx,
            options.grace,
        );
        let thread = std::thread::Builder::new()
            .name("codecommit-mock".into())
            .spawn(move || {
                runtime.block_on(serve);
                // Leftover tasks (a stuck CGI) are cancelled; their children are killed on drop.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(io("spawn the mock thread"))?;
        tracing::info!(%addr, data = %data_dir.display(), "codecommit-mock serving");
        Ok(MockHandle {
            state,
            authority,
            addr,
            ca_file,
            data_dir,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
            _workdir: workdir,
        })
    }
}

/// A running mock. Dropping it shuts it down (as [`MockHandle::shutdown`]).
#[derive(Debug)]
pub struct MockHandle {
    state: Arc<State>,
    authority: Arc<Authority>,
    addr: SocketAddr,
    ca_file: PathBuf,
    data_dir: PathBuf,
    shutdown: Option<watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _workdir: tempfile::TempDir,
}

impl MockHandle {
    /// `http://127.0.0.1:PORT`, for `http.proxy` or `HTTPS_PROXY`.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn proxy_addr(&self) -> SocketAddr {
        self.addr
    }
    /// The CA certificate (PEM file), for `http.sslCAInfo` or `GIT_SSL_CAINFO`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
    pub fn ca_pem(&self) -> &str {
        self.authority.ca_pem()
    }
    /// Root of the repositories (`codecommit/<region>/<name>.git`, `hosts/<host>/<path>`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    /// The bare repository of a CodeCommit repository.
    pub fn repository_dir(&self, region: &str, name: &str) -> PathBuf {
        self.state
            .store
            .region_root(region)
            .join(format!("{name}.git"))
    }
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }
    /// Every request so far, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        self.state.log.entries()
    }
    pub fn clear_log(&self) {
        self.state.log.clear()
    }
    /// Stops accepting, lets open requests finish (up to the grace period) and joins the thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
