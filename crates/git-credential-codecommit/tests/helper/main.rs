//! Tests of the helper, one module per source module, plus the binaries against their peers
//! (`aws_cli`: the AWS CLI's credential helper; `grc`: the Python git-remote-codecommit).
mod aws_cli;
mod binary;
mod chain;
mod configure;
mod doctor;
mod endpoint;
mod grc;
mod program;
mod protocol;
mod remote;
mod sign;
mod support;
