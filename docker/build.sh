#!/usr/bin/env bash
# Builds every image the container matrix uses, offline, reusing whatever already exists:
#
#   1. the base images debian:<release>-slim (docker/base/build.sh: debootstrap + docker import);
#   2. static binaries of the workspace (glibc linked in, so they run on any release's C library),
#      in target/static;
#   3. codecommit-mock:<hash>, codecommit-git:<release>-<hash> and, on top of each git image,
#      codecommit-replay:<release>-<hash> (the suite for another helper's CI: Python, the
#      scenarios, an entrypoint), where <hash> covers the Dockerfile, everything copied into the
#      image and the base image, then tagged codecommit-mock:local, codecommit-git:<release> and
#      codecommit-replay:<release>, the tags the tests use.
#
#   docker/build.sh            all releases: bullseye bookworm trixie forky sid
#   CODECOMMIT_MATRIX_RELEASES="bookworm trixie" docker/build.sh
#   CODECOMMIT_IMAGES=replay docker/build.sh    only these kinds (of mock git replay); the replay
#                                               images need the git images already there
#
# An image whose <hash> tag exists is not built again; docker's layer cache also keeps the
# apt-get layer when only the binaries changed.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a releases <<<"${CODECOMMIT_MATRIX_RELEASES:-bullseye bookworm trixie forky sid}"
read -r -a kinds <<<"${CODECOMMIT_IMAGES:-mock git replay}"
wanted() { [[ " ${kinds[*]} " == *" $1 "* ]]; }
# The mock's own git only runs `git http-backend`; any release does.
mock_release=bookworm
target=x86_64-unknown-linux-gnu
static_dir=target/static
bin_dir=$static_dir/$target/release
# Binaries copied into the git client images (the mock image takes codecommit-mock only): the
# helper, its remote helper for codecommit:// URLs (one build, two binaries) and the replay harness
# with its stand-ins.
client_bins=(git-credential-codecommit git-remote-codecommit codecommit-replay codecommit-standin)
# Added by the replay images: the harness again, from the same build as the scenarios baked in
# beside it, and the canaries, broken helpers that show the gate failing.
replay_bins=(codecommit-replay codecommit-canary)

die() {
  echo "docker/build.sh: $*" >&2
  exit 1
}
timed() {
  local what=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  echo "docker/build.sh: $what took $((SECONDS - start)) s"
  return "$status"
}

mkdir -p target
base_releases=("${releases[@]}")
[[ " ${releases[*]} " == *" $mock_release "* ]] || base_releases+=("$mock_release")
# debootstrap waits on the network and dpkg more than on the CPU: it runs beside the compiler.
base_start=$SECONDS
bash docker/base/build.sh "${base_releases[@]}" >target/docker-base.log 2>&1 &
base_pid=$!

build_static() {
  # Linked as the README installs the helper (.cargo/static-linux.toml: glibc linked in, a
  # static-pie with packed relocations), so the containers replay the installed form on every
  # release. The target is named so the flags apply to the binaries only, not to build scripts
  # and proc macros; ring (the TLS crypto) compiles its C with the same flags. Thin LTO and a
  # single codegen unit are left out: they would double the build time on a fresh 2-core
  # machine for nothing the tests can see.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo build --release --locked --quiet --config .cargo/static-linux.toml \
    --target "$target" --target-dir "$static_dir" -p git-credential-codecommit -p codecommit-mock -p codecommit-replay ||
    return 1
  local b
  for b in codecommit-mock "${client_bins[@]}" "${replay_bins[@]}"; do
    # glibc's ldd says so of a static-pie; a dynamic executable lists its libraries instead.
    if ! ldd "$bin_dir/$b" 2>&1 | grep -q -E 'statically linked|not a dynamic executable'; then
      ldd "$bin_dir/$b" >&2 || true
      die "$bin_dir/$b is missing or dynamically linked; it would not run on every release's glibc"
    fi
  done
}
if ! timed "static binaries" build_static; then
  wait "$base_pid" || true
  die "the static build failed (above)"
fi

if ! wait "$base_pid"; then
  cat target/docker-base.log >&2
  die "base images failed (log above)"
fi
cat target/docker-base.log
echo "docker/build.sh: base images took $((SECONDS - base_start)) s"

