#!/usr/bin/env bash
# Gates a credential helper on the replay in the replay images, from a clean clone of this
# repository: builds the images offline (base images with debootstrap, as root: sudo when not
# root), then runs `codecommit-replay-images` with this script's arguments, for example
#
#   bash ci/replay-images.sh --helper-command /opt/aws/bin/aws --contract aws-cli-v1 \
#     --setup 'python3 -m venv /opt/aws && /opt/aws/bin/pip install awscli==1.46.3' \
#     --out replay-reports
#
# Releases: CODECOMMIT_MATRIX_RELEASES (default all five) for the images and the replay. Paths
# in the arguments are taken from the directory this is run in. Exit status: the driver's (0
# passed, 1 a contract row or variant failed, 2 the run could not be done).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

sudo_root=()
[ "$(id -u)" -eq 0 ] || sudo_root=(sudo --preserve-env=DEBIAN_MIRROR)
read -r -a releases <<<"${CODECOMMIT_MATRIX_RELEASES:-bullseye bookworm trixie forky sid}"
missing=()
for release in "${releases[@]}" bookworm; do
  docker image inspect "debian:$release-slim" >/dev/null 2>&1 || missing+=("$release")
done
if [ ${#missing[@]} -gt 0 ]; then
  # An Ubuntu runner has no Debian keyring; debootstrap needs it to check the Release files.
  if [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ] || ! command -v debootstrap >/dev/null; then
    "${sudo_root[@]}" apt-get update -qq
    "${sudo_root[@]}" apt-get install -y -qq debian-archive-keyring debootstrap >/dev/null
  fi
  "${sudo_root[@]}" bash "$root/docker/base/build.sh" "${missing[@]}"
fi
(cd "$root" && bash docker/build.sh)

exec cargo run --locked --quiet --manifest-path "$root/Cargo.toml" -p codecommit-matrix \
  --bin codecommit-replay-images -- "$@"
