//! The HTTP CONNECT proxy on loopback. It never connects anywhere: it answers CONNECT for the
//! hosts it serves, terminates TLS itself with a certificate for that host, and speaks HTTP/1.1
//! to git on the tunnel.

use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::host;
use crate::log::Reason;
use crate::server::{self, State};
use crate::tls::Authority;

/// Largest CONNECT request head accepted.
const MAX_CONNECT_HEAD: usize = 8 * 1024;
/// Largest HTTP request head accepted on the tunnel (hyper answers 431 beyond it).
const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// Accepts connections until `shutdown` turns true, then lets open connections finish (each is
/// told to close after its current request) for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    tls: Arc<Authority>,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    // Every connection holds a sender; when all are dropped, `recv` returns None.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let (state, tls, shutdown, alive) = (state.clone(), tls.clone(), shutdown.clone(), alive.clone());
                    tokio::spawn(async move {
                        connection(stream, state, tls, shutdown).await;
                        drop(alive);
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    drop(alive);
    let _ = tokio::time::timeout(grace, all_done.recv()).await;
}

async fn connection(
    mut stream: TcpStream,
    state: Arc<State>,
    tls: Arc<Authority>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let header_timeout = Duration::from_secs(state.limits.header_timeout_secs.max(1));
    let authority = match tokio::time::timeout(header_timeout, read_connect(&mut stream)).await {
        Ok(Ok(authority)) => authority,
        Ok(Err(line)) => {
            refuse(
                &mut stream,
                &state,
                "",
                &line,
                Reason::BadProxyRequest,
                "400 Bad Request",
            )
            .await;
            return;
        }
        Err(_) => return, // Silent client: nothing to answer, nothing worth logging.
    };
    let host = host::strip_port(&authority).to_ascii_lowercase();
    let Some(target) = state.target(&host) else {
        refuse(
            &mut stream,
            &state,
            &host,
            &authority,
            Reason::HostNotServed,
            "403 Forbidden",
        )
        .await;
        return;
    };
    let config = match tls.server_config(&host) {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(%host, error = %e, "cannot issue a certificate");
            refuse(
                &mut stream,
                &state,
                &host,
                &authority,
                Reason::BadProxyRequest,
                "502 Bad Gateway",
            )
            .await;
            return;
        }
    };
    if stream
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let tls_stream = match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            // An untrusting client aborts here: that is a test outcome, not a server error.
            tracing::debug!(%host, error = %e, "TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    let service =
        service_fn(move |req| server::handle(state.clone(), target.clone(), host.clone(), req));
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_REQUEST_HEAD)
        .keep_alive(true)
        .serve_connection(TokioIo::new(tls_stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Reads `CONNECT host:port HTTP/1.x` and its headers; returns the authority, or the offending
/// first line (lossy) for the log.
async fn read_connect(stream: &mut TcpStream) -> Result<String, String> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    // Byte by byte, so nothing after the head (the TLS ClientHello) is consumed here.
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() >= MAX_CONNECT_HEAD {
            return Err("(request head too large)".into());
        }
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => {
                return Err(String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned());
            }
        }
    }
    let text = String::from_utf8_lossy(&head);
    let first = text.lines().next().unwrap_or("").to_owned();
    let mut parts = first.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("CONNECT"), Some(authority), Some(version), None)
            if version.starts_with("HTTP/1.") && !authority.is_empty() && authority.is_ascii() =>
        {
            Ok(authority.to_owned())
        }
        _ => Err(first),
    }
}

async fn refuse(
    stream: &mut TcpStream,
    state: &State,
    host: &str,
    path: &str,
    reason: Reason,
    status: &str,
) {
    let mut entry = state.log_entry(host, "CONNECT", path);
    entry.status = status
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    entry.reason = Some(reason);
    state.log.record(entry);
    let body = server::refusal(reason).1;
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
