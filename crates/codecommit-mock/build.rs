//! Marks the tests that need a missing external tool as ignored, with the reason in cargo's
//! summary (`codecommit_testkit::build`).
fn main() {
    use codecommit_testkit::build::{Tool, probe_tools};
    probe_tools(&[Tool::Aws, Tool::Grc, Tool::Curl]);
}
