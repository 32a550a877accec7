//! Real `git http-backend`, run as a CGI per request: the request body is streamed into its
//! stdin and its stdout streamed back, so packs are never held whole in memory.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use codecommit_testkit::env::ChildEnv;
use hyper::StatusCode;
use hyper::body::{Body, Frame, Incoming};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, ReadBuf};
use tokio::process::{Child, ChildStdout, Command};

use crate::log::Reason;

/// Where `git-http-backend` is and the environment it runs in.
#[derive(Debug, Clone)]
pub struct Backend {
    program: PathBuf,
    home: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("cannot run `{git} --exec-path`: {source}")]
    ExecPath {
        git: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` does not exist (is git installed with http-backend?)")]
    Missing(PathBuf),
}

impl Backend {
    /// Finds `git-http-backend` in `git --exec-path` of the given git.
    pub fn locate(git: &Path, home: PathBuf) -> Result<Backend, BackendError> {
        let mut command = std::process::Command::new(git);
        git_env(&home).apply(command.arg("--exec-path"));
        let out = command.output().map_err(|source| BackendError::ExecPath {
            git: git.to_owned(),
            source,
        })?;
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let name = if cfg!(windows) {
            "git-http-backend.exe"
        } else {
            "git-http-backend"
        };
        let program = dir.join(name);
        if program.is_file() {
            Ok(Backend { program, home })
        } else {
            Err(BackendError::Missing(program))
        }
    }
}

/// The environment of every git process the backend starts, built from scratch: this machine
/// exports `GIT_SSL_CAINFO` and has an `/etc/gitconfig`, and neither belongs in the server.
pub fn git_env(home: &Path) -> ChildEnv {
    let env = ChildEnv::new()
        // No user or system configuration: the repositories' own config is the whole story.
        .home(home)
        .git_config(None, &home.join(".gitconfig"))
        // Temporary files stay in the mock's own temporary directory.
        .tmp(&std::env::temp_dir());
    match std::env::var_os("PATH") {
        // git finds its helpers (`git-upload-pack`, …) through its exec path and the mock's PATH.
        Some(path) => env.set("PATH", path),
        None => env,
    }
}

/// One CGI invocation's inputs (the request line and headers, already checked).
#[derive(Debug, Clone)]
pub struct CgiRequest {
    pub project_root: PathBuf,
    pub path_info: String,
    pub method: String,
    pub query: String,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub content_encoding: Option<String>,
    pub git_protocol: Option<String>,
    pub remote_user: String,
}

/// A CGI answer: status, headers, and the rest of stdout as a streaming body.
#[derive(Debug)]
pub struct CgiResponse {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: ChildBody,
}

/// Largest CGI header block accepted.
const MAX_CGI_HEADERS: usize = 64 * 1024;

/// Runs the CGI. Errors are reasons for the log; the caller turns them into responses.
pub async fn run(
    backend: &Backend,
    req: CgiRequest,
    body: Incoming,
    max_body: u64,
    idle: Duration,
) -> Result<CgiResponse, Reason> {
    let mut env = git_env(&backend.home)
        // The CGI/1.1 request, as a web server would pass it.
        .set("GATEWAY_INTERFACE", "CGI/1.1")
        .set("SERVER_PROTOCOL", "HTTP/1.1")
        .set("REQUEST_METHOD", &req.method)
        .set("PATH_INFO", &req.path_info)
        .set("QUERY_STRING", &req.query)
        .set("REMOTE_USER", &req.remote_user)
        .set("REMOTE_ADDR", "127.0.0.1")
        // Every repository under the root is served; access was decided before the CGI runs.
        .set("GIT_HTTP_EXPORT_ALL", "1")
        .set("GIT_PROJECT_ROOT", &req.project_root);
    if let Some(v) = &req.content_type {
        env = env.set("CONTENT_TYPE", v);
    }
    if let Some(v) = req.content_length {
        env = env.set("CONTENT_LENGTH", v.to_string());
    }
    if let Some(v) = &req.content_encoding {
        env = env.set("HTTP_CONTENT_ENCODING", v);
    }
    if let Some(v) = &req.git_protocol {
        // Protocol v2 is asked for in this header; git reads it from here.
        env = env.set("GIT_PROTOCOL", v);
    }

    let mut command = std::process::Command::new(&backend.program);
    env.apply(&mut command);
    let mut child = Command::from(command)
        .current_dir(&req.project_root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            tracing::error!(program = %backend.program.display(), error = %e, "cannot start git http-backend");
            Reason::BackendFailed
        })?;
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(Reason::BackendFailed);
    };
    tokio::spawn(drain_stderr(stderr));
    let mut feeder = tokio::spawn(feed(body, stdin, max_body, idle));

    let mut stdout = BufReader::new(stdout);
    // Wait for the CGI's headers; if the request body fails first, that is the answer.
    let head = {
        let head = read_head(&mut stdout);
        tokio::pin!(head);
        let mut fed = false;
        loop {
            tokio::select! {
                head = tokio::time::timeout(idle * 2, &mut head) => break head,
                result = &mut feeder, if !fed => match result {
                    Ok(Ok(())) => fed = true,
                    Ok(Err(reason)) => return Err(reason),
                    Err(_) => return Err(Reason::BackendFailed),
                },
            }
        }
    };
    let (status, headers) = match head {
        Ok(Ok(head)) => head,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "git http-backend answered no valid CGI headers");
            return Err(Reason::BackendFailed);
        }
        Err(_) => return Err(Reason::BackendFailed),
    };
    let leftover = Bytes::copy_from_slice(stdout.buffer());
    Ok(CgiResponse {
        status,
        headers,
        body: ChildBody {
            stdout: Some(stdout.into_inner()),
            leftover,
            child: Some(child),
            buf: vec![0; 64 * 1024],
        },
    })
}

/// Copies the request body into the CGI's stdin, then closes it.
async fn feed(
    mut body: Incoming,
    mut stdin: tokio::process::ChildStdin,
    max_body: u64,
    idle: Duration,
) -> Result<(), Reason> {
    let mut total: u64 = 0;
    loop {
        let frame = match tokio::time::timeout(
            idle,
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)),
        )
        .await
        {
            Err(_) => return Err(Reason::BodyError),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(Reason::BodyError),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total > max_body {
            return Err(Reason::BodyTooLarge);
        }
        // The CGI may stop reading early (an error answer); that is not the client's fault.
        if stdin.write_all(&data).await.is_err() {
            return Ok(());
        }
    }
    let _ = stdin.shutdown().await;
    Ok(())
}

async fn drain_stderr(stderr: tokio::process::ChildStderr) {
    let mut text = Vec::new();
    let _ = stderr.take(64 * 1024).read_to_end(&mut text).await;
    if !text.is_empty() {
        tracing::info!(stderr = %String::from_utf8_lossy(&text).trim(), "git http-backend");
    }
}

#[derive(Debug, thiserror::Error)]
enum HeadError {
    #[error("CGI header block too large or unterminated")]
    TooLarge,
    #[error("bad CGI header line {0:?}")]
    Line(String),
    #[error("bad CGI status {0:?}")]
    Status(String),
    #[error("reading CGI output: {0}")]
    Io(#[from] std::io::Error),
}

async fn read_head(
    out: &mut BufReader<ChildStdout>,
) -> Result<(StatusCode, Vec<(String, String)>), HeadError> {
    let mut status = StatusCode::OK;
    let mut headers = Vec::new();
    let mut seen = 0;
    loop {
        let mut line = Vec::new();
        let n = (&mut *out)
            .take((MAX_CGI_HEADERS - seen) as u64)
            .read_until(b'\n', &mut line)
            .await?;
        seen += n;
        if n == 0 || !line.ends_with(b"\n") {
            return Err(HeadError::TooLarge);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok((status, headers));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| HeadError::Line(line.to_owned()))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split(' ').next().unwrap_or("");
            status = code
                .parse::<u16>()
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| HeadError::Status(value.to_owned()))?;
        } else {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
}

/// The CGI's stdout after its headers. Dropping it before the end kills the CGI; at the end the
/// CGI is left to finish (receive-pack may still be running `gc --auto`) and reaped in the
/// background.
#[derive(Debug)]
pub struct ChildBody {
    stdout: Option<ChildStdout>,
    leftover: Bytes,
    child: Option<Child>,
    buf: Vec<u8>,
}

impl ChildBody {
    fn finish(&mut self) {
        self.stdout = None;
        if let Some(mut child) = self.child.take()
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            handle.spawn(async move {
                let _ = child.wait().await;
            });
        }
    }
}

impl Body for ChildBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if !this.leftover.is_empty() {
            return Poll::Ready(Some(Ok(Frame::data(std::mem::take(&mut this.leftover)))));
        }
        let Some(stdout) = this.stdout.as_mut() else {
            return Poll::Ready(None);
        };
        let mut rb = ReadBuf::new(&mut this.buf);
        match Pin::new(stdout).poll_read(cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.stdout = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                this.finish();
                Poll::Ready(None)
            }
            Poll::Ready(Ok(())) => {
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(rb.filled())))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stdout.is_none() && self.leftover.is_empty()
    }
}