# content_hash DIR EXTRA...: a short hash of every file under DIR (names, modes, contents) and EXTRA.
content_hash() {
  local dir=$1
  shift
  {
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum && find . -type f -perm -u+x | LC_ALL=C sort)
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-16
}

# build_image NAME TAG STABLE_TAG CONTEXT RELEASE
build_image() {
  local name=$1 tag=$2 stable=$3 context=$4 release=$5
  if docker image inspect "$name:$tag" >/dev/null 2>&1; then
    echo "$name:$tag: exists, reused"
  else
    local start=$SECONDS
    if ! docker build --quiet --build-arg "RELEASE=$release" -t "$name:$tag" "$context" \
      >"$context.log" 2>&1; then
      tail -n 30 "$context.log" >&2
      die "docker build of $name:$tag failed (log above, whole log in $context.log)"
    fi
    echo "$name:$tag: built in $((SECONDS - start)) s"
  fi
  docker tag "$name:$tag" "$name:$stable"
}

stage=target/docker
rm -rf "$stage"
mkdir -p "$stage"

# The mock image.
if wanted mock; then
  ctx=$stage/mock
  mkdir -p "$ctx/bin"
  cp docker/mock/Dockerfile docker/mock/entrypoint.sh docker/mock/healthcheck.sh "$ctx/"
  cp "$bin_dir/codecommit-mock" "$ctx/bin/"
  base_id=$(docker image inspect -f '{{.Id}}' "debian:$mock_release-slim")
  build_image codecommit-mock "$(content_hash "$ctx" "$mock_release" "$base_id")" local "$ctx" "$mock_release"
fi

if wanted git; then
  # The helper once more, dynamically linked (glibc 2.34 or later): libfaketime moves the clock of a
  # program through LD_PRELOAD, which a static binary ignores, so the replay's scenarios in which
  # time passes need this one. The debug build is the one `cargo test` uses anyway.
  timed "dynamic helper" cargo build --locked --quiet -p git-credential-codecommit
  dynamic_helper=target/static/git-credential-codecommit-dynamic
  cp target/debug/git-credential-codecommit "$dynamic_helper"
  strip "$dynamic_helper"
  # The replay takes the remote helper from beside the tool: the dynamic one beside the dynamic one.
  dynamic_remote=target/static/git-remote-codecommit-dynamic
  cp target/debug/git-remote-codecommit "$dynamic_remote"
  strip "$dynamic_remote"

  # One git client image per release.
  for release in "${releases[@]}"; do
    ctx=$stage/git-$release
    mkdir -p "$ctx/bin" "$ctx/lib"
    cp docker/git/Dockerfile "$ctx/"
    for b in "${client_bins[@]}"; do cp "$bin_dir/$b" "$ctx/bin/"; done
    cp "$dynamic_helper" "$ctx/lib/git-credential-codecommit"
    cp "$dynamic_remote" "$ctx/lib/git-remote-codecommit"
    base_id=$(docker image inspect -f '{{.Id}}' "debian:$release-slim")
    build_image codecommit-git "$release-$(content_hash "$ctx" "$release" "$base_id")" "$release" "$ctx" "$release"
  done
fi

# The replay images, one on top of each git client image: the suite for another helper's CI.
if wanted replay; then
  for release in "${releases[@]}"; do
    ctx=$stage/replay-$release
    mkdir -p "$ctx/bin" "$ctx/scenarios/helpers" "$ctx/scenarios/remotes"
    cp docker/replay/Dockerfile docker/replay/entrypoint.sh "$ctx/"
    for b in "${replay_bins[@]}"; do cp "$bin_dir/$b" "$ctx/bin/"; done
    cp scenarios/*.toml "$ctx/scenarios/"
    cp scenarios/helpers/*.toml "$ctx/scenarios/helpers/"
    cp scenarios/remotes/*.toml "$ctx/scenarios/remotes/"
    git_id=$(docker image inspect -f '{{.Id}}' "codecommit-git:$release") ||
      die "codecommit-git:$release is missing: the replay images are built on it (CODECOMMIT_IMAGES=\"git replay\")"
    build_image codecommit-replay "$release-$(content_hash "$ctx" "$release" "$git_id")" "$release" "$ctx" "$release"
  done
fi

echo "docker/build.sh: images ready ($(printf '%s ' "${kinds[@]}")for ${releases[*]})"
