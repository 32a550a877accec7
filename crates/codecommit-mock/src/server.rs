//! One HTTPS request, after the proxy terminated TLS: faults, path, authentication, repository,
//! authorization, then `git http-backend`. Every outcome is a response and a log entry; nothing
//! here panics or unwraps.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};

use crate::auth::Gate;
use crate::backend::{self, Backend, CgiRequest};
use crate::clock::Clock;
use crate::config::{Config, Limits, Repository, StaticHost};
use crate::faults::{Fault, Faults};
use crate::host::{self, CodeCommitHost};
use crate::log::{LogEntry, Reason, RequestLog};
use crate::repo::{self, RepoStore, Service};

/// Largest total size of request headers accepted.
pub const MAX_HEADERS: usize = 64 * 1024;

pub type Body = BoxBody<Bytes, std::io::Error>;

/// Everything a request needs, shared by all connections.
#[derive(Debug)]
pub struct State {
    pub gate: Gate,
    pub store: RepoStore,
    pub backend: Backend,
    pub clock: Clock,
    pub faults: Faults,
    pub log: RequestLog,
    pub limits: Limits,
    pub challenges: Vec<String>,
    repositories: HashMap<(String, String), Repository>,
    static_hosts: HashMap<String, StaticHost>,
    foreign_hosts: std::collections::HashSet<String>,
}

/// What a CONNECT target is.
#[derive(Debug, Clone)]
pub enum Target {
    CodeCommit(CodeCommitHost),
    Static(String),
    /// A `[[foreign_host]]`: asks for credentials, records what it gets, serves nothing.
    Foreign(String),
}

/// The service's way of saying "close this connection without an answer" (the drop fault).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
pub struct Dropped;

impl State {
    pub fn new(config: &Config, store: RepoStore, backend: Backend, log: RequestLog) -> State {
        State {
            gate: Gate::new(config),
            store,
            backend,
            clock: Clock::new(config.clock.offset_secs),
            faults: Faults::from_config(&config.faults),
            log,
            limits: config.limits.clone(),
            challenges: config.challenges.www_authenticate.clone(),
            repositories: config
                .repositories
                .iter()
                .map(|r| ((r.region.clone(), r.name.clone()), r.clone()))
                .collect(),
            static_hosts: config
                .static_hosts
                .iter()
                .map(|h| (h.host.to_ascii_lowercase(), h.clone()))
                .collect(),
            foreign_hosts: config
                .foreign_hosts
                .iter()
                .map(|h| h.host.to_ascii_lowercase())
                .collect(),
        }
    }

    /// The target for a CONNECT host (no port), or `None`: the mock never connects outward.
    pub fn target(&self, host: &str) -> Option<Target> {
        let host = host.to_ascii_lowercase();
        if let Some(cc) = host::parse_codecommit(&host) {
            return Some(Target::CodeCommit(cc));
        }
        if self.static_hosts.contains_key(&host) {
            return Some(Target::Static(host));
        }
        self.foreign_hosts
            .contains(&host)
            .then_some(Target::Foreign(host))
    }

