//! Replays the AWS CodeCommit HTTPS troubleshooting guide against real git.
//!
//! Each scenario (`scenarios/*.toml`) sets up a sandbox the way a user's machine was set up,
//! runs real git against the mock CodeCommit endpoint with the helper under test, and checks
//! what happened: git's exit code and error lines, the prompts it showed, every call it made to
//! every credential helper, and what the endpoint saw. Then it replays each of the guide's
//! fixes from a fresh sandbox.
//!
//! - [`scenario`]: the file format; [`world`]: identities, repositories and placeholders;
//! - [`sandbox`]: isolated HOME, configuration, PATH and environment;
//! - [`standin`]: the keychain and Git Credential Manager stand-ins, askpass, the recorder;
//! - [`helper`]: the helper under test; [`remote`]: the remote helper under test (`codecommit://`);
//!   [`gits`]: every git on the machine;
//! - [`run`]: one variant with one git; [`replay`]: all of them; [`report`]: the results.
#![forbid(unsafe_code)]

pub mod canary;
pub mod compare;
pub mod contract;
pub mod exec;
pub mod expect;
pub mod gits;
pub mod helper;
pub mod pinned;
pub mod platform;
pub mod remote;
pub mod replay;
pub mod report;
pub mod result;
pub mod run;
pub mod sandbox;
pub mod scenario;
pub mod skip;
pub mod standin;
pub mod transcript;
pub mod version;
pub mod vocabulary;
pub mod workload;
pub mod world;

use std::path::PathBuf;

/// `scenarios/` of this workspace (when run from a checkout), else `./scenarios`.
pub fn default_scenarios_dir() -> PathBuf {
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    match std::fs::canonicalize(&checkout) {
        Ok(dir) if dir.is_dir() => dir,
        _ => PathBuf::from("scenarios"),
    }
}
