//! The HTTP proxy on loopback. It never connects anywhere: it answers CONNECT for the hosts it
//! serves, terminates TLS itself with a certificate for that host, and speaks HTTP/1.1 to git on
//! the tunnel.
//!
//! It also answers absolute-form plain-HTTP requests (`GET http://host/path HTTP/1.1`, what curl
//! sends to an `http_proxy` for an `http://` URL) for the same hosts, and serves nothing over
//! them: 401 with the challenges without `Authorization`, 403 `plain_http` with it. What real
//! CodeCommit does on port 80 is not documented; this models a server that asks for credentials,
//! to see what a helper hands over in clear text. Faults do not apply to these answers.

use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::host;
use crate::log::{LogEntry, Reason};
use crate::server::{self, State};
use crate::tls::Authority;

/// Largest proxy request head accepted (CONNECT, or a plain-HTTP request with its headers).
const MAX_PROXY_HEAD: usize = 8 * 1024;
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
    let request = match tokio::time::timeout(header_timeout, read_head(&mut stream)).await {
        Ok(Ok(head)) => parse_head(&head),
        Ok(Err(line)) => Err(line),
        Err(_) => return, // Silent client: nothing to answer, nothing worth logging.
    };
    let authority = match request {
        Ok(ProxyRequest::Connect { authority }) => authority,
        Ok(ProxyRequest::PlainHttp {
            method,
            authority,
            path,
            authorization,
        }) => {
            plain_http(
                &mut stream,
                &state,
                &method,
                &authority,
                &path,
                authorization,
            )
            .await;
            return;
        }
        Err(line) => {
            let entry = state.log_entry("", "CONNECT", &line);
            refuse(&mut stream, &state, entry, Reason::BadProxyRequest, &[]).await;
            return;
        }
    };
    let host = host::strip_port(&authority).to_ascii_lowercase();
    let Some(target) = state.target(&host) else {
        let entry = state.log_entry(&host, "CONNECT", &authority);
        refuse(&mut stream, &state, entry, Reason::HostNotServed, &[]).await;
        return;
    };
    let config = match tls.server_config(&host) {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(%host, error = %e, "cannot issue a certificate");
            let entry = state.log_entry(&host, "CONNECT", &authority);
            refuse(&mut stream, &state, entry, Reason::CertificateFailed, &[]).await;
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

/// A plain `http://` request for `authority`: never served. Records what its credentials
/// exposed.
async fn plain_http(
    stream: &mut TcpStream,
    state: &State,
    method: &str,
    authority: &str,
    path: &str,
    authorization: Option<Vec<u8>>,
) {
    let host = host::strip_port(authority).to_ascii_lowercase();
    let mut entry = state.log_entry(&host, method, path);
    entry.scheme = "http".to_owned();
    let Some(target) = state.target(&host) else {
        refuse(stream, state, entry, Reason::HostNotServed, &[]).await;
        return;
    };
    let seen = crate::auth::exposure(authorization.as_deref(), Reason::PlainHttp);
    entry.user = seen.user;
    entry.exposed = seen.exposed;
    let challenges = if seen.reason == Reason::NoCredentials {
        state.challenges_for(&target)
    } else {
        Vec::new()
    };
    refuse(stream, state, entry, seen.reason, &challenges).await;
}

/// Reads a request head up to its blank line; on EOF or overflow returns the first line (lossy)
/// for the log.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    // Byte by byte, so nothing after the head (the TLS ClientHello) is consumed here.
    while !head_complete(&head) {
        if head.len() >= MAX_PROXY_HEAD {
            return Err("(request head too large)".into());
        }
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return Err(first_line(&head)),
        }
    }
    Ok(head)
}

/// A head ends at its first blank line (CRLF, or bare LF as lenient servers accept).
fn head_complete(head: &[u8]) -> bool {
    head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n")
}

fn first_line(head: &[u8]) -> String {
    String::from_utf8_lossy(head)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

/// What a client asked the proxy for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRequest {
    /// `CONNECT host:port HTTP/1.x`: a TLS tunnel to `authority`.
    Connect { authority: String },
    /// `METHOD http://authority/path HTTP/1.x` (absolute form).
    PlainHttp {
        method: String,
        /// `host[:port]` from the URL.
        authority: String,
        /// The URL's path, without query or fragment (`/` when the URL has none).
        path: String,
        /// The first `Authorization` header's value, as sent.
        authorization: Option<Vec<u8>>,
    },
}

/// Parses a proxy request head (request line, headers, blank line). `Err` holds the first line
/// (lossy) for the log: anything that is neither a CONNECT with a non-empty ASCII authority nor
/// an absolute-form `http://` request with an upper-case method and no user info.
pub fn parse_head(head: &[u8]) -> Result<ProxyRequest, String> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next().unwrap_or_default();
    let garbage = || first_line(first);
    let Ok(first_text) = std::str::from_utf8(first) else {
        return Err(garbage());
    };
    let mut parts = first_text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(garbage());
    };
    if !version.starts_with("HTTP/1.") || target.is_empty() || !target.is_ascii() {
        return Err(garbage());
    }
    if method == "CONNECT" {
        return Ok(ProxyRequest::Connect {
            authority: target.to_owned(),
        });
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(garbage());
    }
    let Some(rest) = target
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .map(|_| &target[7..])
    else {
        return Err(garbage());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // User info in the URL is not what curl sends, and would be a credential in the log.
    if authority.is_empty() || authority.contains('@') {
        return Err(garbage());
    }
    let path = tail.split(['?', '#']).next().unwrap_or_default();
    let authorization = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let colon = l.iter().position(|&b| b == b':')?;
            let (name, value) = (&l[..colon], &l[colon + 1..]);
            name.eq_ignore_ascii_case(b"authorization")
                .then(|| value.trim_ascii().to_vec())
        })
        .next();
    Ok(ProxyRequest::PlainHttp {
        method: method.to_owned(),
        authority: authority.to_owned(),
        path: if path.is_empty() { "/" } else { path }.to_owned(),
        authorization,
    })
}

