//! Integration tests: real git (every binary on this machine), the real AWS CLI helper, the real
//! git-remote-codecommit and the workspace's helper against the mock. Modules mirror `src/`.
//!
//! Every process runs through `codecommit_testkit::Sandbox::command`, so nothing from the real
//! HOME, `/etc/gitconfig`, `GIT_SSL_CAINFO` or `AWS_*` leaks in. To rerun a failing step by hand,
//! the failure message prints the command, the proxy and the CA file.

mod auth;
mod backend;
mod config;
mod faults;
mod foreign;
mod load;
mod proxy;
mod serve;
mod support;
