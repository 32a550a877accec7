#!/usr/bin/env bash
# GitHub Actions, Linux: the container matrix. Builds the base images with debootstrap (as root:
# sudo on a runner), the static binaries and the images, then runs the container tests with a
# missing engine or image made a failure. Writes target/tmp/git-image-versions.json.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_root=()
[ "$(id -u)" -eq 0 ] || sudo_root=(sudo --preserve-env=DEBIAN_MIRROR)
# An Ubuntu runner has no Debian keyring; debootstrap needs it to check the Release files.
if [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ]; then
  "${sudo_root[@]}" apt-get update -qq
  "${sudo_root[@]}" apt-get install -y -qq debian-archive-keyring debootstrap >/dev/null
fi
read -r -a releases <<<"${CODECOMMIT_MATRIX_RELEASES:-bullseye bookworm trixie forky sid}"
"${sudo_root[@]}" bash docker/base/build.sh "${releases[@]}" bookworm
bash docker/build.sh

export CODECOMMIT_TEST_DOCKER=1
# The host-git test uses the workspace's helper from target/debug.
cargo build --locked -p git-credential-codecommit
cargo test --locked -p codecommit-matrix
