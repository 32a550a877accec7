//! Git itself, as this crate knows it: its releases and what each can do ([`release`]), and the
//! git that is running the helper right now ([`caller`]).

pub mod caller;
pub mod release;

pub use release::Version;
