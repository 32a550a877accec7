//! The container matrix: the mock endpoint as a service image, and git client images for several
//! Debian releases, started with testcontainers from images built offline by `docker/build.sh`.
//!
//! - [`engine`]: is Docker there and are the images built? Skip with a reason, or fail when
//!   `CODECOMMIT_TEST_DOCKER=1`. Images are never pulled.
//! - [`mock`]: `codecommit-mock:local` as a container, published on 127.0.0.1, with its CA and
//!   request log.
//! - [`client`]: `codecommit-git:<release>` as a container on the mock's docker network, with a
//!   sandboxed environment for every command.
//! - [`gate`]: another helper replayed in `codecommit-replay:<release>` on every release, held to
//!   its contract, the reports merged (the `codecommit-replay-images` program).
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

pub mod client;
pub mod engine;
pub mod exec;
pub mod gate;
pub mod images;
pub mod mock;

/// Everything that can go wrong driving containers, each with the context to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error("starting a container from {image}: {source}\n{output}")]
    Start {
        image: String,
        output: String,
        source: Box<testcontainers::TestcontainersError>,
    },
    #[error("running `{command}` in a container: {source}")]
    Exec {
        command: String,
        source: Box<testcontainers::TestcontainersError>,
    },
    #[error("`{0}` in a container ended without an exit code")]
    NoExitCode(String),
    #[error("{0}")]
    Container(String),
}

/// A name no other test run on this engine uses: `codecommit-matrix-<pid>-<n>-<what>`. Used for
/// containers and networks, so parallel tests and parallel runs never collide.
pub fn unique_name(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("codecommit-matrix-{}-{n}-{what}", std::process::id())
}
