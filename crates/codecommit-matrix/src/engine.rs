//! Is there a Docker engine testcontainers can use, and are the images there? The build script
//! asks first: missing, the tests are ignored with the reason (`missing_docker`); with
//! `CODECOMMIT_TEST_DOCKER=1` (set by `.ci/run`) they run, and missing is a failure here.
//!
//! Images are never pulled: testcontainers 0.28 has no pull policy and pulls whenever container
//! creation answers 404, so every image is checked here first and a missing one stops the test
//! with the command that builds it.

use testcontainers::bollard::Docker;

/// Environment variable that makes a missing engine or image a failure instead of a skip.
pub const DOCKER_ENV: &str = "CODECOMMIT_TEST_DOCKER";

/// The engine, as seen through the client testcontainers uses (bollard, with the same
/// `DOCKER_HOST`). bollard 0.21 pins API 1.53 but sends unversioned paths (`/containers/create`),
/// which an engine serves at its own version: Debian bookworm's docker.io 20.10 (API 1.41) works.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The engine's own version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// Highest API version the engine speaks.
    pub api_version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no Docker engine reachable at {host}: {source}")]
    Unreachable {
        host: String,
        source: Box<testcontainers::bollard::errors::Error>,
    },
    #[error(
        "image {image} is not in the local engine and is never pulled; build it with `docker/build.sh`"
    )]
    ImageMissing { image: String },
    #[error("cannot start a runtime for Docker checks: {0}")]
    Runtime(std::io::Error),
}

/// `DOCKER_HOST` or the platform default, for messages.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| {
        if cfg!(windows) {
            "npipe:////./pipe/docker_engine".into()
        } else {
            "unix:///var/run/docker.sock".into()
        }
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, EngineError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(EngineError::Runtime)
}

/// Asks the engine for its version with the client and API version testcontainers uses.
pub fn probe() -> Result<Engine, EngineError> {
    let host = docker_host();
    let docker = Docker::connect_with_defaults().map_err(|source| EngineError::Unreachable {
        host: host.clone(),
        source: Box::new(source),
    })?;
    runtime()?.block_on(async {
        match docker.version().await {
            Ok(v) => Ok(Engine {
                version: v.version.unwrap_or_default(),
                api_version: v.api_version.unwrap_or_default(),
            }),
            Err(source) => Err(EngineError::Unreachable {
                host,
                source: Box::new(source),
            }),
        }
    })
}

/// True when `image` (`name:tag`) is in the local engine.
pub fn image_exists(image: &str) -> Result<bool, EngineError> {
    let host = docker_host();
    let docker = Docker::connect_with_defaults().map_err(|source| EngineError::Unreachable {
        host: host.clone(),
        source: Box::new(source),
    })?;
    runtime()?.block_on(async {
        match docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(testcontainers::bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            }) => Ok(false),
            Err(source) => Err(EngineError::Unreachable {
                host,
                source: Box::new(source),
            }),
        }
    })
}

/// The engine, if it is usable and every image in `images` exists; otherwise the test fails with
/// the reason. A test calling this is ignored when the build script found no engine or images
/// (`missing_docker`, see `build.rs`), so it gets here without them only when [`DOCKER_ENV`] is
/// set (CI) or the engine went away after the build: a failure either way, never a silent pass.
#[track_caller]
pub fn require_docker(images: &[&str]) -> Engine {
    let checked = probe().and_then(|engine| {
        for image in images {
            if !image_exists(image)? {
                return Err(EngineError::ImageMissing {
                    image: (*image).to_owned(),
                });
            }
        }
        Ok(engine)
    });
    match checked {
        Ok(engine) => engine,
        Err(reason) => panic!("{reason}"),
    }
}
