//! A git credential helper for AWS CodeCommit over HTTPS, and the pieces it is made of.
//!
//! The binary is a drop-in for `aws codecommit credential-helper`. The library is shaped for
//! the other tools that need the same knowledge: a `git-remote-codecommit` (`codecommit://`
//! URLs: [`endpoint::Endpoint::for_region`], [`sign`], [`aws`]); the binary's `doctor` and
//! `configure` use [`endpoint::Endpoint::parse`] for what is CodeCommit's.
//!
//! - [`protocol`]: git's credential protocol on stdin and stdout;
//! - [`endpoint`]: which hosts are CodeCommit's, and their region;
//! - [`sign`]: the SigV4 `GIT` password;
//! - [`aws`]: credentials and region from the AWS SDK for Rust;
//! - [`program`]: the helper itself, `run` with its inputs passed in;
//! - [`doctor`]: the guide's troubleshooting, run on the user's machine;
//! - [`configure`]: `configure`, which writes the recommended git configuration;
//! - [`secret`]: values that never print.
#![forbid(unsafe_code)]

pub mod aws;
pub mod configure;
pub mod doctor;
pub mod endpoint;
pub mod program;
pub mod protocol;
pub mod secret;
pub mod sign;
