//! The replay suite: every scenario on every git found, with this workspace's helper (and the
//! real AWS CLI where it is found; in CI it must be), transcripts snapshot-tested; and the
//! harness's own parts.
#[cfg(unix)] // Canaries are shell scripts in front of the helper.
mod canaries;
mod isolation;
mod scenarios;
mod standins;
#[cfg(unix)] // The stores' programs here are shell scripts.
mod stores;
mod support;