    /// The `WWW-Authenticate` headers of a 401 for `target`.
    pub fn challenges_for(&self, target: &Target) -> Vec<String> {
        match target {
            Target::CodeCommit(_) | Target::Foreign(_) => self.challenges.clone(),
            Target::Static(h) => vec![format!(r#"Basic realm="{h}""#)],
        }
    }

    pub fn log_entry(&self, host: &str, method: &str, path: &str) -> LogEntry {
        LogEntry {
            time: self
                .clock
                .now()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            scheme: "https".to_owned(),
            host: host.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            service: None,
            repository: None,
            user: None,
            exposed: Vec::new(),
            identity: None,
            status: 0,
            reason: None,
        }
    }
}

/// Status, content type and body for each refusal. The bodies imitate AWS error documents; the
/// content type is not `text/plain`, so git prints only its own one-line error, as with CodeCommit.
pub fn refusal(reason: Reason) -> (StatusCode, &'static str) {
    use Reason::*;
    match reason {
        NoCredentials => (
            StatusCode::UNAUTHORIZED,
            "<NotAuthorizedException>\n  <Message>Authentication required</Message>\n</NotAuthorizedException>\n",
        ),
        UnknownAccessKey | InvalidSessionToken | MissingSessionToken => (
            StatusCode::FORBIDDEN,
            "<UnrecognizedClientException>\n  <Message>The security token included in the request is invalid</Message>\n</UnrecognizedClientException>\n",
        ),
        SessionExpired => (
            StatusCode::FORBIDDEN,
            "<ExpiredTokenException>\n  <Message>The security token included in the request is expired</Message>\n</ExpiredTokenException>\n",
        ),
        MalformedAuthorization
        | EmptyCredentials
        | WrongPassword
        | BadPasswordFormat
        | Expired
        | NotYetValid
        | WrongRegion
        | SignatureMismatch
        | BadCredentials
        | ForeignHost
        | PlainHttp => (
            StatusCode::FORBIDDEN,
            "<AccessDeniedException>\n  <Message>Forbidden</Message>\n</AccessDeniedException>\n",
        ),
        PullDenied | PushDenied => (
            StatusCode::FORBIDDEN,
            "<AccessDeniedException>\n  <Message>Access denied</Message>\n</AccessDeniedException>\n",
        ),
        RepositoryNotFound => (
            StatusCode::NOT_FOUND,
            "<RepositoryDoesNotExistException>\n  <Message>Repository does not exist</Message>\n</RepositoryDoesNotExistException>\n",
        ),
        Throttled => (
            StatusCode::TOO_MANY_REQUESTS,
            "<ThrottlingException>\n  <Message>Rate Exceeded</Message>\n</ThrottlingException>\n",
        ),
        ServerError | BackendFailed => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<InternalFailure>\n  <Message>Internal error</Message>\n</InternalFailure>\n",
        ),
        BadPath
        | InvalidRepositoryName
        | UnknownService
        | BodyError
        | BadProxyRequest
        | BadContentLength => (
            StatusCode::BAD_REQUEST,
            "<InvalidRequestException>\n  <Message>Bad request</Message>\n</InvalidRequestException>\n",
        ),
        MethodNotAllowed => (
            StatusCode::METHOD_NOT_ALLOWED,
            "<InvalidRequestException>\n  <Message>Method not allowed</Message>\n</InvalidRequestException>\n",
        ),
        HeadersTooLarge => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "<InvalidRequestException>\n  <Message>Request headers too large</Message>\n</InvalidRequestException>\n",
        ),
        BodyTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "<InvalidRequestException>\n  <Message>Request too large</Message>\n</InvalidRequestException>\n",
        ),
        HostNotServed => (
            StatusCode::FORBIDDEN,
            "host not served by codecommit-mock\n",
        ),
        CertificateFailed => (
            StatusCode::BAD_GATEWAY,
            "codecommit-mock cannot issue a certificate for this host\n",
        ),

        Dropped => (StatusCode::INTERNAL_SERVER_ERROR, ""),
    }
}

