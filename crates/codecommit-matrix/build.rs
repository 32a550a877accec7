//! Marks the container tests as ignored, with the reason in cargo's summary, when there is no
//! Docker engine or it lacks the images `docker/build.sh` makes (`codecommit_testkit::build`).

// The image names and releases, from the one place the crate keeps them.
#[allow(dead_code)]
#[path = "src/images.rs"]
mod images;

fn main() {
    use codecommit_testkit::build::{Tool, probe_tools};
    println!("cargo::rerun-if-env-changed={}", images::RELEASES_ENV);
    println!("cargo::rerun-if-changed=src/images.rs");
    let mut needed = vec![images::mock_image()];
    needed.extend(images::releases().iter().map(|r| images::git_image(r)));
    needed.extend(images::releases().iter().map(|r| images::replay_image(r)));
    probe_tools(&[Tool::Docker { images: needed }]);
}
