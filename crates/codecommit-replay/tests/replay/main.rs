//! The replay suite: every scenario on every git found, with this workspace's helper (and the
//! real AWS CLI where it is found; in CI it must be), transcripts snapshot-tested; and the
//! harness's own parts.
#[cfg(unix)] // Canaries are shell scripts in front of the helper.
mod canaries;
mod isolation;
mod remotes;
mod scenarios;
mod standins;
// Shell scripts play the stores, and the keychain scenario moves the clock, which only Linux
// can (libfaketime): on macOS its variants skip and the real keychain is ci/real-stores.sh's.
#[cfg(target_os = "linux")]
mod stores;
mod support;