/// Answers on the proxy connection itself and closes it; the status is the reason's (see
/// [`server::refusal`]).
async fn refuse(
    stream: &mut TcpStream,
    state: &State,
    mut entry: LogEntry,
    reason: Reason,
    challenges: &[String],
) {
    let (status, body) = server::refusal(reason);
    entry.status = status.as_u16();
    entry.reason = Some(reason);
    state.log.record(entry);
    // The proxy's own refusals are plain text (curl shows them); answers standing for a server
    // look like the server's, so git prints only its own one-line error.
    let content_type = match reason {
        Reason::BadProxyRequest | Reason::HostNotServed | Reason::CertificateFailed => "text/plain",
        _ => "application/xml",
    };
    let mut response = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    for challenge in challenges {
        // Only header-safe values: a challenge is configuration, never request data.
        if !challenge.contains(['\r', '\n']) {
            response.push_str(&format!("WWW-Authenticate: {challenge}\r\n"));
        }
    }
    response.push_str("\r\n");
    response.push_str(body);
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(method: &str, authority: &str, path: &str, auth: Option<&[u8]>) -> ProxyRequest {
        ProxyRequest::PlainHttp {
            method: method.into(),
            authority: authority.into(),
            path: path.into(),
            authorization: auth.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn a_head_ends_at_its_blank_line() {
        assert!(head_complete(b"CONNECT h:443 HTTP/1.1\r\n\r\n"));
        assert!(head_complete(b"CONNECT h:443 HTTP/1.1\n\n"));
        assert!(!head_complete(b"CONNECT h:443 HTTP/1.1\r\n"));
        assert!(!head_complete(b"CONNECT h:443 HTTP/1.1\r\nHost: h\r\n"));
        assert!(!head_complete(b""));
    }

    #[test]
    fn connect() {
        assert_eq!(
            parse_head(
                b"CONNECT git-codecommit.us-east-2.amazonaws.com:443 HTTP/1.1\r\nHost: x\r\n\r\n"
            ),
            Ok(ProxyRequest::Connect {
                authority: "git-codecommit.us-east-2.amazonaws.com:443".into()
            })
        );
        assert_eq!(
            parse_head(b"CONNECT h:443 HTTP/1.0\n\n"),
            Ok(ProxyRequest::Connect {
                authority: "h:443".into()
            })
        );
        for bad in [
            &b"CONNECT  HTTP/1.1\r\n\r\n"[..],
            b"CONNECT h:443 HTTP/2\r\n\r\n",
            b"CONNECT h:443\r\n\r\n",
            b"CONNECT h:443 HTTP/1.1 x\r\n\r\n",
            b"CONNECT \xff\xfe:443 HTTP/1.1\r\n\r\n",
            b"CONNECT h\xc3\xa9:443 HTTP/1.1\r\n\r\n",
            b"connect h:443 HTTP/1.1\r\n\r\n",
        ] {
            assert!(parse_head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            parse_head(b"CONNECT h:443 HTTP/1.1 x\r\n\r\n"),
            Err("CONNECT h:443 HTTP/1.1 x".into()),
            "the first line is what the log shows"
        );
    }

    #[test]
    fn absolute_form() {
        let head = b"GET http://git-codecommit.us-east-2.amazonaws.com/v1/repos/R/info/refs?service=git-upload-pack HTTP/1.1\r\n\
            Host: git-codecommit.us-east-2.amazonaws.com\r\n\
            AUTHORIZATION:  Basic QUtJQTpwdw== \r\n\
            Authorization: Basic c2Vjb25k\r\n\r\n";
        assert_eq!(
            parse_head(head),
            Ok(plain(
                "GET",
                "git-codecommit.us-east-2.amazonaws.com",
                "/v1/repos/R/info/refs",
                Some(b"Basic QUtJQTpwdw==")
            ))
        );
        assert_eq!(
            parse_head(b"POST HTTP://h:8080 HTTP/1.0\nX-Authorization: no\n\nAuthorization: after the head\n"),
            Ok(plain("POST", "h:8080", "/", None))
        );
        assert_eq!(
            parse_head(b"GET http://h?q#f HTTP/1.1\r\n\r\n"),
            Ok(plain("GET", "h", "/", None))
        );
        assert_eq!(
            parse_head(b"GET http://h/p#f?x HTTP/1.1\r\nAuthorization\r\n\r\n"),
            Ok(plain("GET", "h", "/p", None))
        );
        for bad in [
            &b"GET https://h/ HTTP/1.1\r\n\r\n"[..],
            b"GET /relative HTTP/1.1\r\n\r\n",
            b"GET http:// HTTP/1.1\r\n\r\n",
            b"GET http:///p HTTP/1.1\r\n\r\n",
            b"GET http://user:pw@h/ HTTP/1.1\r\n\r\n",
            b"get http://h/ HTTP/1.1\r\n\r\n",
            b"G3T http://h/ HTTP/1.1\r\n\r\n",
            b" http://h/ HTTP/1.1\r\n\r\n",
            b"GET http:/h/ HTTP/1.1\r\n\r\n",
            b"GET http://h/ SPDY/3\r\n\r\n",
            b"",
        ] {
            assert!(parse_head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
