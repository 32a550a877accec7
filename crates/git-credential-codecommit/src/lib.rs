//! A git credential helper for AWS CodeCommit over HTTPS, and the pieces it is made of.
//!
//! One library, two binaries: `git-credential-codecommit`, a drop-in for `aws codecommit
//! credential-helper`, and `git-remote-codecommit`, a drop-in for the Python package of that name
//! (`codecommit://` URLs, [`remote`]). Both take credentials and region from the same chain
//! ([`aws`]) and sign the same way ([`sign`]); the helper's `doctor` and `configure` use
//! [`endpoint::Endpoint::parse`] for what is CodeCommit's.
//!
//! - [`protocol`]: git's credential protocol on stdin and stdout;
//! - [`endpoint`]: which hosts are CodeCommit's, and their region;
//! - [`sign`]: the SigV4 `GIT` password;
//! - [`git`]: git's releases and what each does with a helper's answer, and the git calling it;
//! - [`aws`]: credentials and region from the AWS SDK for Rust;
//! - [`program`]: the helper itself, `run` with its inputs passed in;
//! - [`remote`]: `git-remote-codecommit`, the remote helper for `codecommit://` URLs;
//! - [`doctor`]: the guide's troubleshooting, run on the user's machine;
//! - [`configure`]: `configure`, which writes the recommended git configuration;
//! - [`secret`]: values that never print.
#![forbid(unsafe_code)]

pub mod aws;
pub mod configure;
pub mod doctor;
pub mod endpoint;
pub mod git;
pub mod program;
pub mod protocol;
pub mod remote;
pub mod secret;
pub mod sign;