fn full(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut resp = Response::new(
        Full::new(Bytes::from_static(body.as_bytes()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    resp
}

/// Handles one request on a TLS connection to `host` (no port).
pub async fn handle(
    state: Arc<State>,
    target: Target,
    host: String,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    // Numbered on arrival, before latency and the other faults: every request counts.
    let clock_jump = state.faults.count_request(&state.clock);
    let mut entry = state.log_entry(&host, req.method().as_str(), req.uri().path());
    let result = respond(&state, &target, &host, req, &mut entry).await;
    let result = match result {
        Ok(resp) => Ok(resp),
        Err(Reason::Dropped) => Err(Dropped),
        Err(reason) => {
            entry.reason = Some(reason);
            let (status, body) = refusal(reason);
            let mut resp = full(status, body);
            if reason == Reason::Throttled {
                resp.headers_mut().insert(
                    RETRY_AFTER,
                    HeaderValue::from(state.faults.retry_after_secs()),
                );
            }
            if reason == Reason::NoCredentials {
                for c in state.challenges_for(&target) {
                    if let Ok(v) = HeaderValue::from_str(&c) {
                        resp.headers_mut().append(WWW_AUTHENTICATE, v);
                    }
                }
            }
            if let (Reason::BadCredentials, Target::Static(h)) = (reason, &target)
                && let Some(s) = state.static_hosts.get(h)
            {
                *resp.status_mut() =
                    StatusCode::from_u16(s.failure_status).unwrap_or(StatusCode::UNAUTHORIZED);
                if resp.status() == StatusCode::UNAUTHORIZED
                    && let Ok(v) = HeaderValue::from_str(&format!(r#"Basic realm="{h}""#))
                {
                    resp.headers_mut().append(WWW_AUTHENTICATE, v);
                }
            }
            Ok(resp)
        }
    };
    entry.status = match &result {
        Ok(resp) => resp.status().as_u16(),
        Err(_) => {
            entry.reason = Some(Reason::Dropped);
            0
        }
    };
    // Request K's status is known and its response head not yet handed to hyper: the client
    // cannot have seen the answer, and no later request of a sequential client (git) can have
    // been judged. (A body still streams after this, by the old or new clock alike.)
    if let Some(jump) = clock_jump {
        jump.apply();
    }
    state.log.record(entry);
    result
}

/// The request's `Content-Length`, if any. hyper has already refused a malformed one (400,
/// before the service runs); this refuses anything else that is not one decimal number, rather
/// than handing it to `git http-backend`.
fn content_length(headers: &hyper::HeaderMap) -> Result<Option<u64>, Reason> {
    let mut values = headers.get_all(CONTENT_LENGTH).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let parse = |v: &HeaderValue| {
        v.to_str()
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok())
    };
    let n = parse(first).ok_or(Reason::BadContentLength)?;
    // Repeated headers must agree (RFC 9110 §8.6).
    if values.any(|v| parse(v) != Some(n)) {
        return Err(Reason::BadContentLength);
    }
    Ok(Some(n))
}

async fn respond(
    state: &State,
    target: &Target,
    host: &str,
    req: Request<Incoming>,
    entry: &mut LogEntry,
) -> Result<Response<Body>, Reason> {
    // Faults act at the front door, before anything else.
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match state.faults.pick() {
        Some(Fault::Drop) => return Err(Reason::Dropped),
        Some(Fault::ServerError) => return Err(Reason::ServerError),
        Some(Fault::Throttle) => return Err(Reason::Throttled),
        None => {}
    }

    // hyper bounds its read buffer, but a head that arrives in one read can exceed it: check here.
    let head_size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if head_size > MAX_HEADERS {
        return Err(Reason::HeadersTooLarge);
    }
    if let Target::Foreign(_) = target {
        // Every path, every method: this server exists only to see what a helper hands over.
        let seen = crate::auth::exposure(
            req.headers()
                .get(hyper::header::AUTHORIZATION)
                .map(HeaderValue::as_bytes),
            Reason::ForeignHost,
        );
        entry.user = seen.user;
        entry.exposed = seen.exposed;
        return Err(seen.reason);
    }
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let git_path = repo::parse_git_path(&method, &path, query.as_deref())?;
    entry.service = Some(git_path.service.as_str().to_owned());
    let authorization = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);

    let (project_root, path_info, identity) = match target {
        Target::CodeCommit(cc) => {
            let name = repo::codecommit_name(&git_path.repo)?;
            entry.repository = Some(format!("{}/{}", cc.region, name.as_str()));
            let authn = state.gate.codecommit(
                authorization,
                host,
                &cc.region,
                &git_path.repo,
                state.clock.now(),
            );
            entry.user = authn.user;
            let identity = authn.result?;
            entry.identity = Some(identity.clone());
            let repo = state
                .repositories
                .get(&(cc.region.clone(), name.as_str().to_owned()))
                .ok_or(Reason::RepositoryNotFound)?;
            let (allowed, denied) = match git_path.service {
                Service::UploadPack => (&repo.pull, Reason::PullDenied),
                Service::ReceivePack => (&repo.push, Reason::PushDenied),
            };
            if !allowed.contains(&identity) {
                return Err(denied);
            }
            (
                state.store.region_root(&cc.region),
                format!("/{}.git{}", name.as_str(), git_path.route),
                identity,
            )
        }
        Target::Foreign(_) => return Err(Reason::ForeignHost),
        Target::Static(h) => {
            entry.repository = Some(git_path.repo.clone());
            let Some(sh) = state.static_hosts.get(h) else {
                return Err(Reason::HostNotServed);
            };
            let authn = state.gate.static_host(authorization, sh);
            entry.user = authn.user;
            let identity = authn.result?;
            entry.identity = Some(identity.clone());
            if !sh.repositories.contains(&git_path.repo) {
                return Err(Reason::RepositoryNotFound);
            }
            (
                state.store.host_root(h),
                format!("/{}{}", git_path.repo, git_path.route),
                identity,
            )
        }
    };

    let content_length = content_length(req.headers())?;
    if content_length.is_some_and(|n| n > state.limits.max_body_bytes) {
        return Err(Reason::BodyTooLarge);
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let cgi = CgiRequest {
        project_root,
        path_info,
        method,
        query: query.unwrap_or_default(),
        content_type: header("content-type"),
        content_length,
        content_encoding: header("content-encoding"),
        git_protocol: header("git-protocol"),
        remote_user: identity,
    };
    let idle = Duration::from_secs(state.limits.idle_timeout_secs.max(1));
    let out = backend::run(
        &state.backend,
        cgi,
        req.into_body(),
        state.limits.max_body_bytes,
        idle,
    )
    .await?;
    let mut resp = Response::new(out.body.boxed());
    *resp.status_mut() = out.status;
    for (name, value) in out.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            resp.headers_mut().append(name, value);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(values: &[&[u8]]) -> Result<Option<u64>, Reason> {
        let mut headers = hyper::HeaderMap::new();
        for v in values {
            headers.append(
                CONTENT_LENGTH,
                HeaderValue::from_bytes(v).expect("header value"),
            );
        }
        content_length(&headers)
    }

    #[test]
    fn content_length_is_one_decimal_number() {
        assert_eq!(lengths(&[]), Ok(None));
        assert_eq!(lengths(&[b"0"]), Ok(Some(0)));
        assert_eq!(lengths(&[b"1234"]), Ok(Some(1234)));
        assert_eq!(lengths(&[b"5", b"5"]), Ok(Some(5)));
        for bad in [
            &[&b"five"[..]][..],
            &[b"+5"],
            &[b"-5"],
            &[b"5, 5"],
            &[b""],
            &[b"99999999999999999999999"],
            &[b"\xff"],
            &[b"5", b"6"],
            &[b"5", b"x"],
        ] {
            assert_eq!(lengths(bad), Err(Reason::BadContentLength), "{bad:?}");
        }
    }

    #[test]
    fn every_reason_has_a_refusal() {
        // Statuses the proxy and the log rely on, typed (no status parsed from a string).
        assert_eq!(refusal(Reason::BadContentLength).0, StatusCode::BAD_REQUEST);
        assert_eq!(
            refusal(Reason::CertificateFailed).0,
            StatusCode::BAD_GATEWAY
        );
        assert_eq!(refusal(Reason::HostNotServed).0, StatusCode::FORBIDDEN);
        assert_eq!(refusal(Reason::BadProxyRequest).0, StatusCode::BAD_REQUEST);
        assert_eq!(refusal(Reason::ForeignHost).0, StatusCode::FORBIDDEN);
        assert_eq!(refusal(Reason::PlainHttp).0, StatusCode::FORBIDDEN);
        assert_eq!(refusal(Reason::NoCredentials).0, StatusCode::UNAUTHORIZED);
    }
}
