//! Tests of the helper, one module per source module, plus the binary against its peers.
mod aws_cli;
mod binary;
mod chain;
mod configure;
mod doctor;
mod endpoint;
mod program;
mod protocol;
mod sign;
mod support;
