//! A CodeCommit smart-HTTP endpoint for tests.
//!
//! - An HTTP CONNECT proxy on loopback terminates TLS itself for whatever CodeCommit host git
//!   asks for (`git-codecommit.<region>.amazonaws.com`, `-fips`, VPC endpoint and China shapes),
//!   with certificates issued on the fly by a CA made per instance. Nothing leaves the machine:
//!   CONNECT to any other host is refused (403), except configured static hosts and foreign
//!   hosts (which serve nothing and record what credentials they were handed).
//! - Absolute-form `http://` requests through the proxy are answered for the same hosts and never
//!   served: 401 with the challenges, then 403 `plain_http` (see [`proxy`]).
//! - Real `git http-backend` serves the repositories, run as a CGI per request with a scrubbed
//!   environment; packs stream through and are never held whole in memory.
//! - CodeCommit's authentication is checked from a table of identities (SigV4 `GIT` passwords,
//!   session tokens, static Git credentials): 401 only without credentials, 403 for every failure
//!   after credentials were sent, 404 for an unknown repository. See [`auth`] for the order.
//! - Faults (throttling with `Retry-After`, latency, 500s, dropped connections, a clock jump
//!   after request K) and a clock offset are switchable at run time; every request is logged
//!   with a [`Reason`] tests can assert on.
//!
//! # Pointing git at it
//!
//! ```text
//! $ codecommit-mock serve --config mock.toml --data /tmp/mock
//! {"proxy":"http://127.0.0.1:41234","ca_file":"/tmp/.tmpX/ca.pem",...}
//! $ env -u GIT_SSL_CAINFO git -c http.proxy=http://127.0.0.1:41234 -c http.sslCAInfo=/tmp/.tmpX/ca.pem \
//!     clone https://git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo
//! ```
//!
//! `GIT_SSL_CAINFO` in the environment overrides `http.sslCAInfo`, so unset it (or set it to the
//! CA file). `HTTPS_PROXY` works in place of `http.proxy`, and is what `git-remote-codecommit`
//! needs, since it execs `git remote-http` itself.
//!
//! # From a test
//!
//! ```no_run
//! let config = codecommit_mock::Config::from_toml(r#"
//!     [[identity]]
//!     name = "alice"
//!     access_key_id = "AKIAEXAMPLE0000ALICE"
//!     secret_access_key = "alice-secret"
//!     [[repository]]
//!     region = "us-east-2"
//!     name = "MyDemoRepo"
//!     pull = ["alice"]
//!     push = ["alice"]
//! "#)?;
//! let mock = codecommit_mock::Mock::start(config, codecommit_mock::Options::default())?;
//! // git -c http.proxy={mock.proxy_url()} -c http.sslCAInfo={mock.ca_file()} clone …
//! mock.clock().set_offset(20 * 60); // passwords made now are expired from here on
//! assert!(mock.log().iter().all(|e| e.status != 500));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod auth;
pub mod backend;
pub mod clock;
pub mod config;
pub mod faults;
pub mod host;
pub mod log;
mod mock;
pub mod proxy;
pub mod repo;
pub mod server;
pub mod sigv4;
pub mod tls;

pub use clock::Clock;
pub use config::Config;
pub use faults::Faults;
pub use log::{Exposed, LogEntry, Reason};
pub use mock::{Error, LogSink, Mock, MockHandle, Options};
