//! Container tests: the mock as a service container used by the host's git, each git client
//! image cloning and pushing through it over a docker network, and the whole replay run inside
//! each git client image. Modules mirror `src/`.
//!
//! Without a Docker engine or without the images (`docker/build.sh`) these tests are ignored, and
//! cargo's summary says why (`build.rs`); with `CODECOMMIT_TEST_DOCKER=1`, as `.ci/run` sets,
//! they run and a missing engine or image is a failure. Every host git
//! process runs through `codecommit_testkit::Sandbox::command`; every process in a client
//! container runs under `env -i` with `codecommit_matrix::client::sandbox_env`, a
//! `codecommit_testkit::env::ChildEnv`.

mod client;
mod gate;
mod mock;
mod replay;
mod support;
